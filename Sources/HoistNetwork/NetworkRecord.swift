import Foundation
import HoistCore

/// A network as Hoist persists it (`<dataRoot>/network/networks/<id>.json`).
public struct NetworkRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// `bridge`, or `host`/`null` for the predefined ones (no state of their own).
    public var driver: String
    /// Linux bridge device (`hoist0`, `br-<id12>`); empty for host/none.
    public var bridge: String
    public var subnet: IPv4Subnet?
    public var gateway: IPv4Address?
    public var ipRange: IPv4Subnet?
    public var internal_: Bool
    public var attachable: Bool
    public var labels: [String: String]
    public var options: [String: String]
    /// Nanoseconds since the epoch.
    public var created: Int64
    /// The default `bridge` network: no name resolution between containers, as in Docker.
    public var isDefaultBridge: Bool

    enum CodingKeys: String, CodingKey {
        case id, name, driver, bridge, subnet, gateway, ipRange, internal_ = "internal", attachable, labels, options, created, isDefaultBridge
    }

    public init(id: String, name: String, driver: String, bridge: String, subnet: IPv4Subnet?, gateway: IPv4Address?,
                ipRange: IPv4Subnet? = nil, internal_: Bool = false, attachable: Bool = false, labels: [String: String] = [:],
                options: [String: String] = [:], created: Int64, isDefaultBridge: Bool = false) {
        self.id = id; self.name = name; self.driver = driver; self.bridge = bridge; self.subnet = subnet; self.gateway = gateway
        self.ipRange = ipRange; self.internal_ = internal_; self.attachable = attachable; self.labels = labels; self.options = options
        self.created = created; self.isDefaultBridge = isDefaultBridge
    }

    /// Docker's scope for all local networks.
    public var scope: String { "local" }
    /// User-defined: can be removed, containers resolve each other by name.
    public var isUserDefined: Bool { driver == "bridge" && !isDefaultBridge }
}

/// JSON files, written to a temp name then renamed, so a crash never leaves half a record.
struct NetworkFiles {
    let dir: String

    init(dir: String) throws {
        self.dir = dir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func all() -> [NetworkRecord] {
        let dec = JSONDecoder()
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap { name in
            guard name.hasSuffix(".json"), let d = FileManager.default.contents(atPath: dir + "/" + name) else { return nil }
            return try? dec.decode(NetworkRecord.self, from: d)
        }
    }

    func save(_ n: NetworkRecord) throws {
        let data = try JSONEncoder().encode(n)
        let tmp = dir + "/.\(n.id).tmp"
        try data.write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, dir + "/\(n.id).json") == 0 else { throw HoistError.internal("saving network \(n.name): rename failed") }
    }

    func remove(_ id: String) { unlink(dir + "/\(id).json") }
}
