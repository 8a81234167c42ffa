/// Per-instruction argument splitting of the first stage (BuildKit's `line_parsers.go`).
/// Nothing is expanded here; quotes inside ENV/LABEL/ARG values are kept and removed
/// later by `ShellWordExpander`.
enum ArgumentParsers {
    static let instructionNames = [
        "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck",
        "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
    ]

    static func fill(_ node: inout RawNode, rest: String, escape: Unicode.Scalar) throws(DetailError) {
        switch node.command {
        case "add", "copy", "volume":
            try maybeJSONToList(&node, rest)
        case "cmd", "entrypoint", "run", "shell":
            try maybeJSON(&node, rest)
        case "arg":
            node.args = words(rest, escape: escape)
        case "env", "label":
            node.pairs = try nameValues(rest, key: node.command.uppercased(), escape: escape)
        case "expose", "from":
            node.args = rest.isEmpty ? [] : GoText.split(rest, on: GoText.isTokenSpace)
        case "healthcheck":
            try healthConfig(&node, rest)
        case "maintainer", "stopsignal", "user", "workdir":
            node.args = rest.isEmpty ? [] : [rest]
        case "onbuild":
            guard !rest.isEmpty else { return }
            let child = try RawNode.make(line: rest, escape: escape, comments: [])
            node.children = [child]
            node.args = [child.keyword] + child.args
        default:
            break  // unknown: reported with a location by the instruction parser
        }
    }

    /// Splits on whitespace, keeping quoted runs (with their quotes) and escapes in
    /// words (BuildKit's `parseWords`).
    static func words(_ rest: String, escape: Unicode.Scalar) -> [String] {
        let s = Array(rest.unicodeScalars)
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar?
        var blankOK = false
        var pos = 0
        while pos <= s.count {
            if !inWord && quote == nil {
                if pos == s.count { break }
                if GoText.isSpace(s[pos]) { pos += 1; continue }
                inWord = true
            }
            if pos == s.count {
                if blankOK || !word.isEmpty { words.append(String(word)) }
                break
            }
            var ch = s[pos]
            if let q = quote {
                if ch == q { quote = nil }
                // Inside '' nothing can be escaped.
                if ch == escape && q != "'" {
                    if pos + 1 == s.count {
                        quote = nil
                        pos += 1
                        continue
                    }
                    word.append(ch)
                    pos += 1
                    ch = s[pos]
                }
                word.append(ch)
                pos += 1
                continue
            }
            if GoText.isSpace(ch) {
                inWord = false
                if blankOK || !word.isEmpty { words.append(String(word)) }
                word = .init()
                blankOK = false
                pos += 1
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                blankOK = true
            }
            if ch == escape {
                if pos + 1 == s.count { pos += 1; continue }
                // An escaped character (even a quote) is kept with its escape.
                word.append(ch)
                pos += 1
                ch = s[pos]
            }
            word.append(ch)
            pos += 1
        }
        return words
    }

    /// ENV / LABEL: `K=V K2=V2` or the legacy `K value with spaces`.
    static func nameValues(_ rest: String, key: String, escape: Unicode.Scalar) throws(DetailError) -> [KeyValuePair] {
        let list = words(rest, escape: escape)
        guard let first = list.first else { return [] }
        if !first.contains("=") {
            let parts = GoText.split(rest, maxParts: 2, on: GoText.isTokenSpace)
            guard parts.count == 2 else { throw DetailError("\(key) must have two arguments") }
            return [KeyValuePair(key: parts[0], value: parts[1], legacySyntax: true)]
        }
        var pairs: [KeyValuePair] = []
        for word in list {
            guard let eq = word.firstIndex(of: "=") else {
                throw DetailError("Syntax error - can't find = in \(GoText.quote(word)). Must be of the form: name=value")
            }
            pairs.append(KeyValuePair(key: String(word[..<eq]), value: String(word[word.index(after: eq)...])))
        }
        return pairs
    }

    /// JSON array of strings → exec form. A non-array or invalid JSON is not an error
    /// (the caller falls back); an array with a non-string element is.
    static func json(_ rest: String) throws(DetailError) -> [String]? {
        let text = GoText.trimLeft(rest, GoText.isSpace)
        guard text.hasPrefix("["), let elements = GoJSON.parseArray(text) else { return nil }
        var out: [String] = []
        for element in elements {
            guard case .string(let s) = element else {
                throw DetailError("when using JSON array syntax, arrays must be comprised of strings only")
            }
            out.append(s)
        }
        return out
    }

    private static func maybeJSON(_ node: inout RawNode, _ rest: String) throws(DetailError) {
        guard !rest.isEmpty else { return }
        if let list = try json(rest) {
            node.args = list
            node.isJSON = true
        } else {
            node.args = [rest]
        }
    }

    private static func maybeJSONToList(_ node: inout RawNode, _ rest: String) throws(DetailError) {
        if let list = try json(rest) {
            node.args = list
            node.isJSON = true
        } else if !rest.isEmpty {
            node.args = GoText.split(rest, on: GoText.isTokenSpace)
        }
    }

    /// HEALTHCHECK: a type word (`CMD`/`NONE`) then a maybe-JSON command.
    private static func healthConfig(_ node: inout RawNode, _ rest: String) throws(DetailError) {
        let s = Array(rest.unicodeScalars)
        var sep = 0
        while sep < s.count, !GoText.isSpace(s[sep]) { sep += 1 }
        guard sep > 0 else { return }
        var next = sep
        while next < s.count, GoText.isSpace(s[next]) { next += 1 }
        let type = String(String.UnicodeScalarView(s[0..<sep]))
        var command = RawNode(keyword: "", command: "", flags: [], args: [], original: "")
        try maybeJSON(&command, String(String.UnicodeScalarView(s[next...])))
        node.args = [type] + command.args
        node.isJSON = command.isJSON
    }
}
