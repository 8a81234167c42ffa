import HoistCore
/// Builds the node tree from tokens, checking function names at parse time as Go does.
struct TemplateParser {
    private var tokens: [TemplateToken]
    private var k = 0
    private let src: [UInt8]
    private let functions: Set<String>

    init(_ text: String, functions: Set<String>) throws {
        var lexer = TemplateLexer(text)
        tokens = try lexer.lex()
        src = Array(text.utf8)
        self.functions = functions
    }

    private enum Terminator { case end, `else`, elseIf, elseWith, eof }

    mutating func parse() throws -> [TemplateNode] {
        let (nodes, term) = try parseList()
        switch term {
        case .eof: return nodes
        case .end: throw err("unexpected {{end}}")
        default: throw err("unexpected {{else}}")
        }
    }

    private func err(_ m: String, at pos: Int? = nil) -> TemplateError {
        let p = pos ?? (k < tokens.count ? tokens[k].pos : src.count)
        return TemplateError("template: :\(TemplateLexer.line(of: p, in: src)): \(m)")
    }

    private var peek: TemplateToken.Kind { tokens[k].kind }
    private mutating func next() -> TemplateToken { let t = tokens[k]; if k < tokens.count - 1 { k += 1 }; return t }

    private mutating func expectRightDelim(_ context: String) throws {
        guard case .rightDelim = next().kind else { throw err("unexpected token in \(context)") }
    }

    private mutating func parseList() throws -> ([TemplateNode], Terminator) {
        var nodes: [TemplateNode] = []
        while true {
            let t = next()
            switch t.kind {
            case .eof: return (nodes, .eof)
            case .text(let s): nodes.append(.text(s))
            case .leftDelim:
                if case .identifier(let word) = peek {
                    switch word {
                    case "end":
                        _ = next(); try expectRightDelim("end"); return (nodes, .end)
                    case "else":
                        _ = next()
                        if case .identifier("if") = peek { _ = next(); return (nodes, .elseIf) }
                        if case .identifier("with") = peek { _ = next(); return (nodes, .elseWith) }
                        try expectRightDelim("else"); return (nodes, .else)
                    case "if", "range", "with":
                        _ = next()
                        nodes.append(try parseControl(word))
                        continue
                    case "break":
                        _ = next(); try expectRightDelim("break"); nodes.append(.breakNode); continue
                    case "continue":
                        _ = next(); try expectRightDelim("continue"); nodes.append(.continueNode); continue
                    case "define", "template", "block":
                        throw err("{{\(word)}} is not supported", at: t.pos)
                    default: break
                    }
                }
                let p = try parsePipeline(context: "command", allowDecl: true)
                nodes.append(.action(p))
            default:
                throw err("unexpected token")
            }
        }
    }

    /// After `if`/`range`/`with`: pipeline, list, optional else (or else-if chain), end.
    private mutating func parseControl(_ word: String) throws -> TemplateNode {
        let pipe = try parsePipeline(context: word, allowDecl: true)
        let (list, term) = try parseList()
        var elseList: [TemplateNode]? = nil
        switch term {
        case .end: break
        case .else:
            let (e, t2) = try parseList()
            guard case .end = t2 else { throw err("expected end; found \(t2 == .eof ? "EOF" : "else")") }
            elseList = e
        case .elseIf:
            // `{{else if x}}` is `{{else}}{{if x}}...{{end}}{{end}}` sharing the final end.
            elseList = [try parseControl("if")]
        case .elseWith:
            elseList = [try parseControl("with")]
        case .eof:
            throw err("unexpected EOF")
        }
        switch word {
        case "if": return .ifNode(pipe, list, elseList)
        case "range": return .rangeNode(pipe, list, elseList)
        default: return .withNode(pipe, list, elseList)
        }
    }

    private mutating func parsePipeline(context: String, allowDecl: Bool, inParens: Bool = false) throws -> TemplatePipeline {
        var p = TemplatePipeline(pos: tokens[k].pos)
        // Declarations: `$x :=`, `$i, $e :=`, `$x =`.
        if allowDecl, case .variable(let v1) = peek {
            let save = k
            _ = next()
            if case .declare = peek {
                _ = next(); p.variables = [v1]
            } else if case .assign = peek {
                _ = next(); p.variables = [v1]; p.isAssign = true
            } else if case .comma = peek, context == "range" {
                _ = next()
                guard case .variable(let v2) = next().kind else { throw err("range can only initialize variables") }
                guard case .declare = next().kind else { throw err("expected :=") }
                p.variables = [v1, v2]
            } else {
                k = save
            }
        }
        while true {
            switch peek {
            case .rightDelim:
                if inParens { throw err("unclosed left paren") }
                _ = next()
                if p.commands.isEmpty { throw err("missing value for \(context)") }
                return p
            case .rightParen:
                guard inParens else { throw err("unexpected right paren") }
                _ = next()
                if p.commands.isEmpty { throw err("missing value for parenthesized pipeline") }
                return p
            case .eof:
                throw err("unclosed action")
            default:
                let cmd = try parseCommand()
                p.commands.append(cmd)
                if case .pipe = peek {
                    _ = next()
                    if case .rightDelim = peek { throw err("missing command after |") }
                }
            }
        }
    }

    private mutating func parseCommand() throws -> TemplateCommand {
        var args: [TemplateArg] = []
        let pos = tokens[k].pos
        loop: while true {
            switch peek {
            case .rightDelim, .rightParen, .pipe, .eof: break loop
            default: args.append(try parseOperand())
            }
        }
        if args.isEmpty { throw err("empty command") }
        return TemplateCommand(args: args, pos: pos)
    }

    private mutating func fields() -> [String] {
        var out: [String] = []
        while case .chainField(let f) = peek { _ = next(); out.append(f) }
        return out
    }

    private mutating func parseOperand() throws -> TemplateArg {
        let t = next()
        switch t.kind {
        case .field(let f):
            return .field([f] + fields())
        case .dot:
            return .dot
        case .variable(let v):
            return .variable(v, fields())
        case .identifier(let name):
            guard functions.contains(name) else { throw err("function \(goQuote(name)) not defined", at: t.pos) }
            let f = fields()
            return f.isEmpty ? .identifier(name) : .chain(.identifier(name), f)
        case .string(let s): return .string(s)
        case .number(let n): return .number(n)
        case .bool(let b): return .bool(b)
        case .char(let c): return .char(c)
        case .nil: return .nilValue
        case .leftParen:
            let p = try parsePipeline(context: "parenthesized pipeline", allowDecl: false, inParens: true)
            let f = fields()
            return f.isEmpty ? .pipeline(p) : .chain(.pipeline(p), f)
        default:
            throw err("unexpected \(t.kind) in operand", at: t.pos)
        }
    }
}
