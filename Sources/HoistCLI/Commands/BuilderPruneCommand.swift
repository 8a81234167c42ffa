#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import HoistClient

/// `hoist builder prune`: `POST /build/prune`, which forgets the step cache and removes
/// the step images nothing else uses; printed as docker prints it.
struct BuilderPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove build cache")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Remove all unused build cache, not just dangling ones")
    var all = false

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Do not prompt for confirmation")
    var force = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMax(args, 0)
        if !force {
            let what = all ? "all build cache" : "all dangling build cache"
            Out.write("WARNING! This will remove \(what).\nAre you sure you want to continue? [y/N] ")
            var line: [UInt8] = []
            var c: UInt8 = 0
            while read(0, &c, 1) == 1 && c != UInt8(ascii: "\n") { line.append(c) }
            let answer = String(decoding: line, as: UTF8.self).lowercased().filter { $0 != " " && $0 != "\r" && $0 != "\t" }
            guard answer == "y" || answer == "yes" else { return }
        }
        var q = QueryString()
        if all { q.set("all", "1") }
        let report: JSON
        do {
            report = try await env.client.post("/build/prune", query: q).json()
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
        let deleted = (report["CachesDeleted"]?.arrayValue ?? []).compactMap(\.stringValue)
        var out = ""
        if !deleted.isEmpty { out = "Deleted build cache objects:\n" + deleted.map { $0 + "\n" }.joined() + "\n" }
        out += "Total reclaimed space: " + Units.humanSize(Double(report["SpaceReclaimed"]?.int64Value ?? 0)) + "\n"
        Out.write(out)
    }
}
