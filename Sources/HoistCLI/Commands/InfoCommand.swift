import ArgumentParser
import HoistClient

/// `hoist info`: docker's prettyPrintInfo over `GET /info`.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", _superCommandName: "hoist", abstract: "Display system-wide information")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?

    func run() async throws {
        let env = CLIEnvironment.get()
        let clientInfo = JSON.object(JSONObject([
            ("Debug", .bool(env.globals.debug)), ("Version", .string(HoistVersion.version)), ("Context", .string("default")),
            ("Plugins", .array([])), ("Warnings", .null),
        ]))
        if let f = format, !f.isEmpty {
            let source = f == "json" ? "{{json .}}" : f
            let tmpl: GoTemplate
            do { tmpl = try GoTemplate(source) } catch { throw ExitError(64, "template parsing error: \(error)") }
            var o = (try await env.client.getJSON("/info")).objectValue ?? JSONObject()
            o["ClientInfo"] = clientInfo
            do {
                Out.write(try tmpl.execute(json: .object(o)) + "\n")
            } catch {
                Out.write("\n")
                throw CLIMessage("template: \(error)")
            }
            return
        }
        var out = "Client:\n"
        out += " Version:    \(HoistVersion.version)\n"
        out += " Context:    default\n"
        out += " Debug Mode: \(env.globals.debug)\n"
        out += "\nServer:\n"
        let info: JSON
        do {
            info = try await env.client.getJSON("/info")
        } catch {
            Out.write(out)
            Out.error("ERROR: \(ErrorReporting.text(error))")
            throw CLIMessage("errors pretty printing info")
        }
        Out.write(out + InfoCommand.serverText(info, clientDebug: env.globals.debug))
        for w in info["Warnings"]?.arrayValue ?? [] {
            if let s = w.stringValue { Out.error(s) }
        }
    }

    static func serverText(_ i: JSON, clientDebug: Bool) -> String {
        var o = ""
        func line(_ label: String, _ v: String) { o += "\(label) \(v)\n" }
        func nonEmpty(_ label: String, _ v: String?) { if let v, !v.isEmpty { line(label, v) } }
        func s(_ k: String) -> String { i[k]?.stringValue ?? "" }
        func n(_ k: String) -> String { i[k]?.int64Value.map(String.init) ?? "0" }
        func b(_ k: String) -> String { (i[k]?.boolValue ?? false) ? "true" : "false" }
        func list(_ j: JSON?) -> String { (j?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ") }
        line(" Containers:", n("Containers"))
        line("  Running:", n("ContainersRunning"))
        line("  Paused:", n("ContainersPaused"))
        line("  Stopped:", n("ContainersStopped"))
        line(" Images:", n("Images"))
        nonEmpty(" Server Version:", s("ServerVersion"))
        nonEmpty(" Storage Driver:", s("Driver"))
        for pair in i["DriverStatus"]?.arrayValue ?? [] {
            let p = (pair.arrayValue ?? []).compactMap(\.stringValue)
            if p.count == 2 { o += "  \(p[0]): \(p[1])\n" }
        }
        for pair in i["SystemStatus"]?.arrayValue ?? [] {
            let p = (pair.arrayValue ?? []).compactMap(\.stringValue)
            if p.count == 2 { o += " \(p[0]): \(p[1])\n" }
        }
        nonEmpty(" Logging Driver:", s("LoggingDriver"))
        nonEmpty(" Cgroup Driver:", s("CgroupDriver"))
        nonEmpty(" Cgroup Version:", s("CgroupVersion"))
        o += " Plugins:\n"
        line("  Volume:", list(i["Plugins"]?["Volume"]))
        line("  Network:", list(i["Plugins"]?["Network"]))
        if let a = i["Plugins"]?["Authorization"]?.arrayValue, !a.isEmpty { line("  Authorization:", list(i["Plugins"]?["Authorization"])) }
        line("  Log:", list(i["Plugins"]?["Log"]))
        let swarm = i["Swarm"]?["LocalNodeState"]?.stringValue ?? "inactive"
        line(" Swarm:", swarm)
        if swarm != "inactive" && swarm != "locked" {
            line("  NodeID:", i["Swarm"]?["NodeID"]?.stringValue ?? "")
            line("  Is Manager:", (i["Swarm"]?["ControlAvailable"]?.boolValue ?? false) ? "true" : "false")
            line("  Node Address:", i["Swarm"]?["NodeAddr"]?.stringValue ?? "")
        }
        if let r = i["Runtimes"]?.objectValue, !r.isEmpty {
            line(" Runtimes:", r.keys.joined(separator: " "))
            line(" Default Runtime:", s("DefaultRuntime"))
        }
        if s("OSType") == "linux" {
            line(" Init Binary:", s("InitBinary"))
            line(" containerd version:", i["ContainerdCommit"]?["ID"]?.stringValue ?? "")
            line(" runc version:", i["RuncCommit"]?["ID"]?.stringValue ?? "")
            line(" init version:", i["InitCommit"]?["ID"]?.stringValue ?? "")
            let opts = (i["SecurityOptions"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !opts.isEmpty {
                o += " Security Options:\n"
                for so in opts {
                    var name = ""
                    var profile: String? = nil
                    for kv in so.split(separator: ",") {
                        let parts = kv.split(separator: "=", maxSplits: 1).map(String.init)
                        if parts.count == 2 && parts[0] == "name" { name = parts[1] }
                        if parts.count == 2 && parts[0] == "profile" { profile = parts[1] }
                    }
                    o += "  \(name)\n"
                    if let p = profile { line("   Profile:", p) }
                }
            }
        }
        nonEmpty(" Kernel Version:", s("KernelVersion"))
        nonEmpty(" Operating System:", s("OperatingSystem"))
        nonEmpty(" OSType:", s("OSType"))
        nonEmpty(" Architecture:", s("Architecture"))
        line(" CPUs:", n("NCPU"))
        line(" Total Memory:", bytesSize(Double(i["MemTotal"]?.int64Value ?? 0)))
        nonEmpty(" Name:", s("Name"))
        nonEmpty(" ID:", s("ID"))
        line(" Docker Root Dir:", s("DockerRootDir"))
        line(" Debug Mode:", b("Debug"))
        if i["Debug"]?.boolValue == true || clientDebug {
            line("  File Descriptors:", n("NFd"))
            line("  Goroutines:", n("NGoroutines"))
            line("  System Time:", s("SystemTime"))
            line("  EventsListeners:", n("NEventsListener"))
        }
        nonEmpty(" HTTP Proxy:", s("HttpProxy"))
        nonEmpty(" HTTPS Proxy:", s("HttpsProxy"))
        nonEmpty(" No Proxy:", s("NoProxy"))
        let labels = (i["Labels"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !labels.isEmpty {
            o += " Labels:\n"
            for l in labels { o += "  \(l)\n" }
        }
        line(" Experimental:", b("ExperimentalBuild"))
        let registry = i["RegistryConfig"]
        let insecureIndexes = (registry?["IndexConfigs"]?.objectValue?.entries ?? []).map(\.value)
            .filter { $0["Secure"]?.boolValue == false }.compactMap { $0["Name"]?.stringValue }.sorted()
        let insecure = insecureIndexes + (registry?["InsecureRegistryCIDRs"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !insecure.isEmpty {
            o += " Insecure Registries:\n"
            for r in insecure { o += "  \(r)\n" }
        }
        let mirrors = (registry?["Mirrors"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !mirrors.isEmpty {
            o += " Registry Mirrors:\n"
            for m in mirrors { o += "  \(m)\n" }
        }
        line(" Live Restore Enabled:", b("LiveRestoreEnabled"))
        o += "\n"
        return o
    }

    /// go-units BytesSize: binary units, 4 significant digits (`23.28GiB`).
    static func bytesSize(_ size: Double) -> String {
        let abbrs = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
        var s = size
        var i = 0
        while s >= 1024 && i < abbrs.count - 1 { s /= 1024; i += 1 }
        return Units.formatG(s, precision: 4) + abbrs[i]
    }
}
