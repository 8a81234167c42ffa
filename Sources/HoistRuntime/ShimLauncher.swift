#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore

public struct ShimLaunchOptions: Sendable {
    public var id: String
    /// Holds config.json (see BundleWriter).
    public var bundleDir: String
    /// Where the shim keeps shim.sock, shim.pid, exit, started, runtime.log.
    public var stateDir: String
    /// The container log (HoistLogs format).
    public var logPath: String
    public var tty: Bool
    /// `-i`: the container's stdin is a pipe the shim keeps open (else /dev/null).
    public var openStdin: Bool
    /// Close the container's stdin when the first attached client's stdin ends.
    public var stdinOnce: Bool
    public var runtime: RuntimeInfo
    public var shimPath: String
    /// Log rotation: bytes per file (0 = unlimited) and files kept.
    public var logMaxSize: Int64
    public var logMaxFiles: Int
    /// The runtime's state directory (its `--root`); nil: the runtime's default (/run/crun).
    public var runtimeRoot: String?

    public init(id: String, bundleDir: String, stateDir: String, logPath: String, tty: Bool = false,
                openStdin: Bool = false, stdinOnce: Bool = false, runtime: RuntimeInfo, shimPath: String,
                logMaxSize: Int64 = 0, logMaxFiles: Int = 1, runtimeRoot: String? = nil) {
        self.id = id; self.bundleDir = bundleDir; self.stateDir = stateDir; self.logPath = logPath; self.tty = tty
        self.openStdin = openStdin; self.stdinOnce = stdinOnce; self.runtime = runtime; self.shimPath = shimPath
        self.logMaxSize = logMaxSize; self.logMaxFiles = logMaxFiles; self.runtimeRoot = runtimeRoot
    }
}

public enum ShimLauncher {
    /// Starts the container's shim, which runs `runtime create`; returns once the container
    /// exists (created, not started: `ShimClient.start()` starts it). On failure the shim
    /// has removed everything it made, and the error carries the runtime's message
    /// (`.invalidArgument` for a missing or non-executable command, as Docker's 400).
    public static func launch(_ o: ShimLaunchOptions) async throws -> ShimClient {
        try await Blocking.run { try launchBlocking(o) }
    }

    static func launchBlocking(_ o: ShimLaunchOptions) throws -> ShimClient {
        do {
            try FileManager.default.createDirectory(atPath: o.stateDir, withIntermediateDirectories: true)
        } catch {
            throw HoistError.internal("create \(o.stateDir): \(error.localizedDescription)", cause: error)
        }
        // Leftovers of a previous run of the same container must not be mistaken for this one's.
        for f in ["exit", "started", "init.pid"] { unlink(o.stateDir + "/" + f) }

        let args = arguments(o)
        let statusFD: Int32
        // A shim started ahead of need skips its exec and fork; the next one starts meanwhile.
        if let spare = SpareShim.take(shimPath: o.shimPath, runtime: o.runtime), SpareShim.send(args, to: spare) {
            statusFD = spare
        } else {
            statusFD = try spawn(shimPath: o.shimPath, runtime: o.runtime, args: args)
        }
        // The next spare is the caller's to prepare (`prepareSpare`), once the container has
        // started: on two cores its exec would compete with `runtime start`.
        defer { close(statusFD) }

        var line: [UInt8] = []
        var b: UInt8 = 0
        while true {
            // `runtime create` normally takes milliseconds; a hung hook must not hang us forever.
            var pfd = pollfd(fd: statusFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 300_000)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 {
                throw HoistError.internal("hoist-shim for \(o.id): timed out waiting for the OCI runtime to create the container")
            }
            let n = read(statusFD, &b, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || b == 0x0A { break }
            line.append(b)
        }
        let status = String(decoding: line, as: UTF8.self)
        if status.hasPrefix("created ") {
            return ShimClient(stateDir: o.stateDir, createdPid: Int32(status.dropFirst(8)))
        }
        if status.hasPrefix("error ") {
            throw runtimeError("OCI runtime create failed: " + status.dropFirst(6))
        }
        throw HoistError.internal("hoist-shim for \(o.id) exited without reporting the container's creation")
    }

    /// Starts a spare shim in the background (see `SpareShim`), so the next launch skips
    /// the shim's exec.
    public static func prepareSpare(shimPath: String, runtime: RuntimeInfo) {
        SpareShim.prepare(shimPath: shimPath, runtime: runtime)
    }

    /// The shim's command line for a container (without the program).
    static func arguments(_ o: ShimLaunchOptions) -> [String] {
        var args = ["--id", o.id, "--bundle", o.bundleDir, "--state-dir", o.stateDir,
                    "--runtime", o.runtime.path, "--runtime-name", o.runtime.name, "--log", o.logPath]
        if o.runtime.sealedCopyFD >= 0 { args += ["--runtime-fd", String(runtimeFD)] }
        if let r = o.runtimeRoot { args += ["--runtime-root", r] }
        if o.tty { args.append("--tty") }
        if o.openStdin { args.append("--stdin") }
        if o.stdinOnce { args.append("--stdin-once") }
        if o.logMaxSize > 0 { args += ["--log-max-size", String(o.logMaxSize), "--log-max-files", String(o.logMaxFiles)] }
        return args
    }

    /// Where a shim finds the runtime's sealed copy.
    static let runtimeFD: Int32 = 4

    /// Spawns `hoist-shim ARGS` with fd 3 = a status socket, fd 4 = the runtime's sealed copy;
    /// reaps its first stage and returns the daemon's end of the socket.
    static func spawn(shimPath: String, runtime: RuntimeInfo, args: [String]) throws -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw HoistError.internal("socketpair: \(errnoString())")
        }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&fa, 0, 1)
        posix_spawn_file_actions_adddup2(&fa, 0, 2)
        posix_spawn_file_actions_adddup2(&fa, fds[1], 3)  // dup2 clears close-on-exec for fd 3
        if runtime.sealedCopyFD >= 0 { posix_spawn_file_actions_adddup2(&fa, runtime.sealedCopyFD, runtimeFD) }
        var attr = SpawnAttributes()
        defer { attr.destroy() }
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(shimPath, [shimPath] + args, fileActions: &fa, attr: &attr.attr, closingFrom: runtimeFD + 1)
        } catch {
            close(fds[0]); close(fds[1])
            throw HoistError.internal("start hoist-shim (\(shimPath)): \(errnoString())")
        }
        close(fds[1])
        // The first stage only forks the real shim and exits: reap it now.
        _ = Subprocess.waitForExit(pid)
        return fds[0]
    }

    /// Docker answers 400 for a command that cannot be executed, 500 otherwise.
    static func runtimeError(_ message: String) -> HoistError {
        let userErrors = ["executable file not found", "no such file or directory", "permission denied",
                          "is a directory", "not a directory"]
        if userErrors.contains(where: { message.contains($0) }) {
            return HoistError(.invalidArgument, message)
        }
        return HoistError.internal(message)
    }
}
