#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock times as Docker's API writes them.
public enum Timestamps {
    /// Now, in nanoseconds since the Unix epoch.
    public static func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public static let zero = "0001-01-01T00:00:00Z"

    /// RFC 3339 with nanoseconds, UTC: `2026-11-23T11:13:09.123456789Z` (Go's RFC3339Nano trims trailing zeros).
    public static func rfc3339Nano(_ nanos: Int64, trimZeros: Bool = true) -> String {
        if nanos == 0 { return zero }
        var secs = time_t(nanos / 1_000_000_000)
        let frac = Int(nanos % 1_000_000_000)
        var tmv = tm()
        gmtime_r(&secs, &tmv)
        func pad(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        var out = "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2))"
        var f = String(frac)
        f = String(repeating: "0", count: 9 - f.count) + f
        if trimZeros { while f.hasSuffix("0") { f.removeLast() } }
        if !f.isEmpty { out += "." + f }
        return out + "Z"
    }

    /// Parses RFC 3339 (`2026-11-23T11:13:09.5Z`, offsets `+01:00`) to nanoseconds; nil if malformed.
    public static func parseRFC3339(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= u.count else { return nil }
            var v = 0
            for i in a..<(a + n) { guard u[i] >= 48 && u[i] <= 57 else { return nil }; v = v * 10 + Int(u[i] - 48) }
            return v
        }
        guard u.count >= 19, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var i = 19
        var nanos = 0
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 { if digits < 9 { nanos = nanos * 10 + Int(u[i] - 48); digits += 1 }; i += 1 }
            while digits < 9 { nanos *= 10; digits += 1 }
        }
        var offset = 0
        if i < u.count {
            if u[i] == UInt8(ascii: "Z") { i += 1 } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
                offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "+") ? 1 : -1)
                i += 6
            }
        }
        var tmv = tm()
        tmv.tm_year = Int32(y - 1900); tmv.tm_mon = Int32(mo - 1); tmv.tm_mday = Int32(d)
        tmv.tm_hour = Int32(h); tmv.tm_min = Int32(mi); tmv.tm_sec = Int32(se)
        let t = timegm(&tmv)
        return (Int64(t) - Int64(offset)) * 1_000_000_000 + Int64(nanos)
    }
}
