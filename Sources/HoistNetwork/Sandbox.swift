#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistSys

/// One container's network namespace, kept as a bind-mounted nsfs file under the exec
/// root so it exists before the runtime starts the container (which then joins it) and
/// outlives hoistd. Made and wired over rtnetlink (RouteNetlink): one request creates each
/// veth pair with its host end on the bridge and up and its container end in the namespace;
/// then the container end comes up with its address and default route. No process is spawned.
enum Sandbox {
    struct Link: Sendable {
        var ifName: String
        var hostVeth: String
        var ip: IPv4Address
        var prefix: Int
        var mac: String
        var gateway: IPv4Address?
        var bridge: String
        var defaultRoute: Bool
    }

    /// Creates the namespace at `path` (loopback up), without links yet: the runtime can
    /// join it while `wire` adds them through the returned namespace's netlink socket.
    @discardableResult
    static func publish(path: String) throws -> NetworkNamespace {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw HoistError.internal("creating \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        do {
            let ns = try NetworkNamespace.takeSpare() ?? NetworkNamespace.make()
            try ns.publish(at: path)
            return ns
        } catch {
            destroy(path: path, hostVeths: [])
            throw HoistError.internal("network namespace setup: \(error)")
        }
    }

    /// Adds a new sandbox's links (`ns`, published at `path`); on failure its owner releases
    /// the whole sandbox.
    static func wire(_ ns: NetworkNamespace, path: String, links: [Link]) throws {
        do {
            try wire(links, namespace: ns.netlink, path: path)
        } catch {
            throw HoistError.internal("network namespace setup: \(error)")
        }
    }

    /// Adds links to an existing namespace (`network connect` of a running container).
    static func add(path: String, links: [Link]) throws {
        do {
            try wire(links, namespace: try RouteNetlink.namespace(at: path), path: path)
        } catch {
            deleteLinks(links.map(\.hostVeth))
            throw HoistError.internal("network connect: \(error)")
        }
    }

    private static func wire(_ links: [Link], namespace ns: RouteNetlink, path: String) throws {
        guard !links.isEmpty else { return }
        let host = try RouteNetlink.host()
        let nsFD = open(path, O_RDONLY | O_CLOEXEC)
        guard nsFD >= 0 else { throw Sys.error("open", path) }
        defer { close(nsFD) }
        for l in links {
            guard let mac = macBytes(l.mac) else { throw HoistError.internal("invalid MAC address \(l.mac)") }
            try host.addVeth(name: l.hostVeth, master: try host.index(of: l.bridge), peer: l.ifName, peerMAC: mac, peerNamespace: nsFD)
            let index = try ns.index(of: l.ifName)
            try ns.setUp(index: index)
            try ns.addAddress(l.ip, prefix: l.prefix, index: index)
            if l.defaultRoute, let gw = l.gateway { try ns.addDefaultRoute(via: gw, index: index) }
        }
    }

    static func macBytes(_ mac: String) -> [UInt8]? {
        let parts = mac.split(separator: ":")
        guard parts.count == 6 else { return nil }
        let bytes = parts.compactMap { UInt8($0, radix: 16) }
        return bytes.count == 6 ? bytes : nil
    }

    /// Deleting the host end of a veth removes both ends.
    static func deleteLinks(_ hostVeths: [String]) {
        guard !hostVeths.isEmpty, let host = try? RouteNetlink.host() else { return }
        for veth in hostVeths { try? host.deleteLink(veth) }
    }

    /// Removes the namespace file; the kernel frees the namespace once the container's
    /// processes are gone too, and with it both ends of each veth. Deleting a veth ourselves
    /// waits for RCU grace periods (20–35 ms measured per link, most of a `run --rm`'s
    /// teardown); the namespace's cleanup does the same work in a kernel worker. The host ends
    /// leave their bridge and go down first, so nothing is forwarded to a dying namespace.
    static func destroy(path: String, hostVeths: [String]) {
        if !hostVeths.isEmpty, let host = try? RouteNetlink.host() {
            for veth in hostVeths { try? host.detachLink(veth) }
        }
        if umount2(path, Int32(MNT_DETACH)) != 0 && errno != EINVAL && errno != ENOENT {
            // Still mounted for an unexpected reason: remove the links now, leave the file
            // for a later sweep.
            deleteLinks(hostVeths)
            return
        }
        unlink(path)
    }
}
