#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore

/// One container's network namespace, kept as a bind-mounted nsfs file under the exec
/// root so it exists before the runtime starts the container (which then joins it) and
/// outlives hoistd. Built with two processes: `unshare --net=FILE ip -batch -` (makes the
/// namespace and configures its side, the veth peer landing in the host namespace), then
/// `ip -batch -` on the host to enslave the peer to the bridge.
enum Sandbox {
    struct Link {
        var ifName: String
        var hostVeth: String
        var ip: IPv4Address
        var prefix: Int
        var mac: String
        var gateway: IPv4Address?
        var bridge: String
        var defaultRoute: Bool
    }

    static func nsLines(_ links: [Link]) -> String {
        var s = ""
        for l in links {
            s += "link add \(l.ifName) type veth peer name \(l.hostVeth) netns /proc/\(getpid())/ns/net\n"
            s += "link set \(l.ifName) address \(l.mac)\n"
            s += "addr add \(l.ip)/\(l.prefix) dev \(l.ifName)\n"
            s += "link set \(l.ifName) up\n"
            if l.defaultRoute, let gw = l.gateway { s += "route add default via \(gw) dev \(l.ifName)\n" }
        }
        return s
    }

    static func hostLines(_ links: [Link]) -> String {
        links.map { "link set \($0.hostVeth) master \($0.bridge) up\n" }.joined()
    }

    /// Creates the namespace at `path` with loopback up and `links`.
    static func create(path: String, links: [Link]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw HoistError.internal("creating \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        do {
            try HostCommand.check(HostCommand.unshare, ["--net=\(path)", HostCommand.ip, "-batch", "-"],
                                  input: "link set lo up\n" + nsLines(links), what: "network namespace setup")
            if !links.isEmpty {
                try HostCommand.check(HostCommand.ip, ["-batch", "-"], input: hostLines(links), what: "veth setup")
            }
        } catch {
            destroy(path: path, hostVeths: links.map(\.hostVeth))
            throw error
        }
    }

    /// Adds links to an existing namespace (`network connect` of a running container).
    static func add(path: String, links: [Link]) throws {
        do {
            try HostCommand.check(HostCommand.nsenter, ["--net=\(path)", HostCommand.ip, "-batch", "-"], input: nsLines(links),
                                  what: "network connect")
            try HostCommand.check(HostCommand.ip, ["-batch", "-"], input: hostLines(links), what: "veth setup")
        } catch {
            deleteLinks(links.map(\.hostVeth))
            throw error
        }
    }

    /// Deleting the host end of a veth removes both ends.
    static func deleteLinks(_ hostVeths: [String]) {
        let present = hostVeths.filter { FileManager.default.fileExists(atPath: "/sys/class/net/\($0)") }
        guard !present.isEmpty else { return }
        _ = try? HostCommand.run(HostCommand.ip, ["-force", "-batch", "-"], input: present.map { "link del \($0)\n" }.joined())
    }

    /// Removes the links and the namespace file (the kernel frees the namespace once the
    /// container's processes are gone too).
    static func destroy(path: String, hostVeths: [String]) {
        deleteLinks(hostVeths)
        if umount2(path, Int32(MNT_DETACH)) != 0 && errno != EINVAL && errno != ENOENT {
            // Still mounted for an unexpected reason: leave the file, a later sweep retries.
            return
        }
        unlink(path)
    }
}
