/// A JSON value that keeps object keys in the order the daemon sent them, and numbers as
/// their literal text: `inspect` output and `--format` templates must show the API's JSON as
/// it came, as the docker CLI does (it indents the raw bytes and decodes numbers as json.Number).
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, e.g. `42`, `-1.5e3`.
    case number(String)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Integer value of a number literal (truncating a fraction, as a Go int64 field would not accept one).
    public var int64Value: Int64? {
        guard case .number(let n) = self else { return nil }
        if let v = Int64(n) { return v }
        if let d = Double(n), d.isFinite, d >= -9.2e18, d <= 9.2e18 { return Int64(d) }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// An object with its keys in insertion order; a repeated key keeps its first position and its last value.
public struct JSONObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: JSON] = [:]

    public init() {}

    public init(_ pairs: [(String, JSON)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> JSON? {
        get { storage[key] }
        set {
            if let v = newValue {
                if storage.updateValue(v, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Entries in insertion order.
    public var entries: [(key: String, value: JSON)] {
        keys.map { ($0, storage[$0] ?? .null) }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.keys == b.keys && a.storage == b.storage
    }
}
