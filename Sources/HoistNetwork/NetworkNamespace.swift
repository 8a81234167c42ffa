#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore
import HoistSys
import Synchronization

/// A new network namespace with loopback up, held by a descriptor only until a sandbox
/// publishes it at its netns path (one bind mount).
///
/// One is kept made ahead of need (`prepareSpare`): making a namespace (unshare) is the
/// largest step of a container's network set-up (~0.8 ms here), which ran longer than the
/// mount and bundle it overlaps, so a start waited for it. Held by a descriptor, not a
/// mount, the spare leaves nothing on the host when hoistd exits, however it exits.
final class NetworkNamespace: @unchecked Sendable {
    private let namespaceFD: Int32
    /// A NETLINK_ROUTE socket in the namespace.
    let netlink: RouteNetlink

    private init(namespaceFD: Int32, netlink: RouteNetlink) { self.namespaceFD = namespaceFD; self.netlink = netlink }
    deinit { close(namespaceFD) }

    /// A new namespace, loopback up.
    static func make() throws -> NetworkNamespace {
        guard let made = NamespacedNetlink.newNamespace() else { throw Sys.error("creating network namespace") }
        let ns = NetworkNamespace(namespaceFD: made.namespace, netlink: RouteNetlink.adopting(fd: made.socket))
        try ns.netlink.setUp(index: 1)
        return ns
    }

    /// Bind-mounts the namespace onto `path` (an existing file), which keeps it alive.
    func publish(at path: String) throws {
        guard mount("/proc/self/fd/\(namespaceFD)", path, nil, UInt(MS_BIND), nil) == 0 else {
            throw Sys.error("mounting network namespace on", path)
        }
    }

    // MARK: the spare

    private static let parked = Mutex<NetworkNamespace?>(nil)
    private static let preparer = BackgroundPreparer()

    /// The namespace made ahead of need, if there is one.
    static func takeSpare() -> NetworkNamespace? {
        parked.withLock { p -> NetworkNamespace? in
            let s = p
            p = nil
            return s
        }
    }

    /// Makes the next spare in the background (`BackgroundPreparer`: niced, it runs while a
    /// container starts).
    static func prepareSpare() {
        if parked.withLock({ $0 != nil }) { return }
        preparer.start { _ in
            guard let ns = try? make() else { return }
            parked.withLock { $0 = ns }
        }
    }

    /// The parked spare's namespace inode, if one is parked (tests).
    static var spareInode: UInt64? {
        parked.withLock { p -> UInt64? in
            guard let p else { return nil }
            var st = stat()
            return fstat(p.namespaceFD, &st) == 0 ? UInt64(st.st_ino) : nil
        }
    }
}
