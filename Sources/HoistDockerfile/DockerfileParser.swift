import HoistCore

/// Entry point: Dockerfile text → `Dockerfile`. Pure; errors are
/// `HoistError(.invalidArgument)` whose message names the file and line
/// (`Dockerfile:4: unknown instruction: RUNN (did you mean RUN?)`) and whose cause is a
/// `DockerfileError` carrying Docker's own wording.
///
/// How a builder uses the module (values stay unexpanded in the AST):
///
///     let df = try DockerfileParser.parse(text, fileName: "Dockerfile")
///     let lexer = ShellWordExpander(escape: df.escapeToken)
///     var args = BuildArgs(options: buildArgs, automatic: ["TARGETPLATFORM": "linux/amd64"])
///     for meta in df.metaArgs { try args.declareGlobal(meta, expander: lexer, fileName: df.fileName) }
///     for stage in df.stages {
///         let from = try stage.fromNode.expanded(using: lexer, env: args.globalEnvironment)
///         args.beginStage()
///         var env = baseImageEnv                          // [String: String]
///         for node in stage.commands {
///             let step = try node.expanded(using: lexer, env: args.expansionEnvironment(env: env),
///                                          fileName: df.fileName)
///             switch step.instruction {
///             case .arg(let a): args.declare(a)
///             case .env(let e): for p in e.pairs { env[p.key] = p.value }
///             case .run(let r): /* run r.command with env + args.runEnvironment(env: env) */
///             ...
///             }
///         }
///     }
///     if let w = BuildArgs.unusedWarning(args.unusedOptions) { print(w) }
public enum DockerfileParser {
    public static func parse(_ text: String, fileName: String = "Dockerfile") throws -> Dockerfile {
        let output: LineJoiner.Output
        do {
            output = try LineJoiner.run(text)
        } catch {
            throw dockerfileError(error.detail, file: fileName, location: error.location)
        }

        var metaArgs: [InstructionNode] = []
        var stages: [Stage] = []
        for raw in output.nodes {
            let node = try typed(raw, fileName: fileName)
            switch node.instruction {
            case .arg where stages.isEmpty:
                metaArgs.append(node)
            case .from(let from):
                stages.append(Stage(index: stages.count, fromNode: node, from: from, commands: []))
            default:
                guard !stages.isEmpty else {
                    throw dockerfileError("no build stage in current context", file: fileName, location: raw.location)
                }
                stages[stages.count - 1].commands.append(node)
            }
        }
        if stages.isEmpty {
            throw dockerfileError("dockerfile contains no stages to build", file: fileName, location: nil)
        }
        var lines = LineJoiner.physicalLines(text).map { LineJoiner.trimNewline($0) }
        if let first = lines.first, first.unicodeScalars.first == "\u{FEFF}" {
            lines[0] = GoText.string(first.unicodeScalars.dropFirst())
        }
        return Dockerfile(fileName: fileName, directives: output.directives, metaArgs: metaArgs,
                          stages: stages, warnings: output.warnings, sourceLines: lines)
    }

    /// Parses an ONBUILD trigger expression (as stored in an image config) when the image
    /// is used as a base, the way Docker does: a one-instruction Dockerfile with the
    /// default escape character. FROM, MAINTAINER and ONBUILD are refused.
    public static func parseTrigger(_ expression: String, fileName: String = "Dockerfile") throws -> InstructionNode {
        let output: LineJoiner.Output
        do {
            output = try LineJoiner.run(expression)
        } catch {
            throw dockerfileError(error.detail, file: fileName, location: error.location)
        }
        guard output.nodes.count == 1, let raw = output.nodes.first else {
            throw dockerfileError("onbuild trigger should be a single expression", file: fileName, location: nil)
        }
        switch raw.command {
        case "onbuild":
            throw dockerfileError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", file: fileName, location: raw.location)
        case "from", "maintainer":
            throw dockerfileError("\(raw.command.uppercased()) isn't allowed as an ONBUILD trigger",
                                  file: fileName, location: raw.location)
        default:
            return try typed(raw, fileName: fileName)
        }
    }

    static func typed(_ raw: RawNode, fileName: String) throws -> InstructionNode {
        do {
            let instruction = try InstructionParser.parse(raw)
            return InstructionNode(instruction: instruction, keyword: raw.keyword, original: raw.original,
                                   location: raw.location, flags: raw.flags, comments: raw.comments)
        } catch {
            throw dockerfileError(error.detail, file: fileName, location: raw.location, instruction: true)
        }
    }
}
