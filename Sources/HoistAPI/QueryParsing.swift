import Foundation
import HoistCore

/// A request's query string, parsed as Go's `url.ParseQuery` does (`+` is a space, keys may
/// repeat), with the value conventions of moby's `httputils`.
struct QueryParameters: Sendable {
    private var pairs: [(key: String, value: String)] = []

    init(_ raw: Substring?) {
        guard let raw, !raw.isEmpty else { return }
        for item in raw.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = item.firstIndex(of: "=") {
                pairs.append((percentDecode(item[..<eq], plusIsSpace: true), percentDecode(item[item.index(after: eq)...], plusIsSpace: true)))
            } else {
                pairs.append((percentDecode(item, plusIsSpace: true), ""))
            }
        }
    }

    func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// The first value of `key`, as Go's `Form.Get`.
    subscript(_ key: String) -> String? { pairs.first { $0.key == key }?.value }

    /// The value of `key`, nil when absent or empty.
    func nonEmpty(_ key: String) -> String? {
        guard let v = self[key], !v.isEmpty else { return nil }
        return v
    }

    func all(_ key: String) -> [String] { pairs.filter { $0.key == key }.map(\.value) }

    /// moby's `BoolValue`: false for absent, empty, `0`, `no`, `false`, `none` (any case),
    /// true for anything else (`1`, `true`, `True`...).
    func bool(_ key: String) -> Bool {
        let v = (self[key] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return !(v.isEmpty || v == "0" || v == "no" || v == "false" || v == "none")
    }

    /// moby's `BoolValueOrDefault`: `defaultValue` when the key is absent.
    func bool(_ key: String, default defaultValue: Bool) -> Bool {
        has(key) ? bool(key) : defaultValue
    }

    /// An integer parameter; nil when absent or empty, a 400 when not a number.
    func int(_ key: String) throws -> Int? {
        guard let v = nonEmpty(key) else { return nil }
        guard let n = Int(v) else { throw HoistError.invalid("invalid value for \(key): \"\(v)\" is not an integer") }
        return n
    }

    /// `filters`: both `{"status":["exited"]}` and the older `{"status":{"exited":true}}`.
    func filters() throws -> [String: [String]] {
        guard let raw = nonEmpty("filters") else { return [:] }
        return try FilterParsing.parse(raw)
    }
}

enum FilterParsing {
    static func parse(_ raw: String) throws -> [String: [String]] {
        let data = Data(raw.utf8)
        let decoder = JSONDecoder()
        if let lists = try? decoder.decode([String: [String]].self, from: data) {
            return lists
        }
        if let sets = try? decoder.decode([String: [String: Bool]].self, from: data) {
            // moby keeps every key of the set, whatever its boolean.
            return sets.mapValues { $0.keys.sorted() }
        }
        throw HoistError.invalid("invalid filter: \(raw) is not a JSON map of filter names to lists of values")
    }
}

/// `%XX` decoding; invalid escapes are kept as they are.
func percentDecode(_ s: Substring, plusIsSpace: Bool) -> String {
    guard s.contains("%") || (plusIsSpace && s.contains("+")) else { return String(s) }
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    let bytes = Array(s.utf8)
    var i = 0
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else if plusIsSpace && b == UInt8(ascii: "+") {
            out.append(UInt8(ascii: " "))
            i += 1
        } else {
            out.append(b)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
