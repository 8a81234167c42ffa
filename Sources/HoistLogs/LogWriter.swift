#if canImport(Glibc)
import Glibc
#endif

/// Appends container output to a log file as framed records (see `LogFormat`).
///
/// Output is split into lines; a line's bytes may arrive over several `append` calls
/// (the partial line is kept per stream until its newline, or until it reaches
/// `LogFormat.maxLine`, as Docker's copier does). Records go to a large in-memory buffer
/// that is written with one `write(2)` when full or on `flush()`, so capturing a fast
/// writer costs about a memcpy per byte. Not thread-safe: the shim owns one.
public final class LogWriter {
    private var fd: Int32
    private let path: String
    /// Rotation as Docker's json-file driver: when the file would pass `maxSize` bytes it
    /// becomes `PATH.1` (older ones shift up to `PATH.<maxFiles-1>`) and a new file starts;
    /// with `maxFiles` 1 the file starts over. 0 = no limit.
    private let maxSize: Int64
    private let maxFiles: Int
    /// Bytes in the file (written, not buffered).
    private var fileSize: Int64 = 0
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0
    /// Per stream (index 0...2): the bytes of an unfinished line and when it began.
    private let pendingStore: UnsafeMutablePointer<UInt8>
    private var pendingCount = [0, 0, 0]
    private var pendingTime: [Int64] = [0, 0, 0]

    /// Opens (creating if needed) the log at `path` for appending. An existing log is
    /// checked: a record left half-written by a crashed writer is cut off, so the file
    /// stays parseable.
    public init(path: String, bufferSize: Int = 1 << 20, maxSize: Int64 = 0, maxFiles: Int = 1) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw LogError("open \(path)", errno: errno) }
        self.fd = fd
        self.path = path
        self.maxSize = maxSize
        self.maxFiles = max(maxFiles, 1)
        capacity = max(bufferSize, LogFormat.maxLine * 2 + LogFormat.recordOverhead)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        pendingStore = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * LogFormat.maxLine)
        do {
            try prepareExisting(path: path)
        } catch {
            Glibc.close(fd)
            self.fd = -1
            throw error
        }
    }

    deinit {
        close()
        buffer.deallocate()
        pendingStore.deallocate()
    }

    private func prepareExisting(path: String) throws {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LogError("stat \(path)", errno: errno) }
        let size = Int64(st.st_size)
        if size < Int64(LogFormat.headerSize) {
            // New (or torn at creation): start over with a header.
            if size > 0, ftruncate(fd, 0) != 0 { throw LogError("truncate \(path)", errno: errno) }
            let h = LogFormat.headerBytes()
            try h.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
            return
        }
        let file = LogFile(fd: -1, path: path)
        defer { file.closeFD() }
        try file.checkHeader()
        let end = try file.validEnd(size: size)
        if end < size, ftruncate(fd, off_t(end)) != 0 {
            throw LogError("truncate \(path)", errno: errno)
        }
        fileSize = end
    }

    /// Moves the full file aside (`PATH.1`, older ones up, the oldest dropped) and starts a
    /// new one. Renames go newest-last, so a reader always finds whole files.
    private func rotate() throws {
        Glibc.close(fd)
        fd = -1
        if maxFiles > 1 {
            for n in stride(from: maxFiles - 1, through: 1, by: -1) {
                let from = n == 1 ? path : "\(path).\(n - 1)"
                if Glibc.rename(from, "\(path).\(n)") != 0 && errno != ENOENT {
                    throw LogError("rotate \(from)", errno: errno)
                }
            }
        } else {
            _ = unlink(path)
        }
        let nfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0o640)
        guard nfd >= 0 else { throw LogError("open \(path)", errno: errno) }
        fd = nfd
        fileSize = 0
        let h = LogFormat.headerBytes()
        try h.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
    }

    /// Adds output read from a container stream (1 = stdout, 2 = stderr).
    public func append(stream: UInt8, bytes: UnsafeRawBufferPointer, timestamp: Int64) throws {
        guard stream <= 2 else { throw LogError("invalid log stream \(stream)") }
        guard var p = bytes.baseAddress, fd >= 0 else { return }
        var n = bytes.count
        let s = Int(stream)
        let pend = UnsafeMutableRawPointer(pendingStore + s * LogFormat.maxLine)
        while n > 0 {
            let have = pendingCount[s]
            let room = LogFormat.maxLine - have
            let scan = min(n, room)
            if let nl = memchr(p, 0x0A, scan) {
                let len = p.distance(to: UnsafeRawPointer(nl)) + 1
                if have > 0 {
                    try emit(stream, pend, have, p, len, time: pendingTime[s], flags: 0)
                    pendingCount[s] = 0
                } else {
                    try emit(stream, p, len, nil, 0, time: timestamp, flags: 0)
                }
                p += len; n -= len
            } else if scan == room {
                // A line longer than maxLine: emit this piece flagged partial.
                try emit(stream, pend, have, p, scan, time: have > 0 ? pendingTime[s] : timestamp,
                         flags: LogFormat.flagPartial)
                pendingCount[s] = 0
                p += scan; n -= scan
            } else {
                if have == 0 { pendingTime[s] = timestamp }
                memcpy(pend + have, p, scan)
                pendingCount[s] = have + scan
                p += scan; n -= scan
            }
        }
    }

    /// Convenience for tests and small writes.
    public func append(stream: UInt8, bytes: [UInt8], timestamp: Int64) throws {
        try bytes.withUnsafeBytes { try append(stream: stream, bytes: $0, timestamp: timestamp) }
    }

    /// Writes buffered records to the file. An unfinished line stays pending (it is
    /// logged when its newline arrives, or by `close()`).
    public func flush() throws {
        guard used > 0, fd >= 0 else { return }
        let n = used
        used = 0  // on failure the buffered records are dropped rather than retried forever
        try writeAll(buffer, n)
    }

    /// Logs unfinished lines as partial records, flushes and closes. Idempotent.
    public func close() {
        guard fd >= 0 else { return }
        for s in 0...2 where pendingCount[s] > 0 {
            let pend = UnsafeMutableRawPointer(pendingStore + s * LogFormat.maxLine)
            try? emit(UInt8(s), pend, pendingCount[s], nil, 0, time: pendingTime[s], flags: LogFormat.flagPartial)
            pendingCount[s] = 0
        }
        try? flush()
        Glibc.close(fd)
        fd = -1
    }

    /// Appends one record made of up to two byte ranges (pending part + new part).
    private func emit(_ stream: UInt8, _ a: UnsafeRawPointer?, _ aLen: Int, _ b: UnsafeRawPointer?, _ bLen: Int,
                      time: Int64, flags: UInt8) throws {
        guard fd >= 0 else { return }
        let len = aLen + bLen
        let total = len + LogFormat.recordOverhead
        if used + total > capacity { try flush() }
        // Rotate at a record boundary, before the record that would pass the limit (a file
        // always holds at least one record).
        if maxSize > 0, fileSize + Int64(used) > Int64(LogFormat.headerSize),
           fileSize + Int64(used + total) > maxSize {
            try flush()
            try rotate()
        }
        let o = buffer + used
        o.storeBytes(of: UInt32(len).littleEndian, toByteOffset: 0, as: UInt32.self)
        o.storeBytes(of: stream, toByteOffset: 4, as: UInt8.self)
        o.storeBytes(of: flags, toByteOffset: 5, as: UInt8.self)
        o.storeBytes(of: time.littleEndian, toByteOffset: 6, as: Int64.self)
        if let a, aLen > 0 { memcpy(o + 14, a, aLen) }
        if let b, bLen > 0 { memcpy(o + 14 + aLen, b, bLen) }
        o.storeBytes(of: UInt32(len).littleEndian, toByteOffset: 14 + len, as: UInt32.self)
        used += total
    }

    private func writeAll(_ p: UnsafeRawPointer, _ count: Int) throws {
        var off = 0
        while off < count {
            let r = write(fd, p + off, count - off)
            if r < 0 {
                if errno == EINTR { continue }
                throw LogError("write log", errno: errno)
            }
            off += r
        }
        fileSize += Int64(count)
    }
}
