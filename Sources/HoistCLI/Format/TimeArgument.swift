#if canImport(Glibc)
import HoistCore
import Glibc
#endif

/// docker's timetypes.GetTimestamp for `--since`/`--until`: a Go duration (`10m`, `1h30m`)
/// back from now, an RFC 3339 date (zoned or local), or a Unix timestamp passed through.
enum TimeArgument {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func timestamp(_ value: String, nowNanos: Int64) throws -> String {
        if value != "0", let d = parseGoDuration(value) {
            let t = (nowNanos - d)
            // Go: reference.Add(-d).Unix() (floor to seconds)
            let secs = t >= 0 ? t / 1_000_000_000 : (t - 999_999_999) / 1_000_000_000
            return String(secs)
        }
        let hasZone = value.contains(where: { $0 == "z" || $0 == "Z" || $0 == "+" }) || value.filter({ $0 == "-" }).count == 3
        if let nanos = parseDate(value, local: !hasZone) {
            let secs = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
            let frac = nanos - secs * 1_000_000_000
            var f = String(frac)
            f = String(repeating: "0", count: 9 - f.count) + f
            return "\(secs).\(f)"
        }
        if value.contains("-") {
            throw ParseError(description: "parsing time \(goQuote(value)): cannot parse")
        }
        if isUnixTimestamp(value) { return value }
        throw ParseError(description: "failed to parse value as time or duration: \(goQuote(value))")
    }

    static func isUnixTimestamp(_ v: String) -> Bool {
        let parts = v.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let first = parts.first, !first.isEmpty, Int64(first) != nil else { return false }
        if parts.count == 2 { return !parts[1].isEmpty && parts[1].allSatisfy { $0.isASCII && $0.isNumber } }
        return true
    }

    /// time.ParseDuration: `[-+]` then `<number><unit>` repeated; units ns us µs ms s m h.
    static func parseGoDuration(_ s: String) -> Int64? {
        var u = Array(s.unicodeScalars)
        var neg = false
        if let f = u.first, f == "-" || f == "+" { neg = f == "-"; u.removeFirst() }
        if u.count == 1 && u[0] == "0" { return 0 }
        guard !u.isEmpty else { return nil }
        var total: Double = 0
        var i = 0
        while i < u.count {
            let start = i
            while i < u.count, (u[i].value >= 0x30 && u[i].value <= 0x39) || u[i] == "." { i += 1 }
            guard i > start, let num = Double(String(String.UnicodeScalarView(u[start..<i]))) else { return nil }
            let us = i
            while i < u.count, !(u[i].value >= 0x30 && u[i].value <= 0x39), u[i] != "." { i += 1 }
            let unit = String(String.UnicodeScalarView(u[us..<i]))
            let mul: Double
            switch unit {
            case "ns": mul = 1
            case "us", "µs", "μs": mul = 1_000
            case "ms": mul = 1_000_000
            case "s": mul = 1_000_000_000
            case "m": mul = 60_000_000_000
            case "h": mul = 3_600_000_000_000
            default: return nil
            }
            total += num * mul
        }
        guard total < 9.2e18 else { return nil }
        return Int64(neg ? -total : total)
    }

    /// `YYYY-MM-DD[THH[:MM[:SS[.frac]]]][Z|±hh:mm]` to nanoseconds; local time when unzoned.
    static func parseDate(_ s: String, local: Bool) -> Int64? {
        let u = Array(s.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard u[k] >= 0x30 && u[k] <= 0x39 else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < u.count, u[i] == c.asciiValue else { return false }
            i += 1
            return true
        }
        guard let y = num(4), expect("-"), let mo = num(2), expect("-"), let d = num(2) else { return nil }
        var h = 0, mi = 0, se = 0, nanos = 0
        if expect("T") {
            guard let hh = num(2) else { return nil }
            h = hh
            if i < u.count, u[i] == UInt8(ascii: ":"), i + 2 < u.count, u[i + 1] >= 0x30, u[i + 1] <= 0x39 {
                i += 1
                guard let m2 = num(2) else { return nil }
                mi = m2
                if i < u.count, u[i] == UInt8(ascii: ":"), i + 2 < u.count, u[i + 1] >= 0x30, u[i + 1] <= 0x39 {
                    i += 1
                    guard let s2 = num(2) else { return nil }
                    se = s2
                    if expect(".") {
                        var digits = 0
                        while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                            if digits < 9 { nanos = nanos * 10 + Int(u[i] - 0x30); digits += 1 }
                            i += 1
                        }
                        guard digits > 0 else { return nil }
                        while digits < 9 { nanos *= 10; digits += 1 }
                    }
                }
            }
        }
        var offset: Int? = nil
        if i < u.count {
            if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
                offset = 0
                i += 1
            } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                let sign = u[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = num(2), expect(":"), let om = num(2) else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == u.count else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(y - 1900); tmv.tm_mon = Int32(mo - 1); tmv.tm_mday = Int32(d)
        tmv.tm_hour = Int32(h); tmv.tm_min = Int32(mi); tmv.tm_sec = Int32(se)
        tmv.tm_isdst = -1
        let t: time_t
        if let off = offset {
            t = timegm(&tmv) - time_t(off)
        } else if local {
            t = mktime(&tmv)
        } else {
            t = timegm(&tmv)
        }
        return Int64(t) * 1_000_000_000 + Int64(nanos)
    }
}
