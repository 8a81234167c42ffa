import HoistCore
import ArgumentParser
import HoistClient

/// `hoist ps` / `hoist container ls`.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", _superCommandName: "hoist", abstract: "List containers")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Show all containers (default shows just running)")
    var all = false

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Filter output based on conditions provided")
    var filters: [String] = []

    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?

    @Option(name: [.customShort("n"), .customLong("last")], parsing: .unconditional, help: "Show n last created containers (includes all states)")
    var last: String?

    @Flag(name: [.customShort("l"), .customLong("latest")], help: "Show the latest created container (includes all states)")
    var latest = false

    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output")
    var noTrunc = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only display container IDs")
    var quiet = false

    @Flag(name: [.customShort("s"), .customLong("size")], help: "Display total file sizes")
    var size = false

    func run() async throws {
        let env = CLIEnvironment.get()
        var q = QueryString()
        q.flag("all", all)
        var limit = -1
        if let l = last {
            guard let v = Int(l) else {
                throw env.path.invalidFlagValue(l, flag: "-n, --last", "strconv.ParseInt: parsing \(goQuote(l)): invalid syntax")
            }
            limit = v
        }
        if latest && limit == -1 { limit = 1 }
        if limit > 0 { q.set("limit", String(limit)) }
        let f = format ?? ""
        if !f.isEmpty {
            // docker runs the raw format once against an empty row to see whether it needs
            // sizes; its errors surface from there.
            let t: GoTemplate
            do { t = try GoTemplate(f) } catch { throw CLIMessage("failed to parse template: \(error)") }
            do { _ = try t.execute(.object(ContainerContext(c: .object(JSONObject()), trunc: true, now: 0))) } catch {
                throw CLIMessage("failed to execute template: \(error)")
            }
        }
        var wantSize = size
        if !f.isEmpty && (f.contains(".Size") || f == "json" || f.contains("json .}}")) { wantSize = true }
        if quiet { wantSize = false }
        q.flag("size", wantSize)
        let encoded = try FilterArgs.encode(filters, path: env.path)
        if let e = encoded { q.set("filters", e) }

        let list = try await env.client.getJSON("/containers/json", query: q)
        let now = GoTime.nowNanos()
        let rows: [any TemplateObject] = (list.arrayValue ?? []).map { ContainerContext(c: $0, trunc: !noTrunc, now: now) }
        let fmt = ContainerContext.format(f, quiet: quiet, size: size)
        do {
            Out.write(try ListFormatter.render(format: fmt, rows: rows, header: ContainerContext.header))
        } catch {
            throw CLIMessage("\(error)")
        }
    }
}

/// `-f key=value` flags → the API's `{"key":{"value":true}}` (keys sorted, as Go's map encoding).
enum FilterArgs {
    static func parse(_ filters: [String], path: CommandPath) throws -> [String: [String]] {
        var m: [String: [String]] = [:]
        for f in filters {
            guard let eq = f.firstIndex(of: "=") else {
                throw path.invalidFlagValue(f, flag: "-f, --filter", "bad format of filter (expected name=value)")
            }
            let k = f[..<eq].lowercased().trimmingCharacters(" \t")
            let v = String(f[f.index(after: eq)...]).trimmingCharacters(" \t")
            m[k, default: []].append(v)
        }
        return m
    }

    static func encode(_ filters: [String], path: CommandPath) throws -> String? {
        let m = try parse(filters, path: path)
        return encode(m)
    }

    static func encode(_ m: [String: [String]]) -> String? {
        guard !m.isEmpty else { return nil }
        var o = JSONObject()
        for k in m.keys.sorted() {
            var inner = JSONObject()
            for v in Set(m[k] ?? []).sorted() { inner[v] = .bool(true) }
            o[k] = .object(inner)
        }
        return JSONWriter.compact(.object(o), escapeHTML: true)
    }
}

extension String {
    func trimmingCharacters(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
