#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import NIOCore
import NIOPosix

/// A request body streamed to a private temporary file (import tars can be gigabytes: they
/// never sit in memory). File writes run on NIO's blocking-I/O thread pool, in batches of
/// about 1 MB; while a batch is written, reading from the socket pauses (backpressure).
struct UploadFile: Sendable {
    let path: String

    static func receive(_ x: Exchange, directory: String, prefix: String) async throws -> UploadFile {
        let pool = NIOThreadPool.singleton
        let path = "\(directory)/\(prefix)-\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd: Int32 = try await pool.runIfActive {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw HoistError.internal("cannot create \(path): \(String(cString: strerror(errno)))") }
            return fd
        }
        do {
            var batch = ByteBuffer()
            while let chunk = try await x.nextBodyChunk() {
                var chunk = chunk
                batch.writeBuffer(&chunk)
                if batch.readableBytes >= 1 << 20 {
                    let full = batch
                    batch = ByteBuffer()
                    try await pool.runIfActive { try writeAll(fd, full, path: path) }
                }
            }
            let last = batch
            try await pool.runIfActive { try writeAll(fd, last, path: path) }
        } catch {
            _ = close(fd)
            _ = unlink(path)
            throw error
        }
        // close() releases the descriptor even when it fails: never close it twice.
        let closeError: Int32
        do {
            closeError = try await pool.runIfActive { close(fd) == 0 ? 0 : errno }
        } catch {
            closeError = close(fd) == 0 ? 0 : errno
        }
        guard closeError == 0 else {
            _ = unlink(path)
            throw HoistError.internal("cannot write \(path): \(String(cString: strerror(closeError)))")
        }
        return UploadFile(path: path)
    }

    func remove() {
        _ = unlink(path)
    }

    private static func writeAll(_ fd: Int32, _ buffer: ByteBuffer, path: String) throws {
        try buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HoistError.internal("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }
}
