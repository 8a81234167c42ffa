#if canImport(Glibc)
import Glibc
#endif
import HoistClient

/// A value flowing through a template: API JSON, values computed by functions, or a
/// formatter object (docker's ContainerContext and friends) exposing fields by name.
indirect enum TemplateValue {
    /// A map lookup that found nothing (Go prints `<no value>`).
    case missing
    /// A nil interface or pointer (`<nil>`).
    case null
    /// A nil map, slice or pointer of a known Go type: prints `map[]`, `[]` or `<nil>`, JSON `null`.
    case typedNil(FieldKind)
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case json(JSON)
    /// A JSON object that is a Go map in docker's types (Labels, Options...): prints
    /// `map[k:v]` sorted, where other objects print as structs `{v1 v2}`.
    case jsonMap(JSONObject)
    case list([TemplateValue])
    case map([String: TemplateValue])
    case object(any TemplateObject)

    init(_ j: JSON) { self = .json(j) }

    /// Go's truth: false, 0, nil, empty string/slice/map are false.
    var isTrue: Bool {
        switch self {
        case .missing, .null, .typedNil: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .map(let m): return !m.isEmpty
        case .object: return true
        case .jsonMap(let o): return !o.isEmpty
        case .json(let j):
            switch j {
            case .null: return false
            case .bool(let b): return b
            case .number(let n): return (Double(n) ?? 0) != 0
            case .string(let s): return !s.isEmpty
            case .array(let a): return !a.isEmpty
            case .object(let o): return !o.isEmpty
            }
        }
    }

    /// Normalises JSON scalars to plain values (for comparisons and functions).
    var scalar: TemplateValue {
        guard case .json(let j) = self else { return self }
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let n):
            if let i = Int64(n) { return .int(i) }
            return .float(Double(n) ?? 0)
        case .array, .object: return self
        }
    }

    /// The Go type name used in error messages.
    var goTypeName: String {
        switch self {
        case .missing: return "<nil>"
        case .null: return "interface {}"
        case .typedNil(let k): return k.goName
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .list: return "[]interface {}"
        case .map: return "map[string]interface {}"
        case .object(let o): return o.goTypeName
        case .jsonMap: return "map[string]string"
        case .json(let j):
            switch j {
            case .null: return "interface {}"
            case .bool: return "bool"
            case .number: return "json.Number"
            case .string: return "string"
            case .array: return "[]interface {}"
            case .object: return "map[string]interface {}"
            }
        }
    }

    /// Elements for `range`, `index`, `len`, `join`.
    var listElements: [TemplateValue]? {
        switch self {
        case .list(let l): return l
        case .typedNil(.slice): return []
        case .json(.array(let a)): return a.map { .json($0) }
        default: return nil
        }
    }

    /// Map entries, sorted by key as Go iterates and prints maps.
    var mapEntries: [(String, TemplateValue)]? {
        switch self {
        case .map(let m): return m.keys.sorted().map { ($0, m[$0] ?? .null) }
        case .typedNil(.map): return []
        case .json(.object(let o)), .jsonMap(let o): return o.keys.sorted().map { ($0, .json(o[$0] ?? .null)) }
        default: return nil
        }
    }
}

/// Objects with Go-style fields and methods (docker's formatter contexts).
protocol TemplateObject {
    var goTypeName: String { get }
    /// The value of field or method `name` called with `args`; nil when there is none.
    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue?
    /// What `{{json .}}` prints.
    func templateJSON() -> JSON
}

/// Go's fmt `%v` of a value.
func goPrint(_ v: TemplateValue) -> String {
    switch v {
    case .missing: return "<no value>"
    case .null: return "<nil>"
    case .typedNil(let k): return k.nilString
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let f): return goFormatFloat(f)
    case .string(let s): return s
    case .list(let l): return "[" + l.map(goPrintNested).joined(separator: " ") + "]"
    case .map(let m): return "map[" + m.keys.sorted().map { "\($0):" + goPrintNested(m[$0] ?? .null) }.joined(separator: " ") + "]"
    case .object(let o): return "{" + JSONWriter.compact(o.templateJSON()) + "}"
    case .json(let j): return goPrintJSON(j, key: nil)
    case .jsonMap(let o): return goPrintJSON(.object(o), key: "Labels")
    }
}

private func goPrintNested(_ v: TemplateValue) -> String {
    if case .missing = v { return "<nil>" }
    return goPrint(v)
}

/// `%v` of API JSON as docker's typed structs print: structs `{v1 v2}` in field order, maps
/// (known by their key) `map[k:v]` sorted, nil slices `[]`, nil maps `map[]`.
func goPrintJSON(_ j: JSON, key: String?) -> String {
    let kind = key.flatMap(FieldKind.of)
    switch j {
    case .null: return kind?.nilString ?? "<nil>"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n
    case .string(let s): return s
    case .array(let a): return "[" + a.map { goPrintJSON($0, key: nil) }.joined(separator: " ") + "]"
    case .object(let o):
        if kind == .map {
            return "map[" + o.keys.sorted().map { "\($0):" + goPrintJSON(o[$0] ?? .null, key: nil) }.joined(separator: " ") + "]"
        }
        return "{" + o.entries.map { goPrintJSON($0.value, key: $0.key) }.joined(separator: " ") + "}"
    }
}

/// Go's `%v` for float64 (strconv 'g' with the shortest representation).
func goFormatFloat(_ f: Double) -> String {
    if f.isNaN { return "NaN" }
    if f.isInfinite { return f > 0 ? "+Inf" : "-Inf" }
    if f == f.rounded(), abs(f) < 1e21 {
        let i = Int64(f)
        return String(i)
    }
    let exp = f == 0 ? 0 : Int(floor(log10(abs(f))))
    if exp < -4 || exp >= 21 {
        var s = "\(f)"  // Swift: 1e-05 style → normalise to Go's e-05
        if let e = s.firstIndex(of: "e") {
            let mant = s[..<e]
            var ex = String(s[s.index(after: e)...])
            var sign = "+"
            if ex.hasPrefix("-") { sign = "-"; ex.removeFirst() } else if ex.hasPrefix("+") { ex.removeFirst() }
            if ex.count < 2 { ex = "0" + ex }
            s = "\(mant)e\(sign)\(ex)"
        }
        return s
    }
    return "\(f)"
}

/// JSON for `{{json x}}` (Go's encoder with HTML escaping off, as docker's template function).
func templateJSON(_ v: TemplateValue) -> String {
    switch v {
    case .missing, .null, .typedNil: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let f): return goFormatFloat(f)
    case .string(let s): return JSONWriter.quote(s)
    case .json(let j): return jsonWithMapOrder(j, key: nil)
    case .jsonMap(let o): return jsonWithMapOrder(.object(o), key: "Labels")
    case .list(let l): return "[" + l.map(templateJSON).joined(separator: ",") + "]"
    case .map(let m): return "{" + m.keys.sorted().map { JSONWriter.quote($0) + ":" + templateJSON(m[$0] ?? .null) }.joined(separator: ",") + "}"
    case .object(let o):
        // docker's contexts marshal themselves with json.Marshal: HTML characters escaped.
        return JSONWriter.compact(o.templateJSON(), escapeHTML: true)
    }
}

/// Compact JSON where objects that are Go maps in docker's types (by key) have their keys
/// sorted, as encoding/json writes maps; struct-like objects keep their order.
func jsonWithMapOrder(_ j: JSON, key: String?) -> String {
    switch j {
    case .array(let a):
        return "[" + a.map { jsonWithMapOrder($0, key: nil) }.joined(separator: ",") + "]"
    case .object(let o):
        let keys = key.flatMap(FieldKind.of) == .map ? o.keys.sorted() : o.keys
        return "{" + keys.map { JSONWriter.quote($0) + ":" + jsonWithMapOrder(o[$0] ?? .null, key: $0) }.joined(separator: ",") + "}"
    default:
        return JSONWriter.compact(j)
    }
}
