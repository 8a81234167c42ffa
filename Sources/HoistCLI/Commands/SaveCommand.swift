import ArgumentParser
import HoistArchive
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist save [-o FILE] IMAGE [IMAGE...]`: the images as a tar (`GET /images/get?names=`),
/// Docker 25's format (docker-archive and OCI layout in one), to stdout or to a file
/// written whole or not at all.
struct SaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "save", _superCommandName: "hoist", abstract: "Save one or more images to a tar archive (streamed to STDOUT by default)")

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write to a file, instead of STDOUT")
    var output: String?

    @Option(name: .customLong("platform"), help: "Save only the given platform variant")
    var platform: String?

    @Argument var images: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(images, 1)
        let out = output ?? ""
        if out.isEmpty && isatty(1) == 1 {
            throw CLIMessage("cowardly refusing to save to a terminal. Use the -o flag or redirect")
        }
        var q = QueryString()
        for i in images { q.add("names", i) }
        let req = EngineRequest(.GET, "/images/get", query: q)
        try await downloadTar(req, to: out, client: env.client, failure: "failed to save image")
    }
}
