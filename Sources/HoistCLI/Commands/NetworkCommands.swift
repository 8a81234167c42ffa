import ArgumentParser
import HoistClient

/// `hoist network create [OPTIONS] NETWORK`: prints the network's ID.
struct NetworkCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", _superCommandName: "hoist network", abstract: "Create a network")

    @Option(name: [.customShort("d"), .customLong("driver")], help: "Driver to manage the Network")
    var driver = "bridge"
    @Option(name: .customLong("subnet"), help: "Subnet in CIDR format that represents a network segment")
    var subnets: [String] = []
    @Option(name: .customLong("gateway"), help: "IPv4 or IPv6 Gateway for the master subnet")
    var gateways: [String] = []
    @Option(name: .customLong("ip-range"), help: "Allocate container ip from a sub-range")
    var ipRanges: [String] = []
    @Flag(name: .customLong("internal"), help: "Restrict external access to the network")
    var internal_ = false
    @Flag(name: .customLong("attachable"), help: "Enable manual container attachment")
    var attachable = false
    @Flag(name: .customLong("ipv6"), help: "Enable or disable IPv6 networking")
    var ipv6 = false
    @Option(name: .customLong("label"), help: "Set metadata on a network")
    var labels: [String] = []
    @Option(name: [.customShort("o"), .customLong("opt")], help: "Set driver specific options")
    var opts: [String] = []
    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 1, 1)
        if gateways.count > subnets.count || ipRanges.count > subnets.count {
            throw CLIMessage("every ip-range or gateway must have a corresponding subnet")
        }
        func map(_ list: [String]) -> JSONObject {
            var o = JSONObject()
            for kv in list {
                let p = kv.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                o[p[0]] = .string(p.count > 1 ? p[1] : "")
            }
            return o
        }
        var body = JSONObject()
        body["Name"] = .string(args[0])
        body["Driver"] = .string(driver)
        body["CheckDuplicate"] = .bool(true)
        body["Internal"] = .bool(internal_)
        body["Attachable"] = .bool(attachable)
        body["EnableIPv6"] = .bool(ipv6)
        var configs: [JSON] = []
        for (i, s) in subnets.enumerated() {
            var c = JSONObject()
            c["Subnet"] = .string(s)
            if i < gateways.count { c["Gateway"] = .string(gateways[i]) }
            if i < ipRanges.count { c["IPRange"] = .string(ipRanges[i]) }
            configs.append(.object(c))
        }
        var ipam = JSONObject()
        ipam["Driver"] = .string("default")
        ipam["Config"] = .array(configs)
        body["IPAM"] = .object(ipam)
        body["Options"] = .object(map(opts))
        body["Labels"] = .object(map(labels))
        let resp = try await env.client.post("/networks/create", json: Array(JSONWriter.compact(.object(body)).utf8)).json()
        Out.print(resp["Id"]?.stringValue ?? "")
    }
}

/// `hoist network ls`: `NETWORK ID  NAME  DRIVER  SCOPE`, sorted by name.
struct NetworkLsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", _superCommandName: "hoist network", abstract: "List networks")

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Provide filter values (e.g. \"driver=bridge\")")
    var filters: [String] = []
    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only display network IDs")
    var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate the output")
    var noTrunc = false
    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireNone(args)
        var q = QueryString()
        if let f = try FilterArgs.encode(filters, path: env.path) { q.set("filters", f) }
        let resp = try await env.client.getJSON("/networks", query: q)
        let nets = (resp.arrayValue ?? []).sorted { ($0["Name"]?.stringValue ?? "") < ($1["Name"]?.stringValue ?? "") }
        var source = format ?? ""
        if source.isEmpty { source = "table" }
        let fmt: String
        switch source {
        case "table": fmt = quiet ? "{{.ID}}" : NetworkContext.defaultTableFormat
        case "raw": fmt = quiet ? "network_id: {{.ID}}" : "network_id: {{.ID}}\nname: {{.Name}}\ndriver: {{.Driver}}\nscope: {{.Scope}}\n"
        default: fmt = source
        }
        do {
            Out.write(try ListFormatter.render(format: fmt, rows: nets.map { NetworkContext(network: $0, trunc: !noTrunc) },
                                               header: NetworkContext.header))
        } catch {
            throw CLIMessage("\(error)")
        }
    }
}

/// One `network ls` row as docker's networkContext.
struct NetworkContext: TemplateObject {
    let network: JSON
    let trunc: Bool
    var goTypeName: String { "*formatter.networkContext" }

    static let defaultTableFormat = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
    static let header = HeaderContext(titles: [
        "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv6": "IPV6", "Internal": "INTERNAL",
        "Labels": "LABELS", "CreatedAt": "CREATED AT",
    ], goTypeName: "formatter.SubHeaderContext")

    var labels: [(String, String)] {
        (network["Labels"]?.objectValue?.entries ?? []).map { ($0.key, $0.value.stringValue ?? "") }
    }

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "ID":
            let id = network["Id"]?.stringValue ?? ""
            return .string(trunc ? String(id.prefix(12)) : id)
        case "Name": return .string(network["Name"]?.stringValue ?? "")
        case "Driver": return .string(network["Driver"]?.stringValue ?? "")
        case "Scope": return .string(network["Scope"]?.stringValue ?? "")
        case "IPv6": return .string((network["EnableIPv6"]?.boolValue ?? false) ? "true" : "false")
        case "Internal": return .string((network["Internal"]?.boolValue ?? false) ? "true" : "false")
        case "CreatedAt": return .string(network["Created"]?.stringValue ?? "")
        case "Labels": return .string(labels.map { "\($0.0)=\($0.1)" }.joined(separator: ","))
        case "Label":
            guard case .string(let key) = args.first?.scalar ?? .null else { return .string("") }
            return .string(labels.first { $0.0 == key }?.1 ?? "")
        default: return nil
        }
    }

    func templateJSON() -> JSON {
        var o = JSONObject()
        for k in ["CreatedAt", "Driver", "ID", "IPv6", "Internal", "Labels", "Name", "Scope"] {
            if case .string(let s)? = (try? templateField(k, args: [])) ?? nil { o[k] = .string(s) }
        }
        return .object(o)
    }
}

/// `hoist network inspect`: the API JSON, indented, or `-f` templates.
struct NetworkInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", _superCommandName: "hoist network", abstract: "Display detailed information on one or more networks")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose output for diagnostics")
    var verbose = false
    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        try await Inspector.run(names: names, format: format ?? "") { name in
            try await env.client.send(EngineRequest(.GET, "/networks/\(name)")).bytes
        }
    }
}

/// `hoist network rm`: prints each removed name; errors after, exit 1.
struct NetworkRmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", _superCommandName: "hoist network", abstract: "Remove one or more networks")

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not error if the network does not exist")
    var force = false
    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        var errors: [String] = []
        for n in names {
            do {
                try await env.client.delete("/networks/\(n)")
                Out.print(n)
            } catch {
                let text = ErrorReporting.text(error)
                if force && text.contains("not found") { continue }
                errors.append(text)
            }
        }
        if !errors.isEmpty { throw CLIMessage(errors.joined(separator: "\n")) }
    }
}

/// `hoist network prune`: asks first unless `-f`.
struct NetworkPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", _superCommandName: "hoist network", abstract: "Remove all unused networks")

    @Option(name: .customLong("filter"), help: "Provide filter values (e.g. \"until=<timestamp>\")")
    var filters: [String] = []
    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false
    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireNone(args)
        let warning = "WARNING! This will remove all custom networks not used by at least one container."
        if !force && !Self.confirm(warning + "\nAre you sure you want to continue?") { return }
        var q = QueryString()
        if let f = try FilterArgs.encode(filters, path: env.path) { q.set("filters", f) }
        let report = try await env.client.post("/networks/prune", query: q).json()
        let deleted = (report["NetworksDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !deleted.isEmpty { Out.write("Deleted Networks:\n" + deleted.map { $0 + "\n" }.joined() + "\n") }
    }
}

extension NetworkPruneCommand {
    /// docker's prompt.Confirm: `<message> [y/N] `, yes only for `y`/`yes`.
    static func confirm(_ message: String) -> Bool {
        Out.write(message + " [y/N] ")
        let answer = (readLine() ?? "").trimmingCharacters(" \t\r").lowercased()
        return answer == "y" || answer == "yes"
    }
}

/// `hoist network connect [--alias A] [--ip IP] NETWORK CONTAINER`.
struct NetworkConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect", _superCommandName: "hoist network", abstract: "Connect a container to a network")

    @Option(name: .customLong("alias"), help: "Add network-scoped alias for the container")
    var aliases: [String] = []
    @Option(name: .customLong("ip"), help: "IPv4 address (e.g., \"172.30.100.104\")")
    var ip: String?
    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 2, 2)
        var ep = JSONObject()
        if !aliases.isEmpty { ep["Aliases"] = .array(aliases.map { .string($0) }) }
        if let ip {
            var ipam = JSONObject()
            ipam["IPv4Address"] = .string(ip)
            ep["IPAMConfig"] = .object(ipam)
        }
        var body = JSONObject()
        body["Container"] = .string(args[1])
        body["EndpointConfig"] = .object(ep)
        _ = try await env.client.post("/networks/\(args[0])/connect", json: Array(JSONWriter.compact(.object(body)).utf8))
    }
}

/// `hoist network disconnect [-f] NETWORK CONTAINER`.
struct NetworkDisconnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disconnect", _superCommandName: "hoist network", abstract: "Disconnect a container from a network")

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Force the container to disconnect from a network")
    var force = false
    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 2, 2)
        var body = JSONObject()
        body["Container"] = .string(args[1])
        body["Force"] = .bool(force)
        _ = try await env.client.post("/networks/\(args[0])/disconnect", json: Array(JSONWriter.compact(.object(body)).utf8))
    }
}

/// `hoist network` alone.
enum NetworkHelp {
    static let text = """

    Usage:  hoist network COMMAND

    Manage networks

    Commands:
      connect     Connect a container to a network
      create      Create a network
      disconnect  Disconnect a container from a network
      inspect     Display detailed information on one or more networks
      ls          List networks
      prune       Remove all unused networks
      rm          Remove one or more networks

    Run 'hoist network COMMAND --help' for more information on a command.

    """
}
