import HoistAPIModels
import HoistCore
import NIOCore
import NIOHTTP1

/// One request and its response, as a route handler sees them. Lives in the connection's
/// task; what must run elsewhere (stream pumps) gets the Sendable `ResponseStream`.
final class Exchange {
    enum BodyState { case unread, reading, complete }
    enum ResponseState { case notStarted, streaming, complete, hijacked }

    let connection: Connection
    let head: HTTPRequestHead
    /// The decoded path without its query; the router strips the version prefix from it.
    var path: String
    let query: QueryParameters
    var apiVersion = APIVersionNumber.current
    var pathParameters: [String: String] = [:]
    /// Whether the connection may serve another request after this one.
    var keepAlive: Bool
    private(set) var bodyState = BodyState.unread
    private(set) var responseState = ResponseState.notStarted
    /// For the request log.
    private(set) var status: HTTPResponseStatus?
    private var sentContinue = false

    init(connection: Connection, head: HTTPRequestHead) {
        self.connection = connection
        self.head = head
        let uri = head.uri[...]
        let q = uri.firstIndex(of: "?")
        let rawPath = q.map { uri[..<$0] } ?? uri
        self.path = percentDecode(rawPath, plusIsSpace: false)
        self.query = QueryParameters(q.map { uri[uri.index(after: $0)...] })
        self.keepAlive = head.isKeepAlive
    }

    var method: HTTPMethod { head.method }

    func parameter(_ name: String) -> String { pathParameters[name] ?? "" }

    // MARK: request body

    /// The next piece of the request body; nil at its end. Bodies are read on demand, so a
    /// large upload streams through at the pace its consumer sets.
    func nextBodyChunk() async throws -> ByteBuffer? {
        if bodyState == .unread {
            try await sendContinueIfExpected()
            bodyState = .reading
        }
        return try await readBodyPart()
    }

    /// The whole body, for small JSON bodies.
    func collectBody(limit: Int = 16 << 20) async throws -> ByteBuffer {
        var body = ByteBuffer()
        while let chunk = try await nextBodyChunk() {
            guard body.readableBytes + chunk.readableBytes <= limit else {
                throw HoistError.invalid("request body too large (more than \(limit) bytes)")
            }
            var chunk = chunk
            body.writeBuffer(&chunk)
        }
        return body
    }

    func decodeJSONBody<T: Decodable>(_ type: T.Type) async throws -> T {
        try APIJSON.decode(type, from: try await collectBody())
    }

    private func readBodyPart() async throws -> ByteBuffer? {
        guard bodyState != .complete else { return nil }
        let next: ServerInbound?
        do {
            next = try await connection.next()
        } catch {
            throw HoistError(.invalidArgument, "incomplete request body: \(error)", cause: error)
        }
        guard let part = next else {
            throw HoistError.invalid("the client closed the connection before the end of the request body")
        }
        switch part {
        case .http(.body(let bytes)):
            return bytes
        case .http(.end):
            bodyState = .complete
            return nil
        case .http(.head), .raw:
            throw HoistError.invalid("malformed request")
        }
    }

    private func sendContinueIfExpected() async throws {
        guard !sentContinue, responseState == .notStarted,
              head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) else { return }
        sentContinue = true
        try await connection.write(.http(.head(HTTPResponseHead(version: head.version, status: .continue))))
    }

    /// After the handler: consume what it left of the body so the next request can be read.
    /// Returns false when the connection must close instead.
    func finishRequest() async -> Bool {
        guard keepAlive, responseState == .complete else { return false }
        if bodyState == .complete { return true }
        // A client that asked for 100-continue and never got it is not sending its body.
        if !sentContinue, head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            return false
        }
        var skipped = 0
        while skipped < 1 << 20 {
            guard let chunk = try? await readBodyPart() else { return bodyState == .complete }
            skipped += chunk.readableBytes
        }
        return false
    }

    // MARK: responses

    /// A handler answering twice is a bug; it fails that request, not the daemon.
    private func expectNoResponseYet() throws {
        guard responseState == .notStarted else { throw HoistError.internal("\(method) \(head.uri): response already started") }
    }

    private func headers(contentType: String?) -> HTTPHeaders {
        var h = HTTPHeaders()
        h.add(name: "Api-Version", value: APIVersion.current)
        h.add(name: "Ostype", value: "linux")
        h.add(name: "Server", value: APIServer.serverHeader)
        if let contentType { h.add(name: "Content-Type", value: contentType) }
        if !keepAlive { h.add(name: "Connection", value: "close") }
        return h
    }

    /// A complete response. HEAD responses carry the headers (with the length the body
    /// would have) and no body.
    func respond(status: HTTPResponseStatus, contentType: String? = nil, body: ByteBuffer? = nil,
                 extraHeaders: [(String, String)] = []) async throws {
        try expectNoResponseYet()
        var h = headers(contentType: contentType)
        for (name, value) in extraHeaders { h.add(name: name, value: value) }
        let bodyAllowed = status.mayHaveResponseBody
        if bodyAllowed { h.replaceOrAdd(name: "Content-Length", value: String(body?.readableBytes ?? 0)) }
        responseState = .complete
        self.status = status
        var parts: [ServerOutbound] = [.http(.head(HTTPResponseHead(version: head.version, status: status, headers: h)))]
        if bodyAllowed, method != .HEAD, let body, body.readableBytes > 0 {
            parts.append(.http(.body(.byteBuffer(body))))
        }
        parts.append(.http(.end(nil)))
        try await connection.outbound.write(contentsOf: parts)
    }

    func respondJSON<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) async throws {
        try await respond(status: status, contentType: "application/json", body: try APIJSON.encode(value))
    }

    /// 204, 304, or 200 with an empty body.
    func respondEmpty(_ status: HTTPResponseStatus = .noContent) async throws {
        try await respond(status: status)
    }

    func respondError(_ error: HoistError) async throws {
        let status = ErrorMapping.status(for: error.code)
        if status == .notModified {
            try await respond(status: status)
        } else {
            try await respond(status: status, contentType: "application/json", body: try APIJSON.encode(ErrorResponse(message: error.message)))
        }
    }

    /// A handler failed. Before the response started the client gets the error; after, the
    /// response is cut short by closing the connection.
    func fail(_ error: any Error) async {
        switch responseState {
        case .notStarted:
            do { try await respondError(ErrorMapping.hoistError(error)) } catch { keepAlive = false }
        case .streaming, .complete, .hijacked:
            keepAlive = false
        }
    }

    /// Starts a streamed response (chunked on HTTP/1.1) and flushes its head at once, so the
    /// client learns the request was accepted before the first byte of the body exists.
    func startStream(status: HTTPResponseStatus = .ok, contentType: String, extraHeaders: [(String, String)] = []) async throws -> ResponseStream {
        try expectNoResponseYet()
        // HTTP/1.0 has no chunking: the end of the body is the end of the connection.
        if head.version.major == 1 && head.version.minor == 0 { keepAlive = false }
        responseState = .streaming
        self.status = status
        var h = headers(contentType: contentType)
        for (name, value) in extraHeaders { h.add(name: name, value: value) }
        try await connection.write(.http(.head(HTTPResponseHead(version: head.version, status: status, headers: h))))
        return ResponseStream(outbound: connection.outbound)
    }

    /// Ends the stream; `last` is its final chunk, written together with the end (one
    /// hand-off to the event loop instead of two, on `run`'s way out for the wait's answer).
    func endStream(last: ByteBuffer? = nil) async throws {
        guard responseState == .streaming else { throw HoistError.internal("no response stream to end") }
        responseState = .complete
        if let last, last.readableBytes > 0 {
            try await connection.outbound.write(contentsOf: [.http(.body(.byteBuffer(last))), .http(.end(nil))])
        } else {
            try await connection.write(.http(.end(nil)))
        }
    }

    /// Takes the connection over for raw bytes, as moby's attach does: `101 UPGRADED` when the
    /// client asked for an upgrade, else `200 OK` with no framing. Returns whether the client's
    /// bytes will arrive as `.raw` parts.
    func hijack(contentType: String) async throws -> Bool {
        try expectNoResponseYet()
        // The request decoder stops after an upgrade request without a body (as llhttp
        // decides it); only then can it hand the connection's further bytes over unparsed.
        let upgradeHeader = head.headers.contains(name: "Upgrade")
        let connectionUpgrade = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
        let hasBody = head.headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
            || (head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0) > 0
        let takeInput = upgradeHeader && connectionUpgrade && (!hasBody || bodyState == .complete)

        var text = upgradeHeader
            ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: \(contentType)\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\n"
        text += "Api-Version: \(APIVersion.current)\r\nOstype: linux\r\nServer: \(APIServer.serverHeader)\r\n\r\n"
        responseState = .hijacked
        status = upgradeHeader ? .switchingProtocols : .ok
        keepAlive = false
        try await connection.write(.hijack(head: ByteBuffer(string: text), takeInput: takeInput))
        return takeInput
    }
}

/// Writes body chunks of a started stream; Sendable, so a pump task can hold it.
struct ResponseStream: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ServerOutbound>

    func write(_ bytes: ByteBuffer) async throws {
        guard bytes.readableBytes > 0 else { return }
        try await outbound.write(.http(.body(.byteBuffer(bytes))))
    }
}
