import HoistAPIModels
import HoistCore
import HoistEngine
import NIOHTTP1

/// `/containers/...`: lifecycle here; wait, logs and attach (streams) in their own files.
/// `{name}` is an ID, an ID prefix or a name: the backend resolves it.
struct ContainerRouter: Sendable {
    let backend: any ContainerBackend

    var routes: [Route] {
        [
            Route(.POST, "/containers/create", create),
            Route(.GET, "/containers/json", list),
            Route(.GET, "/containers/{name}/json", inspect),
            Route(.POST, "/containers/{name}/start", start),
            Route(.POST, "/containers/{name}/stop", stop),
            Route(.POST, "/containers/{name}/restart", restart),
            Route(.POST, "/containers/{name}/kill", kill),
            Route(.DELETE, "/containers/{name}", remove),
            Route(.POST, "/containers/{name}/wait", wait),
            Route(.POST, "/containers/{name}/resize", resize),
            Route(.GET, "/containers/{name}/logs", logs),
            Route(.POST, "/containers/{name}/attach", attach),
        ]
    }

    private func create(_ x: Exchange) async throws {
        let request = try await x.decodeJSONBody(ContainerCreateRequest.self)
        let created = try await backend.createContainer(name: x.query.nonEmpty("name"), request: request)
        try await x.respondJSON(created, status: .created)
    }

    private func list(_ x: Exchange) async throws {
        var filters = try x.query.filters()
        // Pre-1.24 parameters moby still folds into filters.
        for key in ["before", "since"] {
            if let value = x.query.nonEmpty(key) { filters[key, default: []].append(value) }
        }
        let limit = try x.query.int("limit")
        var containers = try await backend.listContainers(all: x.query.bool("all"), limit: limit.flatMap { $0 > 0 ? $0 : nil }, filters: filters)
        if x.query.bool("size"), let sizes = backend as? any ContainerSizeBackend { containers = await sizes.withSizes(containers) }
        try await x.respondJSON(containers)
    }

    private func inspect(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.inspectContainer(x.parameter("name")))
    }

    /// 204; 304 (from the backend's `.notModified`) when already running.
    private func start(_ x: Exchange) async throws {
        try await backend.startContainer(x.parameter("name"))
        try await x.respondEmpty()
    }

    /// 204; 304 when not running.
    private func stop(_ x: Exchange) async throws {
        await thawIfPaused(x.parameter("name"))
        try await backend.stopContainer(x.parameter("name"), timeout: try x.query.int("t"), signal: x.query.nonEmpty("signal"))
        try await x.respondEmpty()
    }

    /// Stop (a stopped container is fine), then start.
    private func restart(_ x: Exchange) async throws {
        let name = x.parameter("name")
        let timeout = try x.query.int("t")
        await thawIfPaused(name)
        do {
            try await backend.stopContainer(name, timeout: timeout, signal: x.query.nonEmpty("signal"))
        } catch let e as HoistError where e.code == .notModified {}
        do {
            try await backend.startContainer(name)
        } catch let e as HoistError where e.code == .notModified {}
        await (backend as? any ContainerControlBackend)?.containerRestarted(name)
        try await x.respondEmpty()
    }

    private func kill(_ x: Exchange) async throws {
        await thawIfPaused(x.parameter("name"))
        try await backend.killContainer(x.parameter("name"), signal: x.query.nonEmpty("signal"))
        try await x.respondEmpty()
    }

    private func remove(_ x: Exchange) async throws {
        if x.query.bool("force") { await thawIfPaused(x.parameter("name")) }
        try await backend.removeContainer(x.parameter("name"), force: x.query.bool("force"), volumes: x.query.bool("v"))
        try await x.respondEmpty()
    }

    /// A frozen container cannot act on a signal: resume it first (moby resumes right after signalling).
    private func thawIfPaused(_ name: String) async {
        await (backend as? any ContainerControlBackend)?.thawForSignal(name)
    }

    private func resize(_ x: Exchange) async throws {
        func dimension(_ key: String) throws -> Int {
            guard let text = x.query[key], let n = Int(text), n >= 0, n <= Int(UInt16.max) else {
                throw HoistError.invalid("invalid resize \(key == "h" ? "height" : "width"): \"\(x.query[key] ?? "")\"")
            }
            return n
        }
        try await backend.resizeContainer(x.parameter("name"), height: try dimension("h"), width: try dimension("w"))
        try await x.respondEmpty(.ok)
    }
}
