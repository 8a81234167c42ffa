import HoistAPIModels
import HoistCore
import HoistEngine
import NIOHTTP1

/// `/containers/{id}/exec` and `/exec/...`.
public protocol ExecBackend: Sendable {
    func createExec(_ idOrName: String, request: ExecCreateRequest) async throws -> ExecCreateResponse
    func checkExecStart(_ execID: String) async throws -> (tty: Bool, detachKeys: [UInt8])
    func startExec(_ execID: String, detach: Bool) async throws -> AttachSession?
    func resizeExec(_ execID: String, height: Int, width: Int) async throws
    func inspectExec(_ execID: String) async throws -> ExecInspect
}

extension Engine: ExecBackend {}

struct ExecRouter: Sendable {
    let backend: any ExecBackend

    var routes: [Route] {
        [
            Route(.POST, "/containers/{name}/exec", create),
            Route(.POST, "/exec/{id}/start", start),
            Route(.POST, "/exec/{id}/resize", resize),
            Route(.GET, "/exec/{id}/json", inspect),
        ]
    }

    private func create(_ x: Exchange) async throws {
        let request = try await x.decodeJSONBody(ExecCreateRequest.self)
        try await x.respondJSON(try await backend.createExec(x.parameter("name"), request: request), status: .created)
    }

    /// Detach: 200 with no body once the process runs. Otherwise the connection is hijacked
    /// as for attach (101 with `Upgrade`, else 200) and carries the exec's stdio.
    private func start(_ x: Exchange) async throws {
        let id = x.parameter("id")
        let body = try await x.collectBody(limit: 1 << 20)
        let request = body.readableBytes == 0 ? ExecStartRequest() : try APIJSON.decode(ExecStartRequest.self, from: body)
        if request.Detach ?? false {
            _ = try await backend.startExec(id, detach: true)
            try await x.respondEmpty(.ok)
            return
        }
        // Checked (404, 409 as plain HTTP) and hijacked before the process starts, as moby:
        // output written with the 101 head could be lost by clients that switch to the raw
        // socket after parsing the head (docker-py).
        let (tty, detachKeys) = try await backend.checkExecStart(id)
        let takeInput = try await x.hijack(contentType: StreamFraming.contentType(multiplexed: !tty, version: x.apiVersion))
        let session: AttachSession
        do {
            session = try await backend.startExec(id, detach: false) ?? Self.message("exec detached", tty: tty)
        } catch {
            session = Self.message(ErrorMapping.hoistError(error).message, tty: tty)
        }
        await HijackRelay.run(session, on: x.connection, multiplexed: !tty, stdin: takeInput, detachKeys: detachKeys)
    }

    /// A session that only says `text` (an error after the hijack), as moby writes it.
    static func message(_ text: String, tty: Bool) -> AttachSession {
        let (stream, cont) = AsyncStream<OutputChunk>.makeStream()
        cont.yield(OutputChunk(stream: 1, bytes: Array((text + "\r\n").utf8)))
        cont.finish()
        return AttachSession(tty: tty, output: stream, writeStdin: { _ in }, closeStdin: {}, detach: {})
    }

    private func resize(_ x: Exchange) async throws {
        func dimension(_ key: String) throws -> Int {
            guard let text = x.query[key], let n = Int(text), n >= 0, n <= Int(UInt16.max) else {
                throw HoistError.invalid("invalid resize \(key == "h" ? "height" : "width"): \"\(x.query[key] ?? "")\"")
            }
            return n
        }
        try await backend.resizeExec(x.parameter("id"), height: try dimension("h"), width: try dimension("w"))
        // moby writes no status here: Go's default 200 (the swagger says 201; clients accept both).
        try await x.respondEmpty(.ok)
    }

    private func inspect(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.inspectExec(x.parameter("id")))
    }
}
