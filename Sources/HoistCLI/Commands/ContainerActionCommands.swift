import HoistCore
import ArgumentParser
import HoistClient

/// Runs `action` for each name, printing the name on success and collecting errors, as
/// docker's stop/kill/restart/rm do; any failure exits 1 with the errors, one per line.
func forEachContainer(_ names: [String], ignoreNotFound: Bool = false, _ action: (String) async throws -> Void) async throws {
    var errors: [String] = []
    for n in names {
        do {
            try await action(n)
            Out.print(n)
        } catch {
            if ignoreNotFound && ErrorReporting.isNotFound(error) {
                Out.error(ErrorReporting.text(error))
                continue
            }
            errors.append(ErrorReporting.text(error))
        }
    }
    if !errors.isEmpty { throw CLIMessage(errors.joined(separator: "\n")) }
}

/// `-t/--time` and `-s/--signal` of `stop` and `restart`, checked as docker checks them.
private func stopQuery(_ env: CLIEnvironment, time: String?, signal: String?) throws -> QueryString {
    var q = QueryString()
    if let t = time {
        guard Int(t) != nil else { throw env.path.invalidFlagValue(t, flag: "-t, --time", "strconv.ParseInt: parsing \(goQuote(t)): invalid syntax") }
        q.set("t", t)
    }
    if let s = signal { q.set("signal", s) }
    return q
}

/// `hoist stop`
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", _superCommandName: "hoist", abstract: "Stop one or more running containers")

    @Option(name: [.customShort("s"), .customLong("signal")], help: "Signal to send to the container")
    var signal: String?

    @Option(name: [.customShort("t"), .customLong("time")], parsing: .unconditional, help: "Seconds to wait before killing the container")
    var time: String?

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        let q = try stopQuery(env, time: time, signal: signal)
        try await forEachContainer(containers) { try await env.client.post("/containers/\($0)/stop", query: q) }
    }
}

/// `hoist kill`
struct KillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", _superCommandName: "hoist", abstract: "Kill one or more running containers")

    @Option(name: [.customShort("s"), .customLong("signal")], help: "Signal to send to the container")
    var signal: String?

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        var q = QueryString()
        if let s = signal, !s.isEmpty { q.set("signal", s) }
        try await forEachContainer(containers) { try await env.client.post("/containers/\($0)/kill", query: q) }
    }
}

/// `hoist restart`
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", _superCommandName: "hoist", abstract: "Restart one or more containers")

    @Option(name: [.customShort("s"), .customLong("signal")], help: "Signal to send to the container")
    var signal: String?

    @Option(name: [.customShort("t"), .customLong("time")], parsing: .unconditional, help: "Seconds to wait before killing the container")
    var time: String?

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        let q = try stopQuery(env, time: time, signal: signal)
        try await forEachContainer(containers) { try await env.client.post("/containers/\($0)/restart", query: q) }
    }
}

/// `hoist rm`
struct RmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", _superCommandName: "hoist", abstract: "Remove one or more containers")

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Force the removal of a running container (uses SIGKILL)")
    var force = false

    @Flag(name: [.customShort("l"), .customLong("link")], help: "Remove the specified link")
    var link = false

    @Flag(name: [.customShort("v"), .customLong("volumes")], help: "Remove anonymous volumes associated with the container")
    var volumes = false

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        var q = QueryString()
        q.flag("v", volumes)
        q.flag("link", link)
        q.flag("force", force)
        try await forEachContainer(containers, ignoreNotFound: force) { name in
            let trimmed = name.trimmingCharacters("/")
            if trimmed.isEmpty { throw CLIMessage("Container name cannot be empty") }
            try await env.client.delete("/containers/\(trimmed)", query: q)
        }
    }
}

/// `hoist wait`: prints each container's exit code.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", _superCommandName: "hoist", abstract: "Block until one or more containers stop, then print their exit codes")

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        var errors: [String] = []
        for c in containers {
            do {
                let j = try await env.client.send(EngineRequest(.POST, "/containers/\(c)/wait")).json()
                if let m = j["Error"]?["Message"]?.stringValue, !m.isEmpty {
                    errors.append(m)
                    continue
                }
                Out.print(String(j["StatusCode"]?.int64Value ?? 0))
            } catch {
                errors.append(ErrorReporting.text(error))
            }
        }
        if !errors.isEmpty { throw CLIMessage(errors.joined(separator: "\n")) }
    }
}
