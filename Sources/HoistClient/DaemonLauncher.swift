#if canImport(Glibc)
import Glibc
#endif

/// Starts `hoistd` in the background when nothing answers on the default socket, so a
/// newcomer's first `hoist run` just works. Only root may do this (the daemon needs root).
public struct DaemonLauncher: Sendable {
    public var logPath: String
    /// How long to wait for `/_ping` after spawning.
    public var timeoutSeconds: Double
    /// Explicit binary (tests); otherwise the `hoistd` beside the running `hoist`, else `$PATH`.
    public var executable: String?
    /// Arguments after the program name (none by default: hoistd's defaults match ours).
    public var arguments: [String]

    public init(logPath: String = "/var/log/hoistd.log", timeoutSeconds: Double = 10, executable: String? = nil, arguments: [String] = []) {
        self.logPath = logPath
        self.timeoutSeconds = timeoutSeconds
        self.executable = executable
        self.arguments = arguments
    }

    /// The launcher when auto-start is allowed for this user, else nil.
    public static func ifAllowed() -> DaemonLauncher? {
        geteuid() == 0 ? DaemonLauncher() : nil
    }

    /// `hoistd` next to `/proc/self/exe`, else the first on `$PATH`.
    public static func locateDaemon(environment: [String: String]) -> String? {
        locateExecutable("hoistd", environment: environment)
    }

    /// The executable `name` installed beside the running binary (`/proc/self/exe`), else the
    /// first on `$PATH`: Hoist's binaries are built and installed together.
    public static func locateExecutable(_ name: String, environment: [String: String]) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 {
            let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = exe.lastIndex(of: "/") {
                let candidate = String(exe[..<slash]) + "/" + name
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        for dir in (environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Spawns the daemon detached (new session, stdio to the log file), then polls until it
    /// answers `/_ping` or the timeout passes.
    func startAndWait(client: EngineClient) async throws {
        let env = ProcessEnvironment.current()
        guard let exe = executable ?? DaemonLauncher.locateDaemon(environment: env) else {
            throw ClientError.cannotConnect(host: client.host.url)
        }
        // If the log cannot be opened (no /var/log), the daemon still starts, silently.
        guard spawnDetached(exe, args: [exe] + arguments, log: logPath) || spawnDetached(exe, args: [exe] + arguments, log: "/dev/null") else {
            throw ClientError.cannotConnect(host: client.host.url)
        }
        let deadline = DaemonLauncher.monotonicSeconds() + timeoutSeconds
        var delayNanos: UInt64 = 2_000_000
        while DaemonLauncher.monotonicSeconds() < deadline {
            // Probe without going through connect(): that would launch again.
            if let conn = try? await client.connectOnce(), await client.ping(on: conn) { return }
            try? await Task.sleep(nanoseconds: delayNanos)
            delayNanos = min(delayNanos * 2, 50_000_000)
        }
        throw ClientError.cannotConnect(host: client.host.url)
    }

    /// posix_spawn (never fork: the client already runs threads) with setsid, default signal
    /// dispositions, an empty mask, stdin from /dev/null and stdout/stderr appended to the log.
    func spawnDetached(_ path: String, args: [String], log: String) -> Bool {
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attr)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attr)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        // POSIX_SPAWN_SETSID (glibc 2.26+) is 0x80; Glibc's module map may not export it.
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setsid))

        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, cargs, environ)
        return rc == 0
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// The process environment as a dictionary (Glibc's `environ`).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                let k = String(s[..<eq])
                if out[k] == nil { out[k] = String(s[s.index(after: eq)...]) }
            }
            p += 1
        }
        return out
    }
}
