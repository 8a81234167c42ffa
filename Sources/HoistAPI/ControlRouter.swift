import HoistAPIModels
import HoistCore
import HoistEngine
import NIOCore
import NIOHTTP1

/// pause, unpause, rename, update, top, stats and changes of a container; `/events`.
public protocol ContainerControlBackend: Sendable {
    func pauseContainer(_ idOrName: String) async throws
    func unpauseContainer(_ idOrName: String) async throws
    /// Resumes a paused container so that a signal can reach it (stop, kill, rm -f).
    func thawForSignal(_ idOrName: String) async
    func renameContainer(_ idOrName: String, newName: String) async throws
    func updateContainer(_ idOrName: String, update: ContainerUpdateRequest) async throws -> ContainerUpdateResponse
    func topContainer(_ idOrName: String, psArgs: String?) async throws -> ContainerTopResponse
    func containerStats(_ idOrName: String, stream: Bool, oneShot: Bool) async throws -> AsyncStream<ContainerStats>
    func containerChanges(_ idOrName: String) async throws -> [ContainerChange]
    /// Logs the `restart` event once the restart route has stopped and started the container.
    func containerRestarted(_ idOrName: String) async
    func subscribeEvents(since: Int64?, until: Int64?, filters: [String: [String]]) async -> AsyncStream<EngineEvent>
}

extension Engine: ContainerControlBackend {}

struct ControlRouter: Sendable {
    let backend: any ContainerControlBackend

    var routes: [Route] {
        [
            Route(.POST, "/containers/{name}/pause", pause),
            Route(.POST, "/containers/{name}/unpause", unpause),
            Route(.POST, "/containers/{name}/rename", rename),
            Route(.POST, "/containers/{name}/update", update),
            Route(.GET, "/containers/{name}/top", top),
            Route(.GET, "/containers/{name}/stats", stats),
            Route(.GET, "/containers/{name}/changes", changes),
            Route(.GET, "/events", events),
        ]
    }

    private func pause(_ x: Exchange) async throws {
        try await backend.pauseContainer(x.parameter("name"))
        try await x.respondEmpty()
    }

    private func unpause(_ x: Exchange) async throws {
        try await backend.unpauseContainer(x.parameter("name"))
        try await x.respondEmpty()
    }

    private func rename(_ x: Exchange) async throws {
        try await backend.renameContainer(x.parameter("name"), newName: x.query["name"] ?? "")
        try await x.respondEmpty()
    }

    private func update(_ x: Exchange) async throws {
        let request = try await x.decodeJSONBody(ContainerUpdateRequest.self)
        try await x.respondJSON(try await backend.updateContainer(x.parameter("name"), update: request))
    }

    private func top(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.topContainer(x.parameter("name"), psArgs: x.query.nonEmpty("ps_args")))
    }

    private func changes(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.containerChanges(x.parameter("name")))
    }

    /// One JSON document per sample, `\n`-separated (Go's json.Encoder); `stream` defaults to true.
    private func stats(_ x: Exchange) async throws {
        let streamIt = x.query.bool("stream", default: true)
        let oneShot = x.query.bool("one-shot")
        if oneShot && streamIt { throw HoistError.invalid("cannot have stream=true and one-shot=true") }
        let samples = try await backend.containerStats(x.parameter("name"), stream: streamIt, oneShot: oneShot)
        let out = try await x.startStream(contentType: "application/json")
        try await Self.pump(x, samples) { try await out.write(APIJSON.encode($0)) }
        guard x.connection.channel.isActive else { return }
        try await x.endStream()
    }

    /// `GET /events?since=&until=&filters=`: replays and streams until `until` or the client leaves.
    private func events(_ x: Exchange) async throws {
        let now = Timestamps.nowNanos()
        let since = try Self.eventTime(x, "since", now: now)
        let until = try Self.eventTime(x, "until", now: now)
        if let s = since, let u = until, s > u {
            throw HoistError.invalid("`since` time (\(x.query["since"] ?? "")) cannot be after `until` time (\(x.query["until"] ?? ""))")
        }
        let filters = try x.query.filters()
        for key in filters.keys where !Self.eventFilterKeys.contains(key) {
            throw HoistError.invalid("invalid filter '\(key)'")
        }
        let events = await backend.subscribeEvents(since: since, until: until, filters: filters)
        let out = try await x.startStream(contentType: "application/json")
        try await Self.pump(x, events) { try await out.write(APIJSON.encode($0)) }
        guard x.connection.channel.isActive else { return }
        try await x.endStream()
    }

    static let eventFilterKeys: Set<String> = ["container", "daemon", "event", "image", "label", "network", "node", "plugin",
                                               "scope", "secret", "service", "type", "volume", "config"]

    /// Writes every element until the stream ends or the connection closes.
    private static func pump<T: Sendable>(_ x: Exchange, _ stream: AsyncStream<T>,
                                          _ write: @escaping @Sendable (T) async throws -> Void) async throws {
        let task = Task {
            for await item in stream {
                try await write(item)
            }
        }
        x.connection.onClose { task.cancel() }
        _ = try? await task.value
    }

    /// moby's timestamp forms: Unix seconds with an optional fraction (what the CLI sends).
    static func eventTime(_ x: Exchange, _ key: String, now: Int64) throws -> Int64? {
        guard let text = x.query.nonEmpty(key) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let secs = Int64(parts[0]) else {
            throw HoistError.invalid("invalid value for \(key): \"\(text)\" is not a Unix timestamp")
        }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let frac = String(parts[1].prefix(9))
            guard let f = Int64(frac) else { throw HoistError.invalid("invalid value for \(key): \"\(text)\" is not a Unix timestamp") }
            nanos = f * Int64(pow10(9 - frac.count))
        }
        return secs * 1_000_000_000 + nanos
    }

    private static func pow10(_ n: Int) -> Int { n <= 0 ? 1 : 10 * pow10(n - 1) }
}
