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
public enum CgroupMigrationWarmup {
    private static let inFlight = Mutex(false)
    private static let procsFile: String? = ownProcsFile()

    public static func begin() {
        guard let path = procsFile else { return }
        let mine = inFlight.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard mine else { return }
        Thread.detachNewThread {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            if fd >= 0 {
                let pid = Array("\(getpid())".utf8)
                _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            inFlight.withLock { $0 = false }
        }
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
