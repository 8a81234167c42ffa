import HoistAPIModels
import HoistEngine

// Each router depends on the narrow slice of the domain it adapts (as moby's routers do),
// so tests can drive the HTTP layer with a small fake. The signatures are the Engine's.

/// `/_ping`, `/version`, `/info`.
public protocol SystemBackend: Sendable {
    func version() -> SystemVersion
    func info() async throws -> SystemInfo
}

/// `/images/...`.
public protocol ImageBackend: Sendable {
    func listImages(all: Bool, filters: [String: [String]]) async throws -> [ImageSummary]
    func inspectImage(_ name: String) async throws -> ImageInspect
    func removeImage(_ name: String, force: Bool, noPrune: Bool) async throws -> [ImageDeleteResponseItem]
    /// Imports a rootfs tar already on disk; returns the image ID (`sha256:...`).
    func importImage(tarPath: String, repo: String?, tag: String?, message: String?, changes: [String]) async throws -> String
    func tagImage(_ name: String, repo: String, tag: String?) async throws
}

/// `/containers/...`.
public protocol ContainerBackend: Sendable {
    func createContainer(name: String?, request: ContainerCreateRequest) async throws -> ContainerCreateResponse
    func startContainer(_ idOrName: String) async throws
    func stopContainer(_ idOrName: String, timeout: Int?, signal: String?) async throws
    func killContainer(_ idOrName: String, signal: String?) async throws
    func removeContainer(_ idOrName: String, force: Bool, volumes: Bool) async throws
    func prepareWait(_ idOrName: String, condition: WaitCondition) async throws -> ContainerWaiter
    func inspectContainer(_ idOrName: String) async throws -> ContainerInspect
    func listContainers(all: Bool, limit: Int?, filters: [String: [String]]) async throws -> [ContainerSummary]
    func attachContainer(_ idOrName: String, options: AttachOptions) async throws -> AttachSession
    func containerLogs(_ idOrName: String, options: LogOptions) async throws -> (tty: Bool, entries: AsyncThrowingStream<LogEntry, any Error>)
    func resizeContainer(_ idOrName: String, height: Int, width: Int) async throws
}

/// Everything the API server serves.
public typealias APIBackend = SystemBackend & ImageBackend & ContainerBackend

extension Engine: SystemBackend, ImageBackend, ContainerBackend {}
