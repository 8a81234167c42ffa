/// First stage of parsing (BuildKit's `parser.Parse`): physical lines → logical
/// instruction lines. Handles the BOM, parser directives, comments, line continuations
/// (including comment and empty lines inside them) and heredoc bodies.
struct LineJoiner {
    struct Output {
        var nodes: [RawNode]
        var directives: ParserDirectives
        var warnings: [ParseWarning]
    }

    /// A failure with its position, turned into a `DockerfileError` by the caller.
    struct Failure: Error {
        var detail: String
        var location: SourceRange?
    }

    /// Splits after each `\n`, keeping line endings; no empty last line.
    static func physicalLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var i = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        while i < scalars.endIndex {
            let next = scalars.index(after: i)
            if scalars[i] == "\n" {
                lines.append(text[start..<next])
                start = next
            }
            i = next
        }
        if start < text.endIndex { lines.append(text[start...]) }
        return lines
    }

    static func trimNewline<S: StringProtocol>(_ s: S) -> String {
        GoText.trimRight(s) { $0 == "\r" || $0 == "\n" }
    }

    static func isComment<S: StringProtocol>(_ line: S) -> Bool {
        GoText.trimLeft(trimNewline(line), GoText.isSpace).unicodeScalars.first == "#"
    }

    /// Removes a trailing continuation character (`([^e])e[ \t]*$|^e[ \t]*$`).
    static func trimContinuation(_ line: String, escape: Unicode.Scalar) -> (String, continues: Bool) {
        let body = GoText.trimRight(line) { $0 == " " || $0 == "\t" }
        let s = Array(body.unicodeScalars)
        guard let last = s.last, last == escape else { return (line, false) }
        if s.count == 1 { return ("", true) }
        if s[s.count - 2] == escape { return (line, false) }
        return (String(String.UnicodeScalarView(s.dropLast())), true)
    }

    static func run(_ text: String) throws(Failure) -> Output {
        var directives = DirectiveScanner()
        var escape: Unicode.Scalar = "\\"
        var nodes: [RawNode] = []
        var warnings: [ParseWarning] = []
        var comments: [String] = []
        let lines = physicalLines(text)
        var index = 0
        var currentLine = 0

        // Newline and (optionally) leading whitespace removed, whole-line comments
        // blanked; also feeds the directive scanner.
        func process(_ raw: Substring, stripLeft: Bool, lineNumber: Int) throws(Failure) -> String {
            var token = trimNewline(raw)
            if stripLeft { token = GoText.trimLeft(token, GoText.isSpace) }
            do {
                if let e = try directives.consider(token, lineNumber: lineNumber) {
                    escape = e.unicodeScalars.first ?? "\\"
                }
            } catch {
                throw Failure(detail: error.detail, location: SourceRange(line: lineNumber))
            }
            return token.unicodeScalars.first == "#" ? "" : token
        }

        while index < lines.count {
            var raw = lines[index]
            index += 1
            if currentLine == 0, raw.unicodeScalars.first == "\u{FEFF}" {
                raw = Substring(raw.unicodeScalars.dropFirst())
            }
            if isComment(raw) {
                let text = GoText.trimLeft(raw, GoText.isSpace)
                let comment = GoText.trimSpace(GoText.string(text.unicodeScalars.dropFirst()))
                if comment.isEmpty { comments = [] } else { comments.append(comment) }
            }
            let processed = try process(raw, stripLeft: true, lineNumber: currentLine + 1)
            currentLine += 1
            let startLine = currentLine
            var (line, continues) = trimContinuation(processed, escape: escape)
            if !continues && line.isEmpty { continue }

            var sawEmptyContinuation = false
            while continues && index < lines.count {
                let next = lines[index]
                index += 1
                let text = try process(next, stripLeft: false, lineNumber: currentLine + 1)
                currentLine += 1
                if isComment(next) { continue }
                if GoText.trimLeft(text, GoText.isSpace).isEmpty {
                    sawEmptyContinuation = true
                    continue
                }
                let (piece, more) = trimContinuation(text, escape: escape)
                line += piece
                continues = more
            }
            if sawEmptyContinuation {
                warnings.append(ParseWarning(message: "Empty continuation line found in: \(line)", line: currentLine))
            }

            var node: RawNode
            do {
                node = try RawNode.make(line: line, escape: escape, comments: comments)
            } catch {
                throw Failure(detail: error.detail, location: SourceRange(startLine: startLine, endLine: currentLine))
            }

            if node.canContainHeredoc {
                let markers: [Heredoc]
                do {
                    markers = try Heredoc.markers(inLine: line)
                } catch {
                    throw Failure(detail: error.detail, location: SourceRange(startLine: startLine, endLine: currentLine))
                }
                for var doc in markers {
                    var terminated = false
                    while index < lines.count {
                        let bodyLine = lines[index]
                        index += 1
                        currentLine += 1
                        var candidate = trimNewline(bodyLine)
                        if doc.chomp { candidate = GoText.trimLeft(candidate) { $0 == "\t" } }
                        if candidate.unicodeScalars.elementsEqual(doc.name.unicodeScalars) {
                            terminated = true
                            break
                        }
                        doc.rawContent += bodyLine
                    }
                    if !terminated {
                        throw Failure(detail: "unterminated heredoc",
                                      location: SourceRange(startLine: startLine, endLine: currentLine))
                    }
                    node.heredocs.append(doc)
                }
            }
            node.location = SourceRange(startLine: startLine, endLine: currentLine)
            nodes.append(node)
            comments = []
        }

        if nodes.isEmpty {
            throw Failure(detail: "file with no instructions", location: currentLine > 0 ? SourceRange(line: currentLine) : nil)
        }
        return Output(nodes: nodes, directives: directives.directives, warnings: warnings)
    }
}
