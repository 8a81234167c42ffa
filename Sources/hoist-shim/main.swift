import Glibc

// hoist-shim: one per container; see Shim.swift. Started by the daemon with fd 3 = the
// write end of a status pipe. The first process only forks and exits at once, so the daemon
// reaps it immediately and the real shim (the child, in a new session) is nobody's child but
// init's: it survives the daemon, and the daemon never accumulates zombie shims. fork, not
// a re-exec: the shim is single-threaded (Glibc only), and an exec cost a millisecond or more
// on every container start. `--detached` (already the second stage) skips this.

let args = CommandLine.arguments
var options: Options
switch Options.parse(args) {
case .success(let o): options = o
case .failure(let f):
    Sys.writeAll(3, Array("error hoist-shim: \(f.message)\n".utf8))
    exit(2)
}

if !options.detached {
    let pid = fork()
    if pid < 0 {
        Sys.writeAll(3, Array("error hoist-shim: fork: \(Sys.errorString())\n".utf8))
        exit(1)
    }
    if pid > 0 { _exit(0) }
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
// The runtime's sealed copy stays open (close-on-exec: executing /proc/self/fd/N still works).
if let fd = options.runtimeFD {
    if fcntl(fd, F_GETFD) >= 0 { Sys.setCloexec(fd) } else { options.runtimeFD = nil }
}
Sys.closeInheritedFDs(above: 3, keeping: options.runtimeFD)
_ = chdir("/")

if options.standby {
    // Parked until the daemon has a container for us; EOF means it no longer needs us.
    guard let rest = Sys.readArguments(3) else { exit(0) }
    // Started niced, so as not to take CPU from the containers starting meanwhile; the
    // container runs at the daemon's priority.
    if let n = options.containerNice { Sys.setNiceness(n) }
    let runtimeFD = options.runtimeFD
    switch Options.parse(["hoist-shim"] + rest) {
    case .success(let o) where !o.standby:
        options = o
        options.detached = true
        // Only the descriptor inherited at spawn exists here.
        if options.runtimeFD != runtimeFD { options.runtimeFD = nil }
    case .success:
        Sys.writeAll(3, Array("error hoist-shim: a standby shim needs a container\n".utf8))
        exit(2)
    case .failure(let f):
        Sys.writeAll(3, Array("error hoist-shim: \(f.message)\n".utf8))
        exit(2)
    }
}

let shim = Shim(options)
shim.setUp()
shim.create()
shim.run()
