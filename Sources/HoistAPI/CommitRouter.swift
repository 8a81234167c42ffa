import HoistAPIModels
import HoistCore
import HoistEngine
import NIOCore

/// `commit` and `history`: what the commit/history routes need from the domain.
public protocol CommitBackend: Sendable {
    func commitContainer(_ idOrName: String, repo: String?, tag: String?, comment: String?, author: String?,
                         changes: [String], pause: Bool, config: ContainerConfig?) async throws -> String
    func imageHistory(_ name: String) async throws -> [ImageHistoryItem]
}

extension Engine: CommitBackend {}

/// `POST /commit`, `GET /images/{name}/history`.
struct CommitRouter: Sendable {
    let backend: any CommitBackend

    var routes: [Route] {
        [
            Route(.POST, "/commit", commit),
            Route(.GET, "/images/{name*}/history", history),
        ]
    }

    /// The body is an optional container config (the CLI sends `null`), whose fields win
    /// over the container's; `pause` defaults to true, as in moby.
    private func commit(_ x: Exchange) async throws {
        guard let container = x.query.nonEmpty("container") else {
            throw HoistError.invalid("No container specified")
        }
        let body = try await x.collectBody()
        var config: ContainerConfig?
        let text = body.readableBytesView.filter { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        if !text.isEmpty && Array(text) != Array("null".utf8) {
            config = try APIJSON.decode(ContainerConfig.self, from: body)
        }
        let pause = x.query.nonEmpty("pause") == nil ? true : x.query.bool("pause")
        let id = try await backend.commitContainer(container, repo: x.query.nonEmpty("repo"), tag: x.query.nonEmpty("tag"),
                                                   comment: x.query.nonEmpty("comment"), author: x.query.nonEmpty("author"),
                                                   changes: x.query.all("changes"), pause: pause, config: config)
        try await x.respondJSON(CommitResponse(Id: id), status: .created)
    }

    private func history(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.imageHistory(x.parameter("name")))
    }
}
