#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// `hoist registry serve`: an OCI distribution registry over HTTP/1.1 on SwiftNIO. Each
/// connection is served by its own task; request bodies stream to disk with backpressure
/// and blobs stream from disk, so no layer is ever held in memory.
public final class RegistryServer: Sendable {
    private let handler: RegistryHandler
    private let tls: NIOSSLContext?
    private struct Running: Sendable {
        var channel: any Channel
        var task: Task<Void, any Error>
    }
    private let running = Mutex<Running?>(nil)

    /// With `tls` (PEM certificate chain and key files) the server speaks HTTPS only.
    public init(storage: RegistryStorage, auth: RegistryServerAuth? = nil, tls: (certificate: String, key: String)? = nil) throws {
        if let tls {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
                self.tls = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
            } catch {
                throw DistributionError(.unknown, "cannot load TLS certificate \(tls.certificate) and key \(tls.key): \(error)")
            }
        } else {
            self.tls = nil
        }
        handler = RegistryHandler(storage: storage, auth: auth, scheme: tls == nil ? "http" : "https")
    }

    public var scheme: String { handler.scheme }

    /// Binds and starts serving; returns the bound address (port 0 picks a free port).
    @discardableResult
    public func start(host: String, port: Int) async throws -> (host: String, port: Int) {
        typealias Conn = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
        let server: NIOAsyncChannel<Conn, Never>
        let tls = self.tls
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        return try Conn(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DistributionError(.unknown, "cannot listen on \(host):\(port): \(error)")
        }
        guard let local = server.channel.localAddress else { throw DistributionError(.unknown, "no local address") }
        let address = (host: local.ipAddress ?? host, port: local.port ?? port)
        let handler = self.handler
        let task = Task {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await Self.serve(connection, handler: handler) }
                    }
                }
            }
        }
        running.withLock { $0 = Running(channel: server.channel, task: task) }
        return address
    }

    /// Returns when the server stopped.
    public func waitUntilClosed() async throws {
        guard let task = running.withLock({ $0?.task }) else { return }
        if case .failure(let error) = await task.result, !(error is CancellationError) { throw error }
    }

    /// Stops accepting and ends open connections (an upload cut short stays resumable).
    public func shutdown() async {
        guard let r = running.withLock({ $0 }) else { return }
        try? await r.channel.close()
        r.task.cancel()
        _ = await r.task.result
    }

    private static func serve(_ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, handler: RegistryHandler) async {
        try? await channel.executeThenClose { inbound, outbound in
            let parts = InboundParts(inbound)
            while let head = try await parts.nextHead() {
                let request = RegistryServerRequest(head: head, target: RequestTarget(uri: head.uri), parts: parts)
                if head.headers.first(name: "Expect")?.lowercased() == "100-continue" {
                    try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .continue)))
                }
                let response = await handler.handle(request)
                var keepAlive = head.isKeepAlive
                if parts.inBody {
                    // An unread body (a request refused early): skip it when small, else close.
                    // No Content-Length and no Transfer-Encoding: an empty body (only its end is left).
                    let chunked = head.headers.contains(name: "Transfer-Encoding")
                    let declared = request.contentLength ?? (chunked ? Int64.max : 0)
                    if declared <= 1 << 22 { try await parts.drainBody() } else { keepAlive = false }
                }
                try await write(response, for: head, keepAlive: keepAlive, to: outbound)
                if !keepAlive { break }
            }
        }
    }

    private static func write(_ response: RegistryServerResponse, for request: HTTPRequestHead, keepAlive: Bool,
                              to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        defer { response.closeFile() }
        var headers = response.headers
        headers.add(name: "Docker-Distribution-API-Version", value: "registry/2.0")
        // A 204 carries no body and, per RFC 9110, no Content-Length.
        if response.status != .noContent && !headers.contains(name: "Content-Length") {
            headers.add(name: "Content-Length", value: String(response.bodyLength))
        }
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: response.status, headers: headers)))
        if request.method != .HEAD {
            switch response.body {
            case .empty: break
            case .bytes(let b): try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: b))))
            case .file(let fd, let offset, let length): try await streamFile(fd, offset: offset, length: length, to: outbound)
            }
        }
        try await outbound.write(.end(nil))
    }

    private static func streamFile(_ fd: Int32, offset: Int64, length: Int64,
                                   to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var position = offset
        let end = offset + length
        let allocator = ByteBufferAllocator()
        while position < end {
            let want = Int(min(Int64(1 << 20), end - position))
            var buffer = allocator.buffer(capacity: want)
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw -> Int in
                while true {
                    let r = pread(fd, raw.baseAddress, want, off_t(position))
                    if r < 0 && errno == EINTR { continue }
                    return max(r, 0)
                }
            }
            // The blob shrank under us (cannot happen to a published blob): end the connection.
            guard n > 0 else { throw DistributionError(.unknown, "short read of blob") }
            position += Int64(n)
            try await outbound.write(.body(.byteBuffer(buffer)))
        }
    }
}
