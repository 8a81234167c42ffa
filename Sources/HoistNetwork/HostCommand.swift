#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore
import HoistSys

/// Runs the few host tools networking needs (`ip` for bridges, `iptables-restore`) with
/// posix_spawn (the daemon must never fork), feeding a batch on stdin so each step is one
/// process, not one per rule.
enum HostCommand {
    struct Result { var status: Int32; var output: String }

    /// Runs to completion; stdout and stderr captured together (bounded).
    @discardableResult
    static func run(_ path: String, _ args: [String], input: String? = nil) throws -> Result {
        var out: [Int32] = [-1, -1]
        var inp: [Int32] = [-1, -1]
        // socketpairs take SOCK_CLOEXEC atomically, so concurrent spawns never inherit them.
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, flags, 0, &out) == 0 else { throw HoistError.internal("socketpair: \(String(cString: strerror(errno)))") }
        defer { close(out[0]) }
        if input != nil {
            guard socketpair(AF_UNIX, flags, 0, &inp) == 0 else {
                close(out[1]); throw HoistError.internal("socketpair: \(String(cString: strerror(errno)))")
            }
        }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        if input != nil { posix_spawn_file_actions_adddup2(&fa, inp[1], 0) } else { posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&fa, out[1], 1)
        posix_spawn_file_actions_adddup2(&fa, out[1], 2)
        FileSystem.closeDescriptors(from: 3, in: &fa)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = [path] + args
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &fa, &attr, &cargs, environ)
        close(out[1])
        if input != nil { close(inp[1]) }
        guard rc == 0 else {
            if input != nil { close(inp[0]) }
            throw HoistError.internal("spawn \(path): \(String(cString: strerror(rc)))")
        }
        if let input {
            // Batches are a few KB: far below the socket buffer, so this never blocks on the child.
            var bytes = Array(input.utf8)
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(inp[0], $0.baseAddress! + off, $0.count - off) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                off += n
            }
            close(inp[0])
        }
        var collected: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while collected.count < 1 << 20 {
            let n = buf.withUnsafeMutableBytes { read(out[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            collected += buf[0..<n]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 { if errno != EINTR { status = -1; break } }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, output: String(decoding: collected, as: UTF8.self))
    }

    /// Runs and throws the tool's own words when it fails.
    static func check(_ path: String, _ args: [String], input: String? = nil, what: String) throws {
        let r = try run(path, args, input: input)
        guard r.status == 0 else {
            throw HoistError.internal("\(what): \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    static let ip = "/usr/sbin/ip"
    static let iptables = "/usr/sbin/iptables"
    static let iptablesRestore = "/usr/sbin/iptables-restore"
}
