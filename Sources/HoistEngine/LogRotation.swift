import HoistAPIModels
import HoistCore

/// `--log-opt max-size=10k --log-opt max-file=3`, read as Docker's json-file driver reads
/// them (max-size in decimal units as go-units FromHumanSize; max-file at least 1, and
/// only meaningful with max-size). The shim's LogWriter does the rotating.
enum LogRotation {
    /// The options json-file accepts (the others are accepted and have no effect here).
    static let known: Set<String> = ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"]

    /// `--log-driver none`: output is not kept (the shim writes it to /dev/null); `logs`
    /// refuses, as moby's drivers that cannot read.
    static let noneDriver = "none"

    static func isNone(_ hc: HostConfig) -> Bool { hc.LogConfig?.Type == noneDriver }

    static func validate(_ config: LogConfig?) throws {
        let opts = config?.Config ?? [:]
        for key in opts.keys.sorted() where !known.contains(key) || config?.Type == noneDriver {
            throw HoistError.invalid("unknown log opt '\(key)' for \(config?.Type.flatMap { $0.isEmpty ? nil : $0 } ?? "json-file") log driver")
        }
        if let s = opts["max-size"] {
            guard let n = parseSize(s) else { throw HoistError.invalid("invalid size: '\(s)'") }
            guard n > 0 else { throw HoistError.invalid("max-size must be a positive number") }
        }
        if let f = opts["max-file"] {
            guard let n = Int(f) else { throw HoistError.invalid("strconv.Atoi: parsing \"\(f)\": invalid syntax") }
            guard n >= 1 else { throw HoistError.invalid("max-file cannot be less than 1") }
        }
    }

    static func maxSize(_ hc: HostConfig) -> Int64 {
        hc.LogConfig?.Config?["max-size"].flatMap(parseSize).map { max($0, 0) } ?? 0
    }

    static func maxFiles(_ hc: HostConfig) -> Int {
        guard maxSize(hc) > 0 else { return 1 }
        return hc.LogConfig?.Config?["max-file"].flatMap { Int($0) }.map { max($0, 1) } ?? 1
    }

    /// go-units FromHumanSize: `10k` = 10000, `1.5m`, `2MB`, `512` (bytes).
    static func parseSize(_ text: String) -> Int64? {
        var s = Substring(text)
        var mult: Double = 1
        if let last = s.last, last == "b" || last == "B" { s = s.dropLast() }
        if let last = s.last, last == "i" || last == "I" { s = s.dropLast() }
        if let last = s.last?.lowercased() {
            let units: [String: Double] = ["k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15]
            if let u = units[last] {
                mult = u
                s = s.dropLast()
            }
        }
        if s.hasSuffix(" ") { s = s.dropLast() }
        guard !s.isEmpty, s.allSatisfy({ $0.isNumber || $0 == "." }), s.first != ".", let v = Double(s) else { return nil }
        return Int64(v * mult)
    }
}
