import Foundation
import HoistAPI
import HoistAPIModels
import HoistCore
import HoistEngine
import Synchronization

/// A value that one side waits for and the other provides later.
final class Gate<T: Sendable>: Sendable {
    private let state = Mutex<(value: T?, waiters: [CheckedContinuation<T, Never>])>((nil, []))

    func open(_ value: T) {
        let waiters = state.withLock { s -> [CheckedContinuation<T, Never>] in
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    var isOpen: Bool { state.withLock { $0.value != nil } }

    func wait() async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let ready = state.withLock { s -> T? in
                if let v = s.value { return v }
                s.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}

/// Records what the API layer asked of the domain, answers with canned results, and lets
/// each test plug in the streaming parts (logs, attach, wait, import).
final class FakeBackend: APIBackend {
    struct Hooks: Sendable {
        var info: @Sendable () throws -> SystemInfo = { throw HoistError(.notImplemented, "info is not faked") }
        var importImage: @Sendable (String, String?, String?, String?, [String]) throws -> String = { _, _, _, _, _ in "sha256:" + String(repeating: "ab", count: 32) }
        var create: @Sendable (String?, ContainerCreateRequest) throws -> ContainerCreateResponse = { name, _ in
            if name == "dup" { throw HoistError.conflict("Conflict. The container name \"/dup\" is already in use") }
            return ContainerCreateResponse(Id: String(repeating: "c0", count: 32))
        }
        var wait: @Sendable (String, WaitCondition) async throws -> ContainerWaiter = { id, _ in
            throw HoistError.notFound("No such container: \(id)")
        }
        var logs: @Sendable (String, LogOptions) throws -> (tty: Bool, entries: AsyncThrowingStream<LogEntry, any Error>) = { id, _ in
            throw HoistError.notFound("No such container: \(id)")
        }
        var attach: @Sendable (String, AttachOptions) throws -> AttachSession = { id, _ in
            throw HoistError.notFound("No such container: \(id)")
        }
        var start: @Sendable (String) async throws -> Void = { _ in }
    }

    let hooks: Hooks
    private let log = Mutex<[String]>([])
    private let requests = Mutex<[ContainerCreateRequest]>([])

    init(_ hooks: Hooks = Hooks()) {
        self.hooks = hooks
    }

    var calls: [String] { log.withLock { $0 } }
    var createRequests: [ContainerCreateRequest] { requests.withLock { $0 } }
    private func record(_ s: String) { log.withLock { $0.append(s) } }

    private func check(_ id: String) throws {
        if id == "missing" { throw HoistError.notFound("No such container: missing") }
    }

    func version() -> SystemVersion { SystemVersion(kernelVersion: "6.1.0-test", runtime: "runc") }
    func info() async throws -> SystemInfo { try hooks.info() }

    func listImages(all: Bool, filters: [String: [String]]) async throws -> [ImageSummary] {
        record("images all=\(all) filters=\(filters.sorted { $0.key < $1.key })")
        return [ImageSummary(Id: "sha256:" + String(repeating: "1", count: 64), RepoTags: ["busybox:latest"], RepoDigests: [], Created: 1_700_000_000, Size: 4_000_000, Labels: [:])]
    }

    func inspectImage(_ name: String) async throws -> ImageInspect {
        record("inspect image \(name)")
        guard name != "nope" else { throw HoistError.notFound("No such image: nope") }
        return ImageInspect(Id: "sha256:" + String(repeating: "1", count: 64), RepoTags: [name], RepoDigests: [], Comment: "", Created: "2026-01-01T00:00:00Z",
                            Author: "", Config: ContainerConfig(), Architecture: "amd64", Os: "linux", Size: 1, Layers: [])
    }

    func removeImage(_ name: String, force: Bool, noPrune: Bool) async throws -> [ImageDeleteResponseItem] {
        record("rmi \(name) force=\(force) noprune=\(noPrune)")
        return [ImageDeleteResponseItem(Untagged: name), ImageDeleteResponseItem(Deleted: "sha256:" + String(repeating: "1", count: 64))]
    }

    func importImage(tarPath: String, repo: String?, tag: String?, message: String?, changes: [String]) async throws -> String {
        record("import repo=\(repo ?? "nil") tag=\(tag ?? "nil") message=\(message ?? "nil") changes=\(changes)")
        return try hooks.importImage(tarPath, repo, tag, message, changes)
    }

    func tagImage(_ name: String, repo: String, tag: String?) async throws {
        record("tag \(name) repo=\(repo) tag=\(tag ?? "nil")")
    }

    func createContainer(name: String?, request: ContainerCreateRequest) async throws -> ContainerCreateResponse {
        record("create name=\(name ?? "nil")")
        requests.withLock { $0.append(request) }
        return try hooks.create(name, request)
    }

    func startContainer(_ idOrName: String) async throws {
        try check(idOrName)
        if idOrName == "running" { throw HoistError(.notModified, "container already started") }
        record("start \(idOrName)")
        try await hooks.start(idOrName)
    }

    func stopContainer(_ idOrName: String, timeout: Int?, signal: String?) async throws {
        try check(idOrName)
        if idOrName == "stopped" { throw HoistError(.notModified, "container already stopped") }
        record("stop \(idOrName) t=\(timeout.map(String.init) ?? "nil") signal=\(signal ?? "nil")")
    }

    func killContainer(_ idOrName: String, signal: String?) async throws {
        try check(idOrName)
        if idOrName == "stopped" { throw HoistError.conflict("Container \(idOrName) is not running") }
        record("kill \(idOrName) signal=\(signal ?? "nil")")
    }

    func removeContainer(_ idOrName: String, force: Bool, volumes: Bool) async throws {
        try check(idOrName)
        record("rm \(idOrName) force=\(force) v=\(volumes)")
    }

    func prepareWait(_ idOrName: String, condition: WaitCondition) async throws -> ContainerWaiter {
        try check(idOrName)
        record("wait \(idOrName) \(condition.rawValue)")
        return try await hooks.wait(idOrName, condition)
    }

    func inspectContainer(_ idOrName: String) async throws -> ContainerInspect {
        try check(idOrName)
        var config = ContainerConfig()
        config.Image = "busybox"
        config.Tty = idOrName.hasPrefix("tty")
        let state = ContainerState(Status: "exited", Running: false, Pid: 0, ExitCode: 0, StartedAt: "2026-01-01T00:00:00Z", FinishedAt: "2026-01-01T00:00:01Z")
        return ContainerInspect(Id: String(repeating: "c0", count: 32), Created: "2026-01-01T00:00:00Z", Path: "sh", Args: [], State: state, Image: "sha256:" + String(repeating: "1", count: 64),
                                ResolvConfPath: "", HostnamePath: "", HostsPath: "", LogPath: "", Name: "/\(idOrName)", RestartCount: 0,
                                HostConfig: HostConfig(), GraphDriver: GraphDriverData(Name: "overlay2", Data: nil), Config: config)
    }

    func listContainers(all: Bool, limit: Int?, filters: [String: [String]]) async throws -> [ContainerSummary] {
        record("ps all=\(all) limit=\(limit.map(String.init) ?? "nil") filters=\(filters.sorted { $0.key < $1.key })")
        return [ContainerSummary(Id: String(repeating: "c0", count: 32), Names: ["/web"], Image: "busybox", ImageID: "sha256:" + String(repeating: "1", count: 64),
                                 Command: "sh", Created: 1_700_000_000, Labels: [:], State: "exited", Status: "Exited (0) 1 second ago")]
    }

    func attachContainer(_ idOrName: String, options: AttachOptions) async throws -> AttachSession {
        try check(idOrName)
        record("attach \(idOrName) stdin=\(options.stdin) stdout=\(options.stdout) stderr=\(options.stderr) logs=\(options.logs) stream=\(options.stream)")
        return try hooks.attach(idOrName, options)
    }

    func containerLogs(_ idOrName: String, options: LogOptions) async throws -> (tty: Bool, entries: AsyncThrowingStream<LogEntry, any Error>) {
        try check(idOrName)
        record("logs \(idOrName) follow=\(options.follow) stdout=\(options.stdout) stderr=\(options.stderr) since=\(options.since.map { "\($0)" } ?? "nil") until=\(options.until.map { "\($0)" } ?? "nil") timestamps=\(options.timestamps) tail=\(options.tail.map(String.init) ?? "nil")")
        return try hooks.logs(idOrName, options)
    }

    func resizeContainer(_ idOrName: String, height: Int, width: Int) async throws {
        try check(idOrName)
        record("resize \(idOrName) \(height)x\(width)")
    }
}
