/// `RUN [--mount=...] [--network=...] [--security=...] <command>` (shell, exec or heredoc form).
public struct RunInstruction: Sendable, Equatable {
    public var command: CommandForm
    /// Heredocs of the shell form, in order (`RUN <<EOF`, `RUN python3 <<'PY'`).
    public var heredocs: [Heredoc]
    /// `--mount` values (unexpanded; resolve with `RunMount.resolved`).
    public var mounts: [RunMount]
    /// `--network=default|none|host`, nil when absent.
    public var network: String?
    /// `--security=sandbox|insecure`, nil when absent.
    public var security: String?

    public init(command: CommandForm, heredocs: [Heredoc] = [], mounts: [RunMount] = [],
                network: String? = nil, security: String? = nil) {
        self.command = command
        self.heredocs = heredocs
        self.mounts = mounts
        self.network = network
        self.security = security
    }

    /// How BuildKit turns a heredoc RUN into a process.
    public enum HeredocExecution: Sendable, Equatable {
        /// `RUN <<EOF` whose body starts with `#!`: write `content` to an executable
        /// file named `name` and run that file alone (no shell).
        case scriptFile(name: String, content: String)
        /// `RUN <<EOF` without shebang: the body is the shell command.
        case shellCommand(String)
        /// Anything else (`RUN python3 <<EOF`, several heredocs): the command line, then
        /// each body and terminator, given as one text to the shell.
        case shellWithHeredocs(String)
    }

    /// nil when the RUN has no heredoc.
    public var heredocExecution: HeredocExecution? {
        guard let first = heredocs.first, command.prependShell, command.arguments.count == 1 else { return nil }
        let line = command.arguments[0]
        let singleMarker = (try? Heredoc.parseMarker(line)) ?? nil
        if singleMarker != nil {
            if first.rawContent.hasPrefix("#!") {
                return .scriptFile(name: first.name, content: first.content)
            }
            return .shellCommand(first.content)
        }
        var full = line
        for doc in heredocs { full += "\n" + doc.rawContent + doc.name }
        return .shellWithHeredocs(full)
    }
}
