import HoistClient

/// A parsed Go template (`--format`), ready to execute against API JSON or formatter objects.
public struct GoTemplate {
    let nodes: [TemplateNode]
    let source: [UInt8]
    var functions: [String: TemplateEvaluator.Function]

    /// Extra functions (e.g. `version`'s getDetailsOrder) may be supplied by the caller.
    init(_ text: String, extraFunctions: [String: TemplateEvaluator.Function] = [:]) throws {
        var f = TemplateFunctions.builtins()
        for (k, v) in extraFunctions { f[k] = v }
        functions = f
        source = Array(text.utf8)
        var p = try TemplateParser(text, functions: Set(f.keys))
        nodes = try p.parse()
    }

    public init(parsing text: String) throws {
        try self.init(text)
    }

    func execute(_ data: TemplateValue, headerMode: Bool = false) throws -> String {
        var fns = functions
        if headerMode { for (k, v) in TemplateFunctions.headerOverrides() { fns[k] = v } }
        var ev = TemplateEvaluator(functions: fns, source: source)
        try ev.run(nodes, data: data)
        return String(decoding: ev.output, as: UTF8.self)
    }

    /// Executes against raw API JSON (what `inspect -f` does).
    public func execute(json: JSON) throws -> String {
        try execute(.json(json))
    }
}
