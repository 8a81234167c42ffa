import Foundation
import Glibc
import HoistCore
@testable import HoistRuntime

nonisolated(unsafe) var fixtureDirToRemove: String?

/// A busybox root filesystem (from Debian's busybox-static) shared by the tests, and
/// per-container directories under /tmp/hoist-h1-rt.*; nothing under /var/lib/hoist.
enum Fixture {
    static let base: String = {
        var tmpl = Array("/tmp/hoist-h1-rt.XXXXXX".utf8CString)
        let dir = tmpl.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        fixtureDirToRemove = dir
        atexit { if let d = fixtureDirToRemove { try? FileManager.default.removeItem(atPath: d) } }
        return dir
    }()

    /// Made once per test process.
    static let rootfs: String = {
        let root = base + "/rootfs"
        let fm = FileManager.default
        for d in ["bin", "proc", "sys", "dev", "etc", "tmp", "root"] {
            try? fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        try? fm.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
        let list = (try? Subprocess.capture("/bin/busybox", ["busybox", "--list"]).output) ?? ""
        for applet in list.split(separator: "\n") where applet != "busybox" {
            try? fm.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try? "root:x:0:0:root:/root:/bin/sh\n".write(toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
        return root
    }()

    static var shimPath: String {
        if let p = ProcessInfo.processInfo.environment["HOIST_SHIM_PATH"] { return p }
        // Next to the test bundle: <scratch>/debug/hoist-shim.
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("hoist-shim").path
    }

    static let runtimes: [String] = ["crun", "runc"]

    static func runtime(_ name: String) throws -> RuntimeInfo { try RuntimeProbe.find(preferred: name) }
}

/// One container under test: its directories, and cleanup that leaves nothing behind even
/// when a test fails half-way.
final class TestContainer: @unchecked Sendable {
    let id = Identifiers.random()
    let dir: String
    let runtime: RuntimeInfo
    var stateDir: String { dir + "/state" }
    var bundleDir: String { dir + "/bundle" }
    var logPath: String { stateDir + "/container.log" }
    var shimPid: Int32 = 0

    init(runtime: RuntimeInfo) {
        self.runtime = runtime
        dir = Fixture.base + "/" + id
    }

    func launch(_ spec: ContainerProcessSpec, tty: Bool = false, stdin: Bool = false, stdinOnce: Bool = false) async throws -> ShimClient {
        try BundleWriter.write(id: id, spec: spec, rootfs: Fixture.rootfs, bundleDir: bundleDir)
        let c = try await ShimLauncher.launch(ShimLaunchOptions(
            id: id, bundleDir: bundleDir, stateDir: stateDir, logPath: logPath, tty: tty, openStdin: stdin,
            stdinOnce: stdinOnce, runtime: runtime, shimPath: Fixture.shimPath))
        if let s = try? String(contentsOfFile: stateDir + "/shim.pid", encoding: .utf8), let p = Int32(s.trimmingCharacters(in: " \n")) {
            shimPid = p
        }
        return c
    }

    /// Best-effort teardown for failed tests (by pid and id only).
    func cleanup() {
        if shimPid > 0, isRunning(shimPid) {
            if let s = try? String(contentsOfFile: stateDir + "/init.pid", encoding: .utf8),
               let p = Int32(s.trimmingCharacters(in: " \n")), p > 0 {
                Glibc.kill(p, SIGKILL)
            }
            for _ in 0..<40 where isRunning(shimPid) { usleep(50_000) }
            if isRunning(shimPid) { Glibc.kill(shimPid, SIGKILL) }
        }
        if leftovers().contains(where: { $0.hasPrefix("runtime state") }) {
            _ = try? Subprocess.capture(runtime.path, [runtime.name, "delete", "-f", id])
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// What the container left behind: processes, runtime state, cgroups, mounts.
    func leftovers() -> [String] {
        var found: [String] = []
        if shimPid > 0, isRunning(shimPid) { found.append("shim process \(shimPid)") }
        for d in ["/run/crun/", "/run/runc/"] where FileManager.default.fileExists(atPath: d + id) {
            found.append("runtime state \(d + id)")
        }
        for ctl in ["memory", "pids", "cpu", "devices", "freezer", "blkio", "systemd", "cpuset"] {
            let p = "/sys/fs/cgroup/\(ctl)/hoist/\(id)"
            if FileManager.default.fileExists(atPath: p) { found.append("cgroup \(p)") }
        }
        if let mi = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) {
            for line in mi.split(separator: "\n") where line.contains(id) { found.append("mount \(line)") }
        }
        if let procs = try? FileManager.default.contentsOfDirectory(atPath: "/proc") {
            for p in procs where Int32(p) != nil {
                if let cg = try? String(contentsOfFile: "/proc/\(p)/cgroup", encoding: .utf8), cg.contains(id) {
                    found.append("process \(p) in the container's cgroup")
                }
            }
        }
        if FileManager.default.fileExists(atPath: stateDir + "/shim.sock") { found.append("shim.sock") }
        return found
    }

    /// Polls until the shim process is gone (it is not our child: nothing to reap).
    func waitShimGone() async {
        for _ in 0..<100 where shimPid > 0 && isRunning(shimPid) {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}

/// Alive and not a zombie. (The exited shim is an orphan: this machine's PID 1 reaps
/// orphans only every second or so.)
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state != "Z" && state != "X"
}

/// Everything an attachment delivers, until the shim closes it.
func collect(_ a: ShimAttachment) -> Task<[(stream: UInt8, bytes: [UInt8])], Never> {
    Task {
        var out: [(stream: UInt8, bytes: [UInt8])] = []
        for await f in a.output { out.append(f) }
        return out
    }
}

func text(_ frames: [(stream: UInt8, bytes: [UInt8])], stream: UInt8? = nil) -> String {
    String(decoding: frames.filter { stream == nil || $0.stream == stream }.flatMap(\.bytes), as: UTF8.self)
}

func nowNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
