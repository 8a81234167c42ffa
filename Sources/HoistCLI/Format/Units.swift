#if canImport(Glibc)
import HoistCore
import Glibc
#endif

/// docker/go-units, as the docker CLI uses it: durations and sizes in its words, and the
/// parsers behind `--memory` and `--cpus`.
public enum Units {
    /// go-units HumanDuration: `Less than a second`, `About a minute`, `3 hours`, `2 weeks`...
    public static func humanDuration(nanoseconds d: Int64) -> String {
        let seconds = d / 1_000_000_000
        if seconds < 1 { return "Less than a second" }
        if seconds == 1 { return "1 second" }
        if seconds < 60 { return "\(seconds) seconds" }
        let minutes = d / 60_000_000_000
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        // Go: int(d.Hours() + 0.5)
        let hours = Int64(Double(d) / 3_600_000_000_000 + 0.5)
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int64(Double(d) / 3_600_000_000_000) / 24 / 365) years"
    }

    static let decimalAbbrs = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]

    /// go-units HumanSizeWithPrecision: decimal units, `%.*g` (`4.26MB`, `1.2kB`, `999B`).
    public static func humanSize(_ size: Double, precision: Int = 3) -> String {
        var s = size
        var i = 0
        while s >= 1000 && i < decimalAbbrs.count - 1 {
            s /= 1000
            i += 1
        }
        return formatG(s, precision: precision) + decimalAbbrs[i]
    }

    /// C's (and Go's) `%.*g`.
    static func formatG(_ v: Double, precision: Int) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(precision), v]) { args in
            vsnprintf(&buf, buf.count, "%.*g", args)
        }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// go-units RAMInBytes: `512`, `10m`, `1.5g`, `10MiB`, `10 kb`; binary multiples.
    public static func ramInBytes(_ s: String) throws -> Int64 {
        let u = Array(s.utf8)
        // The last digit, dot or space splits number and suffix.
        guard let sep = u.lastIndex(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: " ") }) else {
            throw ParseError(description: "invalid size: '\(s)'")
        }
        let num: String, sfx: String
        if u[sep] != UInt8(ascii: " ") {
            num = String(decoding: u[...sep], as: UTF8.self)
            sfx = String(decoding: u[(sep + 1)...], as: UTF8.self)
        } else {
            num = String(decoding: u[..<sep], as: UTF8.self)
            sfx = String(decoding: u[(sep + 1)...], as: UTF8.self)
        }
        var size = try parseGoFloat(num)
        if size < 0 { throw ParseError(description: "invalid size: '\(s)'") }
        if sfx.isEmpty { return Int64(size) }
        let lower = Array(sfx.lowercased().utf8)
        let bad = ParseError(description: "invalid suffix: '\(sfx.lowercased())'")
        guard lower.count <= 3 else { throw ParseError(description: "invalid suffix: '\(sfx)'") }
        if lower[0] == UInt8(ascii: "b") {
            guard lower.count == 1 else { throw bad }
            return Int64(size)
        }
        let mul: Double
        switch lower[0] {
        case UInt8(ascii: "k"): mul = 1024
        case UInt8(ascii: "m"): mul = 1024 * 1024
        case UInt8(ascii: "g"): mul = 1024 * 1024 * 1024
        case UInt8(ascii: "t"): mul = 1024 * 1024 * 1024 * 1024
        case UInt8(ascii: "p"): mul = 1024 * 1024 * 1024 * 1024 * 1024
        default: throw bad
        }
        size *= mul
        if lower.count == 2 && lower[1] != UInt8(ascii: "b") { throw bad }
        if lower.count == 3 && !(lower[1] == UInt8(ascii: "i") && lower[2] == UInt8(ascii: "b")) { throw bad }
        guard size < 9.223372036854775807e18 else { return Int64.max }
        return Int64(size)
    }

    /// strconv.ParseFloat's accepted syntax for what `--memory` sees (decimal, exponent).
    static func parseGoFloat(_ s: String) throws -> Double {
        let ok = !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
        guard ok, let d = Double(s) else {
            throw ParseError(description: "strconv.ParseFloat: parsing \(goQuote(s)): invalid syntax")
        }
        return d
    }

    /// docker's ParseCPUs: a rational number of CPUs (`1.5`, `3/2`, `1e-3`) to NanoCPUs.
    public static func parseCPUs(_ s: String) throws -> Int64 {
        guard let (num, den) = parseRational(s) else {
            throw ParseError(description: "failed to parse \(s) as a rational number")
        }
        // nano = num * 1e9 / den must be an integer.
        let (prod, overflow) = num.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, den != 0 else { throw ParseError(description: "value is too precise") }
        guard prod % den == 0 else { throw ParseError(description: "value is too precise") }
        return Int64(prod / den)
    }

    /// big.Rat SetString subset: `[+-]digits[.digits][e[+-]digits]` or `a/b`. Returns num/den.
    static func parseRational(_ s: String) -> (Int64, Int64)? {
        if let slash = s.firstIndex(of: "/") {
            guard let a = Int64(s[..<slash]), let b = Int64(s[s.index(after: slash)...]), b != 0 else { return nil }
            return b < 0 ? (-a, -b) : (a, b)
        }
        var u = Substring(s)
        var neg = false
        if u.first == "+" || u.first == "-" { neg = u.first == "-"; u = u.dropFirst() }
        var mantissa = u
        var exp = 0
        if let e = u.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let ev = Int(u[u.index(after: e)...]), abs(ev) < 30 else { return nil }
            exp = ev
            mantissa = u[..<e]
        }
        var digits = ""
        var fracDigits = 0
        var seenDot = false
        for c in mantissa {
            if c == "." {
                if seenDot { return nil }
                seenDot = true
            } else if c.isASCII, c.isNumber {
                digits.append(c)
                if seenDot { fracDigits += 1 }
            } else {
                return nil
            }
        }
        guard !digits.isEmpty else { return nil }
        while digits.count > 1 && digits.first == "0" { digits.removeFirst() }
        guard digits.count <= 18 else { return nil }
        guard var num = Int64(digits) else { return nil }
        var den: Int64 = 1
        var scale = exp - fracDigits
        while scale > 0 {
            let (m, o) = num.multipliedReportingOverflow(by: 10)
            if o { return nil }
            num = m
            scale -= 1
        }
        while scale < 0 {
            let (m, o) = den.multipliedReportingOverflow(by: 10)
            if o { return nil }
            den = m
            scale += 1
        }
        return (neg ? -num : num, den)
    }
}
