import ArgumentParser
import HoistArchive
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist export [-o FILE] CONTAINER`: the container's file system as a tar
/// (`GET /containers/{id}/export`), to stdout or to a file written whole or not at all.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a container's filesystem as a tar archive")

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
        if out.isEmpty {
            _ = try await env.client.download(req, toFD: 1)
            return
        }
        do { try CpCommand.validateOutputPath(out) } catch { throw CLIMessage("failed to export container: \(ErrorReporting.text(error))") }
        // Like docker's CopyToFile: a temporary file next to the target, renamed when complete.
        let dir = ContainerPath.dir(out)
        var template = Array("\(dir)/.docker_temp_XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CLIMessage("failed to export container: \(String(cString: strerror(errno)).lowercased())") }
        let tmp = String(cString: template)
        do {
            _ = try await env.client.download(req, toFD: fd)
            guard fchmod(fd, 0o644) == 0, close(fd) == 0 else { throw CLIMessage("failed to export container: \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard rename(tmp, out) == 0 else {
            let e = errno
            unlink(tmp)
            throw CLIMessage("failed to export container: rename \(out): \(String(cString: strerror(e)).lowercased())")
        }
    }
}
