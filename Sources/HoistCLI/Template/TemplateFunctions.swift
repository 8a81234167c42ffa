import HoistClient

/// Go's template builtins and docker's additions (json, split, join, title, lower, upper,
/// pad, truncate). For table headers docker swaps the string functions for identities.
enum TemplateFunctions {
    typealias Function = TemplateEvaluator.Function

    static func builtins() -> [String: Function] {
        var f: [String: Function] = [:]
        f["not"] = { a in
            try want(a, 1, "not")
            return .bool(!a[0].isTrue)
        }
        f["len"] = { a in
            try want(a, 1, "len")
            switch a[0].scalar {
            case .string(let s): return .int(Int64(s.utf8.count))
            default:
                if let l = a[0].listElements { return .int(Int64(l.count)) }
                if let m = a[0].mapEntries { return .int(Int64(m.count)) }
                throw TemplateFunctionError("len of type \(a[0].goTypeName)")
            }
        }
        f["index"] = { a in
            guard !a.isEmpty else { throw TemplateFunctionError("wrong number of args for index: want at least 1 got 0") }
            var v = a[0]
            for key in a.dropFirst() {
                if let l = v.listElements {
                    guard case .int(let i) = key.scalar else { throw TemplateFunctionError("cannot index slice/array with type \(key.goTypeName)") }
                    guard i >= 0 && Int(i) < l.count else { throw TemplateFunctionError("index out of range: \(i)") }
                    v = l[Int(i)]
                } else if let o = v.jsonObject {
                    guard case .string(let k) = key.scalar else { throw TemplateFunctionError("value has type \(key.goTypeName); should be string") }
                    // A typed map[string]string yields "" for an absent key.
                    v = o[k].map { .json($0) } ?? .string("")
                } else if case .map(let m) = v {
                    guard case .string(let k) = key.scalar else { throw TemplateFunctionError("value has type \(key.goTypeName); should be string") }
                    v = m[k] ?? .string("")
                } else if case .typedNil(.map) = v {
                    v = .string("")
                } else if case .string(let s) = v.scalar {
                    guard case .int(let i) = key.scalar, i >= 0, Int(i) < s.utf8.count else { throw TemplateFunctionError("index out of range") }
                    v = .int(Int64(Array(s.utf8)[Int(i)]))
                } else {
                    throw TemplateFunctionError("can't index item of type \(v.goTypeName)")
                }
            }
            return v
        }
        f["slice"] = { a in
            guard !a.isEmpty else { throw TemplateFunctionError("wrong number of args for slice: want at least 1 got 0") }
            let idx = try a.dropFirst().map { v -> Int in
                guard case .int(let i) = v.scalar else { throw TemplateFunctionError("cannot index slice/array with type \(v.goTypeName)") }
                return Int(i)
            }
            if case .string(let s) = a[0].scalar {
                let u = Array(s.utf8)
                let lo = idx.count > 0 ? idx[0] : 0, hi = idx.count > 1 ? idx[1] : u.count
                guard lo >= 0, lo <= hi, hi <= u.count else { throw TemplateFunctionError("index out of range") }
                return .string(String(decoding: u[lo..<hi], as: UTF8.self))
            }
            guard let l = a[0].listElements else { throw TemplateFunctionError("can't slice item of type \(a[0].goTypeName)") }
            let lo = idx.count > 0 ? idx[0] : 0, hi = idx.count > 1 ? idx[1] : l.count
            guard lo >= 0, lo <= hi, hi <= l.count else { throw TemplateFunctionError("index out of range") }
            return .list(Array(l[lo..<hi]))
        }
        f["print"] = { a in .string(goSprint(a)) }
        f["println"] = { a in .string(a.map(goPrint).joined(separator: " ") + "\n") }
        f["printf"] = { a in
            guard case .string(let format) = a.first?.scalar ?? .null else {
                throw TemplateFunctionError("wrong type for value; expected string; got \(a.first?.goTypeName ?? "nil")")
            }
            return .string(GoPrintf.format(format, Array(a.dropFirst())))
        }
        f["eq"] = { a in
            guard a.count >= 2 else { throw TemplateFunctionError("missing argument for comparison") }
            for b in a.dropFirst() where try compare(a[0], b) == 0 { return .bool(true) }
            return .bool(false)
        }
        f["ne"] = { a in try want(a, 2, "ne"); return .bool(try compare(a[0], a[1]) != 0) }
        f["lt"] = { a in try want(a, 2, "lt"); return .bool(try compare(a[0], a[1], ordered: true) < 0) }
        f["le"] = { a in try want(a, 2, "le"); return .bool(try compare(a[0], a[1], ordered: true) <= 0) }
        f["gt"] = { a in try want(a, 2, "gt"); return .bool(try compare(a[0], a[1], ordered: true) > 0) }
        f["ge"] = { a in try want(a, 2, "ge"); return .bool(try compare(a[0], a[1], ordered: true) >= 0) }
        f["html"] = { a in
            .string(goSprint(a).replacingAll([("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&#34;"), ("'", "&#39;")]))
        }
        f["urlquery"] = { a in .string(QueryString.escape(goSprint(a))) }
        f["and"] = { a in a.first(where: { !$0.isTrue }) ?? a.last ?? .missing }
        f["or"] = { a in a.first(where: { $0.isTrue }) ?? a.last ?? .missing }

        // docker/cli templates/templates.go
        f["json"] = { a in try want(a, 1, "json"); return .string(templateJSON(a[0])) }
        f["split"] = { a in
            try want(a, 2, "split")
            let s = try str(a[0], "split"), sep = try str(a[1], "split")
            return .list(goSplit(s, sep).map { .string($0) })
        }
        f["join"] = { a in
            try want(a, 2, "join")
            guard let l = a[0].listElements else { throw TemplateFunctionError("wrong type for value; expected []string; got \(a[0].goTypeName)") }
            let sep = try str(a[1], "join")
            return .string(try l.map { try str($0, "join") }.joined(separator: sep))
        }
        f["title"] = { a in try want(a, 1, "title"); return .string(goTitle(try str(a[0], "title"))) }
        f["lower"] = { a in try want(a, 1, "lower"); return .string(try str(a[0], "lower").lowercased()) }
        f["upper"] = { a in try want(a, 1, "upper"); return .string(try str(a[0], "upper").uppercased()) }
        f["pad"] = { a in
            try want(a, 3, "pad")
            let s = try str(a[0], "pad")
            guard case .int(let pre) = a[1].scalar, case .int(let suf) = a[2].scalar else { throw TemplateFunctionError("wrong type for value; expected int") }
            if s.isEmpty { return .string(s) }
            return .string(String(repeating: " ", count: Int(max(0, pre))) + s + String(repeating: " ", count: Int(max(0, suf))))
        }
        f["truncate"] = { a in
            try want(a, 2, "truncate")
            let s = try str(a[0], "truncate")
            guard case .int(let n) = a[1].scalar else { throw TemplateFunctionError("wrong type for value; expected int") }
            let u = Array(s.utf8)
            if u.count < Int(n) { return .string(s) }
            var end = max(0, Int(n))
            while end > 0 && end < u.count && u[end] & 0xC0 == 0x80 { end -= 1 }
            return .string(String(decoding: u[0..<end], as: UTF8.self))
        }
        return f
    }

    /// docker's HeaderFunctions: the string functions return their input so a header cell
    /// keeps its title.
    static func headerOverrides() -> [String: Function] {
        var f: [String: Function] = [:]
        for name in ["json", "title", "lower", "upper"] {
            f[name] = { a in a.first ?? .string("") }
        }
        for name in ["split", "join", "truncate"] {
            f[name] = { a in a.first ?? .string("") }
        }
        return f
    }

    static func want(_ a: [TemplateValue], _ n: Int, _ name: String) throws {
        if a.count != n { throw TemplateFunctionError("wrong number of args for \(name): want \(n) got \(a.count)") }
    }

    static func str(_ v: TemplateValue, _ name: String) throws -> String {
        switch v.scalar {
        case .string(let s): return s
        case .missing, .null: return ""
        default:
            if case .json(.number(let n)) = v { return n }
            throw TemplateFunctionError("wrong type for value; expected string; got \(v.goTypeName)")
        }
    }

    /// Go's eq/lt for basic kinds; numbers compare across int and float.
    static func compare(_ a: TemplateValue, _ b: TemplateValue, ordered: Bool = false) throws -> Int {
        switch (a.scalar, b.scalar) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.int(let x), .float(let y)): return Double(x) < y ? -1 : (Double(x) > y ? 1 : 0)
        case (.float(let x), .int(let y)): return x < Double(y) ? -1 : (x > Double(y) ? 1 : 0)
        case (.float(let x), .float(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.bool(let x), .bool(let y)):
            if ordered { throw TemplateFunctionError("invalid type for comparison") }
            return x == y ? 0 : 1
        case (.null, .null), (.missing, .missing), (.null, .missing), (.missing, .null): return 0
        case (.typedNil, .null), (.null, .typedNil), (.typedNil, .typedNil): return 0
        case (.null, _), (_, .null), (.missing, _), (_, .missing):
            if ordered { throw TemplateFunctionError("invalid type for comparison") }
            return 1
        default:
            throw TemplateFunctionError("incompatible types for comparison")
        }
    }

    /// fmt.Sprint: spaces between operands when neither side is a string.
    static func goSprint(_ a: [TemplateValue]) -> String {
        var out = ""
        for (i, v) in a.enumerated() {
            if i > 0 {
                let prevString: Bool
                if case .string = a[i - 1].scalar { prevString = true } else { prevString = false }
                let curString: Bool
                if case .string = v.scalar { curString = true } else { curString = false }
                if !prevString && !curString { out += " " }
            }
            out += goPrint(v)
        }
        return out
    }

    static func goSplit(_ s: String, _ sep: String) -> [String] {
        if sep.isEmpty { return s.unicodeScalars.map { String($0) } }
        var out: [String] = []
        var rest = Substring(s)
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }

    /// strings.Title: upper-case the first letter of each word.
    static func goTitle(_ s: String) -> String {
        var out = ""
        var prevLetter = false
        for ch in s {
            let isLetter = ch.isLetter || ch.isNumber || ch == "_" || ch == "'"
            out += (!prevLetter && isLetter) ? ch.uppercased() : String(ch)
            prevLetter = isLetter
        }
        return out
    }
}

extension String {
    func replacingAll(_ pairs: [(String, String)]) -> String {
        var out = ""
        for ch in self {
            if let p = pairs.first(where: { $0.0 == String(ch) }) { out += p.1 } else { out.append(ch) }
        }
        return out
    }
}

extension TemplateValue {
    var jsonObject: JSONObject? {
        switch self {
        case .json(.object(let o)), .jsonMap(let o): return o
        default: return nil
        }
    }
}
