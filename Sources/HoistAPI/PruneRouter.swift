import HoistAPIModels
import HoistEngine

/// What the container and image prune routes need.
public protocol PruneBackend: Sendable {
    func pruneContainers(filters: [String: [String]]) async throws -> ContainersPruneReport
    func pruneImages(filters: [String: [String]]) async throws -> ImagesPruneReport
}

extension Engine: PruneBackend {}

/// `POST /containers/prune`, `POST /images/prune` (`filters` as JSON, as elsewhere).
struct PruneRouter: Sendable {
    let backend: any PruneBackend

    var routes: [Route] {
        [
            Route(.POST, "/containers/prune", containers),
            Route(.POST, "/images/prune", images),
        ]
    }

    private func containers(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.pruneContainers(filters: try x.query.filters()))
    }

    private func images(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.pruneImages(filters: try x.query.filters()))
    }
}
