/// Command line of the shim, as the daemon's ShimLauncher builds it:
/// `hoist-shim --id ID --bundle DIR --state-dir DIR --runtime PATH --runtime-name crun|runc
///  [--runtime-fd N] [--runtime-root DIR] --log PATH [--log-max-size BYTES --log-max-files N] [--tty] [--stdin] [--stdin-once]` (plus `--detached`, added by the shim
/// itself for its second stage). `hoist-shim --standby [--runtime-fd N] [--nice N]` starts a shim
/// ahead of need: it detaches as usual, then reads the rest of its command line from fd 3
/// (`<byte count>\n` and NUL-terminated arguments) when the daemon has a container for it.
/// The daemon starts it niced; `--nice` is the value to run the container at.
struct Options {
    var id = ""
    var bundle = ""
    var stateDir = ""
    var runtime = ""
    var runtimeName = ""
    /// An inherited sealed copy of the runtime to execute instead of `runtime` (see the
    /// daemon's RuntimeInfo.sealedCopyFD).
    var runtimeFD: Int32?
    /// The runtime's `--root` (its state directory); nil: the runtime's default.
    var runtimeRoot: String?
    var logPath = ""
    /// Log rotation (json-file's max-size/max-file); 0 = none.
    var logMaxSize: Int64 = 0
    var logMaxFiles = 1
    var tty = false
    var stdin = false
    var stdinOnce = false
    var detached = false
    /// Started ahead of need: detach, then wait for the container's arguments on fd 3.
    var standby = false
    /// A standby shim's nice value once it has a container (it waits niced).
    var containerNice: Int32?

    static func parse(_ args: [String]) -> Result<Options, ShimFailure> {
        var o = Options()
        var i = 1
        func value(_ flag: String) -> String? {
            guard i + 1 < args.count else { return nil }
            i += 1
            return args[i]
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "--id": guard let v = value(a) else { return .failure(.init("missing value for \(a)")) }; o.id = v
            case "--bundle": guard let v = value(a) else { return .failure(.init("missing value for \(a)")) }; o.bundle = v
            case "--state-dir": guard let v = value(a) else { return .failure(.init("missing value for \(a)")) }; o.stateDir = v
            case "--runtime": guard let v = value(a) else { return .failure(.init("missing value for \(a)")) }; o.runtime = v
            case "--runtime-name": guard let v = value(a) else { return .failure(.init("missing value for \(a)")) }; o.runtimeName = v
            case "--runtime-fd":
                guard let v = value(a), let n = Int32(v), n > 3 else { return .failure(.init("bad value for \(a)")) }
                o.runtimeFD = n
            case "--runtime-root": guard let v = value(a), v.hasPrefix("/") else { return .failure(.init("bad value for \(a)")) }; o.runtimeRoot = v
            case "--log": guard let v = value(a) else { return .failure(.init("missing value for \(a)")) }; o.logPath = v
            case "--log-max-size":
                guard let v = value(a), let n = Int64(v), n >= 0 else { return .failure(.init("bad value for \(a)")) }
                o.logMaxSize = n
            case "--log-max-files":
                guard let v = value(a), let n = Int(v), n >= 1 else { return .failure(.init("bad value for \(a)")) }
                o.logMaxFiles = n
            case "--tty": o.tty = true
            case "--stdin": o.stdin = true
            case "--stdin-once": o.stdinOnce = true
            case "--detached": o.detached = true
            case "--standby": o.standby = true
            case "--nice":
                guard let v = value(a), let n = Int32(v), (-20...19).contains(n) else { return .failure(.init("bad value for \(a)")) }
                o.containerNice = n
            default: return .failure(.init("unknown argument \(a)"))
            }
            i += 1
        }
        if o.standby { return .success(o) }
        for (name, v) in [("--id", o.id), ("--bundle", o.bundle), ("--state-dir", o.stateDir),
                          ("--runtime", o.runtime), ("--log", o.logPath)] where v.isEmpty {
            return .failure(.init("missing \(name)"))
        }
        if o.runtimeName.isEmpty { o.runtimeName = o.runtime.hasSuffix("runc") ? "runc" : "crun" }
        return .success(o)
    }
}

struct ShimFailure: Error {
    var message: String
    init(_ m: String) { message = m }
}
