import Foundation
import Glibc
import HoistCore
import HoistLogs
import Testing
@testable import HoistRuntime

/// Real containers through the real shim, with crun and with runc. Root only.
@Suite(.serialized, .enabled(if: getuid() == 0))
struct ShimTests {
    @Test(arguments: Fixture.runtimes)
    func helloOutputExitCodeAndLog(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "echo hello; echo oops >&2; exit 3"]))
        #expect(try await shim.state() == .created(pid: try #require(Int32(String(contentsOfFile: c.stateDir + "/init.pid", encoding: .utf8)))))
        let att = try await shim.attach(stdin: false, stdout: true, stderr: true)
        let frames = collect(att)
        try await shim.start()
        let code = try await shim.waitExit()
        #expect(code == 3)
        let out = await frames.value
        #expect(text(out, stream: 1) == "hello\n")
        #expect(text(out, stream: 2) == "oops\n")

        let (recs, _) = try LogReader(path: c.logPath).read(since: nil, until: nil, tail: nil)
        #expect(recs.map(\.stream) == [1, 2] || recs.map(\.stream) == [2, 1])
        #expect(Set(recs.map { String(decoding: $0.payload, as: UTF8.self) }) == ["hello\n", "oops\n"])
        let exit = try #require(ExitRecord.read(stateDir: c.stateDir))
        #expect(exit.code == 3 && exit.startedAt > 0 && exit.finishedAt >= exit.startedAt)
        #expect(recs.allSatisfy { $0.timestamp >= exit.startedAt - 1_000_000_000 })
        #expect(try await shim.state() == .exited(code: 3))  // from the exit file, the shim is gone
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    @Test(arguments: Fixture.runtimes)
    func missingExecutableIsAUserError(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        do {
            _ = try await c.launch(.init(args: ["nosuch"]))
            Issue.record("launch of a missing executable succeeded")
        } catch let e as HoistError {
            #expect(e.code == .invalidArgument)
            #expect(e.message.contains("exec: \"nosuch\": executable file not found in $PATH"), "\(e.message)")
        }
        await c.waitShimGone()
        #expect(c.leftovers() == [])
        #expect(!FileManager.default.fileExists(atPath: c.stateDir + "/shim.sock"))
    }

    @Test(arguments: Fixture.runtimes)
    func killSleepingContainer(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"]))
        try await shim.start()
        guard case .running(let pid) = try await shim.state() else { Issue.record("not running"); return }
        #expect(pid > 0 && Glibc.kill(pid, 0) == 0)
        // The shim outlives the status pipe: the launcher closed its end long ago.
        #expect(shim.isAlive())
        #expect(getppid() != c.shimPid)
        #expect((try? String(contentsOfFile: "/proc/\(c.shimPid)/comm", encoding: .utf8)) == "hoist-shim\n")
        // The leftover check sees a live container (so its empty answer later means something).
        let live = c.leftovers()
        #expect(live.contains { $0.hasPrefix("runtime state") } && live.contains { $0.hasPrefix("cgroup /sys/fs/cgroup/memory/hoist/") })
        #expect(live.contains { $0.hasPrefix("shim process") } && live.contains { $0.hasPrefix("process") })
        let waiter = Task { try await shim.waitExit() }
        try await Task.sleep(nanoseconds: 50_000_000)
        try await shim.kill(signal: SIGKILL)
        #expect(try await waiter.value == 137)
        await c.waitShimGone()
        #expect(c.leftovers() == [])
        #expect(Glibc.kill(pid, 0) != 0)
    }

    @Test(arguments: Fixture.runtimes)
    func termWithATrap(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "trap 'exit 143' TERM; echo ready; while :; do sleep 0.05; done"]))
        let att = try await shim.attach(stdin: false, stdout: true, stderr: false)
        try await shim.start()
        var it = att.output.makeAsyncIterator()
        let first = await it.next()
        #expect(first.map { String(decoding: $0.bytes, as: UTF8.self) } == "ready\n")
        try await shim.kill(signal: SIGTERM)
        #expect(try await shim.waitExit() == 143)
        att.close()
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    @Test(arguments: Fixture.runtimes)
    func stdinOnce(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "cat; echo done"]), stdin: true, stdinOnce: true)
        let att = try await shim.attach(stdin: true, stdout: true, stderr: true)
        let frames = collect(att)
        try await shim.start()
        await att.write(Array("abc\n".utf8))
        await att.write(Array([UInt8](repeating: 0x78, count: 300_000)) + [0x0A])
        await att.closeStdin()
        #expect(try await shim.waitExit() == 0)
        let out = text(await frames.value, stream: 1)
        #expect(out.hasPrefix("abc\nxxx") && out.hasSuffix("\ndone\n") && out.utf8.count == 4 + 300_001 + 5)
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    @Test(arguments: Fixture.runtimes)
    func stdinWithoutOpenStdinIsEOF(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "cat; echo eof"]))
        let att = try await shim.attach(stdin: false, stdout: true, stderr: true)
        let frames = collect(att)
        try await shim.start()
        #expect(try await shim.waitExit() == 0)
        #expect(text(await frames.value) == "eof\n")
        await c.waitShimGone()
    }

    @Test(arguments: Fixture.runtimes)
    func ttyAndResize(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "tty; stty size; read x; echo got $x"], tty: true),
                                      tty: true, stdin: true)
        try await shim.resize(height: 40, width: 100)
        let att = try await shim.attach(stdin: true, stdout: true, stderr: true)
        let frames = collect(att)
        try await shim.start()
        try await Task.sleep(nanoseconds: 200_000_000)
        await att.write(Array("hi\n".utf8))
        #expect(try await shim.waitExit() == 0)
        let out = await frames.value
        #expect(out.allSatisfy { $0.stream == 1 })
        let t = text(out).replacingOccurrences(of: "\r", with: "")
        #expect(t.contains("/dev/pts/0\n40 100\n"), "\(t)")
        #expect(t.contains("got hi"), "\(t)")
        let (recs, _) = try LogReader(path: c.logPath).read(since: nil, until: nil, tail: nil)
        #expect(String(decoding: recs.flatMap(\.payload), as: UTF8.self).contains("40 100"))
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// An attach client that never reads must not stall the container: the shim drops it.
    @Test(arguments: ["crun"])
    func stalledAttachClientDoesNotBlock(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "head -c 60000000 /dev/zero; echo end"]))
        let path = shim.socketPath
        // A raw client that attaches and then never reads.
        let raw = try UnixConnection.connect(path)
        defer { raw.close() }
        #expect(raw.write(Array("ATTACH stdout,stderr\n".utf8)))
        #expect(raw.readLine() == "OK")
        try await shim.start()
        let t0 = nowNanos()
        #expect(try await shim.waitExit() == 0)
        #expect(nowNanos() - t0 < 20_000_000_000)
        let (recs, _) = try LogReader(path: c.logPath).read(since: nil, until: nil, tail: 1)
        // The zeros have no newline: "end\n" completes that (split) line.
        #expect(recs.first.map { $0.payload.suffix(4) == Array("end\n".utf8) && $0.payload.dropLast(4).allSatisfy { $0 == 0 } } == true)
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    @Test(arguments: Fixture.runtimes)
    func waitAfterExitAndKillAfterExit(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["true"]))
        try await shim.start()
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(try await shim.waitExit() == 0)  // shim gone: from the exit file
        await #expect(throws: HoistError.self) { try await shim.kill(signal: SIGKILL) }
        await #expect(throws: HoistError.self) { try await shim.start() }
    }

    /// The shim starts a crun container without running `crun start` (it releases crun's
    /// exec fifo itself): the runtime's own view must agree, from `created` to `running`.
    @Test(arguments: Fixture.runtimes)
    func runtimeSeesTheStartedContainerRunning(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        func runtimeStatus() throws -> String? {
            let out = try Subprocess.capture(c.runtime.path, [c.runtime.name, "state", c.id]).output
            let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
            return json?["status"] as? String
        }
        let shim = try await c.launch(.init(args: ["sh", "-c", "echo up; sleep 100"]))
        #expect(try runtimeStatus() == "created")
        let att = try await shim.attach(stdin: false, stdout: true, stderr: false)
        let frames = collect(att)
        try await shim.start()
        #expect(try runtimeStatus() == "running")
        #expect(!FileManager.default.fileExists(atPath: "/run/\(runtime)/\(c.id)/exec.fifo"))
        try await shim.kill(signal: SIGKILL)
        #expect(try await shim.waitExit() == 137)
        #expect(text(await frames.value, stream: 1) == "up\n")
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// The shim removes a stopped crun container itself: its cgroups, then crun's state. A
    /// cgroup it cannot remove (here one with a sub-cgroup, made from outside) sends it back to
    /// the runtime's `delete`, which removes that too.
    @Test(arguments: Fixture.runtimes)
    func stoppedContainerWithASubCgroupIsRemoved(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"]))
        try await shim.start()
        let sub = "/sys/fs/cgroup/pids/hoist/\(c.id)/sub"
        #expect(mkdir(sub, 0o755) == 0)
        try await shim.kill(signal: SIGKILL)
        #expect(try await shim.waitExit() == 137)
        await c.waitShimGone()
        #expect(!FileManager.default.fileExists(atPath: sub))
        #expect(c.leftovers() == [])
    }

    /// crun makes a cgroup directory for the unified line of /proc/self/cgroup too. In the
    /// shim's namespace it lands in the tmpfs that covers /sys/fs/cgroup/unified and goes with
    /// that namespace; unmounting the cgroup2 mount there instead left one directory per
    /// container in the host's /sys/fs/cgroup tmpfs, hidden under the cgroup2 mount.
    @Test(.enabled(if: ShimTests.hybridCgroups))
    func crunLeavesNothingUnderTheHiddenUnifiedMount() async throws {
        let c = TestContainer(runtime: try Fixture.runtime("crun"))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["true"]))
        try await shim.start()
        #expect(try await shim.waitExit() == 0)
        await c.waitShimGone()
        let hidden = "/sys/fs/cgroup/unified/hoist/\(c.id)"
        let r = try Subprocess.capture("/usr/bin/unshare", ["unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                                                            "umount /sys/fs/cgroup/unified && if [ -e \(hidden) ]; then echo left; rmdir \(hidden); else echo gone; fi"])
        #expect(r.output == "gone\n", "\(hidden): \(r.output)")
        #expect(c.leftovers() == [])
    }

    /// A cgroup2 mount at /sys/fs/cgroup/unified beside the v1 controllers (this machine).
    static let hybridCgroups: Bool = {
        let info = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").contains { $0.contains(" /sys/fs/cgroup/unified ") && $0.contains(" - cgroup2 ") }
    }()

    @Test(arguments: Fixture.runtimes)
    func killBeforeStart(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"]))
        try await shim.kill(signal: SIGKILL)
        #expect(try await shim.waitExit() == 137)
        #expect(ExitRecord.read(stateDir: c.stateDir)?.startedAt == 0)
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    @Test(arguments: Fixture.runtimes)
    func sandboxIsApplied(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        try FileManager.default.createDirectory(atPath: c.dir, withIntermediateDirectories: true)
        try "boxhost\n".write(toFile: c.dir + "/hostname", atomically: true, encoding: .utf8)
        try "127.0.0.1 localhost boxhost\n".write(toFile: c.dir + "/hosts", atomically: true, encoding: .utf8)
        let script = """
            echo host=$(hostname) file=$(cat /etc/hostname)
            grep -c boxhost /etc/hosts
            ip -o link show lo | grep -o 'state [A-Z]*\\|UP' | head -1
            echo mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
            echo pids=$(cat /sys/fs/cgroup/pids/pids.max)
            echo nofile=$(ulimit -n)
            grep CapEff /proc/self/status
            unshare -m true 2>/dev/null; echo unshare=$?
            cat /proc/kcore 2>/dev/null | head -c 1 | wc -c
            touch /proc/sys/x 2>/dev/null; echo procsys=$?
            id -u
            """
        let shim = try await c.launch(.init(args: ["sh", "-c", script], hostname: "boxhost", memoryBytes: 64 << 20,
                                            pidsLimit: 50, hostnameFile: c.dir + "/hostname", hostsFile: c.dir + "/hosts"))
        let att = try await shim.attach(stdin: false, stdout: true, stderr: true)
        let frames = collect(att)
        try await shim.start()
        #expect(try await shim.waitExit() == 0)
        let out = text(await frames.value)
        var r = rlimit()
        getrlimit(__rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue)), &r)
        #expect(out.contains("host=boxhost file=boxhost\n1\n"), "\(out)")
        #expect(out.contains("UP"), "loopback: \(out)")
        #expect(out.contains("mem=67108864\n"), "\(out)")
        #expect(out.contains("pids=50\n"), "\(out)")
        #expect(out.contains("nofile=\(min(UInt64(r.rlim_max), 1_048_576))\n"), "\(out)")
        #expect(out.contains("CapEff:\t00000000a80425fb"), "Docker's default capability set: \(out)")
        #expect(out.contains("unshare=1\n") || out.contains("unshare=255\n"), "seccomp/caps forbid unshare: \(out)")
        #expect(out.contains("\n0\nprocsys=1\n0\n"), "masked /proc/kcore, read-only /proc/sys: \(out)")
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// `docker start` of an exited container: a new run under the same ID, state dir and log.
    @Test(arguments: Fixture.runtimes)
    func restartSameContainer(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        for run in 1...2 {
            let shim = try await c.launch(.init(args: ["sh", "-c", "echo run"]))
            #expect(ExitRecord.read(stateDir: c.stateDir) == nil)  // the previous run's record is gone
            try await shim.start()
            #expect(try await shim.waitExit() == 0)
            let (recs, _) = try LogReader(path: c.logPath).read(since: nil, until: nil, tail: nil)
            #expect(recs.count == run)
            // The shim answers WAIT before it deletes the runtime state; a new run under the
            // same ID waits for it to go, as the Engine does.
            await c.waitShimGone()
        }
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// The daemon dies while the shim is creating the container: the status pipe has no
    /// reader any more. The shim must carry on and serve the container.
    @Test func survivesStatusPipeClosedEarly() async throws {
        let info = try Fixture.runtime("crun")
        let c = TestContainer(runtime: info)
        defer { c.cleanup() }
        try BundleWriter.write(id: c.id, spec: .init(args: ["sh", "-c", "echo alive"]), rootfs: Fixture.rootfs, bundleDir: c.bundleDir)
        try FileManager.default.createDirectory(atPath: c.stateDir, withIntermediateDirectories: true)
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_adddup2(&fa, fds[1], 3)
        var attr = SpawnAttributes()
        defer { attr.destroy() }
        let pid = try Subprocess.spawn(Fixture.shimPath, [Fixture.shimPath, "--id", c.id, "--bundle", c.bundleDir,
                                                          "--state-dir", c.stateDir, "--runtime", info.path,
                                                          "--runtime-name", info.name, "--log", c.logPath],
                                       fileActions: &fa, attr: &attr.attr, closingFrom: 4)
        close(fds[1])
        close(fds[0])  // nobody will read the status line
        _ = Subprocess.waitForExit(pid)
        let shim = ShimClient(stateDir: c.stateDir)
        var state: ShimState?
        for _ in 0..<200 {
            if let s = try? await shim.state() { state = s; break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        guard case .created = state else { Issue.record("shim not serving: \(String(describing: state))"); return }
        if let s = try? String(contentsOfFile: c.stateDir + "/shim.pid", encoding: .utf8) { c.shimPid = Int32(s.trimmingCharacters(in: " \n")) ?? 0 }
        let att = try await shim.attach(stdin: false, stdout: true, stderr: false)
        let frames = collect(att)
        try await shim.start()
        #expect(try await shim.waitExit() == 0)
        #expect(text(await frames.value) == "alive\n")
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// A process that exits at once is reported with its status when the exit is watched
    /// from START on: a WAIT sent before START (a fast exit was once reported only after the
    /// shim's clean-up), or START and the watch on one connection (STARTWAIT), after which
    /// another start is refused. Either way the start time is recorded.
    @Test(arguments: [false, true])
    func exitWatchedFromStartIsAnswered(oneConnection: Bool) async throws {
        let info = try Fixture.runtime("crun")
        let c = TestContainer(runtime: info)
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "exit 6"]))
        let watch: ExitWatch
        if oneConnection {
            watch = try await shim.startWatchingExit()
            await #expect(throws: HoistError.self) { _ = try await shim.startWatchingExit() }
        } else {
            watch = try #require(shim.watchExit())
            try await shim.start()
        }
        #expect(try await shim.waitExit(watch) == 6)
        #expect(ExitRecord.startedAt(stateDir: shim.stateDir) ?? 0 > 0)
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// A shim started ahead of need serves the next launch: the container runs under the
    /// spare's process (its command line says `--standby`), with the same result. The spare
    /// waits niced (10 more than the daemon) and the container runs at the daemon's nice.
    @Test func spareShimServesTheNextLaunch() async throws {
        let info = try Fixture.runtime("crun")
        ShimLauncher.prepareSpare(shimPath: Fixture.shimPath, runtime: info)
        var parked = false
        for _ in 0..<200 {
            if let fd = SpareShim.take(shimPath: Fixture.shimPath, runtime: info) {
                // Put it back the way the launcher finds it.
                SpareShim.park(fd, shimPath: Fixture.shimPath, runtime: info)
                parked = true
                break
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(parked)
        let ours = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        // (Other daemons' spares may be about: ours is among them.)
        #expect(Self.standbyShims().contains { Self.niceness(of: $0) == min(19, ours + 10) })
        let c = TestContainer(runtime: info)
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sh", "-c", "echo from-spare; cut -d' ' -f19 /proc/self/stat; exit 4"]))
        let cmdline = (try? String(contentsOfFile: "/proc/\(c.shimPid)/cmdline", encoding: .utf8)) ?? ""
        #expect(cmdline.contains("--standby"))
        #expect(Self.niceness(of: c.shimPid) == ours)
        let att = try await shim.attach(stdin: false, stdout: true, stderr: false)
        let frames = collect(att)
        try await shim.start()
        #expect(try await shim.waitExit() == 4)
        #expect(text(await frames.value) == "from-spare\n\(ours)\n")
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    /// Processes running this build's `hoist-shim --standby`.
    static func standbyShims() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return args.first == Fixture.shimPath && args.contains("--standby")
        }
    }

    /// Field 19 of /proc/PID/stat (after the parenthesised command name).
    static func niceness(of pid: Int32) -> Int32? {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return nil }
        let fields = s[s.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3): field 19 is fields[16].
        return fields.count > 16 ? Int32(fields[16]) : nil
    }

    /// A spare given a bad command line says so on its status socket and exits; one whose
    /// daemon end closes exits quietly.
    @Test func spareShimRefusesBadArgumentsAndExitsOnEOF() async throws {
        let info = try Fixture.runtime("crun")
        for bad in [true, false] {
            let fd = try ShimLauncher.spawn(shimPath: Fixture.shimPath, runtime: info, args: ["--standby"])
            if bad {
                #expect(SpareShim.send(["--bogus"], to: fd))
                var line: [UInt8] = []
                var b: UInt8 = 0
                while read(fd, &b, 1) == 1 && b != 0x0A { line.append(b) }
                #expect(String(decoding: line, as: UTF8.self) == "error hoist-shim: unknown argument --bogus")
            }
            // Either way the shim is gone: its end of the socket closes.
            shutdown(fd, Int32(SHUT_WR))
            var b: UInt8 = 0
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            #expect(poll(&pfd, 1, 5000) == 1)
            #expect(read(fd, &b, 1) == 0)
            close(fd)
        }
    }
}
