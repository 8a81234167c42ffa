import HoistAPIModels
import NIOCore
import NIOHTTP1

/// `/_ping`, `/version`, `/info`.
struct SystemRouter: Sendable {
    let backend: any SystemBackend

    var routes: [Route] {
        [
            Route(.GET, "/_ping", ping),
            Route(.HEAD, "/_ping", ping),
            Route(.GET, "/version", version),
            Route(.GET, "/info", info),
        ]
    }

    /// The docker CLI reads these headers to pick its API version and builder.
    private func ping(_ x: Exchange) async throws {
        let headers = [
            ("Builder-Version", "1"),
            ("Docker-Experimental", "false"),
            ("Swarm", "inactive"),
            ("Cache-Control", "no-cache, no-store, must-revalidate"),
            ("Pragma", "no-cache"),
        ]
        // HEAD: the headers and `Content-Length: 0`, as moby answers it.
        let body = x.method == .HEAD ? nil : ByteBuffer(string: "OK")
        try await x.respond(status: .ok, contentType: "text/plain; charset=utf-8", body: body, extraHeaders: headers)
    }

    private func version(_ x: Exchange) async throws {
        try await x.respondJSON(backend.version())
    }

    private func info(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.info())
    }
}
