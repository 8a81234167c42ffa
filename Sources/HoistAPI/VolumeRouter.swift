import HoistAPIModels
import HoistCore
import HoistEngine
import NIOCore

/// What the volume routes need from the domain.
public protocol VolumeBackend: Sendable {
    func createVolume(_ req: VolumeCreateRequest) async throws -> Volume
    func inspectVolume(_ name: String) async throws -> Volume
    func listVolumes(filters: [String: [String]]) async throws -> VolumeListResponse
    func removeVolume(_ name: String, force: Bool) async throws
    func pruneVolumes(filters: [String: [String]], all: Bool) async throws -> VolumePruneResponse
}

extension Engine: VolumeBackend {}

/// `/volumes/...`.
struct VolumeRouter: Sendable {
    let backend: any VolumeBackend

    var routes: [Route] {
        [
            Route(.GET, "/volumes", list),
            Route(.POST, "/volumes/create", create),
            Route(.POST, "/volumes/prune", prune),
            Route(.GET, "/volumes/{name}", inspect),
            Route(.DELETE, "/volumes/{name}", remove),
        ]
    }

    private func list(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.listVolumes(filters: try x.query.filters()))
    }

    /// 201 with the volume, as moby answers (an existing volume of that name is returned as is).
    private func create(_ x: Exchange) async throws {
        let body = try await x.collectBody()
        var req = VolumeCreateRequest()
        if body.readableBytesView.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) {
            req = try APIJSON.decode(VolumeCreateRequest.self, from: body)
        }
        try await x.respondJSON(try await backend.createVolume(req), status: .created)
    }

    private func inspect(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.inspectVolume(x.parameter("name")))
    }

    private func remove(_ x: Exchange) async throws {
        try await backend.removeVolume(x.parameter("name"), force: x.query.bool("force"))
        try await x.respondEmpty(.noContent)
    }

    /// Before API 1.42 prune took named volumes too; since, only anonymous ones unless the
    /// `all` filter says otherwise (moby adds `all=true` for older clients).
    private func prune(_ x: Exchange) async throws {
        let filters = try x.query.filters()
        let all = x.apiVersion < APIVersionNumber("1.42")
        try await x.respondJSON(try await backend.pruneVolumes(filters: filters, all: all))
    }
}
