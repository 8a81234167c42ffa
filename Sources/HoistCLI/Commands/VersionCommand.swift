import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist version`: docker's template (Client, then Server with its components) through a
/// tabwriter (minwidth 20, padding 1).
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", _superCommandName: "hoist", abstract: "Show the Hoist version information")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?

    static let defaultTemplate = """
    {{with .Client -}}
    Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
     Version:\t{{.Version}}
     API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
     Go version:\t{{.GoVersion}}
     Git commit:\t{{.GitCommit}}
     Built:\t{{.BuildTime}}
     OS/Arch:\t{{.Os}}/{{.Arch}}
     Context:\t{{.Context}}
    {{- end}}

    {{- if ne .Server nil}}{{with .Server}}

    Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
     {{- range $component := .Components}}
     {{$component.Name}}:
      {{- if eq $component.Name "Engine" }}
      Version:\t{{.Version}}
      API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
      Go version:\t{{index .Details "GoVersion"}}
      Git commit:\t{{index .Details "GitCommit"}}
      Built:\t{{index .Details "BuildTime"}}
      OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
      Experimental:\t{{index .Details "Experimental"}}
      {{- else }}
      Version:\t{{$component.Version}}
      {{- $detailsOrder := getDetailsOrder $component}}
      {{- range $key := $detailsOrder}}
      {{$key}}:\t{{index $component.Details $key}}
       {{- end}}
      {{- end}}
     {{- end}}
     {{- end}}{{- end}}
    """

    static var arch: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }

    /// docker's clientVersion: Go field names for templates, json tags for `{{json .}}`.
    struct ClientVersion: TemplateObject {
        var goTypeName: String { "system.clientVersion" }
        static let fields: [(go: String, json: String, value: String)] = [
            ("Version", "Version", HoistVersion.version),
            ("APIVersion", "ApiVersion", EngineClient.apiVersion),
            ("DefaultAPIVersion", "DefaultAPIVersion", EngineClient.apiVersion),
            ("GitCommit", "GitCommit", HoistVersion.gitCommit),
            ("GoVersion", "GoVersion", "swift6"),
            ("Os", "Os", "linux"),
            ("Arch", "Arch", VersionCommand.arch),
            ("BuildTime", "BuildTime", ""),
            ("Context", "Context", "default"),
        ]

        func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
            if name == "Platform" { return .null }
            return ClientVersion.fields.first { $0.go == name }.map { .string($0.value) }
        }

        func templateJSON() -> JSON {
            // omitempty on everything but Context.
            .object(JSONObject(ClientVersion.fields.filter { !$0.value.isEmpty || $0.json == "Context" }.map { ($0.json, .string($0.value)) }))
        }
    }

    /// docker's reformatDate: RFC 3339 build times shown as time.ANSIC.
    static func reformatDate(_ s: String) -> String {
        guard let n = parseRFC3339(s) else { return s }
        var t = time_t(n)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 64)
        let len = strftime(&buf, buf.count, "%a %b %e %H:%M:%S %Y", &tmv)
        return String(decoding: buf[0..<len].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parseRFC3339(_ s: String) -> Int64? {
        guard s.contains("T") else { return nil }
        return TimeArgument.parseDate(s, local: false).map { $0 / 1_000_000_000 }
    }

    /// The server part with the Engine's BuildTime reformatted (and an Engine component
    /// synthesised from the top-level fields when the daemon lists none).
    static func serverJSON(_ v: JSON) -> JSON {
        guard var o = v.objectValue else { return v }
        var comps = o["Components"]?.arrayValue ?? []
        var found = false
        for (i, c) in comps.enumerated() where c["Name"]?.stringValue == "Engine" {
            found = true
            if var co = c.objectValue, var d = co["Details"]?.objectValue, let bt = d["BuildTime"]?.stringValue {
                d["BuildTime"] = .string(reformatDate(bt))
                co["Details"] = .object(d)
                comps[i] = .object(co)
            }
        }
        if !found {
            let s = { (k: String) in v[k]?.stringValue ?? "" }
            comps.append(.object(JSONObject([
                ("Name", .string("Engine")), ("Version", .string(s("Version"))),
                ("Details", .object(JSONObject([
                    ("ApiVersion", .string(s("ApiVersion"))), ("MinAPIVersion", .string(s("MinAPIVersion"))),
                    ("GitCommit", .string(s("GitCommit"))), ("GoVersion", .string(s("GoVersion"))), ("Os", .string(s("Os"))),
                    ("Arch", .string(s("Arch"))), ("BuildTime", .string(reformatDate(s("BuildTime")))),
                    ("Experimental", .string(v["Experimental"]?.boolValue == true ? "true" : "false")),
                ]))),
            ])))
        }
        o["Components"] = .array(comps)
        return .object(o)
    }

    func run() async throws {
        let env = CLIEnvironment.get()
        var source = format ?? ""
        if source.isEmpty { source = VersionCommand.defaultTemplate } else if source == "json" { source = "{{json .}}" }
        let tmpl: GoTemplate
        do {
            tmpl = try GoTemplate(source, extraFunctions: ["getDetailsOrder": { a in
                guard let c = a.first, case .json(let j) = c, let d = j["Details"]?.objectValue else { return .list([]) }
                return .list(d.keys.sorted().map { .string($0) })
            }])
        } catch {
            throw ExitError(64, "template parsing error: \(error)")
        }
        var serverError: Error? = nil
        var server = JSON.null
        do {
            server = VersionCommand.serverJSON(try await env.client.getJSON("/version"))
        } catch {
            serverError = error
        }
        let data = TemplateValue.map(["Client": .object(ClientVersion()), "Server": .json(server)])
        var tw = TabWriter(minwidth: 20, tabwidth: 1, padding: 1)
        var execError: Error? = nil
        do {
            tw.write(try tmpl.execute(data))
        } catch {
            execError = error
        }
        tw.write("\n")
        Out.write(tw.flushString())
        if let e = serverError { throw e }
        if let e = execError { throw CLIMessage("template: \(e)") }
    }
}
