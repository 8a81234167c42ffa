import HoistArchive
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `save` and `export`: a tar from the daemon to stdout, or to `out` written whole or not
/// at all (docker's CopyToFile: a temporary file next to the target, renamed when
/// complete). `failure` prefixes errors as docker words them ("failed to save image").
func downloadTar(_ req: EngineRequest, to out: String, client: EngineClient, failure: String) async throws {
    if out.isEmpty {
        _ = try await client.download(req, toFD: 1)
        return
    }
    do { try CpCommand.validateOutputPath(out) } catch { throw CLIMessage("\(failure): \(ErrorReporting.text(error))") }
    let dir = ContainerPath.dir(out)
    var template = Array("\(dir)/.docker_temp_XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw CLIMessage("\(failure): \(String(cString: strerror(errno)).lowercased())") }
    let tmp = String(cString: template)
    do {
        _ = try await client.download(req, toFD: fd)
        guard fchmod(fd, 0o644) == 0, close(fd) == 0 else { throw CLIMessage("\(failure): \(String(cString: strerror(errno)))") }
    } catch {
        close(fd)
        unlink(tmp)
        throw error
    }
    guard rename(tmp, out) == 0 else {
        let e = errno
        unlink(tmp)
        throw CLIMessage("\(failure): rename \(out): \(String(cString: strerror(e)).lowercased())")
    }
}
