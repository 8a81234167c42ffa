// Instructions that only change the image config (no filesystem layer).

/// `ENV key=value ...` or legacy `ENV key value`. Every pair is expanded against the
/// environment as it was *before* this instruction (`ENV a=1 b=$a` sees the old `a`).
public struct EnvInstruction: Sendable, Equatable {
    public var pairs: [KeyValuePair]
    public init(pairs: [KeyValuePair]) { self.pairs = pairs }
}

/// `LABEL key=value ...` (legacy `LABEL key value` also accepted).
public struct LabelInstruction: Sendable, Equatable {
    public var pairs: [KeyValuePair]
    public init(pairs: [KeyValuePair]) { self.pairs = pairs }
}

/// One name of an ARG instruction.
public struct ArgDeclaration: Sendable, Equatable {
    public var name: String
    /// The default as written (quotes kept until expansion); nil for `ARG NAME`.
    public var defaultValue: String?
    public init(name: String, defaultValue: String? = nil) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// `ARG name[=default] ...`. Before the first FROM it declares a global ("meta") arg
/// usable in FROM lines only; inside a stage it makes the arg visible from that line on.
public struct ArgInstruction: Sendable, Equatable {
    public var declarations: [ArgDeclaration]
    public init(declarations: [ArgDeclaration]) { self.declarations = declarations }
}

/// `EXPOSE 80/tcp 53/udp ...`; Docker sorts the list at parse time.
public struct ExposeInstruction: Sendable, Equatable {
    public var ports: [String]
    public init(ports: [String]) { self.ports = ports }
}

/// `WORKDIR /path` (the whole rest of the line, spaces included).
public struct WorkdirInstruction: Sendable, Equatable {
    public var path: String
    public init(path: String) { self.path = path }
}

/// `USER user[:group]`.
public struct UserInstruction: Sendable, Equatable {
    public var user: String
    public init(user: String) { self.user = user }
}

/// `VOLUME ["/a", "/b"]` or `VOLUME /a /b`.
public struct VolumeInstruction: Sendable, Equatable {
    public var paths: [String]
    public init(paths: [String]) { self.paths = paths }
}

/// `STOPSIGNAL SIGTERM` (a name or a number).
public struct StopSignalInstruction: Sendable, Equatable {
    public var signal: String
    public init(signal: String) { self.signal = signal }
}

/// `SHELL ["executable", "params"]`: JSON form only.
public struct ShellInstruction: Sendable, Equatable {
    public var shell: [String]
    public init(shell: [String]) { self.shell = shell }
}

/// `ONBUILD <instruction>`: stored in the image config and run when the image is used
/// as a base. `expression` is the trigger text (heredoc bodies appended as Docker does);
/// `DockerfileParser.parseTrigger` turns it back into an instruction.
public struct OnbuildInstruction: Sendable, Equatable {
    public var expression: String
    /// The trigger's instruction word, upper-cased (`RUN`).
    public var triggerName: String
    public init(expression: String, triggerName: String) {
        self.expression = expression
        self.triggerName = triggerName
    }
}

/// `MAINTAINER name` (deprecated; sets the image author).
public struct MaintainerInstruction: Sendable, Equatable {
    public var maintainer: String
    public init(maintainer: String) { self.maintainer = maintainer }
}
