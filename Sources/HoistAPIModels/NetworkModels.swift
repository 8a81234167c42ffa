import HoistCore
import HoistOCI

// Engine API network models (moby api/swagger.yaml: Network, EndpointSettings, Port...).

/// `NetworkingConfig` of a create request.
public struct NetworkingConfig: Codable, Sendable, Equatable {
    public var EndpointsConfig: [String: EndpointConfig]?
    public init(EndpointsConfig: [String: EndpointConfig]? = nil) { self.EndpointsConfig = EndpointsConfig }
}

public struct EndpointIPAMConfig: Codable, Sendable, Equatable {
    public var IPv4Address: String?
    public var IPv6Address: String?
    public init(IPv4Address: String? = nil) { self.IPv4Address = IPv4Address }
}

/// What a client asks of one network (create, `network connect`).
public struct EndpointConfig: Codable, Sendable, Equatable {
    public var IPAMConfig: EndpointIPAMConfig?
    public var Aliases: [String]?
    public var Links: [String]?
    public init(IPAMConfig: EndpointIPAMConfig? = nil, Aliases: [String]? = nil) { self.IPAMConfig = IPAMConfig; self.Aliases = Aliases }
}

/// One entry of `Ports` in `GET /containers/json`.
public struct PortSummary: Codable, Sendable, Equatable {
    public var IP: String?
    public var PrivatePort: Int
    public var PublicPort: Int?
    public var `Type`: String
    public init(IP: String?, PrivatePort: Int, PublicPort: Int?, Type: String) {
        self.IP = IP; self.PrivatePort = PrivatePort; self.PublicPort = PublicPort; self.Type = Type
    }
}

public struct NetworkIPAMConfig: Codable, Sendable, Equatable {
    public var Subnet: String?
    public var IPRange: String?
    public var Gateway: String?
    public init(Subnet: String? = nil, IPRange: String? = nil, Gateway: String? = nil) { self.Subnet = Subnet; self.IPRange = IPRange; self.Gateway = Gateway }
}

public struct NetworkIPAM: Codable, Sendable, Equatable {
    public var Driver: String?
    public var Config: [NetworkIPAMConfig]?
    public var Options: [String: String]?
    public init(Driver: String? = "default", Config: [NetworkIPAMConfig]? = [], Options: [String: String]? = nil) {
        self.Driver = Driver; self.Config = Config; self.Options = Options
    }
}

/// A container in `network inspect`.
public struct NetworkContainer: Codable, Sendable, Equatable {
    public var Name: String
    public var EndpointID: String
    public var MacAddress: String
    public var IPv4Address: String
    public var IPv6Address: String
    public init(Name: String, EndpointID: String, MacAddress: String, IPv4Address: String) {
        self.Name = Name; self.EndpointID = EndpointID; self.MacAddress = MacAddress; self.IPv4Address = IPv4Address; self.IPv6Address = ""
    }
}

/// `GET /networks`, `GET /networks/{id}`.
public struct NetworkResource: Codable, Sendable, Equatable {
    public var Name: String
    public var Id: String
    public var Created: String
    public var Scope: String
    public var Driver: String
    public var EnableIPv6: Bool
    public var IPAM: NetworkIPAM
    public var Internal: Bool
    public var Attachable: Bool
    public var Ingress: Bool
    public var ConfigFrom: [String: String]
    public var ConfigOnly: Bool
    public var Containers: [String: NetworkContainer]
    public var Options: [String: String]
    public var Labels: [String: String]
    public init(Name: String, Id: String, Created: String, Driver: String, IPAM: NetworkIPAM, Internal: Bool, Attachable: Bool,
                Containers: [String: NetworkContainer], Options: [String: String], Labels: [String: String]) {
        self.Name = Name; self.Id = Id; self.Created = Created; self.Scope = "local"; self.Driver = Driver; self.EnableIPv6 = false
        self.IPAM = IPAM; self.Internal = Internal; self.Attachable = Attachable; self.Ingress = false; self.ConfigFrom = ["Network": ""]
        self.ConfigOnly = false; self.Containers = Containers; self.Options = Options; self.Labels = Labels
    }
}

/// `POST /networks/create`.
public struct NetworkCreateRequest: Codable, Sendable, Equatable {
    public var Name: String
    public var CheckDuplicate: Bool?
    public var Driver: String?
    public var Internal: Bool?
    public var Attachable: Bool?
    public var EnableIPv6: Bool?
    public var IPAM: NetworkIPAM?
    public var Options: [String: String]?
    public var Labels: [String: String]?
    public init(Name: String) { self.Name = Name }
}

public struct NetworkCreateResponse: Codable, Sendable, Equatable {
    public var Id: String
    public var Warning: String
    public init(Id: String, Warning: String = "") { self.Id = Id; self.Warning = Warning }
}

/// `POST /networks/{id}/connect`.
public struct NetworkConnectRequest: Codable, Sendable, Equatable {
    public var Container: String
    public var EndpointConfig: EndpointConfig?
    public init(Container: String, EndpointConfig: EndpointConfig? = nil) { self.Container = Container; self.EndpointConfig = EndpointConfig }
}

/// `POST /networks/{id}/disconnect`.
public struct NetworkDisconnectRequest: Codable, Sendable, Equatable {
    public var Container: String
    public var Force: Bool?
    public init(Container: String, Force: Bool? = nil) { self.Container = Container; self.Force = Force }
}

public struct NetworkPruneResponse: Codable, Sendable, Equatable {
    public var NetworksDeleted: [String]
    public init(NetworksDeleted: [String]) { self.NetworksDeleted = NetworksDeleted }
}

/// docker's `-p`/`--publish` syntax (nat.ParsePortSpec): `[ip:][hostPort[-end]:]containerPort[-end][/proto]`.
public enum PortSpec {
    public struct Parsed: Equatable, Sendable {
        /// `80/tcp` keys, in the order given.
        public var exposed: [String]
        public var bindings: [String: [PortBinding]]
    }

    public static func parse(_ spec: String) throws -> Parsed {
        var rest = spec
        var proto = "tcp"
        if let slash = rest.lastIndex(of: "/") {
            proto = String(rest[rest.index(after: slash)...]).lowercased()
            rest = String(rest[..<slash])
            guard ["tcp", "udp", "sctp"].contains(proto) else { throw HoistError.invalid("invalid proto: \(proto)") }
        }
        var ip = "", host = "", container = ""
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: container = parts[0]
        case 2: host = parts[0]; container = parts[1]
        case 3: ip = parts[0]; host = parts[1]; container = parts[2]
        default:
            // [v6]:host:container
            guard rest.hasPrefix("["), let close = rest.lastIndex(of: "]") else { throw HoistError.invalid("invalid port format: \(spec)") }
            ip = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard tail.count == 3 else { throw HoistError.invalid("invalid port format: \(spec)") }
            host = tail[1]; container = tail[2]
        }
        if ip.hasPrefix("[") && ip.hasSuffix("]") { ip = String(ip.dropFirst().dropLast()) }
        if !ip.isEmpty && !isIP(ip) { throw HoistError.invalid("invalid IP address: \(ip)") }
        guard !container.isEmpty else { throw HoistError.invalid("no port specified: \(spec)<empty>") }
        guard let (cStart, cEnd) = range(container) else { throw HoistError.invalid("invalid containerPort: \(container)") }
        var hStart = 0, hEnd = 0
        if !host.isEmpty {
            guard let (a, b) = range(host) else { throw HoistError.invalid("invalid hostPort: \(host)") }
            hStart = a; hEnd = b
        }
        let cCount = cEnd - cStart, hCount = hEnd - hStart
        if !host.isEmpty && cCount != hCount && hCount != 0 && cCount != 0 {
            throw HoistError.invalid("invalid ranges specified for container and host Ports: \(container) and \(host)")
        }
        if !host.isEmpty && cCount > 0 && hCount == 0 {
            throw HoistError.invalid("invalid ranges specified for container and host Ports: \(container) and \(host)")
        }
        var out = Parsed(exposed: [], bindings: [:])
        for i in 0...cCount {
            let key = "\(cStart + i)/\(proto)"
            var hostPort = ""
            if !host.isEmpty {
                // A single container port with a host range: the engine picks one of the range.
                hostPort = cCount == 0 && hCount > 0 ? "\(hStart)-\(hEnd)" : "\(hStart + i)"
            }
            if !out.exposed.contains(key) { out.exposed.append(key) }
            out.bindings[key, default: []].append(PortBinding(HostIp: ip, HostPort: hostPort))
        }
        return out
    }

    /// `80`, `8000-8010`; nil when invalid.
    static func range(_ s: String) -> (Int, Int)? {
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 1 || p.count == 2, let a = Int(p[0]), (1...65535).contains(a) || (p.count == 1 && a == 0 && false) else { return nil }
        if p.count == 1 { return (a, a) }
        guard let b = Int(p[1]), b >= a, b <= 65535 else { return nil }
        return (a, b)
    }

    static func isIP(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 { return parts.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false } }
        return s.contains(":")
    }

    /// A port key `80/tcp` (or bare `80`) → (port, proto).
    public static func key(_ k: String) -> (Int, String)? {
        let p = k.split(separator: "/", maxSplits: 1)
        guard let first = p.first, let n = Int(first), (1...65535).contains(n) else { return nil }
        return (n, p.count == 2 ? String(p[1]) : "tcp")
    }
}
