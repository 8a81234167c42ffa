/// Go's `filepath.Match`, which Docker's classic builder applies to COPY/ADD sources:
/// `*` any run of characters except `/`, `?` one character except `/`, `[a-z]` / `[^a-z]`
/// classes, `\` escapes the next character. The whole name must match.
public enum PathGlob {
    /// True when `source` contains a wildcard Docker expands (`*`, `?`, `[`).
    public static func hasWildcards(_ source: String) -> Bool {
        source.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// Matches `name` against `pattern`; a malformed pattern (`[` unclosed) matches nothing.
    public static func match(_ pattern: String, _ name: String) -> Bool {
        matches(Array(pattern.unicodeScalars), 0, Array(name.unicodeScalars), 0)
    }

    private static func matches(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool {
        var pi = pi, si = si
        while pi < p.count {
            switch p[pi] {
            case "*":
                // Try every split of the remaining name that stays within one path element.
                var k = si
                while true {
                    if matches(p, pi + 1, s, k) { return true }
                    if k >= s.count || s[k] == "/" { return false }
                    k += 1
                }
            case "?":
                guard si < s.count, s[si] != "/" else { return false }
                pi += 1; si += 1
            case "[":
                guard si < s.count, s[si] != "/", let (ok, next) = matchClass(p, pi + 1, s[si]), ok else { return false }
                pi = next; si += 1
            case "\\":
                pi += 1
                guard pi < p.count, si < s.count, p[pi] == s[si] else { return false }
                pi += 1; si += 1
            default:
                guard si < s.count, p[pi] == s[si] else { return false }
                pi += 1; si += 1
            }
        }
        return si == s.count
    }

    /// Matches one character against the class starting at `start` (after `[`); returns
    /// whether it matched and the index after `]`, or nil for a malformed class.
    private static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = start
        var negate = false
        if i < p.count, p[i] == "^" { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]" && !first { return (matched != negate, i + 1) }
            first = false
            var lo = p[i]
            if lo == "\\" { i += 1; guard i < p.count else { return nil }; lo = p[i] }
            i += 1
            var hi = lo
            if i + 1 < p.count, p[i] == "-", p[i + 1] != "]" {
                i += 1
                hi = p[i]
                if hi == "\\" { i += 1; guard i < p.count else { return nil }; hi = p[i] }
                i += 1
            }
            if lo.value <= c.value && c.value <= hi.value { matched = true }
        }
        return nil
    }
}
