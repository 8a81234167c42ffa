import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// docker's PromptForConfirmation: the question on stdout, `y`/`Y` on stdin confirms;
/// anything else (EOF too) cancels, which docker ends with status 0 and no more output.
enum Confirmation {
    static func ask(_ message: String) -> Bool {
        FDWriter.writeAll(1, message + " [y/N] ")
        var line: [UInt8] = []
        var b: UInt8 = 0
        while read(0, &b, 1) == 1 && b != UInt8(ascii: "\n") { line.append(b) }
        let answer = String(decoding: line, as: UTF8.self).trimmingCharacters(" \t\r")
        return answer == "y" || answer == "Y"
    }
}

/// The prune requests and docker's report text for each kind; `system prune` runs them in
/// docker's order. An endpoint this daemon lacks (404) prunes nothing.
enum Pruner {
    struct Result {
        var space: Int64 = 0
        var output = ""
    }

    static func post(_ client: EngineClient, _ path: String, query: QueryString) async throws -> JSON? {
        do {
            return try await client.send(EngineRequest(.POST, path, query: query)).json()
        } catch let e as ClientError where e.isNotFound {
            return nil
        }
    }

    static func list(_ title: String, _ items: [String]) -> String {
        items.isEmpty ? "" : title + "\n" + items.map { $0 + "\n" }.joined()
    }

    static func containers(_ client: EngineClient, filters: [String: [String]]) async throws -> Result {
        var q = QueryString()
        if let f = FilterArgs.encode(filters) { q.set("filters", f) }
        guard let j = try await post(client, "/containers/prune", query: q) else { return Result() }
        let ids = (j["ContainersDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)
        return Result(space: ids.isEmpty ? 0 : j["SpaceReclaimed"]?.int64Value ?? 0, output: list("Deleted Containers:", ids))
    }

    static func networks(_ client: EngineClient, filters: [String: [String]]) async throws -> Result {
        var q = QueryString()
        if let f = FilterArgs.encode(filters) { q.set("filters", f) }
        guard let j = try await post(client, "/networks/prune", query: q) else { return Result() }
        return Result(output: list("Deleted Networks:", (j["NetworksDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)))
    }

    static func volumes(_ client: EngineClient, filters: [String: [String]]) async throws -> Result {
        var q = QueryString()
        if let f = FilterArgs.encode(filters) { q.set("filters", f) }
        guard let j = try await post(client, "/volumes/prune", query: q) else { return Result() }
        let names = (j["VolumesDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)
        return Result(space: names.isEmpty ? 0 : j["SpaceReclaimed"]?.int64Value ?? 0, output: list("Deleted Volumes:", names))
    }

    static func images(_ client: EngineClient, all: Bool, filters: [String: [String]]) async throws -> Result {
        var f = filters
        f["dangling"] = [all ? "false" : "true"]
        var q = QueryString()
        if let e = FilterArgs.encode(f) { q.set("filters", e) }
        guard let j = try await post(client, "/images/prune", query: q) else { return Result() }
        let items = j["ImagesDeleted"]?.arrayValue ?? []
        guard !items.isEmpty else { return Result() }
        var out = "Deleted Images:\n"
        for item in items {
            if let u = item["Untagged"]?.stringValue, !u.isEmpty { out += "untagged: \(u)\n" } else { out += "deleted: \(item["Deleted"]?.stringValue ?? "")\n" }
        }
        return Result(space: j["SpaceReclaimed"]?.int64Value ?? 0, output: out)
    }

    static func buildCache(_ client: EngineClient, all: Bool, filters: [String: [String]], keepStorage: Int64 = 0) async throws -> Result {
        var q = QueryString()
        q.flag("all", all)
        if keepStorage != 0 { q.set("keep-storage", String(keepStorage)) }
        if let f = FilterArgs.encode(filters) { q.set("filters", f) }
        guard let j = try await post(client, "/build/prune", query: q) else { return Result() }
        let ids = (j["CachesDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)
        return Result(space: j["SpaceReclaimed"]?.int64Value ?? 0, output: list("Deleted build cache objects:", ids))
    }

    /// docker prints each report followed by an empty line, then the total (units.HumanSize).
    static func print(_ results: [Result]) {
        for r in results where !r.output.isEmpty { Out.print(r.output) }
        Out.print("Total reclaimed space: " + Units.humanSize(Double(results.reduce(0) { $0 + $1.space }), precision: 4))
    }
}

/// `hoist container prune`
struct ContainerPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", _superCommandName: "hoist container", abstract: "Remove all stopped containers")

    @Option(name: .customLong("filter"), help: "Provide filter values (e.g. \"until=<timestamp>\")")
    var filters: [String] = []

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false

    func run() async throws {
        let env = CLIEnvironment.get()
        let f = try FilterArgs.parse(filters, path: env.path)
        if !force && !Confirmation.ask("WARNING! This will remove all stopped containers.\nAre you sure you want to continue?") { return }
        Pruner.print([try await Pruner.containers(env.client, filters: f)])
    }
}

/// `hoist image prune`
struct ImagePruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", _superCommandName: "hoist image", abstract: "Remove unused images")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Remove all unused images, not just dangling ones")
    var all = false

    @Option(name: .customLong("filter"), help: "Provide filter values (e.g. \"until=<timestamp>\")")
    var filters: [String] = []

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false

    func run() async throws {
        let env = CLIEnvironment.get()
        let f = try FilterArgs.parse(filters, path: env.path)
        let warning = all
            ? "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?"
            : "WARNING! This will remove all dangling images.\nAre you sure you want to continue?"
        if !force && !Confirmation.ask(warning) { return }
        Pruner.print([try await Pruner.images(env.client, all: all, filters: f)])
    }
}

/// `hoist system prune`: containers, networks, (anonymous volumes), images, build cache,
/// through their own prune endpoints, as the docker CLI does.
struct SystemPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", _superCommandName: "hoist system", abstract: "Remove unused data")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Remove all unused images not just dangling ones")
    var all = false

    @Option(name: .customLong("filter"), help: "Provide filter values (e.g. \"label=<key>=<value>\")")
    var filters: [String] = []

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false

    @Flag(name: .customLong("volumes"), help: "Prune anonymous volumes")
    var volumes = false

    func run() async throws {
        let env = CLIEnvironment.get()
        let f = try FilterArgs.parse(filters, path: env.path)
        if !force && !Confirmation.ask(warning()) { return }
        let client = env.client
        var results = [try await Pruner.containers(client, filters: f), try await Pruner.networks(client, filters: f)]
        if volumes { results.append(try await Pruner.volumes(client, filters: f)) }
        results.append(try await Pruner.images(client, all: all, filters: f))
        results.append(try await Pruner.buildCache(client, all: all, filters: f))
        Pruner.print(results)
    }

    /// docker's confirmationTemplate.
    func warning() -> String {
        var items = ["all stopped containers", "all networks not used by at least one container"]
        if volumes { items.append("all anonymous volumes not used by at least one container") }
        items.append(all ? "all images without at least one container associated to them" : "all dangling images")
        items.append(all ? "all build cache" : "unused build cache")
        var text = "WARNING! This will remove:\n" + items.map { "  - \($0)\n" }.joined()
        if !filters.isEmpty {
            text += "\n  Items to be pruned will be filtered with:\n" + filters.sorted().map { "  - \($0)\n" }.joined()
        }
        return text + "\nAre you sure you want to continue?"
    }
}

/// `hoist system` alone.
enum SystemHelp {
    static let text = """

    Usage:  hoist system COMMAND

    Manage Hoist

    Commands:
      events      Get real time events from the server
      info        Display system-wide information
      prune       Remove unused data

    Run 'hoist system COMMAND --help' for more information on a command.

    """
}
