import Foundation
import Synchronization

/// Hides the first cgroup migration's wait behind the rest of a container's start.
///
/// Every write to a `cgroup.procs` takes the kernel's global `cgroup_threadgroup_rwsem` for
/// writing. When no writer came by for a grace period, that costs a full RCU grace period
/// (11–16 ms measured here) — paid by the runtime's first `cgroup.procs` write in
/// `runtime create`, the largest single step of a container start. A second writer within
/// the grace period pays nothing. So as soon as a container is on its way (create, start),
/// a background thread writes hoistd's own PID to the `cgroup.procs` of the cgroup it is
/// already in: nothing moves, but the lock switches to writer mode while hoistd mounts the
/// rootfs, sets up the network and spawns the shim. Best effort: a failed write only loses
/// the head start.
///
/// The lock stays in writer mode for about 15 ms after a write (measured: writes 15 ms apart
/// cost 0.03 ms, 20 ms apart 6–15 ms). A start comes ~10 ms after its create, so it often still
/// waited for the rest of the warm-up's grace period, and back-to-back `run`s (scripts,
/// compose) paid one each. So the thread goes on writing every `interval` while containers
/// are being created or started, and stops `linger` after the last of them: no wake-ups
/// while the daemon is idle.
public enum CgroupMigrationWarmup {
    private struct State {
        var running = false
        var lastActivity: UInt64 = 0
        var threadsStarted = 0
    }
    private static let state = Mutex(State())
    private static let procsFile: String? = ownProcsFile()
    static let interval: UInt64 = 8_000_000
    static let linger: UInt64 = 200_000_000

    public static func begin() {
        guard let path = procsFile else { return }
        let now = monotonicNanos()
        let mine = state.withLock { s -> Bool in
            s.lastActivity = now
            if s.running { return false }
            s.running = true
            s.threadsStarted += 1
            return true
        }
        guard mine else { return }
        Thread.detachNewThread {
            let pid = Array("\(getpid())".utf8)
            while true {
                let fd = open(path, O_WRONLY | O_CLOEXEC)
                if fd >= 0 {
                    _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    close(fd)
                }
                let done = state.withLock { s -> Bool in
                    if monotonicNanos() &- s.lastActivity < linger { return false }
                    s.running = false
                    return true
                }
                if done { return }
                usleep(useconds_t(interval / 1000))
            }
        }
    }

    /// Whether the warm-up thread is writing, and how many were started (tests).
    static var isRunning: Bool { state.withLock { $0.running } }
    static var threadsStarted: Int { state.withLock { $0.threadsStarted } }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// hoistd's own cgroup in a v1 hierarchy (or the unified one), from /proc/self/cgroup.
    static func ownProcsFile() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        var candidates: [String] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            let controllers = f[1], path = String(f[2])
            let rel = path == "/" ? "" : path
            if controllers.isEmpty {
                candidates.append("/sys/fs/cgroup/unified\(rel)/cgroup.procs")
                candidates.append("/sys/fs/cgroup\(rel)/cgroup.procs")
            } else if controllers.split(separator: ",").contains("pids") {
                candidates.insert("/sys/fs/cgroup/pids\(rel)/cgroup.procs", at: 0)
            }
        }
        return candidates.first { access($0, W_OK) == 0 }
    }
}
