#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// An IPv4 address as a host-order integer (so subnet arithmetic is plain integer math).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }

    /// Dotted quad only (`10.1.2.3`); nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let b = UInt32(p), b <= 255 else { return nil }
            v = v << 8 | b
        }
        value = v
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }
    public var isLoopback: Bool { value >> 24 == 127 }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPv4Address(s) else { throw HoistError.invalid("invalid IPv4 address \(s)") }
        self = a
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A CIDR block (`172.17.0.0/16`). `address` keeps the host part as given (so `--bip
/// 10.5.0.1/24` is both the subnet and the gateway).
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible, Codable {
    public var address: IPv4Address
    public var prefix: Int

    public init(address: IPv4Address, prefix: Int) { self.address = address; self.prefix = prefix }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPv4Address(String(parts[0])), let p = Int(parts[1]), (0...32).contains(p) else { return nil }
        address = a; prefix = p
    }

    public var mask: UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }
    public var network: IPv4Address { IPv4Address(address.value & mask) }
    public var broadcast: IPv4Address { IPv4Address(network.value | ~mask) }
    /// The block itself with the host bits cleared.
    public var canonical: IPv4Subnet { IPv4Subnet(address: network, prefix: prefix) }
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }

    public func contains(_ a: IPv4Address) -> Bool { a.value & mask == network.value }
    public func overlaps(_ o: IPv4Subnet) -> Bool { contains(o.network) || o.contains(network) }
    /// The nth address of the block (1 = first host).
    public func host(_ n: UInt32) -> IPv4Address { IPv4Address(network.value &+ n) }

    public var description: String { "\(network)/\(prefix)" }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let n = IPv4Subnet(s) else { throw HoistError.invalid("invalid CIDR address: \(s)") }
        self = n
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode("\(address)/\(prefix)")
    }
}

/// A socket address for `address:port`.
extension sockaddr_in {
    init(_ address: IPv4Address, port: UInt16) {
        self.init()
        sin_family = sa_family_t(AF_INET)
        sin_port = in_port_t(port.bigEndian)
        sin_addr.s_addr = address.value.bigEndian
    }
}
