import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist events`: the daemon's event stream, printed as docker does
/// (`2026-11-23T12:00:00.000000000Z container start <id> (image=busybox, name=x)`).
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", _superCommandName: "hoist", abstract: "Get real time events from the server")

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Filter output based on conditions provided")
    var filters: [String] = []

    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?

    @Option(name: .customLong("since"), help: "Show all events created since timestamp")
    var since: String?

    @Option(name: .customLong("until"), help: "Stream events until this timestamp")
    var until: String?

    func run() async throws {
        let env = CLIEnvironment.get()
        var q = QueryString()
        let now = GoTime.nowNanos()
        if let s = since {
            do { q.set("since", try TimeArgument.timestamp(s, nowNanos: now)) } catch { throw CLIMessage("\(error)") }
        }
        if let u = until {
            do { q.set("until", try TimeArgument.timestamp(u, nowNanos: now)) } catch { throw CLIMessage("\(error)") }
        }
        if let e = try FilterArgs.encode(filters, path: env.path) { q.set("filters", e) }
        var template: GoTemplate?
        if let f = format, !f.isEmpty {
            let text = f == "json" ? "{{json .}}" : f
            do { template = try GoTemplate(text.replacingEscapes()) } catch { throw CLIMessage("template parsing error: \(error)") }
        }
        let t = template.map(TemplateBox.init)
        let s = try await env.client.streamMessages(EngineRequest(.GET, "/events", query: q)) { event in
            if let t {
                let line = (try? t.template.execute(.object(EventContext(event: event)))) ?? ""
                Out.print(line)
            } else {
                Out.write(EventsCommand.pretty(event))
            }
        }
        try await s.finished()
    }

    /// docker's prettyPrintEvent.
    static func pretty(_ e: JSON) -> String {
        var out = ""
        if let n = e["timeNano"]?.int64Value, n != 0 {
            out += rfc3339NanoFixed(n) + " "
        } else if let t = e["time"]?.int64Value, t != 0 {
            out += rfc3339NanoFixed(t * 1_000_000_000) + " "
        }
        let actor = e["Actor"]
        out += "\(e["Type"]?.stringValue ?? "") \(e["Action"]?.stringValue ?? "") \(actor?["ID"]?.stringValue ?? "")"
        let attrs = actor?["Attributes"]?.objectValue ?? JSONObject()
        if !attrs.isEmpty {
            out += " (" + attrs.keys.sorted().map { "\($0)=\(attrs[$0]?.stringValue ?? "")" }.joined(separator: ", ") + ")"
        }
        return out + "\n"
    }

    /// Go's `2006-01-02T15:04:05.000000000Z07:00` in local time.
    static func rfc3339NanoFixed(_ nanos: Int64) -> String {
        var secs = time_t(nanos / 1_000_000_000)
        let frac = nanos % 1_000_000_000
        var tm = tm()
        localtime_r(&secs, &tm)
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var s = "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2))"
        s += "T\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2)).\(pad(Int(frac), 9))"
        let off = Int(tm.tm_gmtoff)
        if off == 0 { return s + "Z" }
        let a = abs(off) / 60
        return s + (off < 0 ? "-" : "+") + pad(a / 60, 2) + ":" + pad(a % 60, 2)
    }
}

/// The parsed template, used only from the response's callbacks (one at a time).
final class TemplateBox: @unchecked Sendable {
    let template: GoTemplate
    init(_ t: GoTemplate) { template = t }
}

/// An event as the template sees it: Go's events.Message fields (`.ID`, `.Status`,
/// `.Type`, `.Actor.Attributes`...); `{{json .}}` prints the message as the daemon sent it.
struct EventContext: TemplateObject {
    let event: JSON
    var goTypeName: String { "events.Message" }

    static let fieldKeys = ["Status": "status", "ID": "id", "From": "from", "Type": "Type", "Action": "Action",
                            "Actor": "Actor", "Scope": "scope", "Time": "time", "TimeNano": "timeNano"]

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        guard let key = Self.fieldKeys[name] else { return nil }
        return .json(event[key] ?? (name == "Time" || name == "TimeNano" ? .number("0") : .string("")))
    }

    func templateJSON() -> JSON { event }
}
