/// Docker's go-units wording for durations and sizes, so output reads the same.
public enum HumanUnits {
    /// `Less than a second`, `3 seconds`, `About a minute`, `5 minutes`, `About an hour`, `3 hours`, `2 days`...
    public static func duration(seconds d: Double) -> String {
        let s = Int(d)
        if s < 1 { return "Less than a second" }
        if s == 1 { return "1 second" }
        if s < 60 { return "\(s) seconds" }
        let m = Int(d / 60)
        if m == 1 { return "About a minute" }
        if m < 60 { return "\(m) minutes" }
        let h = Int(d / 3600 + 0.5)
        if h == 1 { return "About an hour" }
        if h < 48 { return "\(h) hours" }
        if h < 24 * 7 * 2 { return "\(h / 24) days" }
        if h < 24 * 30 * 2 { return "\(h / 24 / 7) weeks" }
        if h < 24 * 365 * 2 { return "\(h / 24 / 30) months" }
        return "\(Int(d / 3600 / 24 / 365)) years"
    }

    /// go-units HumanSizeWithPrecision(size, 3): decimal units, 3 significant digits (`4.26MB`, `1.2kB`, `512B`).
    public static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return formatSignificant(v, 3) + units[i]
    }

    /// Go's `%.*g`: significant digits, no trailing zeros, no exponent for these magnitudes.
    static func formatSignificant(_ v: Double, _ digits: Int) -> String {
        if v == 0 { return "0" }
        var intDigits = 1
        var t = v
        while t >= 10 { t /= 10; intDigits += 1 }
        let decimals = max(0, digits - intDigits)
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (v * scale).rounded() / scale
        var s = String(Int64(rounded))
        if decimals > 0 {
            let frac = Int64(((rounded - Double(Int64(rounded))) * scale).rounded())
            if frac > 0 {
                var fs = String(frac)
                while fs.count < decimals { fs = "0" + fs }
                while fs.hasSuffix("0") { fs.removeLast() }
                s += "." + fs
            }
        }
        return s
    }
}
