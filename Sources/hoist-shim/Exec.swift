import Glibc
import HoistLogs

/// One process started in the container by `EXEC` (`runtime exec --detach`). The shim is
/// a child subreaper, so once the runtime has exited the process is the shim's to reap.
/// Its output goes to the requesting connection only (never to the container's log);
/// when it has exited and its output has ended the connection gets an exit frame
/// (stream 3, payload = the decimal exit code) and is closed.
final class ExecProc {
    let id: String
    let pid: pid_t
    let tty: Bool
    let client: Client
    var outFD: Int32
    var errFD: Int32
    var stdinFD: Int32
    var stdinBuf: [UInt8] = []
    var closeStdinWhenDrained = false
    var exitCode: Int32?
    /// Set when the process has exited: how long its output may still take to end.
    var drainDeadline: Int64 = 0
    var done = false

    init(id: String, pid: pid_t, tty: Bool, client: Client, outFD: Int32, errFD: Int32, stdinFD: Int32) {
        self.id = id; self.pid = pid; self.tty = tty; self.client = client
        self.outFD = outFD; self.errFD = errFD; self.stdinFD = stdinFD
    }

    var outputOpen: Bool { outFD >= 0 || errFD >= 0 }

    func closeOutput(_ stream: UInt8) {
        if stream == 1 && outFD >= 0 {
            if stdinFD == outFD { stdinFD = -1; stdinBuf = [] }
            close(outFD); outFD = -1
        }
        if stream == 2 && errFD >= 0 { close(errFD); errFD = -1 }
    }

    func closeStdin() {
        if stdinFD >= 0 && stdinFD != outFD { close(stdinFD) }
        stdinFD = -1
        stdinBuf = []
    }

    func writeStdin() {
        guard stdinFD >= 0 else { stdinBuf = []; return }
        while !stdinBuf.isEmpty {
            let r = stdinBuf.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
            if r < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return }
                closeStdin()  // EPIPE: the process closed its stdin
                return
            }
            stdinBuf.removeFirst(r)
        }
        if closeStdinWhenDrained && stdinFD != outFD { closeStdin() }
    }

    /// Sends the exit frame (once) and lets the connection close after it.
    func finish(code: Int32) {
        guard !done else { return }
        done = true
        closeOutput(1); closeOutput(2); closeStdin()
        let payload = Array("\(code)".utf8)
        var header: (UInt8, UInt8, UInt8, UInt8, UInt32) = (3, 0, 0, 0, UInt32(payload.count).bigEndian)
        _ = withUnsafeBytes(of: &header) { h in
            payload.withUnsafeBytes { client.send(header: UnsafeRawBufferPointer(rebasing: h[0..<8]), $0) }
        }
        client.closeWhenFlushed = true
        client.inputOpen = false
        client.flush()
    }
}

extension Shim {
    /// `EXEC <exec-id> <process.json> <flags>` (flags: `tty`, `stdin`, comma separated, or `-`).
    /// Answers `OK <pid>` and streams, or `ERR <message>`.
    func startExec(_ c: Client, _ parts: [String]) {
        guard parts.count == 4, !parts[1].isEmpty, !parts[1].contains("/") else {
            c.closeWhenFlushed = true; c.send("ERR invalid EXEC request\n"); return
        }
        guard state == .running, initPid > 0 else {
            c.closeWhenFlushed = true; c.send("ERR container \(o.id) is not running\n"); return
        }
        let execID = parts[1], processFile = parts[2]
        let flags = parts[3].split(separator: ",")
        let tty = flags.contains("tty"), wantStdin = flags.contains("stdin")

        var childIn: Int32 = -1, childOut: Int32 = -1, childErr: Int32 = -1
        var outFD: Int32 = -1, errFD: Int32 = -1, stdinFD: Int32 = -1
        var consoleListen: Int32 = -1
        var consolePath: SocketPath?
        let pidFile = o.stateDir + "/exec-\(execID).pid"
        var args = ["exec", "--process", processFile, "--detach", "--pid-file", pidFile]
        func cleanup() {
            for fd in [childIn, childOut, childErr, outFD, errFD, consoleListen] where fd >= 0 { close(fd) }
            if stdinFD >= 0 && stdinFD != outFD { close(stdinFD) }
            if let cp = consolePath { unlink(cp.path) }
            unlink(pidFile)
        }
        func refuse(_ msg: String) {
            cleanup()
            c.closeWhenFlushed = true
            c.send("ERR \(msg.replacingNewlines())\n")
        }
        if tty {
            let cp = SocketPath(o.stateDir + "/exec-\(execID.prefix(12)).sock")
            guard let fd = cp.listen() else { refuse("console socket: \(Sys.errorString())"); return }
            consoleListen = fd; consolePath = cp
            args += ["--console-socket", cp.address]
        } else {
            if wantStdin {
                guard let p = Sys.makePipe() else { refuse("pipe: \(Sys.errorString())"); return }
                childIn = p.r; stdinFD = p.w
            }
            guard let out = Sys.makePipe() else { refuse("pipe: \(Sys.errorString())"); return }
            outFD = out.r; childOut = out.w
            guard let err = Sys.makePipe() else { refuse("pipe: \(Sys.errorString())"); return }
            errFD = err.r; childErr = err.w
        }
        args.append(o.id)
        let failure = runtime.run(args, stdio: (childIn, childOut, childErr))
        for fd in [childIn, childOut, childErr] where fd >= 0 { close(fd) }
        childIn = -1; childOut = -1; childErr = -1
        if tty && failure == nil {
            Sys.setNonblock(consoleListen)
            let a = accept(consoleListen, nil, nil)
            let master = a >= 0 ? receiveFD(a) : nil
            if a >= 0 { close(a) }
            guard let master else { refuse("no pty received from the runtime"); return }
            outFD = master
            if wantStdin { stdinFD = master }
        }
        if let failure { refuse(failure); return }
        guard let text = Sys.readFile(pidFile),
              let pid = Int32(String(decoding: text, as: UTF8.self).trimmingWhitespace()), pid > 0 else {
            refuse("cannot read the exec's pid file"); return
        }
        unlink(pidFile)
        if consoleListen >= 0 { close(consoleListen); consoleListen = -1 }
        if let cp = consolePath { unlink(cp.path); consolePath = nil }
        Sys.setNonblock(outFD)
        if errFD >= 0 { Sys.setNonblock(errFD) }
        if stdinFD >= 0 && stdinFD != outFD { Sys.setNonblock(stdinFD) }

        let e = ExecProc(id: execID, pid: pid, tty: tty, client: c, outFD: outFD, errFD: errFD, stdinFD: stdinFD)
        c.role = .exec
        c.exec = e
        c.wantStdin = wantStdin
        execs.append(e)
        // Not reaped yet whatever its speed: reap() runs from the loop only, after this.
        c.send("OK \(pid)\n")
    }

    func execExited(_ e: ExecProc, code: Int32) {
        e.exitCode = code
        e.drainDeadline = logClockNow() + 2_000_000_000
        e.closeStdin()
        if !e.outputOpen { e.finish(code: code) }
    }

    func readExecOutput(_ e: ExecProc, stream: UInt8) {
        let fd = stream == 1 ? e.outFD : e.errFD
        let n = read(fd, readBuf, 256 << 10)
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            e.closeOutput(stream)
        } else if n == 0 {
            e.closeOutput(stream)
        } else if !e.client.closed {
            var header: (UInt8, UInt8, UInt8, UInt8, UInt32) = (stream, 0, 0, 0, UInt32(n).bigEndian)
            _ = withUnsafeBytes(of: &header) { h in
                e.client.send(header: UnsafeRawBufferPointer(rebasing: h[0..<8]), UnsafeRawBufferPointer(start: readBuf, count: n))
            }
        }
        if !e.outputOpen, let code = e.exitCode { e.finish(code: code) }
    }

    /// Bytes from an exec's connection: its stdin.
    func execInput(_ e: ExecProc, _ bytes: [UInt8]) {
        guard e.stdinFD >= 0, !e.closeStdinWhenDrained, e.client.wantStdin else { return }
        e.stdinBuf += bytes
        e.writeStdin()
    }

    /// The exec's connection half-closed: its stdin ends (a tty keeps it: the pty is shared).
    func execInputEnded(_ e: ExecProc) {
        guard !e.tty, e.stdinFD >= 0 else { return }
        e.closeStdinWhenDrained = true
        e.writeStdin()
    }

    /// Gives up on exec output still open past its deadline; forgets finished execs.
    func tendExecs() {
        let now = logClockNow()
        for e in execs where !e.done {
            if let code = e.exitCode, now >= e.drainDeadline { e.finish(code: code) }
        }
        execs.removeAll { $0.done }
    }

    /// The container is gone: its execs died with its pid namespace. Reap them (briefly)
    /// and tell their clients.
    func finishExecs() {
        let deadline = logClockNow() + 500_000_000
        for e in execs where !e.done {
            var code = e.exitCode
            while code == nil && logClockNow() < deadline {
                var st: Int32 = 0
                let r = waitpid(e.pid, &st, WNOHANG)
                if r == e.pid { code = exitCode(fromWaitStatus: st); break }
                if r < 0 && errno == ECHILD { break }
                usleep(10_000)
            }
            e.finish(code: code ?? 137)
        }
    }

    /// `RESIZE h w <exec-id>`.
    func resizeExec(_ id: String, _ h: UInt16, _ w: UInt16) -> String {
        // An exec that already ended has nothing to resize: not an error for a racing client.
        guard let e = execs.first(where: { $0.id == id && !$0.done }) else { return "OK\n" }
        guard e.tty, e.outFD >= 0 else { return "OK\n" }
        var ws = winsize(ws_row: h, ws_col: w, ws_xpixel: 0, ws_ypixel: 0)
        if ioctl(e.outFD, UInt(TIOCSWINSZ), &ws) != 0 { return "ERR resize: \(Sys.errorString())\n" }
        return "OK\n"
    }
}
