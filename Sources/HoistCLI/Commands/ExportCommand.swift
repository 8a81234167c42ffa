import ArgumentParser
import HoistArchive
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist export [-o FILE] CONTAINER`: the container's file system as a tar
/// (`GET /containers/{id}/export`), to stdout or to a file written whole or not at all.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", _superCommandName: "hoist", abstract: "Export a container's filesystem as a tar archive")

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write to a file, instead of STDOUT")
    var output: String?

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(containers, 1)
        let out = output ?? ""
        if out.isEmpty && isatty(1) == 1 {
            throw CLIMessage("cowardly refusing to save to a terminal. Use the -o flag or redirect")
        }
        let req = EngineRequest(.GET, "/containers/\(containers[0])/export")
        try await downloadTar(req, to: out, client: env.client, failure: "failed to export container")
    }
}
