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
    static let configuration = CommandConfiguration(commandName: "save", abstract: "Save one or more images to a tar archive (streamed to STDOUT by default)")

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
        if out.isEmpty {
            _ = try await env.client.download(req, toFD: 1)
            return
        }
        do { try CpCommand.validateOutputPath(out) } catch { throw CLIMessage("failed to save image: \(ErrorReporting.text(error))") }
        let dir = ContainerPath.dir(out)
        var template = Array("\(dir)/.docker_temp_XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CLIMessage("failed to save image: \(String(cString: strerror(errno)).lowercased())") }
        let tmp = String(cString: template)
        do {
            _ = try await env.client.download(req, toFD: fd)
            guard fchmod(fd, 0o644) == 0, close(fd) == 0 else { throw CLIMessage("failed to save image: \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard rename(tmp, out) == 0 else {
            let e = errno
            unlink(tmp)
            throw CLIMessage("failed to save image: rename \(out): \(String(cString: strerror(e)).lowercased())")
        }
    }
}
