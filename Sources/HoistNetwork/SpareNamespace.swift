#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistSys
import Synchronization

/// One network namespace made ahead of need, loopback up, held by a descriptor only.
///
/// Making a network namespace (unshare) is the largest step of a container's network set-up
/// (~0.8 ms here), which ran longer than the mount and bundle it overlaps, so a start waited
/// for it. The spare is published at the container's netns path with one bind mount. It is
/// held by a descriptor, not a mount: when hoistd exits, however it exits, the kernel frees
/// it and nothing is left on the host.
enum SpareNamespace {
    private final class Spare: @unchecked Sendable {
        let namespaceFD: Int32
        let netlink: RouteNetlink
        init(namespaceFD: Int32, netlink: RouteNetlink) { self.namespaceFD = namespaceFD; self.netlink = netlink }
        deinit { close(namespaceFD) }
    }
    private static let parked = Mutex<Spare?>(nil)
    private static let preparer = BackgroundPreparer()

    /// Publishes the spare at `path` (an existing file) and returns a netlink socket in it;
    /// nil when there is none or it cannot be mounted (the caller makes a namespace itself).
    static func take(publishingAt path: String) -> RouteNetlink? {
        guard let spare = parked.withLock({ p -> Spare? in
            let s = p
            p = nil
            return s
        }) else { return nil }
        guard mount("/proc/self/fd/\(spare.namespaceFD)", path, nil, UInt(MS_BIND), nil) == 0 else { return nil }
        return spare.netlink
    }

    /// Makes the next spare in the background (`BackgroundPreparer`: niced, it runs while a
    /// container starts).
    static func prepare() {
        if parked.withLock({ $0 != nil }) { return }
        preparer.start { _ in
            guard let made = NamespacedNetlink.newNamespace() else { return }
            let spare = Spare(namespaceFD: made.namespace, netlink: RouteNetlink.adopting(fd: made.socket))
            do { try spare.netlink.setUp(index: 1) } catch { return }
            parked.withLock { $0 = spare }
        }
    }

    /// The parked spare's namespace inode, if one is parked (tests).
    static var parkedInode: UInt64? {
        parked.withLock { p -> UInt64? in
            guard let p else { return nil }
            var st = stat()
            return fstat(p.namespaceFD, &st) == 0 ? UInt64(st.st_ino) : nil
        }
    }
}
