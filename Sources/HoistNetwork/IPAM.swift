#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore
import HoistSys

/// Address allocation for one network, one file per address in use
/// (`<dir>/<ip>` holding the owner's container ID), created with O_EXCL: an address is
/// never handed out twice, even across a daemon crash, and the state is plain to inspect.
/// Allocation goes round-robin from the last one handed out, so a freed address is not
/// reused at once (as host-local and Docker's IPAM do).
public struct IPAM: Sendable {
    public let dir: String
    public let subnet: IPv4Subnet
    public let gateway: IPv4Address
    /// Only hand out addresses from this sub-range (`--ip-range`); nil = the whole subnet.
    public let range: IPv4Subnet?

    public init(dir: String, subnet: IPv4Subnet, gateway: IPv4Address, range: IPv4Subnet? = nil) {
        self.dir = dir; self.subnet = subnet.canonical; self.gateway = gateway; self.range = range?.canonical
    }

    /// The next free address, reserved for `owner`.
    public func allocate(owner: String) throws -> IPv4Address {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pool = range ?? subnet
        let first = max(pool.network.value, subnet.network.value &+ 1)
        let last = min(pool.broadcast.value, subnet.broadcast.value &- 1)
        guard first <= last else { throw HoistError(.unavailable, "no available IPv4 addresses on this network's address pools") }
        var start = first
        if let s = try? String(contentsOfFile: dir + "/last", encoding: .utf8),
           let a = IPv4Address(s.trimmingCharacters(in: .whitespacesAndNewlines)), a.value >= first, a.value < last {
            start = a.value + 1
        }
        let count = UInt64(last - first) + 1
        var candidate = start
        for _ in 0..<count {
            let a = IPv4Address(candidate)
            if a != gateway, try reserve(a, owner: owner) {
                // A hint for round-robin, not a record: no sync needed.
                try? FileSystem.writeFile(dir + "/last", "\(a)")
                return a
            }
            candidate = candidate >= last ? first : candidate + 1
        }
        throw HoistError(.unavailable, "no available IPv4 addresses on this network's address pools: \(subnet)")
    }

    /// Reserves a given address (`--ip`); false when someone already holds it.
    public func reserve(_ a: IPv4Address, owner: String) throws -> Bool {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fd = open(dir + "/\(a)", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw HoistError.internal("IPAM: cannot reserve \(a): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(owner.utf8)
        // No fsync: after a crash, recovery frees every address no running container holds.
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return true
    }

    /// Frees `a` if `owner` holds it.
    public func release(_ a: IPv4Address, owner: String) {
        let path = dir + "/\(a)"
        if let o = try? String(contentsOfFile: path, encoding: .utf8), o == owner { unlink(path) }
    }

    /// Every address in use, with its owner.
    public func allocations() -> [IPv4Address: String] {
        var out: [IPv4Address: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let a = IPv4Address(name), let o = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else { continue }
            out[a] = o
        }
        return out
    }

    /// Frees every address whose owner `keep` rejects (after a crash).
    public func releaseAll(except keep: (String) -> Bool) {
        for (a, o) in allocations() where !keep(o) { unlink(dir + "/\(a)") }
    }
}
