#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1

/// A connection's inbound HTTP parts, read by one task. The body of the current request is
/// pulled on demand (backpressure: the socket is not read while the handler writes to disk).
final class InboundParts {
    private var iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    /// True between a request head and its end.
    private(set) var inBody = false

    init(_ stream: NIOAsyncChannelInboundStream<HTTPServerRequestPart>) {
        iterator = stream.makeAsyncIterator()
    }

    /// The next request head; nil when the connection ended.
    func nextHead() async throws -> HTTPRequestHead? {
        try await drainBody()
        while let part = try await iterator.next() {
            if case .head(let head) = part {
                inBody = true
                return head
            }
        }
        return nil
    }

    /// The next body chunk of the current request, nil at its end.
    func nextBodyChunk() async throws -> ByteBuffer? {
        guard inBody else { return nil }
        while let part = try await iterator.next() {
            switch part {
            case .body(let b): return b
            case .end:
                inBody = false
                return nil
            case .head:
                continue
            }
        }
        inBody = false
        throw DistributionError(.blobUploadInvalid, "the connection closed before the request body ended")
    }

    /// Skips what the handler did not read of the current body.
    func drainBody() async throws {
        while inBody { _ = try await nextBodyChunk() }
    }
}

/// A request as the registry handler sees it.
struct RegistryServerRequest {
    let head: HTTPRequestHead
    let target: RequestTarget
    let parts: InboundParts

    var method: HTTPMethod { head.method }
    func header(_ name: String) -> String? { head.headers.first(name: name) }

    /// The declared body length, if any.
    var contentLength: Int64? { header("Content-Length").flatMap { Int64($0.registryTrimmed()) } }

    /// Whole body in memory, refusing more than `limit` bytes (manifests, token forms).
    func readBody(limit: Int) async throws -> [UInt8] {
        if let n = contentLength, n > Int64(limit) {
            throw DistributionError(.sizeInvalid, "payload too large", detail: "at most \(limit) bytes", status: 413)
        }
        var out: [UInt8] = []
        while let chunk = try await parts.nextBodyChunk() {
            out.append(contentsOf: chunk.readableBytesView)
            if out.count > limit { throw DistributionError(.sizeInvalid, "payload too large", detail: "at most \(limit) bytes", status: 413) }
        }
        return out
    }

    /// Streams the body into an upload session in batches of about 1 MiB. When
    /// `contentLength` is given, a body of another length is refused.
    func readBody(into writer: inout UploadWriter) async throws {
        let start = writer.offset
        var batch = ByteBuffer()
        while true {
            let next: ByteBuffer?
            do {
                next = try await parts.nextBodyChunk()
            } catch {
                // The client went away: keep what arrived, a resumed upload continues from it.
                try batch.withUnsafeReadableBytes { try writer.append($0) }
                throw error
            }
            guard let chunk = next else { break }
            if batch.readableBytes == 0 && chunk.readableBytes >= 1 << 16 {
                try chunk.withUnsafeReadableBytes { try writer.append($0) }
                continue
            }
            var c = chunk
            batch.writeBuffer(&c)
            if batch.readableBytes >= 1 << 20 {
                try batch.withUnsafeReadableBytes { try writer.append($0) }
                batch.clear()
            }
        }
        try batch.withUnsafeReadableBytes { try writer.append($0) }
        if let n = contentLength, writer.offset - start != n {
            throw DistributionError(.sizeInvalid, "provided length did not match content length")
        }
    }
}

/// What the handler answers.
struct RegistryServerResponse {
    enum Body {
        case empty
        case bytes([UInt8])
        /// `length` bytes of an open file from `offset`; the writer closes the descriptor.
        case file(fd: Int32, offset: Int64, length: Int64)
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Body

    init(_ status: HTTPResponseStatus, headers: [(String, String)] = [], body: Body = .empty) {
        self.status = status
        self.headers = HTTPHeaders(headers)
        self.body = body
    }

    static func json(_ status: HTTPResponseStatus, _ bytes: [UInt8], contentType: String = "application/json; charset=utf-8",
                     headers: [(String, String)] = []) -> RegistryServerResponse {
        RegistryServerResponse(status, headers: [("Content-Type", contentType)] + headers, body: .bytes(bytes))
    }

    static func error(_ e: DistributionError, headers: [(String, String)] = []) -> RegistryServerResponse {
        json(HTTPResponseStatus(statusCode: e.status), e.body, headers: headers)
    }

    var bodyLength: Int64 {
        switch body {
        case .empty: return 0
        case .bytes(let b): return Int64(b.count)
        case .file(_, _, let length): return length
        }
    }

    func closeFile() {
        if case .file(let fd, _, _) = body { _ = close(fd) }
    }
}
