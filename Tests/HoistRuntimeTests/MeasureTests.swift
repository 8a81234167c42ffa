import Foundation
import Glibc
import HoistLogs
import Testing
@testable import HoistRuntime

/// Numbers for the report (budgets are checked by bench/, not by timed tests): the
/// assertions here are only sanity bounds.
@Suite(.serialized, .enabled(if: getuid() == 0))
struct MeasureTests {
    /// Launch (create) + attach + start + exit of `true`, as `run --rm true` needs.
    @Test(arguments: Fixture.runtimes)
    func launchToExitOfTrue(runtime: String) async throws {
        let info = try Fixture.runtime(runtime)
        var times: [Double] = []
        for _ in 0..<8 {
            let c = TestContainer(runtime: info)
            defer { c.cleanup() }
            try BundleWriter.write(id: c.id, spec: .init(args: ["true"]), rootfs: Fixture.rootfs, bundleDir: c.bundleDir)
            let t0 = nowNanos()
            let shim = try await ShimLauncher.launch(ShimLaunchOptions(
                id: c.id, bundleDir: c.bundleDir, stateDir: c.stateDir, logPath: c.logPath, runtime: info,
                shimPath: Fixture.shimPath))
            let att = try await shim.attach(stdin: false, stdout: true, stderr: true)
            let frames = collect(att)
            let waiter = Task { try await shim.waitExit() }
            try await shim.start()
            #expect(try await waiter.value == 0)
            _ = await frames.value
            times.append(Double(nowNanos() - t0) / 1e6)
        }
        times.sort()
        // Baseline on the same bundle: the runtime's own `run` (create+start+wait+delete in one process).
        var bare: [Double] = []
        for _ in 0..<8 {
            let c = TestContainer(runtime: info)
            defer { c.cleanup() }
            try BundleWriter.write(id: c.id, spec: .init(args: ["true"]), rootfs: Fixture.rootfs, bundleDir: c.bundleDir)
            let run = "\(info.path) run --bundle \(c.bundleDir) \(c.id)"
            // crun in the view hoist-shim gives it: a tmpfs over the cgroup2 mount (what crun makes
            // there goes with the namespace).
            let hide = "mount -t tmpfs -o size=1m tmpfs /sys/fs/cgroup/unified 2>/dev/null || umount /sys/fs/cgroup/unified"
            let cmd = runtime == "crun" ? "\(hide) 2>/dev/null; exec \(run)" : "exec \(run)"
            let t0 = nowNanos()
            let r = try Subprocess.capture("/usr/bin/unshare", ["unshare", "-m", "/bin/sh", "-c", cmd])
            bare.append(Double(nowNanos() - t0) / 1e6)
            #expect(r.status == 0)
        }
        bare.sort()
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        print("[measure] \(runtime): launch→exit of `true` via hoist-shim: median \(f(times[times.count / 2])) ms, min \(f(times[0])) ms; bare `\(runtime) run`: median \(f(bare[bare.count / 2])) ms, min \(f(bare[0])) ms (shim \(Fixture.shimPath))")
        #expect(times[0] < 2000)
    }

    /// Capture throughput: a container writing `HOIST_BENCH_MB` (default 50) MB to stdout,
    /// logged by the shim, against the same container writing to /dev/null.
    @Test func logCaptureThroughput() async throws {
        let mb = Int(ProcessInfo.processInfo.environment["HOIST_BENCH_MB"] ?? "") ?? 50
        let info = try Fixture.runtime("crun")
        // Text lines (~60 bytes), the common case; and newline-free bytes (16 KiB records).
        let kinds = [
            ("lines", "yes 'hello from a container, this is a line of log output.' | head -c \(mb)000000"),
            ("binary", "head -c \(mb)000000 /dev/zero"),
        ]
        for (kind, producer) in kinds {
            var ms: [String: Double] = [:]
            for target in ["/dev/null", "stdout"] {
                let c = TestContainer(runtime: info)
                defer { c.cleanup() }
                let cmd = target == "stdout" ? producer : producer + " > /dev/null"
                let shim = try await c.launch(.init(args: ["sh", "-c", "t0=$(date +%s%N 2>/dev/null); \(cmd)"]))
                let t0 = nowNanos()
                try await shim.start()
                #expect(try await shim.waitExit() == 0)
                ms[target] = Double(nowNanos() - t0) / 1e6
                if target == "stdout" {
                    var st = stat()
                    stat(c.logPath, &st)
                    let (recs, _) = try LogReader(path: c.logPath).read(since: nil, until: nil, tail: 1)
                    #expect(!recs.isEmpty)
                    print("[measure] \(kind): log file \(st.st_size / 1_000_000) MB for \(mb) MB of output")
                }
            }
            let null = ms["/dev/null"] ?? 0, out = ms["stdout"] ?? 0
            print("[measure] \(kind): \(mb) MB to /dev/null \(String(format: "%.0f", null)) ms, to stdout via shim+log \(String(format: "%.0f", out)) ms → \(String(format: "%.0f", Double(mb) / (out / 1000))) MB/s, ratio \(String(format: "%.2f", null / out)) of /dev/null throughput")
        }
    }

    @Test func shimMemory() async throws {
        let c = TestContainer(runtime: try Fixture.runtime("crun"))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"]))
        try await shim.start()
        let status = try String(contentsOfFile: "/proc/\(c.shimPid)/status", encoding: .utf8)
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        print("[measure] hoist-shim of a running container: \(rss.replacingOccurrences(of: "\t", with: " "))")
        try await shim.kill(signal: SIGKILL)
        #expect(try await shim.waitExit() == 137)
    }
}
