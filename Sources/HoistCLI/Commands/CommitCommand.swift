import ArgumentParser
import HoistClient
import HoistOCI

/// `hoist commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]`: `POST /commit`, prints the new
/// image ID (docker's client splits the reference into `repo` and `tag`).
struct CommitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commit", _superCommandName: "hoist", abstract: "Create a new image from a container's changes")

    @Option(name: [.customShort("a"), .customLong("author")], help: "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")")
    var author: String?

    @Option(name: [.customShort("c"), .customLong("change")], help: "Apply Dockerfile instruction to the created image")
    var changes: [String] = []

    @Option(name: [.customShort("m"), .customLong("message")], help: "Commit message")
    var message: String?

    /// Default true: only `--pause=false` (rewritten away by the parser) turns it off.
    @Flag(name: [.customShort("p"), .customLong("pause")], help: "Pause container during commit (default true)")
    var pauseFlag = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 1, 2)
        var q = QueryString()
        q.set("container", args[0])
        if args.count > 1, !args[1].isEmpty {
            let ref: Reference
            do { ref = try Reference(parsing: args[1], defaultTag: true) } catch { throw CLIMessage("\(error)") }
            if ref.digest != nil { throw CLIMessage("refusing to create a tag with a digest reference") }
            q.set("repo", ref.repository)
            if let t = ref.tag { q.set("tag", t) }
        }
        if let m = message, !m.isEmpty { q.set("comment", m) }
        if let a = author, !a.isEmpty { q.set("author", a) }
        for c in changes { q.add("changes", c) }
        if CLIBoolFlag.explicitlyFalse(["-p", "--pause"]) { q.set("pause", "0") }
        let j = try await env.client.post("/commit", query: q, json: Array("null".utf8)).json()
        Out.print(j["Id"]?.stringValue ?? "")
    }
}

/// pflag booleans that default to true: `--flag=false` is the only way to turn them off,
/// and the parser rewrite drops it, so the raw arguments tell.
enum CLIBoolFlag {
    static func explicitlyFalse(_ names: [String], arguments: [String] = CommandLine.arguments) -> Bool {
        var off = false
        for a in arguments {
            if a == "--" { break }
            for n in names where a.hasPrefix(n + "=") {
                switch String(a.dropFirst(n.count + 1)) {
                case "0", "f", "F", "false", "FALSE", "False": off = true
                default: off = false
                }
            }
        }
        return off
    }
}
