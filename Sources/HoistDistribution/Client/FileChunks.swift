#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import NIOCore

/// A file (or `length` bytes of it from `offset`) read in 1 MiB chunks as an AsyncSequence
/// of ByteBuffers: an upload body that never holds the whole blob in memory. `onRead` sees
/// the file position reached. Each read opens and closes the file, so an iterator dropped
/// early (a cancelled upload) holds no descriptor.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    var offset: Int64 = 0
    var length: Int64? = nil
    let onRead: @Sendable (Int64) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var position: Int64
        var remaining: Int64?
        let onRead: @Sendable (Int64) -> Void

        mutating func next() async throws -> ByteBuffer? {
            if let r = remaining, r <= 0 { return nil }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { remaining = 0; throw HoistError.notFound("open \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let want = Int(Swift.min(Int64(1 << 20), remaining ?? Int64(1 << 20)))
            var buffer = ByteBuffer()
            let at = position
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { ptr in
                var r: Int
                repeat { r = pread(fd, ptr.baseAddress, want, off_t(at)) } while r < 0 && errno == EINTR
                return Swift.max(r, 0)
            }
            if n == 0 {
                if let r = remaining, r > 0 { throw HoistError.internal("\(path): file ends \(r) bytes early") }
                remaining = 0
                return nil
            }
            position += Int64(n)
            if remaining != nil { remaining! -= Int64(n) }
            onRead(position)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path, position: offset, remaining: length, onRead: onRead) }
}
