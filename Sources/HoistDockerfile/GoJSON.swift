/// The strict JSON reading Docker applies to exec-form arguments (`json.Unmarshal`
/// into `[]interface{}`): the whole text must be one valid JSON value. Only what the
/// parser needs is kept: whether it is valid, and for an array which elements are strings.
enum GoJSON {
    enum Element: Equatable {
        case string(String)
        case other
    }

    /// The elements of a JSON array, or nil when `text` is not exactly one valid JSON array.
    static func parseArray(_ text: String) -> [Element]? {
        var reader = Reader(bytes: Array(text.utf8))
        reader.skipSpace()
        guard reader.peek == UInt8(ascii: "["), let value = reader.value() else { return nil }
        reader.skipSpace()
        guard reader.atEnd, case .array(let elements) = value else { return nil }
        return elements
    }

    private enum Value {
        case array([Element])
        case string(String)
        case other
    }

    private struct Reader {
        let bytes: [UInt8]
        var pos = 0

        var atEnd: Bool { pos >= bytes.count }
        var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { pos += 1 }
        }

        mutating func value() -> Value? {
            skipSpace()
            guard let c = peek else { return nil }
            switch c {
            case UInt8(ascii: "\""):
                return string().map { .string($0) }
            case UInt8(ascii: "["):
                pos += 1
                var elements: [Element] = []
                skipSpace()
                if peek == UInt8(ascii: "]") { pos += 1; return .array(elements) }
                while true {
                    guard let v = value() else { return nil }
                    if case .string(let s) = v { elements.append(.string(s)) } else { elements.append(.other) }
                    skipSpace()
                    guard let sep = peek else { return nil }
                    pos += 1
                    if sep == UInt8(ascii: "]") { return .array(elements) }
                    if sep != UInt8(ascii: ",") { return nil }
                }
            case UInt8(ascii: "{"):
                pos += 1
                skipSpace()
                if peek == UInt8(ascii: "}") { pos += 1; return .other }
                while true {
                    skipSpace()
                    guard peek == UInt8(ascii: "\""), string() != nil else { return nil }
                    skipSpace()
                    guard peek == UInt8(ascii: ":") else { return nil }
                    pos += 1
                    guard value() != nil else { return nil }
                    skipSpace()
                    guard let sep = peek else { return nil }
                    pos += 1
                    if sep == UInt8(ascii: "}") { return .other }
                    if sep != UInt8(ascii: ",") { return nil }
                }
            case UInt8(ascii: "t"): return literal("true") ? .other : nil
            case UInt8(ascii: "f"): return literal("false") ? .other : nil
            case UInt8(ascii: "n"): return literal("null") ? .other : nil
            default:
                return number() ? .other : nil
            }
        }

        private mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { return false }
            pos += w.count
            return true
        }

        private mutating func digits() -> Int {
            var n = 0
            while let c = peek, c >= 48, c <= 57 { pos += 1; n += 1 }
            return n
        }

        private mutating func number() -> Bool {
            if peek == UInt8(ascii: "-") { pos += 1 }
            guard let first = peek, first >= 48, first <= 57 else { return false }
            if first == 48 { pos += 1 } else { _ = digits() }
            if peek == UInt8(ascii: ".") {
                pos += 1
                if digits() == 0 { return false }
            }
            if let e = peek, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                pos += 1
                if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { pos += 1 }
                if digits() == 0 { return false }
            }
            return true
        }

        private mutating func hex4() -> UInt32? {
            guard pos + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for c in bytes[pos..<pos + 4] {
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 65...70: d = UInt32(c - 55)
                case 97...102: d = UInt32(c - 87)
                default: return nil
                }
                v = v * 16 + d
            }
            pos += 4
            return v
        }

        /// A JSON string starting at the opening quote; escapes decoded as Go does
        /// (unpaired surrogates become U+FFFD).
        private mutating func string() -> String? {
            pos += 1
            var out: [UInt8] = []
            func appendScalar(_ v: UInt32) {
                let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            while let c = peek {
                pos += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = peek else { return nil }
                    pos += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let high = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(high) {
                            let save = pos
                            if peek == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "u") {
                                pos += 2
                                if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                                    appendScalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                                    continue
                                }
                            }
                            pos = save
                            appendScalar(0xFFFD)
                        } else if (0xDC00..<0xE000).contains(high) {
                            appendScalar(0xFFFD)
                        } else {
                            appendScalar(high)
                        }
                    default:
                        return nil
                    }
                default:
                    if c < 0x20 { return nil }
                    out.append(c)
                }
            }
            return nil
        }
    }
}
