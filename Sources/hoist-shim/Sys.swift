import Glibc

// Syscall helpers for the shim. Glibc only (no Foundation: the shim must start fast and
// stay small). A few functions Swift's Glibc module hides (GNU extensions, or C variadic
// like prctl) are looked up with dlsym; the shim has no C target of its own.

enum Sys {
    typealias UnshareFn = @convention(c) (Int32) -> Int32
    typealias PrctlFn = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    static func symbol<T>(_ name: String, as: T.Type) -> T? {
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(p, to: T.self)
    }

    static let CLONE_NEWNS: Int32 = 0x0002_0000
    static let PR_SET_CHILD_SUBREAPER: Int32 = 36
    static let F_SETPIPE_SZ: Int32 = 1031

    static func unshareMountNS() -> Int32 {
        guard let f = symbol("unshare", as: UnshareFn.self) else { return -1 }
        return f(CLONE_NEWNS)
    }

    static func setChildSubreaper() {
        if let f = symbol("prctl", as: PrctlFn.self) { _ = f(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }
    }

    static func errorString(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

    /// This process's nice value (what it was started with, unless changed here).
    static func niceness() -> Int32 {
        errno = 0
        let n = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        return n == -1 && errno != 0 ? 0 : n
    }

    /// Sets this process's nice value; children started afterwards inherit it.
    static func setNiceness(_ n: Int32) {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, n)
    }

    static func setCloexec(_ fd: Int32) {
        let f = fcntl(fd, F_GETFD)
        if f >= 0 { _ = fcntl(fd, F_SETFD, f | FD_CLOEXEC) }
    }

    static func setNonblock(_ fd: Int32) {
        let f = fcntl(fd, F_GETFL)
        if f >= 0 { _ = fcntl(fd, F_SETFL, f | O_NONBLOCK) }
    }

    /// A close-on-exec pipe (read, write). The shim is single-threaded, so setting the
    /// flag after pipe() cannot race with a spawn.
    static func makePipe() -> (r: Int32, w: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        setCloexec(fds[0]); setCloexec(fds[1])
        return (fds[0], fds[1])
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let r = write(fd, b.baseAddress! + off, b.count - off)
                if r < 0 { if errno == EINTR { continue }; return }
                off += r
            }
        }
    }

    static func readFile(_ path: String, max: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < max {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// The arguments a standby shim is given (see `--standby`): `<byte count>\n`, then that
    /// many bytes of NUL-terminated arguments. nil at EOF (the daemon went away) or on a
    /// malformed message.
    static func readArguments(_ fd: Int32) -> [String]? {
        var header: [UInt8] = []
        var b: UInt8 = 0
        while true {
            let n = read(fd, &b, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            if b == 0x0A { break }
            header.append(b)
            if header.count > 12 { return nil }
        }
        guard let count = Int(String(decoding: header, as: UTF8.self)), count > 0, count <= 1 << 20 else { return nil }
        var payload = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = payload.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            got += n
        }
        guard payload.last == 0 else { return nil }
        return payload.dropLast().split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Write to a temp file then rename: readers never see a torn state file.
    @discardableResult
    static func writeFileAtomic(_ path: String, _ content: String) -> Bool {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        writeAll(fd, Array(content.utf8))
        close(fd)
        return rename(tmp, path) == 0
    }

    /// Closes every inherited descriptor above `keep` (the daemon may leak some, and a
    /// shim must not hold, say, the daemon's sockets open).
    static func closeInheritedFDs(above keep: Int32, keeping extra: Int32? = nil) {
        // The listing's own descriptor is among them, already closed when they are.
        for name in directoryEntries("/proc/self/fd") ?? [] {
            if let fd = Int32(name), fd > keep, fd != extra { close(fd) }
        }
    }

    /// The names in a directory, without `.` and `..`; nil if it cannot be read.
    static func directoryEntries(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isMountPoint(_ path: String) -> Bool {
        var a = stat(), b = stat()
        guard stat(path, &a) == 0, stat(path + "/..", &b) == 0 else { return false }
        return a.st_dev != b.st_dev
    }
}

/// A `sockaddr_un` for `path`. Paths too long for `sun_path` (108 bytes) go through the
/// directory's descriptor: `/proc/<pid>/fd/<dirfd>/<name>`, which any process of the same
/// user can resolve while the shim lives.
final class SocketPath {
    let path: String
    private(set) var dirFD: Int32 = -1
    /// What to bind/connect to (and to hand to the runtime).
    let address: String

    init(_ path: String) {
        self.path = path
        if path.utf8.count < 100 {
            address = path
            return
        }
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let dir = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        dirFD = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        address = "/proc/\(getpid())/fd/\(dirFD)/\(name)"
    }

    deinit { if dirFD >= 0 { close(dirFD) } }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(address.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in bytes.prefix(p.count - 1).enumerated() { p[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// A non-blocking listening socket (a stale socket file is replaced).
    func listen() -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        unlink(path)
        let ok = withSockaddr { bind(fd, $0, $1) } == 0 && Glibc.listen(fd, 128) == 0
        if !ok { let e = errno; close(fd); errno = e; return nil }
        return fd
    }
}

/// Receives one descriptor sent with SCM_RIGHTS (the runtime sends the pty master over
/// the console socket this way).
func receiveFD(_ sock: Int32) -> Int32? {
    var data = [UInt8](repeating: 0, count: 4096)
    let ctrlSize = 64
    let ctrl = UnsafeMutableRawPointer.allocate(byteCount: ctrlSize, alignment: 8)
    defer { ctrl.deallocate() }
    memset(ctrl, 0, ctrlSize)
    return data.withUnsafeMutableBytes { d -> Int32? in
        var iov = iovec(iov_base: d.baseAddress, iov_len: d.count)
        return withUnsafeMutablePointer(to: &iov) { iovp -> Int32? in
            var msg = msghdr()
            msg.msg_iov = iovp
            msg.msg_iovlen = 1
            msg.msg_control = ctrl
            msg.msg_controllen = ctrlSize
            var r: Int
            repeat { r = recvmsg(sock, &msg, 0) } while r < 0 && errno == EINTR
            guard r >= 0, msg.msg_controllen >= MemoryLayout<cmsghdr>.size else { return nil }
            // First cmsghdr at the start of the control buffer; its data follows the
            // (already 8-aligned, 16-byte) header.
            let hdr = ctrl.load(as: cmsghdr.self)
            guard hdr.cmsg_level == SOL_SOCKET, hdr.cmsg_type == Int32(SCM_RIGHTS),
                  hdr.cmsg_len >= MemoryLayout<cmsghdr>.size + 4 else { return nil }
            let fd = ctrl.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
            Sys.setCloexec(fd)
            return fd
        }
    }
}

// MARK: - spawning

/// posix_spawn (never fork: cheap and safe). fd 0/1/2 of the child come from `stdio`;
/// signal mask and dispositions are reset, so the runtime (and through it the
/// container) does not inherit the shim's ignored SIGPIPE.
func spawn(_ path: String, _ args: [String], stdio: (Int32, Int32, Int32) = (-1, -1, -1)) -> pid_t? {
    var fa = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fa)
    defer { posix_spawn_file_actions_destroy(&fa) }
    // -1 (or the same number) = inherit the shim's own fd, which is /dev/null for 0...2.
    for (target, src) in [stdio.0, stdio.1, stdio.2].enumerated() where src >= 0 && src != Int32(target) {
        posix_spawn_file_actions_adddup2(&fa, src, Int32(target))
    }
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

    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &fa, &attr, &cargs, environ)
    if rc != 0 { errno = rc; return nil }
    return pid
}

/// Waits for a specific child (EINTR from the SIGCHLD handler is retried).
func waitChild(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return -1 }
    }
    return status
}

/// Exit status as Docker reports it: the code, or 128 + signal.
func exitCode(fromWaitStatus s: Int32) -> Int32 {
    let sig = s & 0x7f
    if sig == 0 { return (s >> 8) & 0xff }
    return 128 + sig
}
