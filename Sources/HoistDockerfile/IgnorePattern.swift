/// One `.dockerignore` pattern compiled as moby's `patternmatcher` does: exact, prefix
/// (`dir/**`), suffix (`**/name`) or a regular expression built from the glob, where
/// `*` and `?` do not cross `/`, `**` crosses any number of directories, and `[...]`
/// classes and `\` escapes follow Go's regexp syntax.
struct IgnorePattern: Sendable, Equatable {
    /// The cleaned pattern without its `!`.
    let text: String
    let isException: Bool
    private let kind: Kind

    enum Kind: Sendable, Equatable {
        case exact
        case prefix(String)
        case suffix(String)
        case regex([Token])
    }

    enum Token: Sendable, Equatable {
        case literal(Unicode.Scalar)
        case anyButSlash            // ?      → [^/]
        case runButSlash            // *      → [^/]*
        case optionalDirectories    // **/    → (.*/)?
        case anyRun                 // **     → .*
        case startAnchor            // a raw ^ in the pattern
        case characterClass(CharacterClass)
    }

    struct CharacterClass: Sendable, Equatable {
        var negated: Bool
        var ranges: [ClosedRange<UInt32>]
        var shorthands: [Unicode.Scalar]   // d D s S w W

        func contains(_ c: Unicode.Scalar) -> Bool {
            var hit = ranges.contains { $0.contains(c.value) }
            if !hit { hit = shorthands.contains { IgnorePattern.shorthand($0, matches: c) } }
            return hit != negated
        }
    }

    /// Go regexp Perl classes (ASCII only, as RE2).
    static func shorthand(_ s: Unicode.Scalar, matches c: Unicode.Scalar) -> Bool {
        let digit = c.value >= 0x30 && c.value <= 0x39
        let space = c == " " || c == "\t" || c == "\n" || c == "\u{0C}" || c == "\r"
        let word = digit || GoText.isASCIILetter(c) || c == "_"
        switch s {
        case "d": return digit
        case "D": return !digit
        case "s": return space
        case "S": return !space
        case "w": return word
        case "W": return !word
        default: return false
        }
    }

    /// `pattern` must already be trimmed and cleaned, `!` included.
    init(_ raw: String) throws(DetailError) {
        var p = raw
        var exception = false
        if p.hasPrefix("!") {
            if p == "!" { throw DetailError("illegal exclusion pattern: \"!\"") }
            exception = true
            p.removeFirst()
        }
        try Self.validateGlob(p)
        self.text = p
        self.isException = exception
        self.kind = try Self.compile(p)
    }

    /// Go's `filepath.Match` syntax check (the one moby runs on every pattern), plus
    /// the reversed ranges Go's regexp would refuse later.
    static func validateGlob(_ pattern: String) throws(DetailError) {
        let bad = DetailError("syntax error in pattern")
        let s = Array(pattern.unicodeScalars)
        var i = 0
        func esc() throws(DetailError) -> Unicode.Scalar {
            guard i < s.count, s[i] != "-", s[i] != "]" else { throw bad }
            if s[i] == "\\" {
                i += 1
                guard i < s.count else { throw bad }
            }
            let c = s[i]
            i += 1
            guard i < s.count else { throw bad }
            return c
        }
        while i < s.count {
            switch s[i] {
            case "\\":
                i += 2
                if i > s.count { throw bad }
            case "[":
                i += 1
                if i < s.count, s[i] == "^" { i += 1 }
                var ranges = 0
                while true {
                    if i < s.count, s[i] == "]", ranges > 0 { i += 1; break }
                    let lo = try esc()
                    var hi = lo
                    if s[i] == "-" {
                        i += 1
                        hi = try esc()
                    }
                    if hi.value < lo.value { throw bad }
                    ranges += 1
                }
            default:
                i += 1
            }
        }
    }

    private static func compile(_ pattern: String) throws(DetailError) -> Kind {
        let s = Array(pattern.unicodeScalars)
        var tokens: [Token] = []
        var kind = 0  // 0 exact, 1 prefix, 2 suffix, 3 regex
        var i = 0
        var iteration = 0
        while i < s.count {
            let ch = s[i]
            i += 1
            defer { iteration += 1 }
            switch ch {
            case "*":
                if i < s.count, s[i] == "*" {
                    i += 1
                    if i < s.count, s[i] == "/" { i += 1 }
                    if i == s.count {
                        // Trailing `**` accepts everything below, as .gitignore does.
                        if kind == 0 { kind = 1 } else { tokens.append(.anyRun); kind = 3 }
                    } else {
                        tokens.append(.optionalDirectories)
                        kind = 3
                    }
                    if iteration == 0 { kind = 2 }
                } else {
                    tokens.append(.runButSlash)
                    kind = 3
                }
            case "?":
                tokens.append(.anyButSlash)
                kind = 3
            case "\\":
                if i < s.count {
                    tokens.append(escapedToken(s[i]))
                    i += 1
                    kind = 3
                } else {
                    tokens.append(.literal("\\"))
                }
            case "[":
                let (cls, next) = characterClass(s, from: i)
                tokens.append(.characterClass(cls))
                i = next
                kind = 3
            case "^":
                tokens.append(.startAnchor)
            default:
                tokens.append(.literal(ch))
            }
        }
        switch kind {
        case 0: return .exact
        case 1: return .prefix(String(pattern.dropLast(2)))
        case 2: return .suffix(GoText.string(s.dropFirst(2)))
        default: return .regex(tokens)
        }
    }

    private static func escapedToken(_ c: Unicode.Scalar) -> Token {
        switch c {
        case "d", "D", "s", "S", "w", "W":
            return .characterClass(CharacterClass(negated: false, ranges: [], shorthands: [c]))
        case "t": return .literal("\t")
        case "n": return .literal("\n")
        case "r": return .literal("\r")
        case "f": return .literal("\u{0C}")
        case "v": return .literal("\u{0B}")
        case "a": return .literal("\u{07}")
        default: return .literal(c)
        }
    }

    /// A `[...]` class starting after `[` (already validated); returns the index after `]`.
    private static func characterClass(_ s: [Unicode.Scalar], from start: Int) -> (CharacterClass, Int) {
        var i = start
        var cls = CharacterClass(negated: false, ranges: [], shorthands: [])
        if i < s.count, s[i] == "^" { cls.negated = true; i += 1 }
        var first = true
        while i < s.count {
            if s[i] == "]" && !first { i += 1; break }
            first = false
            var lo = s[i]
            i += 1
            if lo == "\\", i < s.count {
                lo = s[i]
                i += 1
                if "dDsSwW".unicodeScalars.contains(lo) {
                    cls.shorthands.append(lo)
                    continue
                }
            }
            var hi = lo
            if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                hi = s[i + 1]
                i += 2
                if hi == "\\", i < s.count { hi = s[i]; i += 1 }
            }
            cls.ranges.append(lo.value...max(lo.value, hi.value))
        }
        return (cls, i)
    }

    /// Does the pattern match this (slash-separated, cleaned) path exactly?
    func match(_ path: String) -> Bool {
        switch kind {
        case .exact:
            return path == text
        case .prefix(let prefix):
            return path.hasPrefix(prefix)
        case .suffix(let suffix):
            if path.hasSuffix(suffix) { return true }
            return suffix.hasPrefix("/") && path == String(suffix.dropFirst())
        case .regex(let tokens):
            return Self.fullMatch(tokens, Array(path.unicodeScalars))
        }
    }

    private static func fullMatch(_ tokens: [Token], _ text: [Unicode.Scalar]) -> Bool {
        var failed = Set<Int>()
        let width = text.count + 1
        func run(_ t: Int, _ p: Int) -> Bool {
            if t == tokens.count { return p == text.count }
            let key = t * width + p
            if failed.contains(key) { return false }
            var ok = false
            switch tokens[t] {
            case .literal(let c):
                ok = p < text.count && text[p] == c && run(t + 1, p + 1)
            case .anyButSlash:
                ok = p < text.count && text[p] != "/" && run(t + 1, p + 1)
            case .characterClass(let cls):
                ok = p < text.count && cls.contains(text[p]) && run(t + 1, p + 1)
            case .startAnchor:
                ok = p == 0 && run(t + 1, p)
            case .runButSlash:
                var q = p
                while true {
                    if run(t + 1, q) { ok = true; break }
                    guard q < text.count, text[q] != "/" else { break }
                    q += 1
                }
            case .anyRun:
                var q = p
                while true {
                    if run(t + 1, q) { ok = true; break }
                    guard q < text.count, text[q] != "\n" else { break }
                    q += 1
                }
            case .optionalDirectories:
                // Either nothing, or any run (no newline) ending with a slash.
                if run(t + 1, p) { ok = true; break }
                var q = p
                while q < text.count, text[q] != "\n" {
                    if text[q] == "/", run(t + 1, q + 1) { ok = true; break }
                    q += 1
                }
            }
            if !ok { failed.insert(key) }
            return ok
        }
        return run(0, 0)
    }

    /// Could the pattern match some path below `directory` (`directory/...`)?
    func mayMatchBelow(_ directory: String) -> Bool {
        let prefix = directory + "/"
        switch kind {
        case .exact:
            return text.hasPrefix(prefix)
        case .prefix(let p):
            return p.hasPrefix(prefix) || prefix.hasPrefix(p)
        case .suffix:
            return true
        case .regex(let tokens):
            return Self.prefixFeasible(tokens, Array(prefix.unicodeScalars))
        }
    }

    /// True when some state of the pattern survives reading all of `prefix` and the
    /// remaining tokens can still be satisfied.
    private static func prefixFeasible(_ tokens: [Token], _ prefix: [Unicode.Scalar]) -> Bool {
        var visited = Set<Int>()
        let width = prefix.count + 1
        func run(_ t: Int, _ p: Int) -> Bool {
            if p == prefix.count { return !tokens[t...].contains(.startAnchor) }
            if t == tokens.count { return false }
            let key = t * width + p
            if !visited.insert(key).inserted { return false }
            switch tokens[t] {
            case .literal(let c): return prefix[p] == c && run(t + 1, p + 1)
            case .anyButSlash: return prefix[p] != "/" && run(t + 1, p + 1)
            case .characterClass(let cls): return cls.contains(prefix[p]) && run(t + 1, p + 1)
            case .startAnchor: return p == 0 && run(t + 1, p)
            case .runButSlash:
                if run(t + 1, p) { return true }
                return prefix[p] != "/" && run(t, p + 1)
            case .anyRun:
                if run(t + 1, p) { return true }
                return prefix[p] != "\n" && run(t, p + 1)
            case .optionalDirectories:
                if run(t + 1, p) { return true }
                var q = p
                while q < prefix.count, prefix[q] != "\n" {
                    if prefix[q] == "/", run(t + 1, q + 1) { return true }
                    q += 1
                }
                // The `.*/` may also run past the end of the prefix.
                return q == prefix.count
            }
        }
        return run(0, 0)
    }
}
