import HoistCore
/// Parsed Go template: a tree of text, actions and control structures.
indirect enum TemplateNode {
    case text(String)
    case action(TemplatePipeline)
    case ifNode(TemplatePipeline, [TemplateNode], [TemplateNode]?)
    case rangeNode(TemplatePipeline, [TemplateNode], [TemplateNode]?)
    case withNode(TemplatePipeline, [TemplateNode], [TemplateNode]?)
    case breakNode
    case continueNode
}

struct TemplatePipeline {
    /// Variables declared (`$x :=`) or assigned (`$x =`) with the result.
    var variables: [String] = []
    var isAssign = false
    var commands: [TemplateCommand] = []
    var pos: Int
}

struct TemplateCommand {
    var args: [TemplateArg]
    var pos: Int
}

indirect enum TemplateArg {
    case field([String])                    // .A.B
    case dot
    case variable(String, [String])         // $x.A.B
    case identifier(String)                 // function
    case chain(TemplateArg, [String])       // (pipeline).A
    case pipeline(TemplatePipeline)
    case string(String)
    case number(String)
    case bool(Bool)
    case char(Int)
    case nilValue

    /// The node as Go prints it in error context (`<.Config.Foo>`).
    var source: String {
        switch self {
        case .field(let c): return c.map { "." + $0 }.joined()
        case .dot: return "."
        case .variable(let n, let c): return n + c.map { "." + $0 }.joined()
        case .identifier(let n): return n
        case .chain(let a, let c): return a.source + c.map { "." + $0 }.joined()
        case .pipeline(let p): return "(" + p.source + ")"
        case .string(let s): return goQuote(s)
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .char(let c): return "'\(Unicode.Scalar(UInt32(c)).map { String($0) } ?? "?")'"
        case .nilValue: return "nil"
        }
    }
}

extension TemplatePipeline {
    var source: String {
        var s = ""
        if !variables.isEmpty { s = variables.joined(separator: ", ") + (isAssign ? " = " : " := ") }
        return s + commands.map { $0.args.map(\.source).joined(separator: " ") }.joined(separator: " | ")
    }
}
