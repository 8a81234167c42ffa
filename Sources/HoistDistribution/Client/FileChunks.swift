#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import NIOCore

/// A file read in 1 MiB chunks as an AsyncSequence of ByteBuffers: an upload body that
/// never holds the whole blob in memory. `onRead` sees the running byte count.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let onRead: @Sendable (Int64) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        let onRead: @Sendable (Int64) -> Void
        var fd: Int32 = -1
        var done = false
        var total: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if fd < 0 {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { done = true; throw HoistError.notFound("open \(path): \(String(cString: strerror(errno)))") }
            }
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            let fd = self.fd
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 20) { ptr in
                var r: Int
                repeat { r = read(fd, ptr.baseAddress, ptr.count) } while r < 0 && errno == EINTR
                return Swift.max(r, 0)
            }
            if n == 0 {
                close(fd)
                self.fd = -1
                done = true
                return nil
            }
            total += Int64(n)
            onRead(total)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path, onRead: onRead) }
}
