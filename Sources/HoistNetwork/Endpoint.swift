/// What a container asks of one network (`--network NAME`, `--network-alias`, `--ip`).
public struct EndpointRequest: Sendable, Equatable {
    public var network: String
    public var aliases: [String]
    public var ipv4: String?
    public init(network: String, aliases: [String] = [], ipv4: String? = nil) {
        self.network = network; self.aliases = aliases; self.ipv4 = ipv4
    }
}

/// A container's attachment to one network while it runs.
public struct EndpointState: Codable, Sendable, Equatable {
    public var networkID: String
    public var networkName: String
    public var ip: IPv4Address
    public var prefix: Int
    public var gateway: IPv4Address?
    public var mac: String
    public var hostVeth: String
    public var ifName: String
    /// Names other containers on the network resolve to this one (name, aliases, short ID).
    public var dnsNames: [String]
    public var aliases: [String]
}

/// A running container's networking: its namespace, endpoints and published ports.
public struct SandboxState: Codable, Sendable, Equatable {
    public var netnsPath: String
    public var endpoints: [EndpointState]
    public var ports: [PortMapping]
}
