import Glibc

/// One connection to `shim.sock`. It sends one request line; ATTACH and WAIT keep the
/// connection, everything else gets one answer line and is closed.
final class Client {
    enum Role { case request, attach, wait, exec }

    let fd: Int32
    var role: Role = .request
    var closed = false
    /// Bytes of the request line read so far.
    var line: [UInt8] = []
    // ATTACH
    var wantStdin = false, wantStdout = false, wantStderr = false
    /// EXEC: the process this connection started.
    var exec: ExecProc?
    /// Still reading from the connection (stdin bytes, or just watching for EOF).
    var inputOpen = true
    // Output not yet accepted by the socket.
    private var out: [UInt8] = []
    private var outOff = 0
    var closeWhenFlushed = false

    /// A client further behind than this is dropped: the container must never wait for it.
    static let maxQueued = 16 << 20

    init(fd: Int32) { self.fd = fd }

    var queued: Int { out.count - outOff }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Queues (after trying to write at once) an answer line.
    func send(_ s: String) {
        let b = Array(s.utf8)
        _ = b.withUnsafeBytes { send(header: nil, $0) }
    }

    /// Sends `header` + `body` without blocking: what the socket does not take now is
    /// queued. Returns false if the client is too far behind and was closed.
    @discardableResult
    func send(header: UnsafeRawBufferPointer?, _ body: UnsafeRawBufferPointer) -> Bool {
        guard !closed else { return false }
        let hLen = header?.count ?? 0
        let total = hLen + body.count
        var written = 0
        if queued == 0 {
            var iov = [iovec(iov_base: UnsafeMutableRawPointer(mutating: header?.baseAddress), iov_len: hLen),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count)]
            let r = iov.withUnsafeMutableBufferPointer { p -> Int in
                hLen == 0 ? write(fd, body.baseAddress, body.count) : writev(fd, p.baseAddress, 2)
            }
            if r < 0 {
                if errno != EAGAIN && errno != EINTR { close(); return false }
            } else {
                written = r
            }
            if written == total { return true }
        }
        if queued + total - written > Self.maxQueued { close(); return false }
        if written < hLen, let header {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: header[written...]))
            out.append(contentsOf: body)
        } else {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[(written - hLen)...]))
        }
        return true
    }

    /// Writes queued output (on POLLOUT). Closes the client when done and asked to.
    func flush() {
        while queued > 0 && !closed {
            let r = out.withUnsafeBytes { write(fd, $0.baseAddress! + outOff, queued) }
            if r < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                close(); return
            }
            outOff += r
        }
        if queued == 0 {
            out.removeAll(keepingCapacity: out.count <= 1 << 20)
            outOff = 0
            if closeWhenFlushed { close() }
        } else if outOff > 1 << 20 && outOff > out.count / 2 {
            out.removeFirst(outOff)
            outOff = 0
        }
    }
}
