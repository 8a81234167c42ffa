import ArgumentParser
import HoistClient
import HoistOCI

/// `hoist push [-a] [-q] NAME[:TAG]`: `POST /images/{name}/push?tag=` with the stored
/// credentials in `X-Registry-Auth`; progress on stdout as docker prints it.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", _superCommandName: "hoist", abstract: "Upload an image to a registry")

    @Flag(name: [.customShort("a"), .customLong("all-tags")], help: "Push all tags of an image to the repository")
    var allTags = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Suppress verbose output")
    var quiet = false

    @Flag(name: .customLong("disable-content-trust"), help: "Skip image signing (default true)")
    var disableContentTrust = false

    @Option(name: .customLong("platform"), help: "Push a platform-specific manifest as a single-platform image to the registry.")
    var platform: String?

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(args, 1)
        var ref: Reference
        do { ref = try Reference(parsing: args[0], defaultTag: false) } catch { throw CLIMessage("\(error)") }
        if allTags && ref.tag != nil { throw CLIMessage("tag can't be used with --all-tags/-a") }
        if ref.digest != nil { throw CLIMessage("cannot push a digest reference") }
        if !allTags && ref.tag == nil {
            ref.tag = "latest"
            if !quiet { Out.print("Using default tag: latest") }
        }
        var q = QueryString()
        if let t = ref.tag { q.set("tag", t) }
        let printer = MessagePrinter(fd: 1, quiet: quiet)
        do {
            let s = try await env.client.streamMessages(
                EngineRequest(.POST, "/images/\(ref.familiarRepository)/push", query: q,
                              headers: [("X-Registry-Auth", RegistryAuthConfig.header(forDomain: ref.domain))])
            ) { printer.handle($0) }
            try await s.finished()
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
        if let e = printer.firstError { throw CLIMessage(e) }
        if quiet { Out.print(ref.description) }
    }
}
