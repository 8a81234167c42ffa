import Testing
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// Auto-start against a throwaway "daemon" (a few lines of Python answering /_ping) on a
/// temporary socket: nothing answers, the launcher spawns it detached, the client waits for
/// the ping and goes on. Skipped where /usr/bin/python3 is missing.
@Suite struct AutoStartTests {
    static let script = """
    import os, socket, sys
    path, pidfile = sys.argv[1], sys.argv[2]
    open(pidfile, "w").write(str(os.getpid()))
    s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
    while True:
        c, _ = s.accept()
        try:
            while c.recv(4096):
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nApi-Version: 1.41\\r\\nSid: " + str(os.getsid(0) == os.getpid()).encode() + b"\\r\\n\\r\\nOK")
        except OSError:
            pass
        c.close()
    """

    static func readPID(_ path: String) -> pid_t? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return nil }
        return pid_t(String(decoding: buf[0..<n], as: UTF8.self).filter(\.isNumber))
    }

    @Test(.enabled(if: access("/usr/bin/python3", X_OK) == 0))
    func startsDaemonWhenNothingAnswers() async throws {
        let dir = "/tmp/hoist-cli-autostart-\(getpid())"
        mkdir(dir, 0o700)
        let sock = dir + "/d.sock", pidfile = dir + "/pid", scriptPath = dir + "/fake.py"
        let fd = open(scriptPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = FDWriter.writeAll(fd, AutoStartTests.script)
        close(fd)
        defer {
            if let pid = AutoStartTests.readPID(pidfile) { kill(pid, SIGTERM) }
            unlink(sock); unlink(pidfile); unlink(scriptPath); unlink(dir + "/log"); rmdir(dir)
        }
        let host = DaemonHost(url: "unix://" + sock, socketPath: sock, isDefault: true)
        let launcher = DaemonLauncher(logPath: dir + "/log", timeoutSeconds: 10, executable: "/usr/bin/python3",
                                      arguments: [scriptPath, sock, pidfile])
        let client = EngineClient(host: host, autoStart: launcher)
        #expect(await client.ping())
        let r = try await client.send(EngineRequest(.GET, "/_ping", versioned: false))
        #expect(r.header("Sid") == "True")  // detached: its own session

        // A non-default host never starts anything.
        let other = EngineClient(host: DaemonHost(url: "unix://\(dir)/none.sock", socketPath: dir + "/none.sock", isDefault: false),
                                 autoStart: launcher)
        await #expect(throws: ClientError.cannotConnect(host: "unix://\(dir)/none.sock")) {
            try await other.send(EngineRequest(.GET, "/_ping", versioned: false))
        }
    }
}
