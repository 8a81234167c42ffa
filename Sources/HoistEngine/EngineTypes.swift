import HoistCore
import HoistAPIModels

/// What hoistd was started with.
public struct EngineConfig: Sendable {
    public var dataRoot: String
    /// `crun`, `runc`, or a path; nil = probe.
    public var runtime: String?
    /// Path of the hoist-shim binary.
    public var shimPath: String
    public var debug: Bool
    /// `-b/--bridge`: the default bridge network's device; `--bip`: its gateway/subnet.
    public var bridge: String = "hoist0"
    public var bip: String?
    /// Registries spoken to over plain HTTP (`--insecure-registry`), besides loopback ones.
    public var insecureRegistries: [String] = []
    /// `--registry-mirror`: tried in order before Docker Hub when pulling docker.io images.
    public var registryMirrors: [String] = []
    /// Push blobs larger than this in chunks (`HOIST_PUSH_CHUNK_SIZE` bytes; nil = 32 MiB).
    public var pushChunkSize: Int64?
    public init(dataRoot: String, runtime: String?, shimPath: String, debug: Bool) {
        self.dataRoot = dataRoot; self.runtime = runtime; self.shimPath = shimPath; self.debug = debug
    }
}

/// One piece of container output. `stream` is 1 for stdout, 2 for stderr (as in the
/// multiplexed stream header).
public struct OutputChunk: Sendable {
    public var stream: UInt8
    public var bytes: [UInt8]
    public init(stream: UInt8, bytes: [UInt8]) { self.stream = stream; self.bytes = bytes }
}

/// One log record, as read back from the container's log.
public struct LogEntry: Sendable {
    public var stream: UInt8
    /// Nanoseconds since the Unix epoch.
    public var timestamp: Int64
    public var bytes: [UInt8]
    public init(stream: UInt8, timestamp: Int64, bytes: [UInt8]) { self.stream = stream; self.timestamp = timestamp; self.bytes = bytes }
}

public struct LogOptions: Sendable {
    public var follow = false
    public var stdout = true
    public var stderr = true
    /// Unix seconds (fractional); nil = no bound.
    public var since: Double?
    public var until: Double?
    public var timestamps = false
    /// nil = all.
    public var tail: Int?
    public init() {}
}

public struct AttachOptions: Sendable {
    public var stdin = false
    public var stdout = true
    public var stderr = true
    /// Replay the log before live output (`logs=1`).
    public var logs = false
    public var stream = true
    public init() {}
}

/// A client attached to a container: live output out, stdin in. The API layer pumps it
/// over the hijacked connection; `output` finishes when the container's output ends.
public struct AttachSession: Sendable {
    public let tty: Bool
    public let output: AsyncStream<OutputChunk>
    private let stdinSink: @Sendable ([UInt8]) async -> Void
    private let stdinClose: @Sendable () async -> Void
    private let onDetach: @Sendable () -> Void

    public init(tty: Bool, output: AsyncStream<OutputChunk>, writeStdin: @escaping @Sendable ([UInt8]) async -> Void,
                closeStdin: @escaping @Sendable () async -> Void, detach: @escaping @Sendable () -> Void) {
        self.tty = tty; self.output = output; self.stdinSink = writeStdin; self.stdinClose = closeStdin; self.onDetach = detach
    }
    public func writeStdin(_ bytes: [UInt8]) async { await stdinSink(bytes) }
    public func closeStdin() async { await stdinClose() }
    /// The client went away: stop relaying (the container keeps running).
    public func detach() { onDetach() }
}

/// A registered wait (`POST /containers/{id}/wait`): registered before the response
/// headers go out, so a `start` sent after them cannot be missed.
public struct ContainerWaiter: Sendable {
    private let body: @Sendable () async -> ContainerWaitResponse
    public init(_ body: @escaping @Sendable () async -> ContainerWaitResponse) { self.body = body }
    public func wait() async -> ContainerWaitResponse { await body() }
}
