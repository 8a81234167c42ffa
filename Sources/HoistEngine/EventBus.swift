import Foundation
import HoistCore
import Synchronization

/// One event as `GET /events` sends it (moby's events.Message, fields in its order).
public struct EngineEvent: Codable, Sendable, Equatable {
    public struct Actor: Codable, Sendable, Equatable {
        public var ID: String
        public var Attributes: [String: String]
    }
    public var status: String?
    public var id: String?
    public var from: String?
    public var `Type`: String
    public var Action: String
    public var Actor: Actor
    public var scope: String
    public var time: Int64
    public var timeNano: Int64

    public init(type: String, action: String, actorID: String, attributes: [String: String], timeNano: Int64 = Timestamps.nowNanos()) {
        self.Type = type
        self.Action = action
        self.Actor = .init(ID: actorID, Attributes: attributes)
        self.scope = "local"
        self.timeNano = timeNano
        self.time = timeNano / 1_000_000_000
        // The pre-1.22 fields moby still fills for containers and images.
        if type == "container" || type == "image" {
            status = action
            id = actorID
            if type == "container" { from = attributes["image"] }
        }
    }
}

/// `filters` of `GET /events`, as moby's events/filter.go applies them.
public struct EventFilter: Sendable {
    public var filters: [String: [String]]
    public init(_ filters: [String: [String]]) { self.filters = filters }

    public func matches(_ e: EngineEvent) -> Bool {
        func accept(_ key: String, _ values: [String]) -> Bool {
            guard let wanted = filters[key], !wanted.isEmpty else { return true }
            return wanted.contains { w in values.contains { v in !v.isEmpty && v == w } }
        }
        let name = e.Actor.Attributes["name"] ?? ""
        // `event=health_status` also matches `health_status: healthy`.
        let action = e.Action.split(separator: ":").first.map { String($0) } ?? e.Action
        guard accept("type", [e.Type]), accept("event", [e.Action, action]), accept("scope", [e.scope]) else { return false }
        if filters["container"] != nil {
            // moby's FuzzyMatch: an ID prefix or the exact name.
            let wanted = filters["container"] ?? []
            guard e.Type == "container", wanted.isEmpty || wanted.contains(where: { !$0.isEmpty && (e.Actor.ID.hasPrefix($0) || name == $0) }) else { return false }
        }
        if filters["image"] != nil {
            let image = e.Type == "image" ? e.Actor.ID : (e.Actor.Attributes["image"] ?? "")
            let bare = image.split(separator: ":").first.map { String($0) } ?? image
            guard accept("image", [image, bare, e.Actor.Attributes["name"] ?? ""]) else { return false }
        }
        if let labels = filters["label"], !labels.isEmpty {
            for l in labels {
                if let eq = l.firstIndex(of: "=") {
                    guard e.Actor.Attributes[String(l[..<eq])] == String(l[l.index(after: eq)...]) else { return false }
                } else {
                    guard e.Actor.Attributes[l] != nil else { return false }
                }
            }
        }
        return true
    }
}

/// The daemon's event log: the last `capacity` events for `since`, and live subscribers.
/// A lock rather than an actor so that publishing never suspends the Engine.
public final class EventBus: Sendable {
    private struct State {
        var ring: [EngineEvent] = []
        var subscribers: [UInt64: AsyncStream<EngineEvent>.Continuation] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())
    private let capacity: Int

    public init(capacity: Int = 1000) { self.capacity = capacity }

    public func publish(_ event: EngineEvent) {
        let subs = state.withLock { s -> [AsyncStream<EngineEvent>.Continuation] in
            s.ring.append(event)
            if s.ring.count > capacity { s.ring.removeFirst(s.ring.count - capacity) }
            return Array(s.subscribers.values)
        }
        for c in subs { c.yield(event) }
    }

    /// Past events from `since` (nanoseconds; nil = none), then live ones until `until`
    /// (nanoseconds; nil = forever) passes. A `until` in the past ends after the replay.
    public func subscribe(since: Int64?, until: Int64?, filter: EventFilter) -> AsyncStream<EngineEvent> {
        let now = Timestamps.nowNanos()
        let (stream, cont) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let id: UInt64? = state.withLock { s in
            if let since {
                for e in s.ring where e.timeNano >= since && (until.map { e.timeNano <= $0 } ?? true) && filter.matches(e) {
                    cont.yield(e)
                }
            }
            if let until, until <= now { return nil }
            let id = s.nextID
            s.nextID += 1
            // Filtering happens in the relay below; the subscriber list holds raw continuations.
            return id
        }
        guard let id else {
            cont.finish()
            return stream
        }
        let (raw, rawCont) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        state.withLock { $0.subscribers[id] = rawCont }
        let relay = Task {
            for await e in raw {
                if let until, e.timeNano > until { break }
                if filter.matches(e) { cont.yield(e) }
            }
            cont.finish()
        }
        let timer: Task<Void, Never>? = until.map { until in
            Task {
                let wait = until - Timestamps.nowNanos()
                if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait)) }
                rawCont.finish()
            }
        }
        cont.onTermination = { [weak self] _ in
            relay.cancel()
            timer?.cancel()
            rawCont.finish()
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        rawCont.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}

/// One bus per Engine, without a stored property in Engine.swift (owned by another file).
enum EngineEventBuses {
    private static let buses = Mutex<[ObjectIdentifier: EventBus]>([:])
    static func bus(for engine: Engine) -> EventBus {
        buses.withLock { b in
            if let bus = b[ObjectIdentifier(engine)] { return bus }
            let bus = EventBus()
            b[ObjectIdentifier(engine)] = bus
            return bus
        }
    }
}

extension Engine {
    /// The engine's event bus.
    public nonisolated var events: EventBus { EngineEventBuses.bus(for: self) }

    /// Publishes a container event; attributes are the container's labels, `image`, `name`
    /// and `extra` (exitCode, signal...), as moby's LogContainerEventWithAttributes.
    func emit(_ action: String, _ rec: ContainerRecord, extra: [String: String] = [:]) {
        var attrs = rec.config.Labels ?? [:]
        attrs["image"] = rec.imageName
        attrs["name"] = rec.name
        for (k, v) in extra { attrs[k] = v }
        events.publish(EngineEvent(type: "container", action: action, actorID: rec.id, attributes: attrs))
    }

    /// The same for a container known by ID (exec events, from tasks holding only the ID).
    func emit(_ action: String, containerID: String, extra: [String: String] = [:]) {
        guard let rec = containers[containerID] else { return }
        emit(action, rec, extra: extra)
    }

    /// `restart`, logged by the API's restart route (it stops and starts the container itself).
    public func containerRestarted(_ idOrName: String) {
        guard let rec = try? lookup(idOrName) else { return }
        emit("restart", rec)
    }

    /// Publishes an image event as moby's LogImageEvent: `import`, `tag`, `untag` and
    /// `delete`, with the image ID as the actor and `name` the reference (or the ID).
    func emitImage(_ action: String, imageID: String, name: String) {
        events.publish(EngineEvent(type: "image", action: action, actorID: imageID, attributes: ["name": name]))
    }

    /// `GET /events`.
    public func subscribeEvents(since: Int64?, until: Int64?, filters: [String: [String]]) -> AsyncStream<EngineEvent> {
        events.subscribe(since: since, until: until, filter: EventFilter(filters))
    }
}
