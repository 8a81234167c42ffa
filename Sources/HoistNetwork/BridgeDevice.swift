import Foundation
import HoistCore
import HoistSys

/// The Linux bridge of a network, with its gateway address, and the kernel switches a
/// bridge network needs (as dockerd sets them).
enum BridgeDevice {
    static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "/sys/class/net/\(name)") }

    static func ensure(name: String, gateway: IPv4Address, prefix: Int) throws {
        var batch = ""
        if !exists(name) { batch += "link add \(name) type bridge\n" }
        batch += "addr replace \(gateway)/\(prefix) dev \(name)\n"
        batch += "link set \(name) up\n"
        try HostCommand.check(HostCommand.ip, ["-batch", "-"], input: batch, what: "bridge \(name)")
        // Forwarding for outbound traffic; route_localnet so 127.0.0.1:PORT can be DNATed
        // to a container (the masquerade rule then rewrites the loopback source).
        writeSysctl("/proc/sys/net/ipv4/ip_forward", "1")
        writeSysctl("/proc/sys/net/ipv4/conf/\(name)/route_localnet", "1")
    }

    static func remove(_ name: String) {
        guard exists(name) else { return }
        _ = try? HostCommand.run(HostCommand.ip, ["link", "del", name])
    }

    /// Hairpin mode on a container's bridge port: with br_netfilter, a container reaching
    /// its own published port through a host address is DNATed on the bridge and must be
    /// sent back out of the port it came in on (dockerd does this without userland proxy).
    static func enableHairpin(port: String) {
        writeSysctl("/sys/class/net/\(port)/brport/hairpin_mode", "1")
    }

    static func writeSysctl(_ path: String, _ value: String) {
        if let cur = try? String(contentsOfFile: path, encoding: .utf8), cur.trimmingCharacters(in: .whitespacesAndNewlines) == value { return }
        try? FileSystem.writeFile(path, value)
    }
}
