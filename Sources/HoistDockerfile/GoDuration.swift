/// Go's `time.ParseDuration`, which Docker uses for HEALTHCHECK `--interval` and
/// friends: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with units ns, us, µs, μs, ms, s, m, h.
/// The result is in nanoseconds, the unit of the image config's Healthcheck fields.
enum GoDuration {
    private static let units: [String: UInt64] = [
        "ns": 1, "us": 1_000, "\u{00B5}s": 1_000, "\u{03BC}s": 1_000,
        "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    static func parse(_ text: String) throws(DetailError) -> Int64 {
        let invalid = DetailError("time: invalid duration \"\(text)\"")
        var s = Array(text.utf8)[...]
        var negative = false
        if let c = s.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            negative = c == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        if s.elementsEqual("0".utf8) { return 0 }
        if s.isEmpty { throw invalid }
        var total: UInt64 = 0
        let limit: UInt64 = 1 << 63
        while !s.isEmpty {
            guard let c = s.first, c == UInt8(ascii: ".") || isDigit(c) else { throw invalid }
            // Integer part.
            var value: UInt64 = 0
            var consumedInteger = false
            while let d = s.first, isDigit(d) {
                consumedInteger = true
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(d - 48))
                if o1 || o2 || a > limit { throw invalid }
                value = a
                s = s.dropFirst()
            }
            // Fraction part.
            var fraction: UInt64 = 0
            var scale = 1.0
            var consumedFraction = false
            if s.first == UInt8(ascii: ".") {
                s = s.dropFirst()
                var overflow = false
                while let d = s.first, isDigit(d) {
                    consumedFraction = true
                    if !overflow {
                        let (m, o1) = fraction.multipliedReportingOverflow(by: 10)
                        let (a, o2) = m.addingReportingOverflow(UInt64(d - 48))
                        if o1 || o2 || a > limit { overflow = true } else { fraction = a; scale *= 10 }
                    }
                    s = s.dropFirst()
                }
            }
            if !consumedInteger && !consumedFraction { throw invalid }
            // Unit.
            var unitBytes: [UInt8] = []
            while let u = s.first, u != UInt8(ascii: "."), !isDigit(u) {
                unitBytes.append(u)
                s = s.dropFirst()
            }
            if unitBytes.isEmpty { throw DetailError("time: missing unit in duration \"\(text)\"") }
            let unitName = String(decoding: unitBytes, as: UTF8.self)
            guard let unit = units[unitName] else {
                throw DetailError("time: unknown unit \"\(unitName)\" in duration \"\(text)\"")
            }
            if value > limit / unit { throw invalid }
            value *= unit
            if fraction > 0 {
                value += UInt64(Double(fraction) * (Double(unit) / scale))
                if value > limit { throw invalid }
            }
            total += value
            if total > limit { throw invalid }
        }
        if negative { return total == limit ? Int64.min : -Int64(total) }
        if total > limit - 1 { throw invalid }
        return Int64(total)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}
