import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist load [-i FILE] [-q]`: the archive (stdin by default) streams as the body of
/// `POST /images/load`; the daemon's messages (`Loaded image: ...`) are printed.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", _superCommandName: "hoist", abstract: "Load an image from a tar archive or STDIN")

    @Option(name: [.customShort("i"), .customLong("input")], help: "Read from tar archive file, instead of STDIN")
    var input: String?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Suppress the load output")
    var quiet = false

    @Option(name: .customLong("platform"), help: "Load only the given platform variant")
    var platform: String?

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(args, 0)
        var fd: Int32 = 0
        if let path = input, !path.isEmpty {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw CLIMessage(openErrorText(path, errno)) }
        } else if isatty(0) == 1 {
            throw CLIMessage("requested load from stdin, but stdin is empty")
        }
        defer { if fd != 0 { close(fd) } }
        var q = QueryString()
        if quiet { q.set("quiet", "1") }
        let printer = MessagePrinter(fd: 1)  // -q hides progress only: docker still prints "Loaded image"
        let req = EngineRequest(.POST, "/images/load", query: q, headers: [("Content-Type", "application/x-tar")])
        let s = try await env.client.uploadMessages(req, fromFD: fd) { printer.handle($0) }
        try await s.finished()
        if let e = printer.firstError { throw CLIMessage(e) }
    }
}
