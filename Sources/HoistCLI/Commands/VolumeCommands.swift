import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist volume create [OPTIONS] [VOLUME]`: prints the volume's name.
struct VolumeCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", _superCommandName: "hoist volume", abstract: "Create a volume")

    @Option(name: [.customShort("d"), .customLong("driver")], help: "Specify volume driver name")
    var driver = "local"

    @Option(name: .customLong("name"), help: "Specify volume name")
    var name: String?

    @Option(name: [.customShort("o"), .customLong("opt")], help: "Set driver specific options")
    var opts: [String] = []

    @Option(name: .customLong("label"), help: "Set metadata for a volume")
    var labels: [String] = []

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMax(args, 1)
        var volumeName = name ?? ""
        if let a = args.first {
            if !volumeName.isEmpty {
                throw CLIMessage("conflicting options: cannot specify a volume-name through both --name and as a positional arg")
            }
            volumeName = a
        }
        var body = JSONObject()
        body["Driver"] = .string(driver)
        var driverOpts = JSONObject()
        for o in opts {
            // docker's MapOpts: `key=value`, a bare key maps to "".
            let parts = o.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            driverOpts[parts[0]] = .string(parts.count > 1 ? parts[1] : "")
        }
        body["DriverOpts"] = .object(driverOpts)
        var labelObject = JSONObject()
        for l in labels {
            let parts = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts[0].isEmpty {
                throw env.path.invalidFlagValue(l, flag: "--label", "invalid label '\(l)': empty name")
            }
            labelObject[parts[0]] = .string(parts.count > 1 ? parts[1] : "")
        }
        body["Labels"] = .object(labelObject)
        body["Name"] = .string(volumeName)
        let resp = try await env.client.post("/volumes/create", json: Array(JSONWriter.compact(.object(body)).utf8)).json()
        Out.print(resp["Name"]?.stringValue ?? "")
    }
}

/// `hoist volume ls`: `DRIVER    VOLUME NAME`, sorted by name.
struct VolumeLsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", _superCommandName: "hoist volume", abstract: "List volumes")

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Provide filter values (e.g. \"dangling=true\")")
    var filters: [String] = []

    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only display volume names")
    var quiet = false

    @Flag(name: .customLong("cluster"), help: "Display only cluster volumes, and use cluster volume list formatting")
    var cluster = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireNone(args)
        var q = QueryString()
        if let f = try FilterArgs.encode(filters, path: env.path) { q.set("filters", f) }
        let resp = try await env.client.getJSON("/volumes", query: q)
        let volumes = (resp["Volumes"]?.arrayValue ?? []).sorted { ($0["Name"]?.stringValue ?? "") < ($1["Name"]?.stringValue ?? "") }
        var source = format ?? ""
        if source.isEmpty { source = "table" }
        let fmt: String
        switch source {
        case "table": fmt = quiet ? "{{.Name}}" : VolumeContext.defaultTableFormat
        case "raw": fmt = quiet ? "name: {{.Name}}" : "driver: {{.Driver}}\nname: {{.Name}}\n"
        default: fmt = source
        }
        do {
            Out.write(try ListFormatter.render(format: fmt, rows: volumes.map { VolumeContext(volume: $0) }, header: VolumeContext.header))
        } catch {
            throw CLIMessage("\(error)")
        }
    }
}

/// One `volume ls` row as docker's volumeContext.
struct VolumeContext: TemplateObject {
    let volume: JSON
    var goTypeName: String { "*formatter.volumeContext" }

    static let defaultTableFormat = "table {{.Driver}}\t{{.Name}}"
    static let header = HeaderContext(titles: [
        "Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
        "Links": "LINKS", "Size": "SIZE", "Group": "GROUP", "Availability": "AVAILABILITY", "Status": "STATUS",
    ], goTypeName: "formatter.SubHeaderContext")

    var labels: [(String, String)] {
        (volume["Labels"]?.objectValue?.entries ?? []).map { ($0.key, $0.value.stringValue ?? "") }
    }

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Name": return .string(volume["Name"]?.stringValue ?? "")
        case "Driver": return .string(volume["Driver"]?.stringValue ?? "")
        case "Scope": return .string(volume["Scope"]?.stringValue ?? "")
        case "Mountpoint": return .string(volume["Mountpoint"]?.stringValue ?? "")
        case "Labels": return .string(labels.map { "\($0.0)=\($0.1)" }.joined(separator: ","))
        case "Label":
            guard case .string(let key) = args.first?.scalar ?? .null else { return .string("") }
            return .string(labels.first { $0.0 == key }?.1 ?? "")
        case "Links", "Size", "Group", "Availability", "Status": return .string("N/A")
        default: return nil
        }
    }

    func templateJSON() -> JSON {
        var o = JSONObject()
        for k in ["Availability", "Driver", "Group", "Labels", "Links", "Mountpoint", "Name", "Scope", "Size", "Status"] {
            if case .string(let s)? = (try? templateField(k, args: [])) ?? nil { o[k] = .string(s) }
        }
        return .object(o)
    }
}

/// `hoist volume inspect`: the API JSON, indented, or `-f` templates.
struct VolumeInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", _superCommandName: "hoist volume", abstract: "Display detailed information on one or more volumes")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?

    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        try await Inspector.run(names: names, format: format ?? "") { name in
            try await env.client.send(EngineRequest(.GET, "/volumes/\(name)")).bytes
        }
    }
}

/// `hoist volume rm`: prints each removed name; errors after, exit 1.
struct VolumeRmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", _superCommandName: "hoist volume", abstract: "Remove one or more volumes")

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Force the removal of one or more volumes")
    var force = false

    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        var q = QueryString()
        q.flag("force", force)
        var errors: [String] = []
        for n in names {
            do {
                try await env.client.delete("/volumes/\(n)", query: q)
                Out.print(n)
            } catch {
                errors.append(ErrorReporting.text(error))
            }
        }
        if !errors.isEmpty { throw CLIMessage(errors.joined(separator: "\n")) }
    }
}

/// `hoist volume prune`: asks first unless `-f`; `-a` takes named volumes too.
struct VolumePruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", _superCommandName: "hoist volume", abstract: "Remove unused local volumes")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Remove all unused volumes, not just anonymous ones")
    var all = false

    @Option(name: .customLong("filter"), help: "Provide filter values (e.g. \"label=<label>\")")
    var filters: [String] = []

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireNone(args)
        var f = try FilterArgs.parse(filters, path: env.path)
        var warning = "WARNING! This will remove anonymous local volumes not used by at least one container."
        if all {
            if f["all"] != nil { throw CLIMessage("conflicting options: cannot specify both --all and --filter all=1") }
            f["all"] = ["true"]
            warning = "WARNING! This will remove all local volumes not used by at least one container."
        }
        if !force && !Confirm.ask(warning + "\nAre you sure you want to continue?") { return }
        var q = QueryString()
        if let e = FilterArgs.encode(f) { q.set("filters", e) }
        let report = try await env.client.post("/volumes/prune", query: q).json()
        let deleted = (report["VolumesDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)
        var out = ""
        var reclaimed: Int64 = 0
        if !deleted.isEmpty {
            out = "Deleted Volumes:\n" + deleted.map { $0 + "\n" }.joined() + "\n"
            reclaimed = report["SpaceReclaimed"]?.int64Value ?? 0
        }
        Out.write(out + "Total reclaimed space: " + Units.humanSize(Double(reclaimed)) + "\n")
    }
}

/// docker's prompt.Confirm: `<message> [y/N] `, yes only for `y`/`Y` (and "yes").
enum Confirm {
    static func ask(_ message: String) -> Bool {
        Out.write(message + " [y/N] ")
        var line: [UInt8] = []
        var c: UInt8 = 0
        while read(0, &c, 1) == 1 {
            if c == UInt8(ascii: "\n") { break }
            line.append(c)
        }
        let answer = String(decoding: line, as: UTF8.self).trimmingCharacters(" \t\r").lowercased()
        return answer == "y" || answer == "yes"
    }
}

/// `hoist volume` alone.
enum VolumeHelp {
    static let text = """

    Usage:  hoist volume COMMAND

    Manage volumes

    Commands:
      create      Create a volume
      inspect     Display detailed information on one or more volumes
      ls          List volumes
      prune       Remove unused local volumes
      rm          Remove one or more volumes

    Run 'hoist volume COMMAND --help' for more information on a command.

    """
}
