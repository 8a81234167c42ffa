#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import HoistClient

/// `hoist history [OPTIONS] IMAGE` / `hoist image history`: `GET /images/{name}/history`,
/// shown as docker's history formatter.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", _superCommandName: "hoist", abstract: "Show the history of an image")

    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?

    /// Default true: `-H=false` / `--human=false` turns it off (see CLIBoolFlag).
    @Flag(name: [.customShort("H"), .customLong("human")], help: "Print sizes and dates in human readable format (default true)")
    var humanFlag = false

    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output")
    var noTrunc = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only show image IDs")
    var quiet = false

    @Option(name: .customLong("platform"), help: "Show history for the given platform")
    var platform: String?

    @Argument var images: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(images, 1)
        let list = try await env.client.getJSON("/images/\(images[0])/history")
        let human = !CLIBoolFlag.explicitlyFalse(["-H", "--human"])
        let fmt = HistoryContext.format(format ?? "", quiet: quiet)
        let now = GoTime.nowNanos()
        let rows: [any TemplateObject] = (list.arrayValue ?? []).map {
            HistoryContext(item: $0, trunc: !noTrunc, human: human, now: now)
        }
        do {
            Out.write(try ListFormatter.render(format: fmt, rows: rows, header: HistoryContext.header))
        } catch {
            throw CLIMessage("\(error)")
        }
    }
}

/// One `history` row as docker's formatter.historyContext.
struct HistoryContext: TemplateObject {
    let item: JSON
    let trunc: Bool
    let human: Bool
    let now: Int64

    var goTypeName: String { "*formatter.historyContext" }

    static let defaultTableFormat = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

    static let header = HeaderContext(titles: [
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
        "Size": "SIZE", "Comment": "COMMENT",
    ], goTypeName: "formatter.SubHeaderContext")

    /// docker's NewHistoryFormat.
    static func format(_ source: String, quiet: Bool) -> String {
        switch source {
        case "", "table": return quiet ? "{{.ID}}" : defaultTableFormat
        case "raw": return quiet ? "image_id: {{.ID}}" : "image_id: {{.ID}}\ncreated_since: {{.CreatedSince}}\ncreated_by: {{.CreatedBy}}\nsize: {{.Size}}\ncomment: {{.Comment}}\n"
        default: return source
        }
    }

    var created: Int64 { item["Created"]?.int64Value ?? 0 }

    /// `time.Unix(created, 0).Format(time.RFC3339)` in local time.
    var createdAt: String {
        var t = time_t(created)
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S%z", &tmv)
        var s = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // %z gives +0000; RFC 3339 wants Z, or +00:00 style.
        if s.hasSuffix("+0000") { s = String(s.dropLast(5)) + "Z" } else if s.count >= 5 {
            s.insert(":", at: s.index(s.endIndex, offsetBy: -2))
        }
        return s
    }

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "ID":
            let id = item["Id"]?.stringValue ?? ""
            return .string(trunc ? truncateID(id) : id)
        case "CreatedSince":
            return .string(human ? GoTime.ago(unixSeconds: created, now: now) : createdAt)
        case "CreatedAt": return .string(createdAt)
        case "CreatedBy":
            let by = (item["CreatedBy"]?.stringValue ?? "").replacing("\t", with: " ")
            return .string(trunc ? DisplayWidth.ellipsis(by, 45) : by)
        case "Size":
            let size = item["Size"]?.int64Value ?? 0
            return .string(human ? Units.humanSize(Double(size)) : String(size))
        case "Comment": return .string(item["Comment"]?.stringValue ?? "")
        default: return nil
        }
    }

    func templateJSON() -> JSON {
        var o = JSONObject()
        for k in ["Comment", "CreatedAt", "CreatedBy", "CreatedSince", "ID", "Size"] {
            if case .string(let s)? = (try? templateField(k, args: [])) ?? nil { o[k] = .string(s) }
        }
        return .object(o)
    }
}
