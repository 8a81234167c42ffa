import HoistAPIModels
import HoistCore
import HoistEngine
import NIOCore

/// What the `/networks` routes need from the domain.
public protocol NetworkBackend: Sendable {
    func listNetworks(filters: [String: [String]]) async throws -> [NetworkResource]
    func inspectNetwork(_ idOrName: String) async throws -> NetworkResource
    func createNetwork(_ request: NetworkCreateRequest) async throws -> NetworkCreateResponse
    func removeNetwork(_ idOrName: String) async throws
    func pruneNetworks(filters: [String: [String]]) async throws -> NetworkPruneResponse
    func connectNetwork(_ idOrName: String, request: NetworkConnectRequest) async throws
    func disconnectNetwork(_ idOrName: String, request: NetworkDisconnectRequest) async throws
}

extension Engine: NetworkBackend {}

/// `/networks`, as moby's network router.
struct NetworkRouter: Sendable {
    let backend: any NetworkBackend

    var routes: [Route] {
        [
            Route(.GET, "/networks", list),
            Route(.POST, "/networks/create", create),
            Route(.POST, "/networks/prune", prune),
            Route(.GET, "/networks/{id}", inspect),
            Route(.DELETE, "/networks/{id}", remove),
            Route(.POST, "/networks/{id}/connect", connect),
            Route(.POST, "/networks/{id}/disconnect", disconnect),
        ]
    }

    private func list(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.listNetworks(filters: try x.query.filters()))
    }
    private func inspect(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.inspectNetwork(x.parameter("id")))
    }
    private func create(_ x: Exchange) async throws {
        let req = try await x.decodeJSONBody(NetworkCreateRequest.self)
        try await x.respondJSON(try await backend.createNetwork(req), status: .created)
    }
    private func remove(_ x: Exchange) async throws {
        try await backend.removeNetwork(x.parameter("id"))
        try await x.respondEmpty()
    }
    private func prune(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.pruneNetworks(filters: try x.query.filters()))
    }
    private func connect(_ x: Exchange) async throws {
        let req = try await x.decodeJSONBody(NetworkConnectRequest.self)
        try await backend.connectNetwork(x.parameter("id"), request: req)
        try await x.respondEmpty(.ok)
    }
    private func disconnect(_ x: Exchange) async throws {
        let req = try await x.decodeJSONBody(NetworkDisconnectRequest.self)
        try await backend.disconnectNetwork(x.parameter("id"), request: req)
        try await x.respondEmpty(.ok)
    }
}
