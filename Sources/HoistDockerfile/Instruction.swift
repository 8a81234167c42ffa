/// One instruction of a Dockerfile with its source position.
///
/// All values are as written (unexpanded). Before dispatching a step the builder calls
/// `expanded(using:env:)` with the step's environment (see `BuildArgs`), which
/// substitutes variables exactly where Docker does.
public struct InstructionNode: Sendable, Equatable {
    public var instruction: Instruction
    /// The instruction word as written (`run`, `Run`, `RUN`).
    public var keyword: String
    /// Docker's `Original`: the logical line, physical lines joined with continuation
    /// characters and comment lines removed.
    public var original: String
    /// The physical lines covered, including continuation and heredoc body lines.
    public var location: SourceRange
    /// The builder flags as written, unquoted (`--from=build`, `--mount=type=cache,target=/x`).
    public var flags: [String]
    /// Comment lines directly above the instruction (without `#`), as BuildKit collects them.
    public var comments: [String]

    /// `original` trimmed: what Docker shows in `Step 3/9 : ...` and uses in history/cache keys.
    public var code: String { GoText.trimSpace(original) }

    public init(instruction: Instruction, keyword: String, original: String, location: SourceRange,
                flags: [String] = [], comments: [String] = []) {
        self.instruction = instruction
        self.keyword = keyword
        self.original = original
        self.location = location
        self.flags = flags
        self.comments = comments
    }
}

/// The typed instructions. Each payload documents its fields; see the Dockerfile
/// reference for their meaning.
public enum Instruction: Sendable, Equatable {
    case from(FromInstruction)
    case run(RunInstruction)
    case cmd(CommandForm)
    /// ENTRYPOINT; an empty exec form (`ENTRYPOINT []`) clears the inherited entrypoint.
    case entrypoint(CommandForm)
    case env(EnvInstruction)
    case arg(ArgInstruction)
    case label(LabelInstruction)
    case expose(ExposeInstruction)
    case workdir(WorkdirInstruction)
    case copy(CopyInstruction)
    case add(AddInstruction)
    case user(UserInstruction)
    case volume(VolumeInstruction)
    case stopSignal(StopSignalInstruction)
    case healthcheck(HealthcheckInstruction)
    case shell(ShellInstruction)
    case onbuild(OnbuildInstruction)
    /// MAINTAINER (deprecated): sets the image's `author`.
    case maintainer(MaintainerInstruction)

    /// The canonical upper-case name (`RUN`).
    public var name: String {
        switch self {
        case .from: "FROM"
        case .run: "RUN"
        case .cmd: "CMD"
        case .entrypoint: "ENTRYPOINT"
        case .env: "ENV"
        case .arg: "ARG"
        case .label: "LABEL"
        case .expose: "EXPOSE"
        case .workdir: "WORKDIR"
        case .copy: "COPY"
        case .add: "ADD"
        case .user: "USER"
        case .volume: "VOLUME"
        case .stopSignal: "STOPSIGNAL"
        case .healthcheck: "HEALTHCHECK"
        case .shell: "SHELL"
        case .onbuild: "ONBUILD"
        case .maintainer: "MAINTAINER"
        }
    }

    /// True for the instructions whose arguments the builder substitutes variables in.
    public var supportsExpansion: Bool {
        switch self {
        case .from, .run, .env, .arg, .label, .expose, .workdir, .copy, .add, .user, .volume, .stopSignal:
            true
        case .cmd, .entrypoint, .healthcheck, .shell, .onbuild, .maintainer:
            false
        }
    }
}

/// The command of RUN, CMD and ENTRYPOINT (and HEALTHCHECK CMD), as Docker keeps it.
public struct CommandForm: Sendable, Equatable {
    /// Exec form: the argv as written in the JSON array. Shell form: one element, the
    /// command text as written (empty when the instruction had no argument at all).
    public var arguments: [String]
    /// True for the shell form: the stage's SHELL (default `["/bin/sh", "-c"]`) is
    /// prepended when the command runs.
    public var prependShell: Bool

    public init(arguments: [String], prependShell: Bool) {
        self.arguments = arguments
        self.prependShell = prependShell
    }

    public static func shell(_ text: String) -> CommandForm { .init(arguments: [text], prependShell: true) }
    public static func exec(_ argv: [String]) -> CommandForm { .init(arguments: argv, prependShell: false) }

    public var isExecForm: Bool { !prependShell }

    /// The argv to run: `shell + arguments` for the shell form, `arguments` otherwise.
    public func argv(shell: [String]) -> [String] { prependShell ? shell + arguments : arguments }
}

/// A `key=value` item of ENV or LABEL.
public struct KeyValuePair: Sendable, Equatable {
    public var key: String
    /// The value as written; quotes are removed by expansion.
    public var value: String
    /// Written in the legacy `ENV KEY value` form (no `=`).
    public var legacySyntax: Bool

    public init(key: String, value: String, legacySyntax: Bool = false) {
        self.key = key
        self.value = value
        self.legacySyntax = legacySyntax
    }
}
