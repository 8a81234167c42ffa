/// A parsed Dockerfile: directives, global ARGs and build stages, every instruction
/// typed and located. Produced by `DockerfileParser.parse`.
public struct Dockerfile: Sendable, Equatable {
    /// The name used in messages (`Dockerfile`, `build/prod.Dockerfile`).
    public var fileName: String
    public var directives: ParserDirectives
    /// ARG instructions before the first FROM (usable in FROM lines only, unless redeclared).
    public var metaArgs: [InstructionNode]
    public var stages: [Stage]
    /// Non-fatal findings, as Docker prints them (`[WARNING]: Empty continuation line ...`).
    public var warnings: [ParseWarning]
    /// The physical lines of the file, line endings removed (index 0 is line 1).
    public var sourceLines: [String]

    /// The escape / line-continuation character in effect.
    public var escapeToken: Character { directives.escapeToken }

    /// Every instruction in file order (meta ARGs, then each stage's FROM and commands).
    public var instructions: [InstructionNode] {
        metaArgs + stages.flatMap { [$0.fromNode] + $0.commands }
    }

    /// The stage `COPY --from=<name>` / `FROM <name>` refers to: a stage name
    /// (case-insensitive; the last one with that name, as Docker registers them) or an
    /// index (`--from=0`). With `before`, only stages before that index are considered
    /// (a stage can only use earlier stages).
    public func stage(named name: String, before: Int? = nil) -> Stage? {
        let candidates = stages.prefix(before.map { max(0, min($0, stages.count)) } ?? stages.count)
        let lower = name.lowercased()
        if let s = candidates.last(where: { $0.name == lower }) { return s }
        if let index = Int(name), candidates.indices.contains(index) { return candidates[index] }
        return nil
    }

    /// The source text of an instruction (or any range): its physical lines joined with `\n`.
    public func sourceText(of range: SourceRange) -> String {
        let lo = max(range.startLine, 1) - 1
        let hi = min(range.endLine, sourceLines.count)
        guard lo < hi else { return "" }
        return sourceLines[lo..<hi].joined(separator: "\n")
    }

    public init(fileName: String, directives: ParserDirectives, metaArgs: [InstructionNode],
                stages: [Stage], warnings: [ParseWarning], sourceLines: [String] = []) {
        self.fileName = fileName
        self.directives = directives
        self.metaArgs = metaArgs
        self.stages = stages
        self.warnings = warnings
        self.sourceLines = sourceLines
    }
}

/// One `FROM` and the instructions up to the next `FROM`.
public struct Stage: Sendable, Equatable {
    /// Position among the stages (0-based, the value `COPY --from=<index>` refers to).
    public var index: Int
    /// The FROM line.
    public var fromNode: InstructionNode
    public var from: FromInstruction
    /// Instructions after FROM, in order.
    public var commands: [InstructionNode]

    /// The lowercased `AS` name, if any.
    public var name: String? { from.stageName }

    public init(index: Int, fromNode: InstructionNode, from: FromInstruction, commands: [InstructionNode]) {
        self.index = index
        self.fromNode = fromNode
        self.from = from
        self.commands = commands
    }
}

/// A non-fatal parser finding.
public struct ParseWarning: Sendable, Equatable {
    public var message: String
    public var line: Int

    public init(message: String, line: Int) {
        self.message = message
        self.line = line
    }
}
