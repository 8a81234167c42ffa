/// ARG scoping as Docker's builder applies it (moby `buildArgs`):
///
/// - ARGs before the first FROM are global: usable in FROM lines only.
/// - Each stage starts with no args visible; `ARG NAME` (no default) redeclares a global
///   and takes its value, `ARG NAME=default` declares a stage arg; from that line on it
///   is visible to later instructions (expansion and RUN environment).
/// - A `--build-arg` value overrides the default of any declared arg.
/// - ENV wins over an ARG of the same name.
/// - The proxy args (`HTTP_PROXY`...) given with `--build-arg` are visible without ARG
///   and are left out of the image history.
///
/// Value type: copy it per stage when stages build in parallel, and union `referenced`
/// for the "not consumed" warning.
public struct BuildArgs: Sendable, Equatable {
    /// Docker's predefined args, usable without an ARG instruction.
    public static let predefined: Set<String> = [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    ]

    /// `--build-arg` values; a nil value is a name given without value and unset on the client.
    public let options: [String: String?]
    /// Global args: declared before the first FROM (defaults expanded), plus the automatic
    /// ones given at init (`TARGETPLATFORM`...).
    public private(set) var global: [String: String?]
    /// Args declared in the current stage (defaults expanded); nil = no default.
    public private(set) var stage: [String: String?] = [:]
    /// Names declared by any ARG so far.
    public private(set) var referenced: Set<String> = []

    public init(options: [String: String?] = [:], automatic: [String: String] = [:]) {
        self.options = options
        self.global = automatic.mapValues { Optional($0) }
    }

    /// An ARG before the first FROM (`Dockerfile.metaArgs`). Its defaults are expanded
    /// with the global args so far.
    public mutating func declareGlobal(_ node: InstructionNode, expander: ShellWordExpander,
                                       fileName: String = "Dockerfile") throws {
        guard case .arg = node.instruction else { return }
        let expanded = try node.expanded(using: expander, env: globalEnvironment, fileName: fileName)
        guard case .arg(let arg) = expanded.instruction else { return }
        for d in arg.declarations {
            global[d.name] = .some(d.defaultValue)
            referenced.insert(d.name)
        }
    }

    /// Values for FROM lines: global args with `--build-arg` overrides, and predefined
    /// args given with `--build-arg`.
    public var globalEnvironment: [String: String] { allowedValues(global) }

    /// Call at each FROM: stage args of the previous stage are forgotten.
    public mutating func beginStage() { stage = [:] }

    /// An ARG inside a stage, after `InstructionNode.expanded` with `expansionEnvironment`.
    public mutating func declare(_ arg: ArgInstruction) {
        for d in arg.declarations {
            stage[d.name] = .some(d.defaultValue)
            referenced.insert(d.name)
        }
    }

    /// The value of an arg visible in the current stage, or nil.
    public func value(of name: String) -> String? {
        guard stage.keys.contains(name) || Self.predefined.contains(name) else { return nil }
        return resolve(name, in: stage)
    }

    /// What `$VAR` sees in a stage instruction: visible args with a value, overridden by `env`.
    public func expansionEnvironment(env: [String: String]) -> [String: String] {
        allowedValues(stage).merging(env) { _, fromEnv in fromEnv }
    }

    /// Variables to add to a RUN's environment: visible args with a value that ENV does not set.
    public func runEnvironment(env: [String: String]) -> [String: String] {
        allowedValues(stage).filter { env[$0.key] == nil }
    }

    /// `--build-arg` names no ARG declared (predefined ones excepted), sorted.
    public var unusedOptions: [String] {
        options.keys.filter { !referenced.contains($0) && !Self.predefined.contains($0) }.sorted()
    }

    /// Docker's warning for unused build args, or nil.
    public static func unusedWarning(_ names: [String]) -> String? {
        names.isEmpty ? nil : "[Warning] One or more build-args [\(names.joined(separator: " "))] were not consumed"
    }

    /// moby `getBuildArg`: option override, else the declared default, else the global value.
    private func resolve(_ name: String, in mapping: [String: String?]) -> String? {
        if let option = options[name], let value = option { return value }
        if let declared = mapping[name], let value = declared { return value }
        if let g = global[name], let value = g { return value }
        return nil
    }

    private func allowedValues(_ mapping: [String: String?]) -> [String: String] {
        var out: [String: String] = [:]
        for name in Set(mapping.keys).union(Self.predefined) {
            if let v = resolve(name, in: mapping) { out[name] = v }
        }
        return out
    }
}
