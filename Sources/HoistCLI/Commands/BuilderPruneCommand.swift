import ArgumentParser
import HoistClient

/// `hoist builder prune`: `POST /build/prune`, which forgets cached build steps and removes
/// the step images nothing else uses; printed as docker prints it.
struct BuilderPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", _superCommandName: "hoist builder", abstract: "Remove build cache")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Remove all unused build cache, not just dangling ones")
    var all = false

    @Option(name: .customLong("filter"), help: "Provide filter values (e.g. \"until=24h\")")
    var filters: [String] = []

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false

    @Option(name: .customLong("keep-storage"), help: "Amount of disk space to keep for cache")
    var keepStorage: String?

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMax(args, 0)
        let f = try FilterArgs.parse(filters, path: env.path)
        var keep: Int64 = 0
        if let k = keepStorage {
            do { keep = try Units.ramInBytes(k) } catch {
                throw env.path.invalidFlagValue(k, flag: "--keep-storage", "\(error)")
            }
        }
        let what = all ? "all build cache" : "all dangling build cache"
        if !force && !Confirmation.ask("WARNING! This will remove \(what).\nAre you sure you want to continue?") { return }
        do {
            Pruner.print([try await Pruner.buildCache(env.client, all: all, filters: f, keepStorage: keep)])
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
    }
}
