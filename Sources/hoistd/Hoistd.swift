import ArgumentParser
import Dispatch
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
            engine = try await Engine(config: EngineConfig(dataRoot: dataRoot, runtime: runtime, shimPath: shim ?? Self.defaultShimPath(), debug: debug))
        } catch let e as HoistError {
            throw ValidationError("cannot start the engine: \(e.message)")
        }
        await engine.recover()
        let server = APIServer(engine: engine, socketPath: socketPath, tempDir: dataRoot + "/tmp", logger: logger)
        try await server.start()

        // Containers keep running under their shims: stopping hoistd only closes the API.
        let signals = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                logger.info("shutting down")
                Task { try? await server.shutdown() }
            }
            src.resume()
            return src
        }
        try await server.waitUntilClosed()
        _ = signals
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


