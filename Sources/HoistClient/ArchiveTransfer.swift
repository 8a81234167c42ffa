import NIOCore
import NIOHTTP1
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Raw bodies to and from descriptors: tars of `cp` and `export`.
extension EngineClient {
    /// Sends `r` and writes the response body to `fd` as it arrives; returns the response
    /// headers once the body is complete. An error status throws `ClientError.api`.
    public func download(_ r: EngineRequest, toFD fd: Int32) async throws -> [(String, String)] {
        let failure = Mutex<Int32>(0)
        let s = try await stream(r) { buf in
            guard failure.withLock({ $0 }) == 0 else { return }
            buf.withUnsafeReadableBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        let e = errno
                        failure.withLock { $0 = e }
                        return
                    }
                    off += n
                }
            }
        }
        try await s.finished()
        let e = failure.withLock { $0 }
        if e != 0 { throw ClientError.protocolError("write: \(String(cString: strerror(e)))") }
        return s.head.headers.map { ($0.name, $0.value) }
    }

    /// Sends the bytes read from `fd` until EOF as the (chunked) body of `r`; returns the
    /// complete response. An error status throws `ClientError.api`.
    public func uploadBody(_ r: EngineRequest, fromFD fd: Int32) async throws -> EngineResponse {
        let body = Mutex(ByteBuffer())
        let s = try await upload(r, fromFD: fd) { buf in
            var b = buf
            body.withLock { $0.writeBuffer(&b) }
        }
        try await s.finished()
        return EngineResponse(status: Int(s.head.status.code), headers: s.head.headers, body: body.withLock { $0 })
    }
}
