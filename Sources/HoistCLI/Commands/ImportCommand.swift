import ArgumentParser
import HoistClient
import HoistOCI
#if canImport(Glibc)
import Glibc
#endif

/// `hoist import FILE|URL|- [REPOSITORY[:TAG]]`: the tarball streams as the chunked body of
/// `POST /images/create?fromSrc=-`; the daemon's messages (the new image ID) are printed.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", _superCommandName: "hoist", abstract: "Import the contents from a tarball to create a filesystem image")

    @Option(name: [.customShort("c"), .customLong("change")], help: "Apply Dockerfile instruction to the created image")
    var changes: [String] = []

    @Option(name: [.customShort("m"), .customLong("message")], help: "Set commit message for imported image")
    var message: String?

    @Option(name: .customLong("platform"), help: "Set platform if server is multi-platform capable")
    var platform: String?

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 1, 2)
        let source = args[0]
        let ref = args.count > 1 ? args[1] : ""
        if !ref.isEmpty {
            do { _ = try Reference(parsing: ref, defaultTag: false) } catch { throw CLIMessage("\(error)") }
        }
        var q = QueryString()
        let isURL = source.hasPrefix("http://") || source.hasPrefix("https://")
        q.set("fromSrc", isURL ? source : "-")
        if !ref.isEmpty { q.set("repo", ref) }
        if let m = message, !m.isEmpty { q.set("message", m) }
        if let p = platform, !p.isEmpty { q.set("platform", p) }
        for c in changes { q.add("changes", c) }
        let printer = MessagePrinter(fd: 1)
        let req = EngineRequest(.POST, "/images/create", query: q, headers: isURL ? [] : [("Content-Type", "text/plain")])
        let s: StreamingResponse
        if isURL {
            s = try await env.client.streamMessages(req) { printer.handle($0) }
        } else {
            var fd: Int32 = 0
            if source != "-" {
                fd = open(source, O_RDONLY | O_CLOEXEC)
                if fd < 0 { throw CLIMessage(openErrorText(source, errno)) }
            }
            defer { if fd != 0 { close(fd) } }
            s = try await env.client.uploadMessages(req, fromFD: fd) { printer.handle($0) }
        }
        try await s.finished()
        if let e = printer.firstError { throw CLIMessage(e) }
    }
}
