#if canImport(Glibc)
import Glibc
#endif
import CHoistSys

/// Netlink sockets bound to another network namespace (kept as a bind-mounted nsfs file).
public enum NamespacedNetlink {
    /// A NETLINK_ROUTE socket in the namespace at `path`, or -errno. The namespace switch
    /// happens on a throwaway thread, never on the caller's.
    public static func netlinkSocket(path: String) -> Int32 {
        choist_netlink_socket_in_netns(path)
    }

    /// A new network namespace held only by the returned descriptor (it goes away with the
    /// last one), and a NETLINK_ROUTE socket in it; nil with `errno` set on failure.
    public static func newNamespace() -> (namespace: Int32, socket: Int32)? {
        var ns: Int32 = -1, sock: Int32 = -1
        let e = choist_new_netns(&ns, &sock)
        guard e == 0 else { errno = e; return nil }
        return (ns, sock)
    }
}
