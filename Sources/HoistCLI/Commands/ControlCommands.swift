import ArgumentParser
import HoistClient

/// `hoist pause`
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", _superCommandName: "hoist", abstract: "Pause all processes within one or more containers")

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        try await forEachContainer(containers) { try await env.client.post("/containers/\($0)/pause") }
    }
}

/// `hoist unpause`
struct UnpauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpause", _superCommandName: "hoist", abstract: "Unpause all processes within one or more containers")

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        try await forEachContainer(containers) { try await env.client.post("/containers/\($0)/unpause") }
    }
}

/// `hoist rename OLD NEW`
struct RenameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", _superCommandName: "hoist", abstract: "Rename a container")

    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(names, 2)
        let old = names[0].trimmingCharacters(" \t\n")
        let new = names[1].trimmingCharacters(" \t\n")
        if old.isEmpty || new.isEmpty { throw CLIMessage("Error: Neither old nor new names may be empty") }
        var q = QueryString()
        q.set("name", new)
        do {
            try await env.client.post("/containers/\(old)/rename", query: q)
        } catch {
            // docker prints the daemon's error, then its own.
            Out.error(ErrorReporting.text(error))
            throw CLIMessage("Error: failed to rename container named \(old)")
        }
    }
}

/// `hoist top CONTAINER [ps OPTIONS]`: the daemon runs `ps` and keeps the container's rows.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", _superCommandName: "hoist", abstract: "Display the running processes of a container")

    @Argument(parsing: .captureForPassthrough, help: "CONTAINER [ps OPTIONS]")
    var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        var rest = args
        if rest.first == "--" { rest.removeFirst() }
        try env.path.requireMin(rest, 1)
        var q = QueryString()
        if rest.count > 1 { q.set("ps_args", rest.dropFirst().joined(separator: " ")) }
        let top = try await env.client.getJSON("/containers/\(rest[0])/top", query: q)
        var tw = TabWriter(minwidth: 20, tabwidth: 1, padding: 3)
        tw.write((top["Titles"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\t") + "\n")
        for p in top["Processes"]?.arrayValue ?? [] {
            tw.write((p.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\t") + "\n")
        }
        Out.write(tw.flushString())
    }
}

/// `hoist diff CONTAINER`: `C /etc`, `A /etc/x`, `D /tmp/y`.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", _superCommandName: "hoist", abstract: "Inspect changes to files or directories on a container's filesystem")

    @Argument var container: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(container, 1)
        let changes = try await env.client.getJSON("/containers/\(container[0])/changes")
        var out = ""
        for c in changes.arrayValue ?? [] {
            let kind: String
            switch c["Kind"]?.int64Value ?? -1 {
            case 0: kind = "C"
            case 1: kind = "A"
            case 2: kind = "D"
            default: kind = ""
            }
            out += "\(kind) \(c["Path"]?.stringValue ?? "")\n"
        }
        Out.write(out)
    }
}

/// `hoist port CONTAINER [PRIVATE_PORT[/PROTO]]`: published ports from inspect.
struct PortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", _superCommandName: "hoist", abstract: "List port mappings or a specific mapping for the container")

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 1, 2)
        let c = try await env.client.getJSON("/containers/\(args[0])/json")
        let ports = c["NetworkSettings"]?["Ports"]?.objectValue ?? JSONObject()
        if args.count == 2 {
            var wanted = args[1]
            if !wanted.contains("/") { wanted += "/tcp" }
            guard let bindings = ports[wanted]?.arrayValue, !bindings.isEmpty else {
                throw CLIMessage("Error: No public port '\(wanted)' published for \(args[0])")
            }
            for b in bindings { Out.print(Self.hostPort(b)) }
            return
        }
        var lines: [String] = []
        for key in ports.keys.sorted() {
            for b in ports[key]?.arrayValue ?? [] { lines.append("\(key) -> \(Self.hostPort(b))") }
        }
        for l in lines { Out.print(l) }
    }

    static func hostPort(_ b: JSON) -> String {
        let ip = b["HostIp"]?.stringValue ?? ""
        let port = b["HostPort"]?.stringValue ?? ""
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip.isEmpty ? "0.0.0.0" : ip):\(port)"
    }
}
