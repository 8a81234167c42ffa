import HoistClient
import Synchronization

/// What a running command needs: the client, the global flags, the process environment and
/// the command path for messages. Set for the command's task.
final class CLIEnvironment: Sendable {
    let globals: GlobalOptions
    let environment: [String: String]
    let path: CommandPath
    let host: DaemonHost
    private let clientBox: ClientBox

    @TaskLocal static var current: CLIEnvironment?

    init(globals: GlobalOptions, environment: [String: String], path: CommandPath, host: DaemonHost, clientBox: ClientBox? = nil) {
        self.globals = globals
        self.environment = environment
        self.path = path
        self.host = host
        self.clientBox = clientBox ?? ClientBox(host: host)
    }

    /// The Engine API client, created on first use (commands that fail early never start the event loop).
    var client: EngineClient { clientBox.client }

    static func get() -> CLIEnvironment {
        guard let c = current else { fatalError("command run outside HoistMain") }
        return c
    }
}

final class ClientBox: Sendable {
    private let host: DaemonHost
    private let box = Mutex<EngineClient?>(nil)
    init(host: DaemonHost) { self.host = host }

    var client: EngineClient {
        box.withLock { c in
            if let c { return c }
            let n = EngineClient(host: host, autoStart: host.isDefault ? DaemonLauncher.ifAllowed() : nil,
                                 userAgent: "Hoist-Client/\(HoistVersion.version) (linux)")
            c = n
            return n
        }
    }

    /// Creates the client and starts its first connection on another thread (`connectAhead`).
    func connectAhead(spares: Int = 0) {
        Task.detached { self.client.connectAhead(spares: spares) }
    }
}

public enum HoistVersion {
    public static let version = "0.1.0"
    public static let gitCommit = "hoist"
}

/// Unbuffered writes to the standard streams (each call is one write(2) where possible).
enum Out {
    static func print(_ s: String) { FDWriter.writeAll(1, s + "\n") }
    static func write(_ s: String) { FDWriter.writeAll(1, s) }
    static func error(_ s: String) { FDWriter.writeAll(2, s + "\n") }
}
