import ArgumentParser
import HoistClient
import HoistOCI

/// `hoist pull [-a] [-q] NAME[:TAG|@DIGEST]`: `POST /images/create?fromImage=&tag=` with the
/// stored credentials in `X-Registry-Auth`; progress on stdout as docker prints it without
/// a terminal, then the full reference.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", _superCommandName: "hoist", abstract: "Download an image from a registry")

    @Flag(name: [.customShort("a"), .customLong("all-tags")], help: "Download all tagged images in the repository")
    var allTags = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Suppress verbose output")
    var quiet = false

    @Option(name: .customLong("platform"), help: "Set platform if server is multi-platform capable")
    var platform: String?

    @Flag(name: .customLong("disable-content-trust"), help: "Skip image verification (default true)")
    var disableContentTrust = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(args, 1)
        let name = args[0]
        var ref: Reference
        do { ref = try Reference(parsing: name, defaultTag: false) } catch { throw CLIMessage("\(error)") }
        if allTags && (ref.tag != nil || ref.digest != nil) { throw CLIMessage("tag can't be used with --all-tags/-a") }
        if !allTags && ref.tag == nil && ref.digest == nil {
            ref.tag = "latest"
            if !quiet { Out.print("Using default tag: latest") }
        }
        var q = QueryString()
        q.set("fromImage", ref.familiarRepository)
        if let d = ref.digest { q.set("tag", d.description) } else if let t = ref.tag { q.set("tag", t) }
        if let p = platform, !p.isEmpty { q.set("platform", p) }
        let printer = MessagePrinter(fd: 1, quiet: quiet)
        do {
            let s = try await env.client.streamMessages(
                EngineRequest(.POST, "/images/create", query: q, headers: [("X-Registry-Auth", RegistryAuthConfig.header(forDomain: ref.domain))])
            ) { printer.handle($0) }
            try await s.finished()
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
        if let e = printer.firstError { throw CLIMessage(e) }
        Out.print(ref.description)
    }
}
