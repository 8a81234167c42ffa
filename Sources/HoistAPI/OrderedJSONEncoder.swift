/// A JSON encoder that writes what Go's encoding/json writes for the same types: struct
/// fields in declaration order (Foundation on Linux scrambles them differently in every
/// process), map keys sorted, no escaped slashes, no HTML escaping (moby turns it off).
/// `docker inspect` prints the daemon's JSON as it comes, so the order is visible.
struct OrderedJSONEncoder {
    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = JSONNodeRef()
        try JSONTreeEncoder.encode(value, into: root, codingPath: [])
        var out: [UInt8] = []
        out.reserveCapacity(256)
        root.write(to: &out)
        return out
    }
}

// MARK: - Tree

final class JSONObjectNode {
    var keys: [String] = []
    var values: [String: JSONNodeRef] = [:]

    /// The value slot for `key`; re-encoding a key replaces it in place.
    func slot(_ key: String) -> JSONNodeRef {
        if let existing = values[key] { return existing }
        let ref = JSONNodeRef()
        keys.append(key)
        values[key] = ref
        return ref
    }
}

final class JSONArrayNode {
    var items: [JSONNodeRef] = []

    func append() -> JSONNodeRef {
        let ref = JSONNodeRef()
        items.append(ref)
        return ref
    }
}

final class JSONNodeRef {
    enum Node {
        case unset, null, bool(Bool), number(String), string(String)
        case array(JSONArrayNode), object(JSONObjectNode)
    }
    var node = Node.unset

    var object: JSONObjectNode {
        if case .object(let o) = node { return o }
        let o = JSONObjectNode()
        node = .object(o)
        return o
    }

    var array: JSONArrayNode {
        if case .array(let a) = node { return a }
        let a = JSONArrayNode()
        node = .array(a)
        return a
    }

    func write(to out: inout [UInt8]) {
        switch node {
        case .unset, .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, item) in a.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in o.keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                o.values[key]?.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Go's escaping without SetEscapeHTML: quotes, backslashes, control characters, and
    /// U+2028/U+2029 (which Go always escapes).
    static func writeString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case "\\": out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case "\n": out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case "\r": out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case "\t": out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case "\u{2028}", "\u{2029}":
                out += Array("\\u202".utf8) + [scalar == "\u{2028}" ? UInt8(ascii: "8") : UInt8(ascii: "9")]
            default:
                if scalar.value < 0x20 {
                    out += Array("\\u00".utf8) + [hex[Int(scalar.value >> 4)], hex[Int(scalar.value & 0xf)]]
                } else {
                    out += Array(String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: - Encoder

/// Dictionaries with string keys are Go maps: their keys are written sorted.
private protocol SortedKeyDictionary {
    func encodeSorted(into object: JSONObjectNode, codingPath: [any CodingKey]) throws
}

extension Dictionary: SortedKeyDictionary where Key == String, Value: Encodable {
    fileprivate func encodeSorted(into object: JSONObjectNode, codingPath: [any CodingKey]) throws {
        for (key, value) in self.sorted(by: { $0.key < $1.key }) {
            try JSONTreeEncoder.encode(value, into: object.slot(key), codingPath: codingPath + [JSONKey(key)])
        }
    }
}

struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.intValue = intValue; stringValue = String(intValue) }
}

final class JSONTreeEncoder: Encoder {
    let ref: JSONNodeRef
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(ref: JSONNodeRef, codingPath: [any CodingKey]) {
        self.ref = ref
        self.codingPath = codingPath
    }

    static func encode<T: Encodable>(_ value: T, into ref: JSONNodeRef, codingPath: [any CodingKey]) throws {
        if let dictionary = value as? any SortedKeyDictionary {
            try dictionary.encodeSorted(into: ref.object, codingPath: codingPath)
        } else {
            try value.encode(to: JSONTreeEncoder(ref: ref, codingPath: codingPath))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed<Key>(object: ref.object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        Unkeyed(array: ref.array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(ref: ref, codingPath: codingPath)
    }

    static func number<N: BinaryInteger>(_ n: N) -> JSONNodeRef.Node { .number(String(n)) }

    static func number(_ d: Double) throws -> JSONNodeRef.Node {
        guard d.isFinite else { throw EncodingError.invalidValue(d, .init(codingPath: [], debugDescription: "JSON has no \(d)")) }
        // Go writes integral floats without a fraction.
        if d == d.rounded(), abs(d) < 1e18 { return .number(String(Int64(d))) }
        return .number("\(d)")
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let object: JSONObjectNode
        let codingPath: [any CodingKey]

        private func set(_ key: Key, _ node: JSONNodeRef.Node) { object.slot(key.stringValue).node = node }

        mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(key, try JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { set(key, try JSONTreeEncoder.number(Double(value))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, JSONTreeEncoder.number(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONTreeEncoder.encode(value, into: object.slot(key.stringValue), codingPath: codingPath + [key])
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(object: object.slot(key.stringValue).object, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            Unkeyed(array: object.slot(key.stringValue).array, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Encoder {
            JSONTreeEncoder(ref: object.slot("super"), codingPath: codingPath + [JSONKey("super")])
        }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            JSONTreeEncoder(ref: object.slot(key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let array: JSONArrayNode
        let codingPath: [any CodingKey]
        var count: Int { array.items.count }

        private var nextKey: JSONKey { JSONKey(intValue: array.items.count) ?? JSONKey("") }

        mutating func encodeNil() throws { array.append().node = .null }
        mutating func encode(_ value: Bool) throws { array.append().node = .bool(value) }
        mutating func encode(_ value: String) throws { array.append().node = .string(value) }
        mutating func encode(_ value: Int) throws { array.append().node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Int64) throws { array.append().node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Double) throws { array.append().node = try JSONTreeEncoder.number(value) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let key = nextKey
            try JSONTreeEncoder.encode(value, into: array.append(), codingPath: codingPath + [key])
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let key = nextKey
            return KeyedEncodingContainer(Keyed<NestedKey>(object: array.append().object, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let key = nextKey
            return Unkeyed(array: array.append().array, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Encoder {
            let key = nextKey
            return JSONTreeEncoder(ref: array.append(), codingPath: codingPath + [key])
        }
    }

    struct Single: SingleValueEncodingContainer {
        let ref: JSONNodeRef
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { ref.node = .null }
        mutating func encode(_ value: Bool) throws { ref.node = .bool(value) }
        mutating func encode(_ value: String) throws { ref.node = .string(value) }
        mutating func encode(_ value: Double) throws { ref.node = try JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Float) throws { ref.node = try JSONTreeEncoder.number(Double(value)) }
        mutating func encode(_ value: Int) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Int8) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Int16) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Int32) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: Int64) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: UInt) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: UInt8) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: UInt16) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: UInt32) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode(_ value: UInt64) throws { ref.node = JSONTreeEncoder.number(value) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONTreeEncoder.encode(value, into: ref, codingPath: codingPath)
        }
    }
}
