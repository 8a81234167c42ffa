import HoistCore

/// Lines of the Dockerfile an instruction (or an error) covers, 1-based and inclusive.
public struct SourceRange: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var startLine: Int
    public var endLine: Int

    public init(startLine: Int, endLine: Int) {
        self.startLine = startLine
        self.endLine = max(startLine, endLine)
    }

    public init(line: Int) { self.init(startLine: line, endLine: line) }

    public var description: String {
        startLine == endLine ? "\(startLine)" : "\(startLine)-\(endLine)"
    }
}

/// The structured cause attached to every `HoistError` thrown by this module.
///
/// `HoistError.message` reads `Dockerfile:4: unknown instruction: RUNN`; `dockerMessage`
/// is the text Docker itself prints (`dockerfile parse error on line 4: unknown
/// instruction: RUNN`), for API answers that must look like Docker's.
public struct DockerfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var fileName: String
    public var location: SourceRange?
    /// Docker's wording of the problem without any location (`FROM requires either one or three arguments`).
    public var detail: String
    /// True when Docker reports it as an instruction error (prefixed `dockerfile parse error on line N:`).
    public var isInstructionError: Bool

    public var dockerMessage: String {
        if isInstructionError, let location {
            return "dockerfile parse error on line \(location.startLine): \(detail)"
        }
        return detail
    }

    public var description: String {
        guard let location else { return "\(fileName): \(detail)" }
        return "\(fileName):\(location.startLine): \(detail)"
    }

    var hoistError: HoistError { HoistError(.invalidArgument, description, cause: self) }
}

/// Internal error carrying only Docker's wording; the parser attaches file and lines.
struct DetailError: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}

extension HoistError {
    /// The `DockerfileError` behind a parse or expansion failure, if any.
    public var dockerfileError: DockerfileError? { cause as? DockerfileError }
}

func dockerfileError(
    _ detail: String, file: String, location: SourceRange?, instruction: Bool = false
) -> HoistError {
    DockerfileError(fileName: file, location: location, detail: detail, isInstructionError: instruction).hoistError
}
