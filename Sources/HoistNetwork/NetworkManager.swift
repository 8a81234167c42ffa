#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore

/// Networks and the networking of running containers. Synchronous, behind a lock: the
/// Engine actor calls it in order, the DNS server reads names from its own thread.
public final class NetworkManager: @unchecked Sendable {
    public struct Settings: Sendable {
        public var dataRoot: String
        public var execRoot: String
        /// `-b/--bridge`: the default network's bridge device.
        public var bridge: String
        /// `--bip`: the default bridge's gateway address and subnet.
        public var bip: String?
        public init(dataRoot: String, execRoot: String, bridge: String = "hoist0", bip: String? = nil) {
            self.dataRoot = dataRoot; self.execRoot = execRoot; self.bridge = bridge; self.bip = bip
        }
    }

    let settings: Settings
    let files: NetworkFiles
    let ipamRoot: String
    public let netnsDir: String
    private let lock = NSLock()
    private var networks: [String: NetworkRecord] = [:]
    private var sandboxes: [String: SandboxState] = [:]
    private var reservations: [String: PortReservation] = [:]
    /// Container ID → its `--dns` servers: the embedded DNS forwards that container's
    /// other queries there (moby's behaviour) instead of to the host's resolvers.
    private var upstreamDNS: [String: [IPv4Address]] = [:]
    let dns: EmbeddedDNS

    public init(_ settings: Settings) throws {
        self.settings = settings
        files = try NetworkFiles(dir: settings.dataRoot + "/network/networks")
        ipamRoot = settings.dataRoot + "/network/ipam"
        netnsDir = settings.execRoot + "/netns"
        try FileManager.default.createDirectory(atPath: netnsDir, withIntermediateDirectories: true)
        dns = EmbeddedDNS()
        for n in files.all() { networks[n.id] = n }
        try setUpPredefined()
        for n in networks.values where n.driver == "bridge" && !n.isDefaultBridge {
            try? bringUp(n, nat: false)
            dns.serve(network: n.id, on: n.gateway)
        }
        dns.resolver = { [weak self] net, name in self?.lookup(network: net, name: name) }
        dns.upstreams = { [weak self] net, client in self?.upstreams(network: net, client: client) }
        dns.reverseResolver = { [weak self] net, ip in self?.reverseLookup(network: net, ip: ip) }
    }

    private func setUpPredefined() throws {
        let now = Timestamps.nowNanos()
        if !networks.values.contains(where: { $0.name == "host" }) {
            let n = NetworkRecord(id: Identifiers.random(), name: "host", driver: "host", bridge: "", subnet: nil, gateway: nil, created: now)
            try files.save(n); networks[n.id] = n
        }
        if !networks.values.contains(where: { $0.name == "none" }) {
            let n = NetworkRecord(id: Identifiers.random(), name: "none", driver: "null", bridge: "", subnet: nil, gateway: nil, created: now)
            try files.save(n); networks[n.id] = n
        }
        guard (1...15).contains(settings.bridge.utf8.count), !settings.bridge.contains("/"), !settings.bridge.contains(" ") else {
            throw HoistError.invalid("invalid bridge name \"\(settings.bridge)\": 1 to 15 characters, no '/' or space")
        }
        var bip: IPv4Subnet?
        if let b = settings.bip {
            guard let s = IPv4Subnet(b), s.prefix <= 30 else { throw HoistError.invalid("invalid --bip \(b): want a CIDR such as 172.17.0.1/16") }
            bip = s
        }
        var def = networks.values.first(where: { $0.isDefaultBridge })
        if var d = def, d.bridge != settings.bridge || (bip != nil && (d.subnet?.canonical != bip?.canonical || d.gateway != gatewayOf(bip))) {
            // Flags changed since the last start: the old bridge stays as it was (its rules
            // are dropped), the default network follows the flags.
            NATRules(bridge: d.bridge, subnet: d.subnet ?? IPv4Subnet(address: IPv4Address(0), prefix: 32), internal_: false).remove()
            d.bridge = settings.bridge
            if let b = bip { d.subnet = b.canonical; d.gateway = gatewayOf(b) }
            try files.save(d); networks[d.id] = d
            def = d
        }
        if def == nil {
            let others = networks.values.compactMap(\.subnet)
            guard let subnet = bip?.canonical ?? SubnetPool.pick(avoiding: others) else {
                throw HoistError(.unavailable, "could not find an available, non-overlapping IPv4 address pool for the default bridge network")
            }
            let d = NetworkRecord(id: Identifiers.random(), name: "bridge", driver: "bridge", bridge: settings.bridge, subnet: subnet,
                                  gateway: bip.map(gatewayOf) ?? subnet.host(1), created: now, isDefaultBridge: true)
            try files.save(d); networks[d.id] = d
            def = d
        }
        // NAT chains are written by `recover` (they need the running containers' ports).
        if let d = def { try bringUp(d, nat: false) }
    }

    private func gatewayOf(_ s: IPv4Subnet?) -> IPv4Address? {
        guard let s else { return nil }
        return s.address == s.network ? s.host(1) : s.address
    }

    /// Bridge device and iptables chains (idempotent).
    private func bringUp(_ n: NetworkRecord, nat: Bool = true) throws {
        guard n.driver == "bridge", let subnet = n.subnet, let gw = n.gateway else { return }
        try BridgeDevice.ensure(name: n.bridge, gateway: gw, prefix: subnet.prefix)
        if nat { try natRules(n).apply(mappings: mappings(bridge: n.bridge)) }
    }

    private func natRules(_ n: NetworkRecord) -> NATRules {
        NATRules(bridge: n.bridge, subnet: n.subnet ?? IPv4Subnet(address: IPv4Address(0), prefix: 32), internal_: n.internal_)
    }

    private func ipam(_ n: NetworkRecord) -> IPAM? {
        guard let s = n.subnet, let gw = n.gateway else { return nil }
        return IPAM(dir: ipamRoot + "/" + n.id, subnet: s, gateway: gw, range: n.ipRange)
    }

    /// Published ports DNAT to the container's address on its first network.
    private func mappings(bridge: String) -> [(ip: IPv4Address, PortMapping)] {
        var out: [(ip: IPv4Address, PortMapping)] = []
        for s in sandboxes.values {
            guard let ep = s.endpoints.first, networks[ep.networkID]?.bridge == bridge else { continue }
            out += s.ports.map { (ep.ip, $0) }
        }
        return out
    }

    private func refreshNAT(_ networkIDs: [String]) throws {
        for id in Set(networkIDs) { if let n = networks[id], n.driver == "bridge" { try natRules(n).apply(mappings: mappings(bridge: n.bridge)) } }
    }

    // MARK: networks

    public func list() -> [NetworkRecord] {
        lock.lock(); defer { lock.unlock() }
        return networks.values.sorted { $0.created < $1.created }
    }

    public func find(_ idOrName: String) throws -> NetworkRecord {
        lock.lock(); defer { lock.unlock() }
        return try findLocked(idOrName)
    }

    private func findLocked(_ idOrName: String) throws -> NetworkRecord {
        if let n = networks[idOrName] { return n }
        if let n = networks.values.first(where: { $0.name == idOrName }) { return n }
        if !idOrName.isEmpty {
            let m = networks.values.filter { $0.id.hasPrefix(idOrName) }
            if m.count == 1, let n = m.first { return n }
            if m.count > 1 { throw HoistError.invalid("network \(idOrName) is ambiguous (\(m.count) matches found based on ID prefix)") }
        }
        throw HoistError.notFound("network \(idOrName) not found")
    }

    public var defaultBridge: NetworkRecord? {
        lock.lock(); defer { lock.unlock() }
        return networks.values.first { $0.isDefaultBridge }
    }

    public func create(name: String, driver: String, subnet: String?, gateway: String?, ipRange: String?, internal_: Bool,
                       attachable: Bool, labels: [String: String], options: [String: String]) throws -> NetworkRecord {
        lock.lock(); defer { lock.unlock() }
        if networks.values.contains(where: { $0.name == name }) { throw HoistError.conflict("network with name \(name) already exists") }
        guard driver == "bridge" else {
            if driver == "host" || driver == "null" { throw HoistError(.forbidden, "only one instance of \"\(driver)\" network is allowed") }
            throw HoistError.notFound("plugin \"\(driver)\" not found")
        }
        let others = networks.values.compactMap(\.subnet)
        var sub: IPv4Subnet
        if let s = subnet {
            guard let p = IPv4Subnet(s) else { throw HoistError.invalid("invalid subnet \(s) : invalid CIDR address: \(s)") }
            guard p.prefix <= 30 else { throw HoistError.invalid("invalid subnet \(s): too small for a network") }
            sub = p.canonical
            if others.contains(where: { $0.overlaps(sub) }) { throw HoistError(.forbidden, "Pool overlaps with other one on this address space") }
        } else {
            guard let p = SubnetPool.pick(avoiding: others) else {
                throw HoistError(.unavailable, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
            }
            sub = p
        }
        var gw = sub.host(1)
        if let g = gateway {
            guard let a = IPv4Address(g) else { throw HoistError.invalid("invalid gateway address \(g)") }
            guard sub.contains(a) else { throw HoistError(.forbidden, "no matching subnet for gateway \(g)") }
            gw = a
        }
        var range: IPv4Subnet?
        if let r = ipRange {
            guard let p = IPv4Subnet(r), sub.contains(p.network), sub.prefix <= p.prefix else { throw HoistError(.forbidden, "no matching subnet for range \(r)") }
            range = p.canonical
        }
        let id = Identifiers.random()
        let n = NetworkRecord(id: id, name: name, driver: "bridge", bridge: options["com.docker.network.bridge.name"] ?? "br-" + id.prefix(12),
                              subnet: sub, gateway: gw, ipRange: range, internal_: internal_, attachable: attachable, labels: labels,
                              options: options, created: Timestamps.nowNanos())
        do {
            try bringUp(n)
            try files.save(n)
        } catch {
            natRules(n).remove()
            BridgeDevice.remove(n.bridge)
            throw error
        }
        networks[id] = n
        dns.serve(network: id, on: gw)
        return n
    }

    /// The Engine checks that no container uses it first.
    public func remove(_ n: NetworkRecord) throws {
        lock.lock(); defer { lock.unlock() }
        guard n.isUserDefined else { throw HoistError(.forbidden, "\(n.name) is a pre-defined network and cannot be removed") }
        dns.stop(network: n.id)
        natRules(n).remove()
        BridgeDevice.remove(n.bridge)
        try? FileManager.default.removeItem(atPath: ipamRoot + "/" + n.id)
        files.remove(n.id)
        networks[n.id] = nil
    }

    // MARK: containers

    public func netnsPath(_ containerID: String) -> String { netnsDir + "/" + containerID }

    /// Makes a network namespace ahead of need, in the background, unless one is ready or on
    /// its way: a container's sandbox takes it instead of unsharing one on its way to start.
    public func prepareSpareNamespace() { NetworkNamespace.prepareSpare() }

    /// Gives a container its namespace, addresses and published ports; all or nothing.
    /// What `attach` leaves to `wire`.
    public struct SandboxWiring: Sendable {
        /// The new namespace, its netlink socket still open in it.
        let namespace: NetworkNamespace
        let path: String
        let links: [Sandbox.Link]
        /// The network whose NAT rules publish the container's ports.
        let natNetwork: String?
    }

    /// Allocates the container's addresses and ports and creates its namespace; its links
    /// come with `wire`.
    public func attach(containerID: String, dnsNames: [String], endpoints: [EndpointRequest], ports: [PortRequest],
                       endpointName: String) throws -> (SandboxState, SandboxWiring) {
        lock.lock(); defer { lock.unlock() }
        var states: [EndpointState] = []
        var links: [Sandbox.Link] = []
        let reservation = PortReservation()
        func undo() {
            for s in states { if let n = networks[s.networkID] { ipam(n)?.release(s.ip, owner: containerID) } }
            reservation.releaseAll()
        }
        do {
            for (i, req) in endpoints.enumerated() {
                let (st, link) = try allocate(containerID: containerID, request: req, dnsNames: dnsNames, index: i, existing: states)
                states.append(st); links.append(link)
            }
            var mapped: [PortMapping] = []
            if !ports.isEmpty {
                guard !states.isEmpty else { throw HoistError.invalid("published ports need a bridge network") }
                for p in ports {
                    do { mapped.append(try reservation.reserve(p)) } catch let e as HoistError {
                        throw HoistError(e.code, "driver failed programming external connectivity on endpoint \(endpointName) (\(containerID)): \(e.message)")
                    }
                }
            }
            let path = netnsPath(containerID)
            let namespace = try Sandbox.publish(path: path)
            let state = SandboxState(netnsPath: path, endpoints: states, ports: mapped)
            sandboxes[containerID] = state
            if !mapped.isEmpty { reservations[containerID] = reservation }
            return (state, SandboxWiring(namespace: namespace, path: path, links: links, natNetwork: mapped.isEmpty ? nil : states[0].networkID))
        } catch {
            undo()
            throw error
        }
    }

    /// Adds an attached sandbox's links (veths, addresses, routes) and its ports' NAT rules.
    /// The namespace exists already, so this runs while the runtime creates the container
    /// (the whole set-up took 1.5–3.7 ms, traced, most of it here); it must be done before
    /// the process starts. On failure the caller releases the container's network
    /// (`release`), all of it.
    public func wire(_ w: SandboxWiring) throws {
        // No manager lock: only this container's kernel objects are touched.
        try Sandbox.wire(w.namespace, path: w.path, links: w.links)
        for l in w.links { BridgeDevice.enableHairpin(port: l.hostVeth) }
        if let n = w.natNetwork {
            lock.lock(); defer { lock.unlock() }
            try refreshNAT([n])
        }
    }

    private func allocate(containerID: String, request: EndpointRequest, dnsNames: [String], index: Int,
                          existing: [EndpointState]) throws -> (EndpointState, Sandbox.Link) {
        let n = try findLocked(request.network)
        guard n.driver == "bridge", let ipam = ipam(n), let subnet = n.subnet else {
            throw HoistError.invalid("container cannot be connected to network \(n.name)")
        }
        if existing.contains(where: { $0.networkID == n.id }) {
            throw HoistError(.forbidden, "endpoint with name \(dnsNames.first ?? containerID) already exists in network \(n.name)")
        }
        if !BridgeDevice.exists(n.bridge) { try bringUp(n) }
        let ip: IPv4Address
        if let want = request.ipv4, !want.isEmpty {
            guard !n.isDefaultBridge else { throw HoistError.invalid("user specified IP address is supported on user defined networks only") }
            guard let a = IPv4Address(want) else { throw HoistError.invalid("invalid IPv4 address: \(want)") }
            guard subnet.contains(a), a != n.gateway, a != subnet.network, a != subnet.broadcast else {
                throw HoistError.invalid("Invalid address \(want): It does not belong to any of this network's subnets")
            }
            guard try ipam.reserve(a, owner: containerID) else { throw HoistError(.forbidden, "Address already in use") }
            ip = a
        } else {
            ip = try ipam.allocate(owner: containerID)
        }
        let v = ip.value
        let mac = String(format: "02:42:%02x:%02x:%02x:%02x", v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff)
        let veth = "veth" + String(Identifiers.random().prefix(7))
        let names = n.isUserDefined ? dnsNames + request.aliases : []
        let st = EndpointState(networkID: n.id, networkName: n.name, ip: ip, prefix: subnet.prefix, gateway: n.gateway, mac: mac,
                               hostVeth: veth, ifName: "eth\(index)", dnsNames: names, aliases: request.aliases)
        let link = Sandbox.Link(ifName: "eth\(index)", hostVeth: veth, ip: ip, prefix: subnet.prefix, mac: mac, gateway: n.gateway,
                                bridge: n.bridge, defaultRoute: index == 0 && !n.internal_)
        return (st, link)
    }

    /// `network connect` of a running container.
    public func connect(containerID: String, state: SandboxState, request: EndpointRequest, dnsNames: [String]) throws -> SandboxState {
        lock.lock(); defer { lock.unlock() }
        var s = state
        let used = Set(s.endpoints.map(\.ifName))
        var idx = 0
        while used.contains("eth\(idx)") { idx += 1 }
        var (ep, link) = try allocate(containerID: containerID, request: request, dnsNames: dnsNames, index: idx, existing: s.endpoints)
        link.defaultRoute = s.endpoints.isEmpty && link.defaultRoute
        do {
            try Sandbox.add(path: s.netnsPath, links: [link])
            BridgeDevice.enableHairpin(port: link.hostVeth)
        } catch {
            if let n = networks[ep.networkID] { ipam(n)?.release(ep.ip, owner: containerID) }
            throw error
        }
        ep.ifName = link.ifName
        s.endpoints.append(ep)
        sandboxes[containerID] = s
        return s
    }

    /// `network disconnect` of a running container.
    public func disconnect(containerID: String, state: SandboxState, networkID: String) -> SandboxState {
        lock.lock(); defer { lock.unlock() }
        var s = state
        guard let i = s.endpoints.firstIndex(where: { $0.networkID == networkID }) else { return s }
        let ep = s.endpoints.remove(at: i)
        Sandbox.deleteLinks([ep.hostVeth])
        if let n = networks[ep.networkID] { ipam(n)?.release(ep.ip, owner: containerID) }
        let hadPorts = i == 0 && !s.ports.isEmpty
        if hadPorts { s.ports = []; reservations.removeValue(forKey: containerID)?.releaseAll() }
        sandboxes[containerID] = s
        if hadPorts { try? refreshNAT([ep.networkID]) }
        return s
    }

    /// Where the embedded DNS forwards a container's queries for names it does not own
    /// (its `--dns`); empty: the host's resolvers. Kept until `release`.
    public func setUpstreamDNS(containerID: String, servers: [String]) {
        lock.lock(); defer { lock.unlock() }
        let list = servers.compactMap(IPv4Address.init)
        upstreamDNS[containerID] = list.isEmpty ? nil : list
    }

    /// Frees everything of a stopped container. Idempotent.
    public func release(containerID: String, state: SandboxState?) {
        lock.lock(); defer { lock.unlock() }
        upstreamDNS[containerID] = nil
        let s = state ?? sandboxes[containerID]
        sandboxes[containerID] = nil
        reservations.removeValue(forKey: containerID)?.releaseAll()
        guard let s else {
            let path = netnsPath(containerID)
            if FileManager.default.fileExists(atPath: path) { Sandbox.destroy(path: path, hostVeths: []) }
            return
        }
        Sandbox.destroy(path: s.netnsPath, hostVeths: s.endpoints.map(\.hostVeth))
        for ep in s.endpoints { if let n = networks[ep.networkID] { ipam(n)?.release(ep.ip, owner: containerID) } }
        if !s.ports.isEmpty, let first = s.endpoints.first { try? refreshNAT([first.networkID]) }
    }

    /// After a daemon restart: takes back the running containers' networking (port
    /// reservations, names) and frees whatever belongs to no running container (netns
    /// files, addresses, NAT rules left by a crash).
    public func recover(running: [String: SandboxState]) {
        lock.lock(); defer { lock.unlock() }
        sandboxes = running
        for (id, s) in running where !s.ports.isEmpty {
            let r = PortReservation()
            for p in s.ports {
                _ = try? r.reserve(PortRequest(proto: p.proto, hostIP: p.hostIP, hostPorts: p.hostPort...p.hostPort, containerPort: p.containerPort))
            }
            reservations[id] = r
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: netnsDir)) ?? [] where running[name] == nil {
            Sandbox.destroy(path: netnsDir + "/" + name, hostVeths: [])
        }
        for n in networks.values {
            guard let ipam = ipam(n) else { continue }
            ipam.releaseAll { owner in running[owner]?.endpoints.contains { $0.networkID == n.id } ?? false }
        }
        for n in networks.values where n.driver == "bridge" { try? natRules(n).apply(mappings: mappings(bridge: n.bridge)) }
    }

    /// Containers using a network (for `network rm` and inspect).
    public func endpoints(network id: String) -> [(containerID: String, EndpointState)] {
        lock.lock(); defer { lock.unlock() }
        return sandboxes.flatMap { (cid, s) in s.endpoints.filter { $0.networkID == id }.map { (cid, $0) } }
    }

    func upstreams(network: String, client: IPv4Address) -> [IPv4Address]? {
        lock.lock(); defer { lock.unlock() }
        guard !upstreamDNS.isEmpty else { return nil }
        for (cid, s) in sandboxes where s.endpoints.contains(where: { $0.networkID == network && $0.ip == client }) {
            return upstreamDNS[cid]
        }
        return nil
    }

    /// `<container name>.<network name>` of the container holding `ip` on the network.
    func reverseLookup(network: String, ip: IPv4Address) -> String? {
        lock.lock(); defer { lock.unlock() }
        for s in sandboxes.values {
            if let ep = s.endpoints.first(where: { $0.networkID == network && $0.ip == ip }), let name = ep.dnsNames.first {
                return name + "." + ep.networkName
            }
        }
        return nil
    }

    func lookup(network: String, name: String) -> IPv4Address? {
        lock.lock(); defer { lock.unlock() }
        let q = name.lowercased()
        for s in sandboxes.values {
            for ep in s.endpoints where ep.networkID == network && ep.dnsNames.contains(where: { $0.lowercased() == q }) { return ep.ip }
        }
        return nil
    }
}
