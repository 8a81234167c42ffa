import ArgumentParser
import HoistClient

/// `hoist rmi` / `hoist image rm`: prints `Untagged: ...` / `Deleted: ...` lines.
struct RmiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", _superCommandName: "hoist", abstract: "Remove one or more images")

    @Flag(name: [.customShort("f"), .customLong("force")], help: "Force removal of the image")
    var force = false

    @Flag(name: .customLong("no-prune"), help: "Do not delete untagged parents")
    var noPrune = false

    @Argument var images: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(images, 1)
        var q = QueryString()
        q.flag("force", force)
        q.flag("noprune", noPrune)
        var errors: [String] = []
        for img in images {
            do {
                let j = try await env.client.delete("/images/\(img)", query: q).json()
                var out = ""
                for item in j.arrayValue ?? [] {
                    if let u = item["Untagged"]?.stringValue, !u.isEmpty { out += "Untagged: \(u)\n" }
                    if let d = item["Deleted"]?.stringValue, !d.isEmpty { out += "Deleted: \(d)\n" }
                }
                Out.write(out)
            } catch {
                errors.append(ErrorReporting.text(error))
            }
        }
        if !errors.isEmpty { throw CLIMessage(errors.joined(separator: "\n")) }
    }
}
