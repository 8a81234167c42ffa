import Glibc
import HoistLogs

/// Written by the SIGCHLD handler (self-pipe: the handler only writes one byte).
nonisolated(unsafe) var sigchldPipeWrite: Int32 = -1

/// The supervisor of one container: creates it through the runtime, holds its stdio,
/// logs its output, serves clients on `shim.sock`, reaps it and records its exit.
/// Single-threaded: one poll(2) loop.
///
/// Status (fd 3, to the launcher): `created <pid>` or `error <message>`, one line.
///
/// Socket protocol: a connection sends one request line.
/// - `ATTACH <comma list of stdin,stdout,stderr>` → `OK`, then output frames
///   `[stream u8, 0, 0, 0, length u32 BE] payload` (stream 1 for a tty); bytes the client
///   sends go to the container's stdin; its half-close ends stdin with --stdin-once. The
///   shim closes the connection when the output ends; a client more than 16 MiB behind is
///   dropped.
/// - `START` → `OK` | `ERR <message>`    - `KILL <signum>` → `OK` | `ERR <message>`
/// - `RESIZE <height> <width>` → `OK`     - `STATE` → `CREATED <pid>` | `RUNNING <pid>` | `EXITED <code>`
/// - `WAIT` → `EXIT <code>` once the container has exited (its runtime state is deleted right after).
/// - `STARTWAIT` → `START`'s answer, then on `OK` the connection waits as `WAIT` does.
/// - `EXEC <exec-id> <process.json> <tty,stdin|->` → `OK <pid>` then the exec's output frames,
///   bytes sent go to its stdin, and last a frame of stream 3 with its exit code | `ERR <message>`
///   (see Exec.swift). `RESIZE <height> <width> <exec-id>` sizes an exec's pty.
///
/// Files in the state dir: shim.sock, shim.pid, init.pid, runtime.log (while it runs);
/// `started` (`<unix ns>`), `exit` (`<code> <startedAt ns> <finishedAt ns>`), both written
/// atomically and kept after exit.
final class Shim {
    enum State { case created, running, exited }

    let o: Options
    let runtime: RuntimeCommand
    let sockPath: SocketPath
    var listenFD: Int32 = -1
    var sigRead: Int32 = -1
    var state = State.created
    var initPid: pid_t = 0
    var exitStatus: Int32 = 0
    var startedAt: Int64 = 0
    var finishedAt: Int64 = 0
    var log: LogWriter?
    var logDirty = false

    // Container stdio (shim side). With a tty, outFD is the pty master (also stdin).
    var outFD: Int32 = -1
    var errFD: Int32 = -1
    var stdinFD: Int32 = -1
    var stdinBuf: [UInt8] = []
    var closeStdinWhenDrained = false
    var stdinOnceUsed = false
    static let maxStdinBuffered = 1 << 20

    var clients: [Client] = []
    var execs: [ExecProc] = []
    let readBuf: UnsafeMutableRawPointer
    static let readSize = 1 << 20
    /// After the init exits, give the output pipes this long to reach EOF.
    var drainDeadline: Int64 = 0
    /// The container's mount namespace, held open while it runs. Without this the init's
    /// exit is the namespace's last reference: the kernel then unmounts the whole tree and
    /// waits for an RCU grace period (synchronize_rcu_expedited, 0.5–2.5 ms traced) before
    /// the exit is even signalled to us. Held, that teardown happens when we close it,
    /// after the waiters have their answer.
    var mountNamespaceFD: Int32 = -1

    init(_ o: Options) {
        self.o = o
        runtime = RuntimeCommand(path: o.runtimeFD.map { "/proc/self/fd/\($0)" } ?? o.runtime, name: o.runtimeName, id: o.id,
                                 logFile: o.stateDir + "/runtime.log", root: o.runtimeRoot)
        sockPath = SocketPath(o.stateDir + "/shim.sock")
        readBuf = UnsafeMutableRawPointer.allocate(byteCount: Self.readSize, alignment: 16)
    }

    // MARK: - setup

    /// Reports a failure to the launcher (fd 3) and exits, leaving nothing behind.
    func fail(_ msg: String, deleteContainer: Bool = false) -> Never {
        // Clean up first: when the launcher hears the error, nothing of ours is left.
        if deleteContainer { _ = runtime.run(["delete", "-f", o.id]) }
        unlink(sockPath.path)
        for f in ["shim.pid", "runtime.log", "init.pid"] { unlink(o.stateDir + "/" + f) }
        Sys.writeAll(3, Array("error \(msg.replacingNewlines())\n".utf8))
        exit(1)
    }

    func setUp() {
        // crun 1.8 refuses hybrid cgroups ("drop all controllers from cgroupv2"); hide the
        // cgroup2 mount in a private view. Slave (not private): later mounts and unmounts
        // by the daemon still propagate in where the host mounts are shared.
        if o.runtimeName == "crun" && Sys.isMountPoint("/sys/fs/cgroup/unified") {
            guard Sys.unshareMountNS() == 0 else { fail("unshare mount namespace: \(Sys.errorString())") }
            guard mount(nil, "/", nil, UInt(MS_REC | MS_SLAVE), nil) == 0 else { fail("make / rslave: \(Sys.errorString())") }
            // Covered, not unmounted: crun then finds a tmpfs there (a cgroup v1 host), and
            // makes the directories it wants for that line of /proc/self/cgroup in this
            // namespace's own tmpfs. An unmount waits for an RCU grace period before it
            // returns (0.7 ms traced, on every container's way to `crun create`); a mount does not.
            let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
            if mount("tmpfs", "/sys/fs/cgroup/unified", "tmpfs", flags, "size=64k,mode=755") != 0 {
                _ = umount2("/sys/fs/cgroup/unified", Int32(MNT_DETACH))
            }
        }

        // Listen before the container exists, so no client can miss it.
        guard let l = sockPath.listen() else { fail("listen on \(sockPath.path): \(Sys.errorString())") }
        listenFD = l
        Sys.writeFileAtomic(o.stateDir + "/shim.pid", "\(getpid())\n")

        guard let sp = Sys.makePipe() else { fail("pipe: \(Sys.errorString())") }
        sigRead = sp.r
        sigchldPipeWrite = sp.w
        Sys.setNonblock(sp.r); Sys.setNonblock(sp.w)
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { _ in
            let saved = errno
            var b: UInt8 = 1
            _ = write(sigchldPipeWrite, &b, 1)
            errno = saved
        }
        sa.sa_flags = SA_RESTART | SA_NOCLDSTOP
        sigaction(SIGCHLD, &sa, nil)

        do {
            log = try LogWriter(path: o.logPath, maxSize: o.logMaxSize, maxFiles: o.logMaxFiles)
        } catch {
            fail("open log \(o.logPath): \(error)")
        }
    }

    /// `runtime create`, with the container's stdio wired to pipes (or a pty).
    func create() {
        var childIn: Int32 = -1, childOut: Int32 = -1, childErr: Int32 = -1
        var consoleListen: Int32 = -1
        var consolePath: SocketPath?
        var args = ["create", "--bundle", o.bundle, "--pid-file", o.stateDir + "/init.pid"]
        if o.tty {
            let cp = SocketPath(o.stateDir + "/console.sock")
            guard let fd = cp.listen() else { fail("console socket: \(Sys.errorString())") }
            consoleListen = fd
            consolePath = cp
            args += ["--console-socket", cp.address]
            // The runtime's own stdio stays /dev/null: its errors are in its log.
        } else {
            if o.stdin {
                guard let p = Sys.makePipe() else { fail("pipe: \(Sys.errorString())") }
                childIn = p.r; stdinFD = p.w
            }
            guard let out = Sys.makePipe(), let err = Sys.makePipe() else { fail("pipe: \(Sys.errorString())") }
            outFD = out.r; childOut = out.w
            errFD = err.r; childErr = err.w
            // Big pipes: fewer wakeups for a chatty container (best effort: the per-user
            // pipe memory limit may refuse).
            _ = fcntl(outFD, Sys.F_SETPIPE_SZ, Int32(1 << 20))
            _ = fcntl(errFD, Sys.F_SETPIPE_SZ, Int32(256 << 10))
        }
        args.append(o.id)

        let err = runtime.run(args, stdio: (childIn, childOut, childErr))
        for fd in [childIn, childOut, childErr] where fd >= 0 { close(fd) }

        if o.tty {
            if err == nil {
                // The runtime has connected and sent the pty master by now.
                Sys.setNonblock(consoleListen)
                let c = accept(consoleListen, nil, nil)
                let master = c >= 0 ? receiveFD(c) : nil
                if c >= 0 { close(c) }
                close(consoleListen)
                if let cp = consolePath { unlink(cp.path) }
                guard let master else { fail("no pty received from the runtime", deleteContainer: true) }
                outFD = master
                if o.stdin { stdinFD = master }
            } else {
                close(consoleListen)
                if let cp = consolePath { unlink(cp.path) }
            }
        }
        if let err {
            fail(err, deleteContainer: true)
        }
        guard let pidText = Sys.readFile(o.stateDir + "/init.pid"),
              let pid = Int32(String(decoding: pidText, as: UTF8.self).trimmingWhitespace()), pid > 0 else {
            fail("cannot read the container's pid file", deleteContainer: true)
        }
        initPid = pid
        // Best effort: without it the exit is only reported later, not wrongly.
        mountNamespaceFD = open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC)
        // Whatever is in the pipes now came from the runtime (the container's process has
        // not run yet): drop it, it is not container output.
        for fd in [outFD, errFD] where fd >= 0 && !o.tty {
            Sys.setNonblock(fd)
            while read(fd, readBuf, Self.readSize) > 0 {}
        }
        Sys.setNonblock(outFD)
        if errFD >= 0 { Sys.setNonblock(errFD) }
        if stdinFD >= 0 && stdinFD != outFD { Sys.setNonblock(stdinFD) }

        Sys.writeAll(3, Array("created \(pid)\n".utf8))
        close(3)
    }

    // MARK: - loop

    enum Slot { case listener, signal, out, err, stdin, client(Client), execOut(ExecProc), execErr(ExecProc), execStdin(ExecProc) }

    func run() -> Never {
        var pfds: [pollfd] = []
        var slots: [Slot] = []
        while true {
            pfds.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            func add(_ fd: Int32, _ ev: Int32, _ s: Slot) {
                pfds.append(pollfd(fd: fd, events: Int16(ev), revents: 0)); slots.append(s)
            }
            add(listenFD, POLLIN, .listener)
            add(sigRead, POLLIN, .signal)
            if outFD >= 0 { add(outFD, POLLIN, .out) }
            if errFD >= 0 { add(errFD, POLLIN, .err) }
            if stdinFD >= 0 && !stdinBuf.isEmpty { add(stdinFD, POLLOUT, .stdin) }
            for e in execs where !e.done {
                if e.outFD >= 0 { add(e.outFD, POLLIN, .execOut(e)) }
                if e.errFD >= 0 { add(e.errFD, POLLIN, .execErr(e)) }
                if e.stdinFD >= 0 && !e.stdinBuf.isEmpty { add(e.stdinFD, POLLOUT, .execStdin(e)) }
            }
            for c in clients where !c.closed {
                var ev: Int32 = 0
                if c.role == .exec {
                    if c.inputOpen && (c.exec?.stdinBuf.count ?? 0) < Self.maxStdinBuffered { ev |= POLLIN }
                } else if c.role == .request || (c.inputOpen && stdinBuf.count < Self.maxStdinBuffered) { ev |= POLLIN }
                if c.queued > 0 { ev |= POLLOUT }
                add(c.fd, ev, .client(c))
            }

            var timeout: Int32 = -1
            if logDirty { timeout = 0 }
            else if state == .exited {
                timeout = Int32(max(0, min(1000, (drainDeadline - logClockNow()) / 1_000_000)))
            } else if execs.contains(where: { $0.exitCode != nil && !$0.done }) {
                timeout = 100
            }
            let n = poll(&pfds, nfds_t(pfds.count), timeout)
            if n < 0 && errno != EINTR { continue }
            if n == 0 && logDirty {
                // Nothing more is ready: make what we have visible to `logs`.
                try? log?.flush()
                logDirty = false
            }
            if n > 0 {
                for (i, p) in pfds.enumerated() where p.revents != 0 {
                    let re = Int32(p.revents)
                    switch slots[i] {
                    case .listener: acceptClients()
                    case .signal: reap()
                    case .out: readOutput(stream: 1)
                    case .err: readOutput(stream: 2)
                    case .stdin: writeStdin()
                    case .client(let c): handleClient(c, re)
                    case .execOut(let e): readExecOutput(e, stream: 1)
                    case .execErr(let e): readExecOutput(e, stream: 2)
                    case .execStdin(let e): e.writeStdin()
                    }
                }
            }
            tendExecs()
            clients.removeAll { $0.closed }
            if state == .exited {
                if outFD < 0 && errFD < 0 { finish() }
                if logClockNow() >= drainDeadline {
                    // Something outside the container still holds the pipes: stop waiting.
                    closeOutput(1); closeOutput(2)
                    finish()
                }
            }
        }
    }

    func acceptClients() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            Sys.setCloexec(fd)
            Sys.setNonblock(fd)
            clients.append(Client(fd: fd))
        }
    }

    func reap() {
        var b = [UInt8](repeating: 0, count: 64)
        while read(sigRead, &b, b.count) > 0 {}
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            if let e = execs.first(where: { $0.pid == pid && $0.exitCode == nil }) {
                execExited(e, code: exitCode(fromWaitStatus: status))
                continue
            }
            if pid == initPid && state != .exited {
                state = .exited
                exitStatus = exitCode(fromWaitStatus: status)
                finishedAt = logClockNow()
                drainDeadline = finishedAt + 2_000_000_000
                if stdinFD >= 0 && stdinFD != outFD { close(stdinFD) }
                stdinFD = -1
                stdinBuf = []
            }
        }
    }

    // MARK: - container output

    func readOutput(stream: UInt8) {
        let fd = stream == 1 ? outFD : errFD
        let n = read(fd, readBuf, Self.readSize)
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            closeOutput(stream)  // EIO: the pty's last slave fd closed
            return
        }
        if n == 0 { closeOutput(stream); return }
        let data = UnsafeRawBufferPointer(start: readBuf, count: n)
        do {
            try log?.append(stream: stream, bytes: data, timestamp: logClockNow())
            logDirty = true
        } catch {
            // A full disk must not stop the container: keep serving attach clients.
        }
        var header: (UInt8, UInt8, UInt8, UInt8, UInt32) = (stream, 0, 0, 0, UInt32(n).bigEndian)
        withUnsafeBytes(of: &header) { h in
            let h8 = UnsafeRawBufferPointer(rebasing: h[0..<8])
            for c in clients where c.role == .attach && !c.closed {
                if (stream == 1 && c.wantStdout) || (stream == 2 && c.wantStderr) {
                    c.send(header: h8, data)
                }
            }
        }
    }

    func closeOutput(_ stream: UInt8) {
        if stream == 1 && outFD >= 0 {
            if stdinFD == outFD { stdinFD = -1; stdinBuf = [] }
            close(outFD); outFD = -1
        }
        if stream == 2 && errFD >= 0 { close(errFD); errFD = -1 }
        if outFD < 0 && errFD < 0 {
            // The output is over: attach streams end (after what is queued).
            for c in clients where c.role == .attach { c.closeWhenFlushed = true; c.inputOpen = false; c.flush() }
        }
    }

    var outputOpen: Bool { outFD >= 0 || errFD >= 0 }

    // MARK: - stdin

    func writeStdin() {
        guard stdinFD >= 0 else { stdinBuf = []; return }
        while !stdinBuf.isEmpty {
            let r = stdinBuf.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
            if r < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return }
                // EPIPE: the container closed its stdin.
                stdinBuf = []
                if stdinFD != outFD { close(stdinFD) }
                stdinFD = -1
                return
            }
            stdinBuf.removeFirst(r)
        }
        if closeStdinWhenDrained && stdinFD != outFD {
            close(stdinFD)
            stdinFD = -1
        }
    }

    // MARK: - clients

    func handleClient(_ c: Client, _ re: Int32) {
        if re & POLLOUT != 0 { c.flush() }
        if c.closed { return }
        if re & (POLLIN | POLLHUP | POLLERR) != 0 && (c.role == .request || c.inputOpen) {
            if c.role == .exec, let e = c.exec {
                let n = read(c.fd, readBuf, 64 << 10)
                if n < 0 { if errno != EAGAIN && errno != EINTR { c.inputOpen = false; execInputEnded(e) } }
                else if n == 0 { c.inputOpen = false; execInputEnded(e) }
                else { execInput(e, Array(UnsafeRawBufferPointer(start: readBuf, count: n))) }
                return
            }
            let n = read(c.fd, readBuf, 64 << 10)
            if n < 0 {
                if errno != EAGAIN && errno != EINTR { dropClient(c) }
                return
            }
            if n == 0 {
                inputEnded(c)
                return
            }
            let data = UnsafeRawBufferPointer(start: readBuf, count: n)
            if c.role == .request {
                if let nl = data.firstIndex(of: 0x0A) {
                    c.line += data[..<nl]
                    let rest = Array(data[(nl + 1)...])
                    handleRequest(c, String(decoding: c.line, as: UTF8.self))
                    if c.role == .attach && !rest.isEmpty { stdinInput(c, rest) }
                    if c.role == .exec && !rest.isEmpty, let e = c.exec { execInput(e, rest) }
                } else {
                    c.line += data
                    if c.line.count > 4096 { c.close() }
                }
            } else if c.role == .attach {
                stdinInput(c, Array(data))
            }
            return
        }
        if re & (POLLHUP | POLLERR) != 0 {
            // Gone entirely (not just a half-close).
            dropClient(c)
        }
    }

    func dropClient(_ c: Client) {
        if c.role == .attach && c.inputOpen { inputEnded(c) }
        // A gone exec client: its process keeps running (output discarded), stdin ends.
        if c.role == .exec, let e = c.exec { execInputEnded(e) }
        c.close()
    }

    /// The client half-closed (or closed) its side.
    func inputEnded(_ c: Client) {
        c.inputOpen = false
        if c.role == .request { c.close(); return }
        if c.role == .attach && c.wantStdin && o.stdinOnce && !o.tty && !stdinOnceUsed {
            // Docker's StdinOnce: the first attached stdin ending closes the container's; with a
            // TTY it stays open (moby), so a detached terminal session can be attached again.
            stdinOnceUsed = true
            closeStdinWhenDrained = true
            writeStdin()
        }
    }

    func stdinInput(_ c: Client, _ bytes: [UInt8]) {
        guard c.wantStdin, stdinFD >= 0, !closeStdinWhenDrained else { return }
        stdinBuf += bytes
        writeStdin()
    }

    func handleRequest(_ c: Client, _ line: String) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let verb = parts.first ?? ""
        switch verb {
        case "ATTACH":
            let want = (parts.count > 1 ? parts[1] : "").split(separator: ",").map(String.init)
            c.role = .attach
            c.wantStdin = want.contains("stdin")
            c.wantStdout = want.contains("stdout")
            c.wantStderr = want.contains("stderr")
            c.send("OK\n")
            if !outputOpen { c.closeWhenFlushed = true; c.inputOpen = false; c.flush() }
        case "START", "STARTWAIT":
            let answer = start()
            if verb == "STARTWAIT" && answer == "OK\n" {
                // Started, and waiting on the same connection: `EXIT <code>` follows.
                c.role = .wait
            } else {
                c.closeWhenFlushed = true
            }
            c.send(answer)
            // Recorded once the daemon has its answer (the start waits for it, adoption does not).
            if answer == "OK\n" { Sys.writeFileAtomic(o.stateDir + "/started", "\(startedAt)\n") }
        case "KILL":
            c.closeWhenFlushed = true
            guard parts.count == 2, let sig = Int32(parts[1]), sig > 0, sig < 65 else { c.send("ERR invalid signal\n"); return }
            guard state != .exited, initPid > 0 else { c.send("ERR container \(o.id) is not running\n"); return }
            c.send(kill(initPid, sig) == 0 ? "OK\n" : "ERR kill: \(Sys.errorString())\n")
        case "RESIZE":
            c.closeWhenFlushed = true
            guard parts.count == 3 || parts.count == 4, let h = UInt16(parts[1]), let w = UInt16(parts[2]) else { c.send("ERR invalid size\n"); return }
            if parts.count == 4 { c.send(resizeExec(parts[3], h, w)); return }
            if o.tty && outFD >= 0 {
                var ws = winsize(ws_row: h, ws_col: w, ws_xpixel: 0, ws_ypixel: 0)
                if ioctl(outFD, UInt(TIOCSWINSZ), &ws) != 0 { c.send("ERR resize: \(Sys.errorString())\n"); return }
            }
            c.send("OK\n")
        case "EXEC":
            startExec(c, parts)
        case "WAIT":
            // Answered by finish(), after the runtime's state is gone, so a restart right
            // after cannot collide with it.
            c.role = .wait
        case "STATE":
            c.closeWhenFlushed = true
            switch state {
            case .created: c.send("CREATED \(initPid)\n")
            case .running: c.send("RUNNING \(initPid)\n")
            case .exited: c.send("EXITED \(exitStatus)\n")
            }
        default:
            c.closeWhenFlushed = true
            c.send("ERR unknown request\n")
        }
        c.line = []
    }

    func start() -> String {
        switch state {
        case .running: return "ERR container \(o.id) is already running\n"
        case .exited: return "ERR container \(o.id) has exited\n"
        case .created: break
        }
        if !runtime.releaseCreated(), let err = runtime.run(["start", o.id]) {
            return "ERR \(err.replacingNewlines())\n"
        }
        if state == .created { state = .running }
        startedAt = logClockNow()
        return "OK\n"
    }

    // MARK: - exit

    /// The container exited and its output is drained: record it, clean up, exit.
    func finish() -> Never {
        log?.close()
        log = nil
        Sys.writeFileAtomic(o.stateDir + "/exit", "\(exitStatus) \(startedAt) \(finishedAt)\n")

        finishExecs()
        // New WAIT requests may still be arriving: take what is queued.
        acceptClients()
        for c in clients where c.role == .request { readRequestNow(c) }
        for c in clients {
            switch c.role {
            case .wait:
                c.closeWhenFlushed = true
                c.send("EXIT \(exitStatus)\n")
            case .attach:
                // The rest of their output, then EOF; a stalled one gets a little time only.
                c.closeWhenFlushed = true
                c.flush()
            case .request:
                c.close()
            case .exec:
                break  // finishExecs queued their exit frames
            }
        }
        // Waiters hear of the exit first (it is on `docker run`'s critical path); the runtime's
        // state and cgroup go next. The daemon waits for this shim's socket to disappear before
        // it starts the container again under the same ID.
        flushClients(deadlineMs: 2000)
        if mountNamespaceFD >= 0 { close(mountNamespaceFD); mountNamespaceFD = -1 }
        // Clean-up yields the CPU to what the daemon does next with the exit (`run --rm`).
        Sys.setNiceness(Sys.niceness() + 10)
        if !runtime.deleteStopped(), runtime.run(["delete", o.id]) != nil { _ = runtime.run(["delete", "-f", o.id]) }
        for c in clients { c.close() }
        close(listenFD)
        unlink(sockPath.path)
        unlink(o.stateDir + "/shim.pid")
        unlink(o.stateDir + "/runtime.log")
        unlink(o.stateDir + "/init.pid")
        // Anything else reparented to us (there should be nothing) is reaped on the way out.
        var st: Int32 = 0
        while waitpid(-1, &st, WNOHANG) > 0 {}
        exit(0)
    }

    /// A request that arrived during shutdown (best effort, non-blocking).
    func readRequestNow(_ c: Client) {
        let n = read(c.fd, readBuf, 4096)
        guard n > 0 else { return }
        let data = UnsafeRawBufferPointer(start: readBuf, count: n)
        if let nl = data.firstIndex(of: 0x0A) {
            c.line += data[..<nl]
            handleRequest(c, String(decoding: c.line, as: UTF8.self))
        }
    }

    func flushClients(deadlineMs: Int64) {
        let deadline = logClockNow() + deadlineMs * 1_000_000
        while true {
            clients.removeAll { $0.closed }
            let pending = clients.filter { $0.queued > 0 }
            if pending.isEmpty { return }
            let left = (deadline - logClockNow()) / 1_000_000
            if left <= 0 { return }
            var pfds = pending.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            if poll(&pfds, nfds_t(pfds.count), Int32(left)) <= 0 { continue }
            for (i, p) in pfds.enumerated() where p.revents != 0 {
                if Int32(p.revents) & (POLLERR | POLLHUP) != 0 && Int32(p.revents) & POLLOUT == 0 { pending[i].close() }
                else { pending[i].flush() }
            }
        }
    }
}

extension String {
    func replacingNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
