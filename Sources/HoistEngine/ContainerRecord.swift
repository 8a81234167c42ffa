import HoistCore
import HoistAPIModels
import HoistNetwork

/// What the Engine persists per container (as JSON in the metadata store).
struct ContainerRecord: Codable, Sendable {
    enum Status: String, Codable, Sendable { case created, running, paused, restarting, removing, exited, dead }

    var id: String
    var name: String
    var imageID: String
    /// The image as the user named it (`busybox`), shown by `ps`.
    var imageName: String
    var created: Int64
    /// Config after merging the image's defaults (Cmd, Entrypoint, Env, WorkingDir, User...).
    var config: ContainerConfig
    var hostConfig: HostConfig
    var path: String
    var args: [String]
    var status: Status = .created
    var pid: Int = 0
    var exitCode: Int = 0
    var error: String = ""
    var startedAt: Int64 = 0
    var finishedAt: Int64 = 0
    var restartCount: Int = 0
    /// Set once the container has been started at least once (so `ps` wording and waits are right).
    var hasBeenStarted: Bool = false
    /// Networks joined at start (name → endpoint config); nil for none/host/container: modes.
    var endpoints: [String: EndpointConfig]?
    /// Namespace, addresses and published ports while running (nil when stopped).
    var sandbox: SandboxState?
    /// A `stop` or `kill` by the user: restart policies leave the container down (nil = no).
    var manuallyStopped: Bool?
    /// Volumes, binds and tmpfs mounts, resolved at create (nil in records older than volumes).
    var mounts: [ContainerMountPoint]?

    var tty: Bool { config.Tty ?? false }
    var isRunning: Bool { status == .running || status == .paused || status == .restarting }

    /// `ps` STATUS as Docker words it.
    func statusText(now: Int64) -> String {
        switch status {
        case .created: return "Created"
        case .running:
            return "Up " + HumanUnits.duration(seconds: Double(now - startedAt) / 1e9)
        case .restarting:
            return "Restarting (\(exitCode)) " + HumanUnits.duration(seconds: Double(now - finishedAt) / 1e9) + " ago"
        case .paused:
            return "Up " + HumanUnits.duration(seconds: Double(now - startedAt) / 1e9) + " (Paused)"
        case .removing: return "Removal In Progress"
        case .exited:
            return "Exited (\(exitCode)) " + HumanUnits.duration(seconds: Double(now - finishedAt) / 1e9) + " ago"
        case .dead: return "Dead"
        }
    }

    func state() -> ContainerState {
        ContainerState(Status: status.rawValue, Running: isRunning, Paused: status == .paused, Restarting: status == .restarting,
                       Dead: status == .dead, Pid: isRunning ? pid : 0, ExitCode: exitCode, Error: error,
                       StartedAt: Timestamps.rfc3339Nano(startedAt), FinishedAt: Timestamps.rfc3339Nano(finishedAt))
    }
}
