#if canImport(Glibc)
import Glibc
#endif

/// Read-side parsing of a log file through `pread`, shared by `LogReader` and the
/// writer's recovery check. Stateless apart from the descriptor, so one instance may be
/// used from several threads.
final class LogFile: @unchecked Sendable {
    private(set) var fd: Int32
    /// A length above this is corruption (the writer never frames more than `maxLine`).
    static let maxPayload = 1 << 20
    static let chunk = 1 << 20

    init(fd: Int32, path: String) {
        self.fd = fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC)
    }

    func closeFD() {
        if fd >= 0 { close(fd); fd = -1 }
    }

    func size() throws -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LogError("stat log", errno: errno) }
        return Int64(st.st_size)
    }

    func checkHeader() throws {
        guard fd >= 0 else { throw LogError("open log", errno: ENOENT) }
        var h = [UInt8](repeating: 0, count: LogFormat.headerSize)
        let n = h.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return }  // created, header not written yet
        guard n == LogFormat.headerSize, Array(h[0..<8]) == LogFormat.magic else {
            throw LogError("not a hoist log file")
        }
    }

    /// Reads exactly `count` bytes at `offset` (fewer only at end of file).
    private func readAt(_ p: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) -> Int {
        var got = 0
        while got < count {
            let r = pread(fd, p + got, count - got, off_t(offset) + off_t(got))
            if r < 0 { if errno == EINTR { continue }; return got }
            if r == 0 { break }
            got += r
        }
        return got
    }

    /// End offset of the last complete record: `size` when the last record's trailer
    /// matches its header (the usual case, O(1)); otherwise found by a forward scan.
    func validEnd(size: Int64) throws -> Int64 {
        let hs = Int64(LogFormat.headerSize)
        if size <= hs { return hs }
        var t: UInt32 = 0
        if withUnsafeMutableBytes(of: &t, { readAt($0.baseAddress!, 4, size - 4) }) == 4 {
            let len = Int64(UInt32(littleEndian: t))
            let start = size - Int64(LogFormat.recordOverhead) - len
            if len <= Int64(Self.maxPayload), start >= hs {
                var h: UInt32 = 0
                if withUnsafeMutableBytes(of: &h, { readAt($0.baseAddress!, 4, start) }) == 4,
                   UInt32(littleEndian: h) == UInt32(len) {
                    return size
                }
            }
        }
        return scan(from: hs, limit: size, maxBytes: Int.max) { _, _, _, _ in }
    }

    /// Visits complete records from `from` up to `limit`, stopping before a half-written
    /// or corrupt one, or once `maxBytes` of payload were visited. Returns the offset
    /// after the last visited record.
    @discardableResult
    func scan(from: Int64, limit: Int64, maxBytes: Int,
              _ visit: (_ stream: UInt8, _ flags: UInt8, _ time: Int64, _ payload: UnsafeRawBufferPointer) -> Void) -> Int64 {
        var pos = max(from, Int64(LogFormat.headerSize))
        guard pos < limit else { return pos }
        var cap = Int(min(Int64(Self.chunk), max(limit - pos, 64 * 1024)))
        var buf = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
        defer { buf.deallocate() }
        var bufStart = pos  // file offset of buf[0]
        var bufLen = 0
        var visited = 0
        func refill(at offset: Int64, need: Int) -> Bool {
            // Keep the bytes from `offset` on, read more after them.
            let keepFrom = Int(offset - bufStart)
            let keep = max(0, bufLen - keepFrom)
            if need > cap {
                let nb = UnsafeMutableRawPointer.allocate(byteCount: need, alignment: 16)
                if keep > 0 { nb.copyMemory(from: buf + keepFrom, byteCount: keep) }
                buf.deallocate()
                buf = nb
                cap = need
            } else if keep > 0, keepFrom > 0 {
                memmove(buf, buf + keepFrom, keep)
            }
            bufStart = offset
            bufLen = keep
            let want = Int(min(Int64(cap - keep), limit - (offset + Int64(keep))))
            if want > 0 { bufLen += readAt(buf + keep, want, offset + Int64(keep)) }
            return bufLen >= need
        }
        while pos < limit, visited < maxBytes {
            var off = Int(pos - bufStart)
            if off + 14 > bufLen {
                guard refill(at: pos, need: 14) else { break }
                off = 0
            }
            let len = Int(UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: off, as: UInt32.self)))
            guard len <= Self.maxPayload else { break }
            let total = len + LogFormat.recordOverhead
            if off + total > bufLen {
                guard refill(at: pos, need: total) else { break }
                off = 0
            }
            let trailer = Int(UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: off + 14 + len, as: UInt32.self)))
            guard trailer == len else { break }
            let stream = buf.load(fromByteOffset: off + 4, as: UInt8.self)
            let flags = buf.load(fromByteOffset: off + 5, as: UInt8.self)
            let time = Int64(littleEndian: buf.loadUnaligned(fromByteOffset: off + 6, as: Int64.self))
            visit(stream, flags, time, UnsafeRawBufferPointer(start: buf + off + 14, count: len))
            visited += len
            pos += Int64(total)
        }
        return pos
    }

    /// Walks back from `end` (a record boundary) and returns the offset of the first of
    /// the last `tail` records with since <= time <= until. Assumes records are in time
    /// order (they are appended with the wall clock), so it stops at the first record
    /// older than `since`.
    func tailStart(end: Int64, since: Int64?, until: Int64?, tail: Int) -> Int64 {
        let hs = Int64(LogFormat.headerSize)
        var pos = end
        if tail <= 0 { return end }
        let cap = Self.chunk
        let buf = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
        defer { buf.deallocate() }
        var winStart = end, winEnd = end  // buf holds file bytes [winStart, winEnd)
        func ensure(_ a: Int64, _ b: Int64) -> Bool {
            if a >= winStart && b <= winEnd { return true }
            // Load a window ending at b (records are walked backwards).
            let start = max(hs, b - Int64(cap))
            guard a >= start else { return false }
            let n = readAt(buf, Int(b - start), start)
            guard n == Int(b - start) else { return false }
            winStart = start; winEnd = b
            return true
        }
        var count = 0
        while pos > hs, count < tail {
            guard ensure(pos - 4, pos) else { break }
            let len = Int64(UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: Int(pos - 4 - winStart), as: UInt32.self)))
            let start = pos - Int64(LogFormat.recordOverhead) - len
            guard len <= Int64(Self.maxPayload), start >= hs, ensure(start, pos) else { break }
            let o = Int(start - winStart)
            guard Int64(UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: o, as: UInt32.self))) == len else { break }
            let time = Int64(littleEndian: buf.loadUnaligned(fromByteOffset: o + 6, as: Int64.self))
            if let until, time > until { pos = start; continue }
            if let since, time < since { break }
            count += 1
            pos = start
        }
        return pos
    }
}
