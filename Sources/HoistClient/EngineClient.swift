import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// HTTP methods the Engine API uses.
public enum HTTPVerb: String, Sendable {
    case GET, HEAD, POST, PUT, DELETE

    var nio: HTTPMethod {
        switch self {
        case .GET: return .GET
        case .HEAD: return .HEAD
        case .POST: return .POST
        case .PUT: return .PUT
        case .DELETE: return .DELETE
        }
    }
}

/// One HTTP request to the Engine API.
public struct EngineRequest: Sendable {
    public var method: HTTPVerb
    /// API path without the version prefix, e.g. `/containers/json`.
    public var path: String
    public var query: QueryString
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// `/_ping` is served unversioned.
    public var versioned: Bool

    public init(_ method: HTTPVerb, _ path: String, query: QueryString = QueryString(), headers: [(String, String)] = [],
                body: [UInt8]? = nil, versioned: Bool = true) {
        self.method = method; self.path = path; self.query = query; self.headers = headers; self.body = body; self.versioned = versioned
    }
}

/// A fully read response.
public struct EngineResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var bytes: [UInt8]

    init(status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers.map { ($0.name, $0.value) }
        self.bytes = Array(body.readableBytesView)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public func json() throws -> JSON { try JSONParser.parse(bytes) }
}

/// Client of the Engine API over a unix socket: HTTP/1.1 with keep-alive, so a command's
/// requests share a connection; streaming bodies, chunked uploads and attach hijacks.
///
/// One event loop thread does all network I/O; body callbacks run on it.
public final class EngineClient: Sendable {
    public static let apiVersion = "1.41"

    public let host: DaemonHost
    let group: MultiThreadedEventLoopGroup
    private let idle = Mutex<[Connection]>([])
    private let launcher: DaemonLauncher?
    private let blockingPool = Mutex<NIOThreadPool?>(nil)
    /// A connection being made ahead of the first request (`connectAhead()`).
    private let early = Mutex<Task<Connection?, Never>?>(nil)
    let userAgent: String

    /// - Parameter autoStart: how to start a daemon when none answers; nil never starts one.
    public init(host: DaemonHost, autoStart: DaemonLauncher? = nil, userAgent: String = "Hoist-Client/0.1.0 (linux)") {
        self.host = host
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.launcher = autoStart
        self.userAgent = userAgent
    }

    public var eventLoop: EventLoop { group.next() }
    public var allocator: ByteBufferAllocator { ByteBufferAllocator() }

    // MARK: Connections

    func connectOnce() async throws -> Connection {
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let encoder = HTTPRequestEncoder()
                    let decoder = ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes))
                    let handler = HTTPConnectionHandler(encoder: encoder, decoder: decoder)
                    try channel.pipeline.syncOperations.addHandlers([encoder, decoder, handler])
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(unixDomainSocketPath: host.socketPath).get()
        } catch {
            throw ClientError.cannotConnect(host: host.url)
        }
        return try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: HTTPConnectionHandler.self)
            return Connection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        }.get()
    }

    func connect() async throws -> Connection {
        do {
            return try await connectOnce()
        } catch let e as ClientError {
            guard case .cannotConnect = e, let launcher, host.isDefault else { throw e }
            try await launcher.startAndWait(client: self)
            // The probe's keep-alive connection is in the idle pool: use it.
            while let c = idle.withLock({ $0.popLast() }) {
                if c.channel.isActive { return c }
            }
            return try await connectOnce()
        }
    }

    /// Starts connecting now, in the background; the first request takes this connection.
    /// The CLI calls it before parsing the command line, which then overlaps with the event
    /// loop's start and the connect. Never starts a daemon: a failure here is forgotten, and
    /// the first request connects (and may start one) as it would have. `spares` more
    /// connections follow the first into the idle pool, for a command that is known to make
    /// requests side by side (`run`'s attach, wait and start each need one of their own).
    public func connectAhead(spares: Int = 0) {
        early.withLock { $0 = Task {
            let first = try? await self.connectOnce()
            if first != nil && spares > 0 {
                Task {
                    for _ in 0..<spares {
                        guard let c = try? await self.connectOnce() else { return }
                        self.checkin(c, keepAlive: true)
                    }
                }
            }
            return first
        } }
    }

    func checkout() async throws -> Connection {
        try await checkoutMarked().0
    }

    /// A connection, and whether it was reused from the idle pool (a reused one may have
    /// been closed by the daemon meanwhile).
    func checkoutMarked() async throws -> (Connection, Bool) {
        if let t = early.withLock({ t -> Task<Connection?, Never>? in defer { t = nil }; return t }),
           let c = await t.value, c.channel.isActive {
            // Made before the request was known: the daemon may have closed it meanwhile.
            return (c, true)
        }
        while let c = idle.withLock({ $0.popLast() }) {
            if c.channel.isActive { return (c, true) }
        }
        return (try await connect(), false)
    }

    func checkin(_ c: Connection, keepAlive: Bool) {
        if keepAlive && c.channel.isActive {
            idle.withLock { $0.append(c) }
        } else {
            c.channel.close(promise: nil)
        }
    }

    func fullPath(_ r: EngineRequest) -> String {
        var p = (r.versioned ? "/v\(EngineClient.apiVersion)" : "") + QueryString.escapePath(r.path)
        if !r.query.isEmpty { p += "?" + r.query.encoded }
        return p
    }

    func makeHead(_ r: EngineRequest, chunked: Bool = false) -> HTTPRequestHead {
        var h = HTTPHeaders()
        h.add(name: "Host", value: "api.moby.localhost")
        h.add(name: "User-Agent", value: userAgent)
        for (k, v) in r.headers { h.add(name: k, value: v) }
        if chunked {
            h.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        } else if let b = r.body {
            h.replaceOrAdd(name: "Content-Length", value: String(b.count))
        } else if r.method == .POST || r.method == .PUT {
            h.replaceOrAdd(name: "Content-Length", value: "0")
        }
        return HTTPRequestHead(version: .http1_1, method: r.method.nio, uri: fullPath(r), headers: h)
    }

    // MARK: Requests

    /// Sends a request and reads the whole response; an error status throws `ClientError.api`.
    @discardableResult
    public func send(_ r: EngineRequest, allowErrors: Bool = false) async throws -> EngineResponse {
        let (conn, reused) = try await checkoutMarked()
        do {
            return try await send(r, on: conn, allowErrors: allowErrors)
        } catch is ClosedBeforeResponse where reused {
            // The daemon closed an idle keep-alive connection before answering: once more on a new one.
            return try await send(r, on: try await connect(), allowErrors: allowErrors)
        } catch is ClosedBeforeResponse {
            throw ClientError.protocolError("the daemon closed the connection")
        }
    }

    struct ClosedBeforeResponse: Error {}

    private func send(_ r: EngineRequest, on conn: Connection, allowErrors: Bool) async throws -> EngineResponse {
        let collected = NIOLoopBoundBox.makeBoxSendingValue(ByteBuffer(), eventLoop: conn.channel.eventLoop)
        let (head, end) = try await conn.start(makeHead(r), body: r.body.map { ByteBuffer(bytes: $0) }, client: self) { buf in
            var b = buf
            collected.value.writeBuffer(&b)
        }
        let h: HTTPResponseHead
        do { h = try await head.get() } catch { throw ClosedBeforeResponse() }
        try await end.get()
        let body = try await conn.channel.eventLoop.submit { collected.value }.get()
        let resp = EngineResponse(status: Int(h.status.code), headers: h.headers, body: body)
        if resp.status >= 400 && !allowErrors { throw EngineClient.apiError(resp, path: fullPath(r)) }
        return resp
    }

    /// Sends a request and returns once the response head arrived; `onBody` gets each body
    /// chunk on the event loop. An error status reads the body and throws `ClientError.api`.
    func stream(_ r: EngineRequest, onBody: @escaping @Sendable (ByteBuffer) -> Void) async throws -> StreamingResponse {
        let conn = try await checkout()
        let state = NIOLoopBoundBox.makeBoxSendingValue(StreamState(), eventLoop: conn.channel.eventLoop)
        let (head, end) = try await conn.start(makeHead(r), body: r.body.map { ByteBuffer(bytes: $0) }, client: self,
                                               onHead: { h in state.value.isError = h.status.code >= 400 }) { buf in
            if state.value.isError {
                var b = buf
                state.value.errorBody.writeBuffer(&b)
            } else {
                onBody(buf)
            }
        }
        let h = try await head.get()
        if h.status.code >= 400 {
            try await end.get()
            let body = try await conn.channel.eventLoop.submit { state.value.errorBody }.get()
            throw EngineClient.apiError(EngineResponse(status: Int(h.status.code), headers: h.headers, body: body), path: fullPath(r))
        }
        return StreamingResponse(head: h, end: end, channel: conn.channel)
    }

    /// Sends a request whose body is read from `fd` until EOF and sent chunked; returns when the
    /// response head arrived (the body streams to `onBody`).
    func upload(_ r: EngineRequest, fromFD fd: Int32, onBody: @escaping @Sendable (ByteBuffer) -> Void) async throws -> StreamingResponse {
        let conn = try await checkout()
        let state = NIOLoopBoundBox.makeBoxSendingValue(StreamState(), eventLoop: conn.channel.eventLoop)
        let (head, end) = try await conn.start(makeHead(r, chunked: true), body: nil, sendEnd: false, client: self,
                                               onHead: { h in state.value.isError = h.status.code >= 400 }) { buf in
            if state.value.isError {
                var b = buf
                state.value.errorBody.writeBuffer(&b)
            } else {
                onBody(buf)
            }
        }
        let pool = threadPool()
        let channel = conn.channel
        try await pool.runIfActive {
            var buf = ByteBuffer()
            while true {
                buf.clear(minimumCapacity: 1 << 20)
                let n = try buf.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 20) { ptr -> Int in
                    while true {
                        let n = read(fd, ptr.baseAddress, ptr.count)
                        if n >= 0 { return n }
                        if errno == EINTR { continue }
                        throw IOError(errnoCode: errno, reason: "read")
                    }
                }
                if n == 0 { break }
                // Wait for each chunk to be written: the file never sits whole in memory.
                try channel.writeAndFlush(HTTPClientRequestPart.body(.byteBuffer(buf))).wait()
                buf = ByteBuffer()
            }
            try channel.writeAndFlush(HTTPClientRequestPart.end(nil)).wait()
        }
        let h = try await head.get()
        if h.status.code >= 400 {
            try await end.get()
            let body = try await channel.eventLoop.submit { state.value.errorBody }.get()
            throw EngineClient.apiError(EngineResponse(status: Int(h.status.code), headers: h.headers, body: body), path: fullPath(r))
        }
        return StreamingResponse(head: h, end: end, channel: channel)
    }

    /// Attach-style request: expects `101 Switching Protocols`, then the connection carries raw
    /// bytes both ways. `onData` gets the daemon's bytes on the event loop (possibly before this returns).
    func hijack(_ r: EngineRequest, onData: @escaping @Sendable (ByteBuffer) -> Void) async throws -> HijackedStream {
        var req = r
        req.headers.append(("Connection", "Upgrade"))
        req.headers.append(("Upgrade", "tcp"))
        let conn = try await checkout()
        let el = conn.channel.eventLoop
        let errorBody = NIOLoopBoundBox.makeBoxSendingValue(ByteBuffer(), eventLoop: el)
        let rawEOF = NIOLoopBoundBox<EventLoopFuture<Void>?>.makeBoxSendingValue(nil, eventLoop: el)
        let (head, end) = try await conn.start(makeHead(req), body: req.body.map { ByteBuffer(bytes: $0) }, client: self, makeRaw: {
            let raw = RawStreamHandler(eventLoop: el, onData: onData)
            rawEOF.value = raw.eof.futureResult
            return raw
        }) { buf in
            var b = buf
            errorBody.value.writeBuffer(&b)
        }
        let h = try await head.get()
        if h.status != .switchingProtocols {
            try? await end.get()
            let body = try await el.submit { errorBody.value }.get()
            if h.status.code >= 400 {
                throw EngineClient.apiError(EngineResponse(status: Int(h.status.code), headers: h.headers, body: body), path: fullPath(req))
            }
            throw ClientError.protocolError("attach: the daemon answered \(h.status.code) instead of 101 Switching Protocols")
        }
        let eof = try await el.submit { rawEOF.value ?? el.makeSucceededVoidFuture() }.get()
        return HijackedStream(channel: conn.channel, eof: eof, copier: nil)
    }

    // MARK: Public streaming helpers (no NIO types for callers)

    /// Streams a container's output (logs) to descriptors; returns once the head arrived.
    public func streamOutput(_ r: EngineRequest, format: StreamFormat, stdoutFD: Int32 = 1, stderrFD: Int32 = 2) async throws -> OutputStreamResponse {
        let copier = OutputCopier(format: format, stdoutFD: stdoutFD, stderrFD: stderrFD)
        let s = try await stream(r) { copier.consume($0) }
        return OutputStreamResponse(response: s, copier: copier)
    }

    /// Streams a JSON message body (pull/import progress), calling `onMessage` for each value.
    public func streamMessages(_ r: EngineRequest, onMessage: @escaping @Sendable (JSON) -> Void) async throws -> StreamingResponse {
        let splitter = JSONMessageSplitter(onMessage: onMessage)
        return try await stream(r) { splitter.consume($0) }
    }

    /// Uploads `fd` as the chunked body and streams back JSON messages.
    public func uploadMessages(_ r: EngineRequest, fromFD fd: Int32, onMessage: @escaping @Sendable (JSON) -> Void) async throws -> StreamingResponse {
        let splitter = JSONMessageSplitter(onMessage: onMessage)
        return try await upload(r, fromFD: fd) { splitter.consume($0) }
    }

    /// Sends a request and returns as soon as the response head arrived (`wait` before
    /// `start`); the body is read in the background. An error status throws here.
    public func sendHeadFirst(_ r: EngineRequest) async throws -> PendingResponse {
        let collected = NIOLoopBoundBox.makeBoxSendingValue(ByteBuffer(), eventLoop: eventLoop)
        let s = try await stream(r) { buf in
            var b = buf
            collected.value.writeBuffer(&b)
        }
        return PendingResponse(response: s, collected: collected)
    }

    /// Attach: `101` then raw stdio. Output is copied to the descriptors as it arrives.
    public func attach(_ r: EngineRequest, format: StreamFormat, stdoutFD: Int32 = 1, stderrFD: Int32 = 2) async throws -> HijackedStream {
        let copier = OutputCopier(format: format, stdoutFD: stdoutFD, stderrFD: stderrFD)
        let h = try await hijack(r) { copier.consume($0) }
        return HijackedStream(channel: h.channel, eof: h.eof, copier: copier)
    }

    /// `GET /_ping` on a given connection (the daemon launcher's probe).
    func ping(on conn: Connection) async -> Bool {
        guard let r = try? await send(EngineRequest(.GET, "/_ping", versioned: false), on: conn, allowErrors: true) else {
            conn.channel.close(promise: nil)
            return false
        }
        return r.status == 200
    }

    /// `GET /_ping`; true when the daemon answers OK.
    public func ping() async -> Bool {
        guard let r = try? await send(EngineRequest(.GET, "/_ping", versioned: false), allowErrors: true) else { return false }
        return r.status == 200
    }

    func threadPool() -> NIOThreadPool {
        blockingPool.withLock { p in
            if let p { return p }
            let n = NIOThreadPool(numberOfThreads: 1)
            n.start()
            p = n
            return n
        }
    }

    /// The error the docker client makes of a failed response: the JSON `message`, else the body text.
    static func apiError(_ r: EngineResponse, path: String) -> ClientError {
        let raw = r.bytes
        if raw.isEmpty {
            let text = HTTPResponseStatus(statusCode: r.status).reasonPhrase
            return .api(status: r.status, message: "request returned \(text) for API route and version \(path), check if the server supports the requested API version")
        }
        if let j = try? JSONParser.parse(raw), let m = j["message"]?.stringValue {
            return .api(status: r.status, message: m.trimmingSpaces())
        }
        return .api(status: r.status, message: String(decoding: raw, as: UTF8.self).trimmingSpaces())
    }
}

struct StreamState: Sendable {
    var isError = false
    var errorBody = ByteBuffer()
}

/// A response whose body is still streaming.
public struct StreamingResponse: Sendable {
    let head: HTTPResponseHead
    let end: EventLoopFuture<Void>
    let channel: Channel

    public var status: Int { Int(head.status.code) }

    /// Waits until the body has been delivered completely.
    public func finished() async throws { try await end.get() }

    /// Stops reading (e.g. `logs -f` interrupted).
    public func cancel() { channel.close(promise: nil) }
}

/// Logs-style streaming response copied to descriptors.
public struct OutputStreamResponse: Sendable {
    public let response: StreamingResponse
    let copier: OutputCopier

    public func finished() async throws { try await response.finished() }
    public func cancel() { response.cancel() }
}

/// A response whose head arrived; its body is still being read.
public struct PendingResponse: Sendable {
    let response: StreamingResponse
    let collected: NIOLoopBoundBox<ByteBuffer>

    public var status: Int { response.status }

    /// Waits for the complete body.
    public func body() async throws -> [UInt8] {
        try await response.finished()
        let c = collected
        return try await response.channel.eventLoop.submit { Array(c.value.readableBytesView) }.get()
    }
}

/// A connection after `101 Switching Protocols`: the container's stdio, raw.
public final class HijackedStream: Sendable {
    let channel: Channel
    let eof: EventLoopFuture<Void>
    let copier: OutputCopier?

    init(channel: Channel, eof: EventLoopFuture<Void>, copier: OutputCopier?) {
        self.channel = channel
        self.eof = eof
        self.copier = copier
    }

    /// Writes to the container's stdin; waits until the bytes are handed to the socket.
    public func write(_ bytes: [UInt8]) async throws { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get() }

    /// Copies `fd` (stdin) to the container on a background thread until EOF, then half-closes
    /// so the container sees EOF too. `onByte` may inspect input (detach keys); unused for now.
    public func pumpInput(fromFD fd: Int32) {
        let channel = self.channel
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        pool.submit { _ in
            var buf = ByteBuffer()
            while true {
                buf.clear(minimumCapacity: 32 * 1024)
                let n = buf.writeWithUnsafeMutableBytes(minimumWritableBytes: 32 * 1024) { ptr -> Int in
                    while true {
                        let n = read(fd, ptr.baseAddress, ptr.count)
                        if n >= 0 { return n }
                        if errno == EINTR { continue }
                        return 0
                    }
                }
                if n == 0 { break }
                do {
                    try channel.writeAndFlush(buf).wait()
                } catch {
                    return
                }
                buf = ByteBuffer()
            }
            try? channel.close(mode: .output).wait()
        }
    }

    /// Text the daemon sent on the error stream (frame type 3), if any.
    public func systemError() async -> String? {
        guard let copier else { return nil }
        let text = try? await channel.eventLoop.submit { copier.systemError }.get()
        guard let t = text, !t.isEmpty else { return nil }
        return String(decoding: t, as: UTF8.self)
    }

    /// Half-closes: the container sees EOF on stdin, its output keeps flowing.
    public func closeWrite() async { try? await channel.close(mode: .output).get() }

    public func closeWriteBlocking() { try? channel.close(mode: .output).wait() }

    public func close() { channel.close(promise: nil) }

    /// Returns when the daemon ended the stream (the container's output is complete).
    public func waitForEnd() async { try? await eof.get() }
}

/// One keep-alive connection. The handler is only touched on the channel's event loop.
final class Connection: Sendable {
    let channel: Channel
    let handler: NIOLoopBound<HTTPConnectionHandler>

    init(channel: Channel, handler: NIOLoopBound<HTTPConnectionHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Writes the request and returns the futures of its response head and end. On a normal
    /// end the connection goes back to the client's idle pool.
    func start(_ head: HTTPRequestHead, body: ByteBuffer?, sendEnd: Bool = true, client: EngineClient,
               makeRaw: (@Sendable () -> RawStreamHandler)? = nil,
               onHead: (@Sendable (HTTPResponseHead) -> Void)? = nil,
               onBody: @escaping @Sendable (ByteBuffer) -> Void) async throws -> (EventLoopFuture<HTTPResponseHead>, EventLoopFuture<Void>) {
        let channel = self.channel
        let handlerBox = self.handler
        let result = try await channel.eventLoop.submit { () -> (EventLoopFuture<HTTPResponseHead>, EventLoopFuture<Void>) in
            let sink = ResponseSink(eventLoop: channel.eventLoop, onBody: onBody, upgradeHandler: makeRaw?())
            sink.onHead = onHead
            let handler = handlerBox.value
            handler.expect(sink)
            handler.onIdle = { [weak handler] keepAlive in
                handler?.onIdle = nil
                client.checkin(self, keepAlive: keepAlive)
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
            if sendEnd {
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            } else {
                channel.flush()
            }
            return (sink.head.futureResult, sink.end.futureResult)
        }.get()
        return result
    }
}
