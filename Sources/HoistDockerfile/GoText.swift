import HoistCore
// Small text helpers that reproduce the Go standard library behaviour Docker's
// Dockerfile frontend relies on (unicode.IsSpace, strings.TrimSpace, strconv.Quote,
// the RE2 `\s` class). Kept in one place so every parser uses the same definitions.

enum GoText {
    /// Go's `unicode.IsSpace`: the Unicode White_Space property (same set for Latin-1).
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace
    }

    /// RE2's `\s`: ASCII whitespace only (`[\t\n\f\r ]`, no `\v`).
    static func isRegexSpace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\u{0C}" || s == "\r"
    }

    /// The whitespace class the Dockerfile parser splits on: `[\t\v\f\r ]`.
    static func isTokenSpace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\u{0B}" || s == "\u{0C}" || s == "\r"
    }

    /// Go's `unicode.IsLetter`.
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Go's `unicode.IsDigit` (category Nd).
    static func isDigit(_ s: Unicode.Scalar) -> Bool {
        s.properties.generalCategory == .decimalNumber
    }

    static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    static func isASCIILetter(_ s: Unicode.Scalar) -> Bool {
        (s.value >= 0x41 && s.value <= 0x5A) || (s.value >= 0x61 && s.value <= 0x7A)
    }

    /// A String from a sequence of scalars.
    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func trimLeft<S: StringProtocol>(_ text: S, _ pred: (Unicode.Scalar) -> Bool) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !pred($0) }) else { return "" }
        return string(scalars[first...])
    }

    static func trimRight<S: StringProtocol>(_ text: S, _ pred: (Unicode.Scalar) -> Bool) -> String {
        let scalars = text.unicodeScalars
        guard let last = scalars.lastIndex(where: { !pred($0) }) else { return "" }
        return string(scalars[...last])
    }

    /// `strings.TrimSpace`.
    static func trimSpace<S: StringProtocol>(_ text: S) -> String {
        trimRight(trimLeft(text, isSpace), isSpace)
    }

    /// Splits on runs of `pred` characters like Go's `regexp.Split(s, -1)` with a
    /// `[...]+` class: leading/trailing separators produce empty fields.
    static func split(_ text: String, maxParts: Int = -1, on pred: (Unicode.Scalar) -> Bool) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = Array(text.unicodeScalars)[...]
        while let s = iterator.first {
            if pred(s), maxParts < 0 || parts.count + 1 < maxParts {
                parts.append(String(current))
                current = String.UnicodeScalarView()
                while let n = iterator.first, pred(n) { iterator = iterator.dropFirst() }
                continue
            }
            current.append(s)
            iterator = iterator.dropFirst()
        }
        parts.append(String(current))
        return parts
    }

    /// `strconv.Quote`: double-quoted with Go escapes, used in Docker's error messages.
    static func quote(_ text: String) -> String { goQuote(text) }

    /// Levenshtein distance over Unicode scalars (BuildKit's "did you mean" hints).
    static func levenshtein(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// BuildKit's `suggest.WrapError`: appends ` (did you mean X?)` when an option is
    /// within edit distance 2; options are tried in the given order.
    static func suggestion(for value: String, among options: [String], caseSensitive: Bool) -> String? {
        let v = caseSensitive ? value : value.lowercased()
        var best: String?
        var minDistance = 3
        for option in options {
            let o = caseSensitive ? option : option.lowercased()
            if o == v { return nil }
            let d = levenshtein(v, o)
            if d < minDistance {
                minDistance = d
                if caseSensitive {
                    best = o
                } else if value == value.lowercased() {
                    best = o.lowercased()
                } else if value == value.uppercased() {
                    best = o.uppercased()
                } else {
                    best = o
                }
            }
        }
        return best
    }
}
