import Foundation

/// Picks subnets that clash neither with the host's routes nor with other networks
/// (Docker's default pools: 172.17-31.0.0/16, then 192.168.0-240.0/20).
enum SubnetPool {
    static var candidates: [IPv4Subnet] {
        var out: [IPv4Subnet] = []
        for b in UInt32(17)...31 { out.append(IPv4Subnet(address: IPv4Address(172 << 24 | b << 16), prefix: 16)) }
        for c in stride(from: UInt32(0), through: 240, by: 16) { out.append(IPv4Subnet(address: IPv4Address(192 << 24 | 168 << 16 | c << 8), prefix: 20)) }
        return out
    }

    static func pick(avoiding taken: [IPv4Subnet]) -> IPv4Subnet? {
        let busy = taken + hostRoutes()
        return candidates.first { c in !busy.contains { $0.overlaps(c) } }
    }

    /// IPv4 routes of the host (/proc/net/route), default route excluded.
    static func hostRoutes() -> [IPv4Subnet] {
        guard let text = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return [] }
        var out: [IPv4Subnet] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard f.count >= 8, let dest = UInt32(f[1], radix: 16), let mask = UInt32(f[7], radix: 16), mask != 0 else { continue }
            // The file is in network byte order printed as a little-endian integer.
            let d = dest.byteSwapped, m = mask.byteSwapped
            out.append(IPv4Subnet(address: IPv4Address(d), prefix: m.nonzeroBitCount))
        }
        return out
    }
}
