import ArgumentParser
import Foundation
import HoistAPI
import HoistCore
import HoistEngine
import Logging

/// hoistd: wiring only. Flags as dockerd's.
@main
struct Hoistd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hoistd", abstract: "The Hoist container engine daemon")

    @Option(name: .long, help: "Root directory of persistent Hoist state")
    var dataRoot: String = ProcessInfo.processInfo.environment["HOIST_DATA_ROOT"] ?? "/var/lib/hoist"

    @Option(name: [.customShort("H"), .long], help: "Daemon socket to listen on (unix://PATH)")
    var host: [String] = []

    @Option(name: .long, help: "OCI runtime to use (crun, runc or a path)")
    var runtime: String?

    @Option(name: [.customShort("p"), .long], help: "Path to use for the daemon PID file")
    var pidfile: String?

    @Flag(name: [.customShort("D"), .long], help: "Enable debug mode")
    var debug = false

    @Option(name: .customLong("insecure-registry"), help: "Enable insecure registry communication")
    var insecureRegistries: [String] = []

    @Option(name: .customLong("registry-mirror"), help: "Preferred Docker registry mirror")
    var registryMirrors: [String] = []

    @Option(name: [.customShort("b"), .customLong("bridge")], help: "Attach containers to a network bridge")
    var bridge: String = "hoist0"

    @Option(name: .customLong("bip"), help: "Specify network bridge IP")
    var bip: String?

    @Option(name: .long, help: "Path of the hoist-shim binary")
    var shim: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .info
            return h
        }
        var logger = Logger(label: "hoistd")
        logger.logLevel = debug ? .debug : .info

        let hosts = host.isEmpty ? ["unix:///run/hoist.sock"] : host
        guard hosts.count == 1, let h = hosts.first else {
            throw ValidationError("only one -H unix://PATH is supported")
        }
        let socketPath: String
        if h.hasPrefix("unix://") { socketPath = String(h.dropFirst(7)) } else if h.hasPrefix("/") { socketPath = h } else {
            throw ValidationError("unsupported host \(h): only unix:// sockets are supported")
        }

        let pidFile = pidfile.map { PidFile(path: $0) }
        try pidFile?.acquire()
        defer { pidFile?.remove() }

        let engine: Engine
        do {
            var engineConfig = EngineConfig(dataRoot: dataRoot, runtime: runtime, shimPath: shim ?? Self.defaultShimPath(), debug: debug)
            engineConfig.insecureRegistries = insecureRegistries
            engineConfig.registryMirrors = registryMirrors
            engineConfig.pushChunkSize = ProcessInfo.processInfo.environment["HOIST_PUSH_CHUNK_SIZE"].flatMap { Int64($0) }
            engineConfig.bridge = bridge
            engineConfig.bip = bip
            engine = try await Engine(config: engineConfig)
        } catch let e as HoistError {
            throw ValidationError("cannot start the engine: \(e.message)")
        }
        await engine.recover()
        let server = APIServer(engine: engine, socketPath: socketPath, tempDir: dataRoot + "/tmp", logger: logger)
        try await server.start()

        // Containers keep running under their shims: stopping hoistd only closes the API.
        let log = logger
        ShutdownSignals.install {
            log.info("shutting down")
            Task { try? await server.shutdown() }
        }
        try await server.waitUntilClosed()
        engine.flushContainerRows()
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    /// hoist-shim next to this binary, else on PATH.
    static func defaultShimPath() -> String {
        if let env = ProcessInfo.processInfo.environment["HOIST_SHIM"] { return env }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let candidate = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("hoist-shim").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "hoist-shim"
    }
}

/// `--pidfile`: refuses to start when another live daemon owns it, as dockerd does.
struct PidFile {
    let path: String
    func acquire() throws {
        if let s = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines)),
           pid != getpid(), kill(pid, 0) == 0 {
            throw ValidationError("pid file found, ensure hoistd is not running or delete \(path)")
        }
        try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}



/// SIGTERM/SIGINT → a byte on a pipe → a thread that runs the shutdown. A real handler (not
/// SIG_IGN) so spawned shims get default dispositions back on exec.
enum ShutdownSignals {
    nonisolated(unsafe) static var writeFD: Int32 = -1

    static func install(_ onSignal: @escaping @Sendable () -> Void) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        writeFD = fds[1]
        let readFD = fds[0]
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { _ in
            var b: UInt8 = 1
            _ = write(ShutdownSignals.writeFD, &b, 1)
        }
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = SA_RESTART
        sigaction(SIGTERM, &sa, nil)
        sigaction(SIGINT, &sa, nil)
        let t = Thread {
            var b: UInt8 = 0
            while read(readFD, &b, 1) < 0 && errno == EINTR {}
            onSignal()
        }
        t.start()
    }
}
