import Glibc

// hoist-shim: one per container; see Shim.swift. Started by the daemon with fd 3 = the
// write end of a status pipe. The first process only re-spawns itself (posix_spawn, in a
// new session) and exits at once, so the daemon reaps it immediately and the real shim
// is nobody's child but init's: it survives the daemon, and the daemon never
// accumulates zombie shims.

let args = CommandLine.arguments
var options: Options
switch Options.parse(args) {
case .success(let o): options = o
case .failure(let f):
    Sys.writeAll(3, Array("error hoist-shim: \(f.message)\n".utf8))
    exit(2)
}

if !options.detached {
    // The resolved path, not /proc/self/exe: the process name stays `hoist-shim` (ps, pgrep).
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    let exe = n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe"
    if spawn(exe, args + ["--detached"]) == nil {
        Sys.writeAll(3, Array("error hoist-shim: spawn: \(Sys.errorString())\n".utf8))
        exit(1)
    }
    exit(0)
}

_ = setsid()
signal(SIGPIPE, SIG_IGN)
Sys.setChildSubreaper()
let devNull = open("/dev/null", O_RDWR)
if devNull >= 0 {
    for fd: Int32 in 0...2 where fd != devNull { dup2(devNull, fd) }
    // Started without a status pipe: keep fd 3 taken, so no later descriptor lands on it.
    if devNull != 3 && fcntl(3, F_GETFD) < 0 { dup2(devNull, 3) }
    if devNull > 3 { close(devNull) }
}
Sys.setCloexec(3)
Sys.closeInheritedFDs(above: 3)
_ = chdir("/")

let shim = Shim(options)
shim.setUp()
shim.create()
shim.run()
