#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistSys

/// posix_spawn helpers for the daemon side (a multithreaded process must never fork).
enum Subprocess {
    /// Runs `path args` to completion, returning its exit status and stdout (bounded).
    /// Blocking: call from a dedicated thread or at startup.
    static func capture(_ path: String, _ args: [String], maxOutput: Int = 1 << 16) throws -> (status: Int32, output: String) {
        var fds: [Int32] = [-1, -1]
        // socketpair takes SOCK_CLOEXEC atomically (pipe2 is not in Swift's Glibc module),
        // so a concurrent spawn elsewhere in the daemon cannot inherit these.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw HoistError.internal("socketpair: \(errnoString())")
        }
        defer { close(fds[0]) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        var attr = SpawnAttributes()
        defer { attr.destroy() }
        let pid = try spawn(path, args, fileActions: &fa, attr: &attr.attr)
        close(fds[1])
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < maxOutput {
            let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return (waitForExit(pid), String(decoding: out, as: UTF8.self))
    }

    /// The child gets descriptors below `closingFrom` as the file actions set them, none above.
    static func spawn(_ path: String, _ args: [String], fileActions: inout posix_spawn_file_actions_t,
                      attr: inout posix_spawnattr_t, closingFrom: Int32 = 3) throws -> pid_t {
        FileSystem.closeDescriptors(from: closingFrom, in: &fileActions)
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &fileActions, &attr, &cargs, environ)
        guard rc == 0 else { throw HoistError.internal("spawn \(path): \(errnoString(rc))") }
        return pid
    }

    /// waitpid, retrying EINTR; returns the raw status (-1 if it cannot be waited for).
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return status
    }
}

/// Spawn attributes that give the child a clean signal state: the daemon's threads may
/// block signals and it ignores SIGPIPE, neither of which a runtime or shim should inherit.
struct SpawnAttributes {
    var attr = posix_spawnattr_t()
    init() {
        posix_spawnattr_init(&attr)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    }
    mutating func destroy() { posix_spawnattr_destroy(&attr) }
}

func errnoString(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }
