import HoistCore
import HoistClient

/// Executes a parsed template against a value, with Go's text/template semantics.
struct TemplateEvaluator {
    typealias Function = ([TemplateValue]) throws -> TemplateValue

    let functions: [String: Function]
    let source: [UInt8]
    private var vars: [(String, TemplateValue)] = []
    var output: [UInt8] = []

    init(functions: [String: Function], source: [UInt8]) {
        self.functions = functions
        self.source = source
    }

    private enum Flow: Error { case breakLoop, continueLoop }

    mutating func run(_ nodes: [TemplateNode], data: TemplateValue) throws {
        vars = [("$", data)]
        try walk(nodes, dot: data)
    }

    private func fail(_ msg: String, pos: Int, node: String) -> TemplateError {
        let line = TemplateLexer.line(of: pos, in: source)
        var col = pos
        if let nl = source[0..<min(pos, source.count)].lastIndex(of: 0x0A) { col = pos - nl - 1 }
        return TemplateError("template: :\(line):\(col): executing \"\" at <\(node)>: \(msg)")
    }

    private mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws {
        for n in nodes {
            switch n {
            case .text(let s):
                output.append(contentsOf: Array(s.utf8))
            case .action(let p):
                let mark = vars.count
                let v = try evalPipeline(p, dot: dot)
                if p.variables.isEmpty { output.append(contentsOf: Array(goPrint(v).utf8)) }
                // Declarations in a plain action stay visible until the enclosing end.
                _ = mark
            case .ifNode(let p, let list, let elseList):
                let mark = vars.count
                let v = try evalPipeline(p, dot: dot)
                if v.isTrue { try walk(list, dot: dot) } else if let e = elseList { try walk(e, dot: dot) }
                vars.removeSubrange(mark...)
            case .withNode(let p, let list, let elseList):
                let mark = vars.count
                let v = try evalPipeline(p, dot: dot)
                if v.isTrue { try walk(list, dot: v) } else if let e = elseList { try walk(e, dot: dot) }
                vars.removeSubrange(mark...)
            case .rangeNode(let p, let list, let elseList):
                try walkRange(p, list, elseList, dot: dot)
            case .breakNode:
                throw Flow.breakLoop
            case .continueNode:
                throw Flow.continueLoop
            }
        }
    }

    private mutating func walkRange(_ p: TemplatePipeline, _ list: [TemplateNode], _ elseList: [TemplateNode]?, dot: TemplateValue) throws {
        let mark = vars.count
        var pipe = p
        let names = pipe.variables
        pipe.variables = []
        let v = try evalPipeline(pipe, dot: dot)
        var items: [(TemplateValue, TemplateValue)] = []
        if let l = v.listElements {
            items = l.enumerated().map { (.int(Int64($0.offset)), $0.element) }
        } else if let m = v.mapEntries {
            items = m.map { (.string($0.0), $0.1) }
        } else if case .int(let n) = v.scalar {
            items = (0..<max(0, n)).map { (.int($0), .int($0)) }
        } else {
            switch v {
            case .missing, .null: break
            default: throw fail("range can't iterate over \(goPrint(v))", pos: p.pos, node: p.source)
            }
        }
        if items.isEmpty {
            if let e = elseList { try walk(e, dot: dot) }
            vars.removeSubrange(mark...)
            return
        }
        for (key, elem) in items {
            let inner = vars.count
            if names.count == 1 { vars.append((names[0], elem)) }
            if names.count == 2 { vars.append((names[0], key)); vars.append((names[1], elem)) }
            do {
                try walk(list, dot: elem)
            } catch Flow.breakLoop {
                vars.removeSubrange(inner...)
                break
            } catch Flow.continueLoop {
            }
            vars.removeSubrange(inner...)
        }
        vars.removeSubrange(mark...)
    }

    private mutating func evalPipeline(_ p: TemplatePipeline, dot: TemplateValue) throws -> TemplateValue {
        var value: TemplateValue? = nil
        for c in p.commands {
            value = try evalCommand(c, dot: dot, final: value)
        }
        let v = value ?? .missing
        for name in p.variables {
            if p.isAssign {
                guard let idx = vars.lastIndex(where: { $0.0 == name }) else {
                    throw fail("undefined variable: \(name)", pos: p.pos, node: p.source)
                }
                vars[idx].1 = v
            } else {
                vars.append((name, v))
            }
        }
        return v
    }

    private func lookupVar(_ name: String, pos: Int) throws -> TemplateValue {
        guard let v = vars.last(where: { $0.0 == name }) else {
            throw TemplateError("template: :\(TemplateLexer.line(of: pos, in: source)): undefined variable \"\(name)\"")
        }
        return v.1
    }

    private mutating func evalCommand(_ c: TemplateCommand, dot: TemplateValue, final: TemplateValue?) throws -> TemplateValue {
        let first = c.args[0]
        let rest = Array(c.args.dropFirst())
        switch first {
        case .field(let chain):
            return try evalFieldChain(dot, chain, args: rest, final: final, dot: dot, pos: c.pos, node: first.source)
        case .variable(let name, let chain):
            let v = try lookupVar(name, pos: c.pos)
            if chain.isEmpty {
                try noArgs(rest, final, c, first)
                return v
            }
            return try evalFieldChain(v, chain, args: rest, final: final, dot: dot, pos: c.pos, node: first.source)
        case .chain(let inner, let chain):
            let base = try evalArg(inner, dot: dot, pos: c.pos)
            return try evalFieldChain(base, chain, args: rest, final: final, dot: dot, pos: c.pos, node: first.source)
        case .identifier(let name):
            return try callFunction(name, args: rest, final: final, dot: dot, pos: c.pos, node: c.args.map(\.source).joined(separator: " "))
        default:
            try noArgs(rest, final, c, first)
            return try evalArg(first, dot: dot, pos: c.pos)
        }
    }

    private func noArgs(_ rest: [TemplateArg], _ final: TemplateValue?, _ c: TemplateCommand, _ first: TemplateArg) throws {
        if !rest.isEmpty || final != nil {
            throw fail("can't give argument to non-function \(first.source)", pos: c.pos, node: first.source)
        }
    }

    private mutating func evalArg(_ a: TemplateArg, dot: TemplateValue, pos: Int) throws -> TemplateValue {
        switch a {
        case .field(let chain): return try evalFieldChain(dot, chain, args: [], final: nil, dot: dot, pos: pos, node: a.source)
        case .dot: return dot
        case .variable(let name, let chain):
            let v = try lookupVar(name, pos: pos)
            return chain.isEmpty ? v : try evalFieldChain(v, chain, args: [], final: nil, dot: dot, pos: pos, node: a.source)
        case .identifier(let name): return try callFunction(name, args: [], final: nil, dot: dot, pos: pos, node: name)
        case .chain(let inner, let chain):
            let base = try evalArg(inner, dot: dot, pos: pos)
            return try evalFieldChain(base, chain, args: [], final: nil, dot: dot, pos: pos, node: a.source)
        case .pipeline(let p):
            let mark = vars.count
            defer { vars.removeSubrange(mark...) }
            return try evalPipeline(p, dot: dot)
        case .string(let s): return .string(s)
        case .number(let n): return TemplateEvaluator.numberValue(n)
        case .bool(let b): return .bool(b)
        case .char(let c): return .int(Int64(c))
        case .nilValue: return .null
        }
    }

    static func numberValue(_ n: String) -> TemplateValue {
        if let i = Int64(n) { return .int(i) }
        if n.hasPrefix("0x") || n.hasPrefix("0X"), let i = Int64(n.dropFirst(2), radix: 16) { return .int(i) }
        if let d = Double(n) { return .float(d) }
        return .string(n)
    }

    private mutating func evalFieldChain(_ receiver: TemplateValue, _ chain: [String], args: [TemplateArg], final: TemplateValue?,
                                         dot: TemplateValue, pos: Int, node: String) throws -> TemplateValue {
        var r = receiver
        for (i, name) in chain.enumerated() {
            let last = i == chain.count - 1
            var argv: [TemplateValue] = []
            if last {
                for a in args { argv.append(try evalArg(a, dot: dot, pos: pos)) }
                if let f = final { argv.append(f) }
            }
            r = try field(r, name, args: argv, pos: pos, node: node)
        }
        return r
    }

    private func field(_ r: TemplateValue, _ name: String, args: [TemplateValue], pos: Int, node: String) throws -> TemplateValue {
        switch r {
        case .object(let o):
            if let v = try o.templateField(name, args: args) { return v }
            throw fail("can't evaluate field \(name) in type \(o.goTypeName)", pos: pos, node: node)
        case .json(.object(let obj)):
            if !args.isEmpty { throw fail("\(name) is not a method but has arguments", pos: pos, node: node) }
            if let v = obj[name] {
                if case .null = v, let k = FieldKind.of(name) { return k.zeroForNull }
                if case .object(let o) = v, FieldKind.of(name) == .map { return .jsonMap(o) }
                return .json(v)
            }
            if let k = FieldKind.of(name) { return k.zero }
            throw fail("map has no entry for key \(goQuote(name))", pos: pos, node: node)
        case .map(let m):
            if let v = m[name] { return v }
            return .missing
        case .jsonMap(let o):
            if !args.isEmpty { throw fail("\(name) is not a method but has arguments", pos: pos, node: node) }
            return o[name].map { .json($0) } ?? .missing
        case .typedNil(let k) where k == .map:
            return .missing
        case .missing, .null, .json(.null), .typedNil:
            throw fail("nil pointer evaluating \(r.goTypeName).\(name)", pos: pos, node: node)
        default:
            throw fail("can't evaluate field \(name) in type \(r.goTypeName)", pos: pos, node: node)
        }
    }

    private mutating func callFunction(_ name: String, args: [TemplateArg], final: TemplateValue?, dot: TemplateValue, pos: Int, node: String) throws -> TemplateValue {
        // and/or evaluate lazily (Go 1.18).
        if name == "and" || name == "or" {
            var all = args.map { Optional($0) }
            if final != nil { all.append(nil) }
            guard !all.isEmpty else { throw fail("wrong number of args for \(name): want at least 1 got 0", pos: pos, node: node) }
            var v: TemplateValue = .missing
            for a in all {
                v = try a.map { try evalArg($0, dot: dot, pos: pos) } ?? final ?? .missing
                if name == "and" && !v.isTrue { return v }
                if name == "or" && v.isTrue { return v }
            }
            return v
        }
        guard let f = functions[name] else { throw fail("function \(goQuote(name)) not defined", pos: pos, node: node) }
        var argv: [TemplateValue] = []
        for a in args { argv.append(try evalArg(a, dot: dot, pos: pos)) }
        if let final { argv.append(final) }
        do {
            return try f(argv)
        } catch let e as TemplateFunctionError {
            throw fail("error calling \(name): \(e.message)", pos: pos, node: node)
        }
    }
}

struct TemplateFunctionError: Error {
    var message: String
    init(_ m: String) { message = m }
}

extension FieldKind {
    /// What a JSON null of this kind evaluates to.
    var zeroForNull: TemplateValue {
        switch self {
        case .map, .slice, .pointer: return .typedNil(self)
        default: return .null
        }
    }
}

