import CHoistSys

/// Netlink sockets bound to another network namespace (kept as a bind-mounted nsfs file).
public enum NamespacedNetlink {
    /// A NETLINK_ROUTE socket in the namespace at `path` (with `create`, a new namespace is
    /// made and bind-mounted onto the existing file `path` first). Returns the socket or
    /// -errno. The namespace switch happens on a throwaway thread, never on the caller's.
    public static func netlinkSocket(path: String, create: Bool) -> Int32 {
        choist_netlink_socket_in_netns(path, create ? 1 : 0)
    }
}
