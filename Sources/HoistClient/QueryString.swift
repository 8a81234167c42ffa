/// Builds `a=1&b=x%2Fy` the way Go's url.Values.Encode does (keys sorted, values in order).
public struct QueryString: Sendable {
    private var pairs: [(String, String)] = []

    public init() {}

    public mutating func add(_ key: String, _ value: String) { pairs.append((key, value)) }

    public mutating func set(_ key: String, _ value: String) {
        pairs.removeAll { $0.0 == key }
        pairs.append((key, value))
    }

    /// Sets `key=1` when `flag` is true, as the docker client sends booleans.
    public mutating func flag(_ key: String, _ flag: Bool) { if flag { set(key, "1") } }

    public var isEmpty: Bool { pairs.isEmpty }

    public var encoded: String {
        // Stable sort by key keeps repeated keys in insertion order.
        let sorted = pairs.enumerated().sorted { a, b in a.element.0 != b.element.0 ? a.element.0 < b.element.0 : a.offset < b.offset }
        return sorted.map { QueryString.escape($0.element.0) + "=" + QueryString.escape($0.element.1) }.joined(separator: "&")
    }

    /// Go's url.QueryEscape: unreserved bytes stay, space becomes `+`, the rest `%XX`.
    public static func escape(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(c)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%")); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes a URL path as Go's url.URL does (encodePath): `/` stays, so `/images/user/app:1/json`
    /// reaches the daemon the way the docker client sends it.
    public static func escapePath(_ s: String) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "@"),
                 UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
                 UInt8(ascii: "/"):
                out.append(c)
            default:
                out.append(UInt8(ascii: "%")); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
