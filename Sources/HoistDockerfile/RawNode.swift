/// First-stage parse result of one logical line, before typing (BuildKit's AST `Node`).
struct RawNode {
    /// The instruction word as written (`run`, `RUN`).
    var keyword: String
    /// Lowercased `keyword`.
    var command: String
    /// Builder flags (`--from=build`), in order, values unquoted.
    var flags: [String]
    /// Arguments as Docker's `nodeArgs` sees them (see `ArgumentParsers`).
    var args: [String]
    /// ENV / LABEL pairs (the only name-value instructions parsed at this stage).
    var pairs: [KeyValuePair] = []
    /// True when the arguments were a JSON array (exec form).
    var isJSON = false
    /// ONBUILD's wrapped instruction.
    var children: [RawNode] = []
    /// The logical line: physical lines joined, continuation characters removed.
    var original: String
    var heredocs: [Heredoc] = []
    var location = SourceRange(line: 0)
    var comments: [String] = []

    /// RUN, COPY and ADD in shell form may carry heredocs (also when wrapped in ONBUILD).
    var canContainHeredoc: Bool {
        let target = command == "onbuild" ? children.first : self
        guard let target else { return false }
        return ["run", "copy", "add"].contains(target.command) && !target.isJSON
    }

    /// Splits a logical line into instruction word, flags and argument text, then runs
    /// the instruction's argument parser. Unknown instructions keep empty arguments:
    /// they are reported by the second stage, as Docker does.
    static func make(line: String, escape: Unicode.Scalar, comments: [String]) throws(DetailError) -> RawNode {
        let trimmed = GoText.trimSpace(line)
        let parts = GoText.split(trimmed, maxParts: 2, on: GoText.isTokenSpace)
        let keyword = parts[0]
        var flags: [String] = []
        var rest = ""
        if parts.count == 2 {
            (rest, flags) = BuilderFlagScanner.extract(parts[1])
            rest = GoText.trimSpace(rest)
        }
        var node = RawNode(keyword: keyword, command: keyword.lowercased(), flags: flags, args: [], original: line)
        node.comments = comments
        try ArgumentParsers.fill(&node, rest: rest, escape: escape)
        return node
    }
}

/// Extracts leading `--name[=value]` words (BuildKit's `extractBuilderFlags`): quotes
/// and `\` are processed inside flags; `--` ends the flags.
enum BuilderFlagScanner {
    static func extract(_ line: String) -> (rest: String, flags: [String]) {
        let s = Array(line.unicodeScalars)
        var flags: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar?
        var blankOK = false
        var pos = 0

        func restFrom(_ p: Int) -> String { String(String.UnicodeScalarView(s[p...])) }

        while pos <= s.count {
            if !inWord {
                if pos == s.count { break }
                let ch = s[pos]
                if GoText.isSpace(ch) { pos += 1; continue }
                // Only words starting with `--` are flags; the rest are arguments.
                if ch != "-" || pos + 1 == s.count || s[pos + 1] != "-" {
                    return (restFrom(pos), flags)
                }
                inWord = true
            }
            if pos == s.count {
                if String(word) != "--" && (blankOK || !word.isEmpty) { flags.append(String(word)) }
                break
            }
            let ch = s[pos]
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" {
                    if pos + 1 == s.count { quote = nil } else { pos += 1; word.append(s[pos]) }
                } else {
                    word.append(ch)
                }
                pos += 1
                continue
            }
            if GoText.isSpace(ch) {
                inWord = false
                if String(word) == "--" { return (restFrom(pos), flags) }
                if blankOK || !word.isEmpty { flags.append(String(word)) }
                word = .init()
                blankOK = false
                pos += 1
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                blankOK = true
            } else if ch == "\\" {
                if pos + 1 < s.count {
                    pos += 1
                    word.append(s[pos])
                }
            } else {
                word.append(ch)
            }
            pos += 1
        }
        return ("", flags)
    }
}
