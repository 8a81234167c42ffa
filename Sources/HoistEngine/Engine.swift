import Foundation
import HoistCore
import HoistDistribution
import HoistAPIModels
import HoistOCI
import HoistRuntime
import HoistStore
import HoistSys
import HoistNetwork
import Logging

/// The daemon's domain: images and containers. No HTTP here; HoistAPI adapts requests
/// to these calls. Errors are HoistError with the user-facing message.
public actor Engine {
    public let config: EngineConfig
    let paths: EnginePaths
    let images: ImageStore
    let containerStore: ContainerStore
    /// Container rows are written through this, in order (see `ContainerRows`).
    let rows: ContainerRows
    let runtime: RuntimeInfo
    let network: NetworkManager
    let execs = ExecRegistry()
    let logger: Logger

    /// Every container, by full ID.
    var containers: [String: ContainerRecord] = [:]
    /// Live shim connections of running containers.
    var shims: [String: ShimClient] = [:]
    /// Attach clients that arrived before `start`.
    var pendingAttaches: [String: [AttachRelay]] = [:]
    var waiters: [String: [Waiter]] = [:]
    /// Counts `save` calls: a start that stored its row ahead sees whether anything was saved meanwhile.
    var saveCount = 0
    /// Containers between "start requested" and "running", so a second start is refused.
    var starting: Set<String> = []
    /// crun's compiled seccomp filters, reused across containers with the same profile.
    var seccompFilters = SeccompFilterCache()
    /// The runtime's state directory: in the exec root's tmpfs when there is one (the
    /// runtime's default, /run/crun, is on disk on some hosts); nil: that default.
    let runtimeRoot: String?

    private let versionInfo: SystemVersion

    public init(config: EngineConfig) async throws {
        self.config = config
        var log = Logger(label: "hoistd.engine")
        log.logLevel = config.debug ? .debug : .info
        logger = log
        for m in config.registryMirrors where RegistryHost(mirror: m) == nil {
            throw HoistError.invalid("invalid mirror: \"\(m)\" is not an http or https URL without a path")
        }
        paths = try EnginePaths(dataRoot: config.dataRoot)
        try Mounts.makeSharedMountPoint(paths.dataRoot + "/containers")
        // Shims' sockets, pid and exit files, network namespaces: in memory, as dockerd's
        // /run/docker. Created and removed for every container, on the data root's disk they
        // cost an inode allocation each, slow on ext4 after many deletions (measured).
        var inMemory = false
        if paths.execRoot == paths.dataRoot + "/run" {
            do { inMemory = try Mounts.tmpfsForTransientState(paths.execRoot) } catch {
                log.warning("exec root stays on disk: \(error)")
            }
        }
        runtimeRoot = inMemory ? paths.execRoot + "/runtime" : nil
        if let runtimeRoot { seccompFilters = SeccompFilterCache(stateRoot: runtimeRoot) }
        let metadata = try Metadata(path: paths.dataRoot + "/hoist.db")
        images = try ImageStore(dataRoot: paths.dataRoot, metadata: metadata)
        containerStore = ContainerStore(metadata: metadata)
        rows = ContainerRows(store: containerStore, logger: log)
        runtime = try RuntimeProbe.find(preferred: config.runtime)
        network = try NetworkManager(.init(dataRoot: paths.dataRoot, execRoot: paths.execRoot, bridge: config.bridge, bip: config.bip))
        versionInfo = SystemVersion(kernelVersion: HostInfo.kernelVersion(), runtime: runtime.name, runtimeVersion: runtime.version)
        let decoder = JSONDecoder()
        for row in try containerStore.all() {
            do {
                let rec = try decoder.decode(ContainerRecord.self, from: Data(row.data))
                containers[rec.id] = rec
            } catch {
                log.error("skipping unreadable container record \(row.id): \(error)")
            }
        }
    }

    public nonisolated func version() -> SystemVersion { versionInfo }

    public func info() async throws -> SystemInfo {
        let all = containers.values
        let running = all.filter { $0.status == .running || $0.status == .restarting }.count
        let paused = all.filter { $0.status == .paused }.count
        let imageCount = (try? images.list().count) ?? 0
        var info = SystemInfo(ID: HostInfo.machineID(), Containers: all.count, ContainersRunning: running, ContainersPaused: paused,
                          ContainersStopped: all.count - running - paused, Images: imageCount, DockerRootDir: paths.dataRoot,
                          Debug: config.debug, SystemTime: Timestamps.rfc3339Nano(Timestamps.nowNanos()),
                          KernelVersion: HostInfo.kernelVersion(), OperatingSystem: HostInfo.operatingSystem(),
                          NCPU: ProcessInfo.processInfo.activeProcessorCount, MemTotal: Int64(ProcessInfo.processInfo.physicalMemory),
                          Name: HostInfo.hostname(), DefaultRuntime: runtime.name,
                          Runtimes: [runtime.name: ["path": runtime.path]])
        info.RegistryConfig = RegistryServiceConfig(insecureRegistries: config.insecureRegistries, mirrors: config.registryMirrors)
        return info
    }

    // MARK: record helpers

    /// Resolves a full ID, a unique ID prefix or a name (with or without the leading `/`).
    func lookup(_ idOrName: String) throws -> ContainerRecord {
        if let r = containers[idOrName] { return r }
        let name = idOrName.hasPrefix("/") ? String(idOrName.dropFirst()) : idOrName
        if let r = containers.values.first(where: { $0.name == name }) { return r }
        if !idOrName.isEmpty {
            let matches = containers.values.filter { $0.id.hasPrefix(idOrName) }
            if matches.count == 1, let m = matches.first { return m }
            if matches.count > 1 { throw HoistError.invalid("multiple IDs found with provided prefix: \(idOrName)") }
        }
        throw HoistError.notFound("No such container: \(idOrName)")
    }

    func save(_ rec: ContainerRecord) {
        containers[rec.id] = rec
        saveCount += 1
        rows.write(rec)
    }

    /// Waits for every container row asked for so far (daemon shutdown).
    public nonisolated func flushContainerRows() { rows.drain() }
}

/// Where things live under the data root.
struct EnginePaths: Sendable {
    let dataRoot: String
    /// Short-path home of shim sockets (unix socket paths are limited to 108 bytes).
    let execRoot: String

    init(dataRoot: String) throws {
        var root = dataRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        guard root.hasPrefix("/") else { throw HoistError.invalid("data root must be an absolute path: \(dataRoot)") }
        self.dataRoot = root
        let candidate = root + "/run"
        if candidate.count + 30 <= 107 {
            execRoot = candidate
        } else {
            execRoot = "/run/hoist-" + String(Digest.sha256(of: Array(root.utf8)).hex.prefix(12))
        }
        for d in [root, root + "/containers", root + "/tmp", execRoot] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
    }

    func containerDir(_ id: String) -> String { "\(dataRoot)/containers/\(id)" }
    func rootfs(_ id: String) -> String { containerDir(id) + "/rootfs" }
    func logPath(_ id: String) -> String { containerDir(id) + "/container.log" }
    func stateDir(_ id: String) -> String { "\(execRoot)/\(id.prefix(16))" }
    var tmp: String { dataRoot + "/tmp" }
}
