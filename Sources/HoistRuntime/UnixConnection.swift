#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore

/// A connection to a shim's socket. Blocking I/O, used from dedicated threads. The fd is
/// closed only once no call is using it, so `close()` from another thread (which shuts
/// the socket down to wake a blocked reader) can never make a read land on a reused fd.
final class UnixConnection: @unchecked Sendable {
    private let lock = NSLock()
    private let fd: Int32
    private var closed = false
    private var users = 0
    /// Bytes read past the last line (e.g. frames right after ATTACH's `OK`).
    private var leftover: [UInt8] = []

    private init(fd: Int32) { self.fd = fd }

    deinit { if !closed { Glibc.close(fd) } }

    enum ConnectError: Error { case unreachable(Int32) }

    /// Connects to `path` (paths too long for sun_path go through /proc/self/fd).
    static func connect(_ path: String) throws -> UnixConnection {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HoistError.internal("socket: \(errnoString())") }
        var dirFD: Int32 = -1
        var address = path
        if path.utf8.count >= 100 {
            let slash = path.lastIndex(of: "/") ?? path.startIndex
            dirFD = open(String(path[..<slash]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            address = "/proc/self/fd/\(dirFD)/" + path[path.index(after: slash)...]
        }
        defer { if dirFD >= 0 { Glibc.close(dirFD) } }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(address.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in bytes.prefix(p.count - 1).enumerated() { p[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            throw ConnectError.unreachable(e)
        }
        return UnixConnection(fd: fd)
    }

    private func use<R>(_ body: (Int32) -> R) -> R? {
        lock.lock()
        if closed { lock.unlock(); return nil }
        users += 1
        lock.unlock()
        defer {
            lock.lock()
            users -= 1
            if closed && users == 0 { Glibc.close(fd) }
            lock.unlock()
        }
        return body(fd)
    }

    /// Writes everything; false if the connection is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        use { fd in
            bytes.withUnsafeBytes { b -> Bool in
                var off = 0
                while off < b.count {
                    let r = send(fd, b.baseAddress! + off, b.count - off, Int32(MSG_NOSIGNAL))
                    if r < 0 { if errno == EINTR { continue }; return false }
                    off += r
                }
                return true
            }
        } ?? false
    }

    /// Writes what the socket takes without blocking; returns the count written (0 when
    /// it would block, nil when the connection is gone).
    func writeNow(_ bytes: ArraySlice<UInt8>) -> Int? {
        use { fd in
            bytes.withUnsafeBytes { b -> Int? in
                let r = send(fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                if r < 0 { return (errno == EAGAIN || errno == EINTR) ? 0 : nil }
                return r
            }
        } ?? nil
    }

    /// Reads some bytes (leftover first); empty at EOF or error.
    func read(max: Int = 64 << 10) -> [UInt8] {
        if !leftover.isEmpty {
            let l = leftover
            leftover = []
            return l
        }
        return use { fd -> [UInt8] in
            var buf = [UInt8](repeating: 0, count: max)
            while true {
                let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return [] }
                buf.removeSubrange(n...)
                return buf
            }
        } ?? []
    }

    /// One line without its newline; nil if the connection ended first.
    func readLine(maxLength: Int = 64 << 10) -> String? {
        var acc: [UInt8] = []
        while true {
            if let nl = acc.firstIndex(of: 0x0A) {
                leftover = Array(acc[(nl + 1)...]) + leftover
                return String(decoding: acc[..<nl], as: UTF8.self)
            }
            if acc.count > maxLength { return nil }
            let chunk = read(max: 4096)
            if chunk.isEmpty { return nil }
            acc += chunk
        }
    }

    func shutdownWrite() {
        _ = use { Glibc.shutdown($0, Int32(SHUT_WR)) }
    }

    /// Wakes any blocked reader and closes (now, or when the last user returns).
    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
        if users == 0 { Glibc.close(fd) }
    }

    /// One request line, one answer line (START, KILL, STATE...).
    static func request(_ path: String, _ line: String) throws -> String {
        let c = try connect(path)
        defer { c.close() }
        guard c.write(Array((line + "\n").utf8)), let answer = c.readLine() else {
            throw ConnectError.unreachable(ECONNRESET)
        }
        return answer
    }
}
