/// JSON output as Go's encoding/json writes it, so `{{json .X}}` and `inspect` print the
/// same bytes as the docker CLI.
public enum JSONWriter {
    /// Compact encoding. `escapeHTML` escapes `<`, `>`, `&` as `\u003c`... (json.Marshal's
    /// default; docker's `{{json}}` template function turns it off).
    public static func compact(_ v: JSON, escapeHTML: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(v, into: &out, escapeHTML: escapeHTML)
        return String(decoding: out, as: UTF8.self)
    }

    public static func write(_ v: JSON, into out: inout [UInt8], escapeHTML: Bool) {
        switch v {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .number(let n): out.append(contentsOf: Array(n.utf8))
        case .string(let s): writeString(s, into: &out, escapeHTML: escapeHTML)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (k, e) in a.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(e, into: &out, escapeHTML: escapeHTML)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (k, e) in o.entries.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                writeString(e.key, into: &out, escapeHTML: escapeHTML)
                out.append(UInt8(ascii: ":"))
                write(e.value, into: &out, escapeHTML: escapeHTML)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func quote(_ s: String, escapeHTML: Bool = false) -> String {
        var out: [UInt8] = []
        writeString(s, into: &out, escapeHTML: escapeHTML)
        return String(decoding: out, as: UTF8.self)
    }

    static let hex = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, into out: inout [UInt8], escapeHTML: Bool) {
        out.append(UInt8(ascii: "\""))
        let u = Array(s.utf8)
        var k = 0
        while k < u.count {
            let c = u[k]
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                if escapeHTML {
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                } else {
                    out.append(c)
                }
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
            case 0xE2 where k + 2 < u.count && u[k + 1] == 0x80 && (u[k + 2] == 0xA8 || u[k + 2] == 0xA9):
                // U+2028 / U+2029 are escaped by Go's encoder (JSONP safety).
                out.append(contentsOf: Array((u[k + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8))
                k += 2
            default:
                out.append(c)
            }
            k += 1
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Re-indents raw JSON bytes as Go's json.Indent does: tokens are copied as they are,
    /// insignificant whitespace dropped, `{}` and `[]` stay closed on one line.
    public static func indent(_ src: [UInt8], prefix: String = "", indent: String = "    ") -> [UInt8] {
        var dst: [UInt8] = []
        dst.reserveCapacity(src.count * 2)
        let pre = Array(prefix.utf8), ind = Array(indent.utf8)
        var depth = 0
        var needIndent = false
        var inString = false
        var escaped = false
        func newline(_ d: Int) {
            dst.append(0x0A)
            dst.append(contentsOf: pre)
            for _ in 0..<max(0, d) { dst.append(contentsOf: ind) }
        }
        for c in src {
            if inString {
                dst.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { continue }
            if needIndent && c != UInt8(ascii: "}") && c != UInt8(ascii: "]") {
                needIndent = false
                depth += 1
                newline(depth)
            }
            switch c {
            case UInt8(ascii: "\""):
                inString = true
                dst.append(c)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                needIndent = true
                dst.append(c)
            case UInt8(ascii: ","):
                dst.append(c)
                newline(depth)
            case UInt8(ascii: ":"):
                dst.append(c)
                dst.append(0x20)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if needIndent {
                    needIndent = false
                } else {
                    depth -= 1
                    newline(depth)
                }
                dst.append(c)
            default:
                dst.append(c)
            }
        }
        return dst
    }
}
