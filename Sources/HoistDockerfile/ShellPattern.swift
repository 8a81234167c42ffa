/// The patterns of `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`: `*` (any run of
/// characters), `?` (one character), `\*` `\?` `\\` literals, `\}` and `\/` for a
/// brace or slash inside `${...}`. No bracket expressions, as in BuildKit.
///
/// BuildKit compiles them to Go regular expressions; this matcher reproduces the
/// leftmost-first semantics (greedy or lazy stars, `.` not matching a newline).
struct ShellPattern {
    enum Token: Equatable {
        case literal(Unicode.Scalar)
        case any
        case star
    }

    let tokens: [Token]

    init(_ pattern: String) throws(DetailError) {
        var tokens: [Token] = []
        let scalars = Array(pattern.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            i += 1
            switch c {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                if i < scalars.count, scalars[i] == "}" || scalars[i] == "/" { continue }
                let escaped: Unicode.Scalar? = i < scalars.count ? scalars[i] : nil
                i += 1
                guard let escaped, escaped == "*" || escaped == "?" || escaped == "\\" else {
                    let shown = escaped.map { String(Character($0)) } ?? "\u{FFFD}"
                    throw DetailError("invalid pattern (\(pattern)) in substitution: invalid escape '\\\(shown)'")
                }
                tokens.append(.literal(escaped))
            default:
                tokens.append(.literal(c))
            }
        }
        self.tokens = tokens
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    /// End index of the preferred match of the pattern starting exactly at `start`.
    private func match(_ text: [Unicode.Scalar], from start: Int, greedy: Bool) -> Int? {
        var failed = Set<Int>()  // (token, position) pairs known to fail, packed
        let width = text.count + 1
        func attempt(_ t: Int, _ p: Int) -> Int? {
            if t == tokens.count { return p }
            let key = t * width + p
            if failed.contains(key) { return nil }
            var result: Int?
            switch tokens[t] {
            case .literal(let c):
                if p < text.count, text[p] == c { result = attempt(t + 1, p + 1) }
            case .any:
                if p < text.count, text[p] != "\n" { result = attempt(t + 1, p + 1) }
            case .star:
                var end = p
                while end < text.count, text[end] != "\n" { end += 1 }
                if greedy {
                    var q = end
                    while q >= p {
                        if let r = attempt(t + 1, q) { result = r; break }
                        q -= 1
                    }
                } else {
                    for q in p...end {
                        if let r = attempt(t + 1, q) { result = r; break }
                    }
                }
            }
            if result == nil { failed.insert(key) }
            return result
        }
        return attempt(0, start)
    }

    func trimPrefix(_ value: String, greedy: Bool) -> String {
        let text = Array(value.unicodeScalars)
        guard let end = match(text, from: 0, greedy: greedy) else { return value }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: text[end...])
        return String(out)
    }

    func trimSuffix(_ value: String, greedy: Bool) -> String {
        // Shortest/longest rightmost match: reverse both pattern and text (BuildKit's trick).
        let reversed = ShellPattern(tokens: tokens.reversed())
        let text = Array(value.unicodeScalars.reversed())
        guard let end = reversed.match(text, from: 0, greedy: greedy) else { return value }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: text[end...].reversed())
        return String(out)
    }

    /// `${VAR/pat/repl}` (first match) and `${VAR//pat/repl}` (every match), with Go's
    /// rules for empty matches. Stars are greedy here.
    func replace(in value: String, with replacement: String, all: Bool) -> String {
        let text = Array(value.unicodeScalars)
        var out = String.UnicodeScalarView()
        var lastEnd = 0
        var searchPos = 0
        while searchPos <= text.count {
            var found: (Int, Int)?
            for start in searchPos...text.count {
                if let end = match(text, from: start, greedy: true) {
                    found = (start, end)
                    break
                }
            }
            guard let (start, end) = found else { break }
            out.append(contentsOf: text[lastEnd..<start])
            if end > lastEnd || start == 0 {
                out.append(contentsOf: replacement.unicodeScalars)
            }
            lastEnd = end
            if !all { break }
            searchPos = searchPos + 1 > end ? searchPos + 1 : end
        }
        out.append(contentsOf: text[lastEnd...])
        return String(out)
    }
}
