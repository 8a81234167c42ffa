#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// The daemon's socket path: clear a stale socket left by a crash, refuse to steal the
/// socket of a daemon that still answers, and never delete what is not a socket.
enum SocketFile {
    static func prepare(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            guard errno == ENOENT else { throw HoistError.internal("cannot use \(path): \(String(cString: strerror(errno)))") }
            return
        }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw HoistError.conflict("\(path) exists and is not a socket; remove it or choose another socket path")
        }
        if try isAnswering(path) {
            throw HoistError.conflict("another daemon is already listening on \(path); stop it first (or use another socket path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw HoistError.internal("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    static func isAnswering(_ path: String) throws -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HoistError.internal("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw HoistError.invalid("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            raw[path.utf8.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return rc == 0
    }

    static func setMode(_ path: String, _ mode: mode_t) throws {
        guard chmod(path, mode) == 0 else {
            throw HoistError.internal("cannot chmod \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func ensureDirectory(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw HoistError.invalid("\(path) is not a directory") }
            return
        }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw HoistError.internal("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }
}
