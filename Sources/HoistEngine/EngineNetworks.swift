import Foundation
import HoistCore
import HoistSys
import HoistAPIModels
import HoistNetwork
import HoistOCI
import HoistRuntime

/// Container networking in the Engine: the network mode and endpoints chosen at create,
/// namespace + addresses + ports at start, freed at exit/rm, adopted after a restart.
extension Engine {
    // MARK: create

    /// Checks the network mode, endpoints and published ports of a create request; returns
    /// the endpoints to persist (network name → config).
    func validateNetworking(_ hc: HostConfig, _ nc: NetworkingConfig?) throws -> [String: EndpointConfig] {
        let mode = hc.NetworkMode ?? "bridge"
        for (key, list) in hc.PortBindings ?? [:] {
            guard PortSpec.key(key) != nil else { throw HoistError.invalid("invalid port specification: \"\(key)\"") }
            for b in list { _ = try Self.portRequests(key: key, binding: b) }
        }
        switch mode {
        case "none", "host":
            if !(hc.PortBindings ?? [:]).isEmpty || hc.PublishAllPorts == true {
                // Docker ignores them with a warning for host, refuses for none; ignore both.
            }
            return [:]
        default:
            if mode.hasPrefix("container:") {
                let target = String(mode.dropFirst("container:".count))
                _ = try lookup(target)
                if !(hc.PortBindings ?? [:]).isEmpty { throw HoistError.invalid("conflicting options: port publishing and the container type network mode") }
                return [:]
            }
            let net = try network.find(mode)
            if net.driver == "host" || net.driver == "null" { return [:] }
            var eps: [String: EndpointConfig] = [:]
            for (name, cfg) in nc?.EndpointsConfig ?? [:] {
                // The docker CLI names the endpoint of the default network mode "default".
                let n = try network.find(name == "default" ? net.name : name)
                if let ip = cfg.IPAMConfig?.IPv4Address, !ip.isEmpty, n.isDefaultBridge {
                    throw HoistError.invalid("user specified IP address is supported on user defined networks only")
                }
                if !(cfg.Aliases ?? []).isEmpty, n.isDefaultBridge {
                    throw HoistError.invalid("network-scoped alias is supported only for containers in user defined networks")
                }
                eps[n.name] = cfg
            }
            if eps[net.name] == nil, eps[mode] == nil { eps[net.name] = EndpointConfig() }
            if mode != net.name, let cfg = eps.removeValue(forKey: mode) { eps[net.name] = cfg }
            return eps
        }
    }

    static func portRequests(key: String, binding b: PortBinding) throws -> PortRequest {
        guard let (port, proto) = PortSpec.key(key) else { throw HoistError.invalid("invalid port specification: \"\(key)\"") }
        let hp = b.HostPort ?? ""
        var range = 0...0
        if !hp.isEmpty {
            let p = hp.split(separator: "-", omittingEmptySubsequences: false)
            guard p.count <= 2, let a = Int(p[0]), (0...65535).contains(a) else { throw HoistError.invalid("invalid port specification: \"\(hp)\"") }
            let e: Int? = p.count == 2 ? Int(p[1]) : a
            guard let end = e, end >= a, end <= 65535 else { throw HoistError.invalid("invalid port specification: \"\(hp)\"") }
            range = a...end
        }
        let ip = b.HostIp ?? ""
        if !ip.isEmpty && IPv4Address(ip) == nil { throw HoistError.invalid("invalid host IP address: \(ip)") }
        return PortRequest(proto: proto, hostIP: ip, hostPorts: range, containerPort: port)
    }

    /// Bindings asked for, `-P` adding every exposed port without one.
    func requestedPorts(_ rec: ContainerRecord) throws -> [PortRequest] {
        var bindings = rec.hostConfig.PortBindings ?? [:]
        if rec.hostConfig.PublishAllPorts == true {
            for k in (rec.config.ExposedPorts ?? [:]).keys where (bindings[k] ?? []).isEmpty {
                bindings[k] = [PortBinding(HostIp: "", HostPort: "")]
            }
        }
        var out: [PortRequest] = []
        for k in bindings.keys.sorted() {
            for b in bindings[k] ?? [] { out.append(try Self.portRequests(key: k, binding: b)) }
        }
        return out
    }

    var networkMode: (ContainerRecord) -> String { { $0.hostConfig.NetworkMode ?? "bridge" } }

    // MARK: start / stop

    /// A container's network on its way up: host and `container:` modes are done at once;
    /// a namespace of its own is made by `task` while the start goes on (mounting the rootfs,
    /// writing the bundle), and `finishNetworkSetUp` waits for it before the runtime runs.
    /// Its links are wired while the runtime creates the container (`NetworkWiring`).
    struct PendingNetwork: Sendable {
        var ready: NetworkNamespace?
        var task: Task<(SandboxState, NetworkManager.SandboxWiring), any Error>?
        /// /etc/hosts lines of the legacy links.
        var linkEntries: [String] = []
    }

    /// A container's links being made while the runtime creates it: `done()` before the
    /// process starts; `settle()` before its network is released on a failed start.
    struct NetworkWiring: Sendable {
        let task: Task<Void, any Error>
        init(_ task: Task<Void, any Error>) { self.task = task }
        func done() async throws { try await task.value }
        func settle() async { _ = try? await task.value }
    }

    /// Starts building the container's network; hosts and resolv.conf follow in `finishNetworkSetUp`.
    func beginNetworkSetUp(_ id: String) throws -> PendingNetwork {
        guard let rec = containers[id] else { throw HoistError.notFound("No such container: \(id)") }
        releaseNetwork(id)
        let dir = paths.containerDir(id)
        let mode = networkMode(rec)
        let hostname = rec.config.Hostname ?? String(id.prefix(12))
        let hostResolv = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        if mode == "host" || (try? network.find(mode))?.driver == "host" {
            var hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
            for e in rec.hostConfig.ExtraHosts ?? [] {
                if let sep = e.firstIndex(where: { $0 == ":" || $0 == "=" }) { hosts += "\(e[e.index(after: sep)...])\t\(e[..<sep])\n" }
            }
            try? FileSystem.writeFile(dir + "/hosts", hosts)
            try? FileSystem.writeFile(dir + "/resolv.conf", hostResolv)
            return PendingNetwork(ready: .host)
        }
        if mode.hasPrefix("container:") {
            let other = try lookup(String(mode.dropFirst("container:".count)))
            guard other.isRunning, let s = other.sandbox else {
                if other.isRunning && networkMode(other) == "host" { return PendingNetwork(ready: .host) }
                throw HoistError.conflict("cannot join network of a non running container: \(other.id)")
            }
            let odir = paths.containerDir(other.id)
            for f in ["hosts", "resolv.conf"] {
                if let d = FileManager.default.contents(atPath: odir + "/" + f) { try? d.write(to: URL(fileURLWithPath: dir + "/" + f)) }
            }
            return PendingNetwork(ready: .path(s.netnsPath))
        }
        var requests: [EndpointRequest] = []
        let eps = rec.endpoints ?? [:]
        // The network mode's network first: it carries the default route and the published ports.
        // Endpoints, once recorded, are the truth: a container disconnected from its mode's
        // network keeps the mode (as in moby) but does not join that network again.
        let primary = (try? network.find(mode))?.name ?? mode
        let names = rec.endpoints == nil ? [primary] : (eps[primary] == nil ? [] : [primary]) + eps.keys.filter({ $0 != primary }).sorted()
        for name in names where name != "none" {
            guard let n = try? network.find(name), n.driver == "bridge" else { continue }
            let cfg = eps[name] ?? EndpointConfig()
            requests.append(EndpointRequest(network: n.id, aliases: cfg.Aliases ?? [], ipv4: cfg.IPAMConfig?.IPv4Address))
        }
        // moby publishes nothing for an endpoint on an `--internal` network (no error).
        let isInternal = requests.first.flatMap { try? network.find($0.network) }?.internal_ ?? false
        let ports = requests.isEmpty || isInternal ? [] : try requestedPorts(rec)
        let links = try legacyLinks(rec)
        let net = network, log = logger
        let dnsNames = [rec.name, String(id.prefix(12)), hostname], name = rec.name
        let task = Task.detached { () throws -> (SandboxState, NetworkManager.SandboxWiring) in
            let t0 = Timestamps.nowNanos()
            let attached = try net.attach(containerID: id, dnsNames: dnsNames, endpoints: requests, ports: ports, endpointName: name)
            log.debug("network namespace of \(id.prefix(12)): \((Timestamps.nowNanos() - t0) / 1000) us")
            return attached
        }
        return PendingNetwork(task: task, linkEntries: Self.linkHostsEntries(links))
    }

    /// Waits for the namespace `beginNetworkSetUp` started, records it and writes hosts and
    /// resolv.conf for it.
    func finishNetworkSetUp(_ id: String, _ pending: PendingNetwork) async throws -> (NetworkNamespace, NetworkWiring?) {
        if let ready = pending.ready { return (ready, nil) }
        guard let task = pending.task else { return (.new, nil) }
        let (state, wiring) = try await task.value
        guard var rec = containers[id] else {
            network.release(containerID: id, state: state)
            throw HoistError.notFound("No such container: \(id)")
        }
        let net = network, log = logger
        let wired = NetworkWiring(Task.detached {
            let t0 = Timestamps.nowNanos()
            try net.wire(wiring)
            log.debug("network links of \(id.prefix(12)): \((Timestamps.nowNanos() - t0) / 1000) us")
        })
        rec.sandbox = state
        save(rec)
        var userNet: EndpointState?
        if let ep = state.endpoints.first, let n = try? network.find(ep.networkID), n.isUserDefined { userNet = ep }
        network.setUpstreamDNS(containerID: id, servers: rec.hostConfig.Dns ?? [])
        writeNetworkFiles(rec, ips: state.endpoints.map { "\($0.ip)" }, embeddedDNS: userNet?.gateway.map { "\($0)" },
                          links: pending.linkEntries)
        if let ep = state.endpoints.first, ep.networkID == network.defaultBridge?.id { refreshLinkingParents(of: rec, ip: "\(ep.ip)") }
        return (.path(state.netnsPath), wired)
    }

    /// hosts and resolv.conf of a container with a namespace of its own. `embeddedDNS`: the
    /// container's resolver is the network's DNS server, which forwards to its `--dns` servers;
    /// else `--dns` replaces the host's servers.
    func writeNetworkFiles(_ rec: ContainerRecord, ips: [String], embeddedDNS: String?, links: [String] = []) {
        let dir = paths.containerDir(rec.id)
        let hostname = rec.config.Hostname ?? String(rec.id.prefix(12))
        let hostResolv = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        let hosts = ContainerNetworkFiles.hosts(hostname: hostname, domainname: rec.config.Domainname, ips: ips,
                                                extraHosts: rec.hostConfig.ExtraHosts ?? [], extraLines: links)
        let dns = embeddedDNS.map { [$0] } ?? rec.hostConfig.Dns
        let resolv = ContainerNetworkFiles.resolvConf(host: hostResolv, nameservers: dns, search: rec.hostConfig.DnsSearch ?? [],
                                                      options: rec.hostConfig.DnsOptions ?? [], embedded: embeddedDNS != nil)
        try? FileSystem.writeFile(dir + "/hosts", hosts)
        try? FileSystem.writeFile(dir + "/resolv.conf", resolv)
    }

    /// Frees the namespace, addresses and ports of a container that is not running. Idempotent.
    /// `persist: false` leaves the stored record as it is (it is about to be deleted).
    func releaseNetwork(_ id: String, persist: Bool = true) {
        let state = containers[id]?.sandbox
        network.release(containerID: id, state: state)
        if var rec = containers[id], rec.sandbox != nil {
            rec.sandbox = nil
            if persist { save(rec) } else { containers[id] = rec }
        }
    }

    /// After adoption of the running shims: running containers keep their networking,
    /// everything else a crash left behind is freed.
    func recoverNetworks() {
        var running: [String: SandboxState] = [:]
        for rec in containers.values {
            if rec.isRunning, let s = rec.sandbox { running[rec.id] = s } else if rec.sandbox != nil {
                var r = rec
                r.sandbox = nil
                save(r)
            }
        }
        network.recover(running: running)
        for id in running.keys { network.setUpstreamDNS(containerID: id, servers: containers[id]?.hostConfig.Dns ?? []) }
    }

    // MARK: inspect

    func networkSettings(_ rec: ContainerRecord) -> NetworkSettings {
        var ns = NetworkSettings()
        let mode = networkMode(rec)
        let live = rec.isRunning ? rec.sandbox : nil
        if let s = live {
            ns.SandboxKey = s.netnsPath
            ns.SandboxID = Digest.sha256(of: Array(("sandbox" + rec.id).utf8)).hex
        }
        var ports: [String: [PortBinding]?] = [:]
        if rec.isRunning {
            for k in (rec.config.ExposedPorts ?? [:]).keys { ports[k] = .some(nil) }
            for k in (rec.hostConfig.PortBindings ?? [:]).keys { ports[k] = .some(nil) }
            for m in live?.ports ?? [] {
                let k = "\(m.containerPort)/\(m.proto)"
                var list = (ports[k] ?? nil) ?? []
                list.append(PortBinding(HostIp: m.hostIP, HostPort: "\(m.hostPort)"))
                ports[k] = list
            }
        }
        ns.Ports = ports
        func settings(_ n: NetworkRecord?, cfg: EndpointConfig?) -> EndpointSettings {
            var e = EndpointSettings(NetworkID: n?.id ?? "")
            e.IPAMConfig = cfg?.IPAMConfig
            e.Aliases = cfg?.Aliases
            if let n, let ep = live?.endpoints.first(where: { $0.networkID == n.id }) {
                e.IPAddress = "\(ep.ip)"
                e.IPPrefixLen = ep.prefix
                e.Gateway = ep.gateway.map { "\($0)" } ?? ""
                e.MacAddress = ep.mac
                e.EndpointID = Digest.sha256(of: Array((rec.id + n.id).utf8)).hex
                e.DNSNames = ep.dnsNames.isEmpty ? nil : ep.dnsNames
                // moby before API 1.44 lists the short ID among a live endpoint's aliases on
                // user networks (compose checks it to skip reconnecting a container).
                let short = String(rec.id.prefix(12))
                if n.isUserDefined, !(e.Aliases ?? []).contains(short) { e.Aliases = (e.Aliases ?? []) + [short] }
            }
            return e
        }
        if mode.hasPrefix("container:") { return ns }
        let eps = rec.endpoints ?? [:]
        if rec.endpoints == nil, let n = try? network.find(mode) {
            ns.Networks[n.name] = settings(n, cfg: nil)
        }
        for (name, cfg) in eps {
            let n = try? network.find(name)
            ns.Networks[n?.name ?? name] = settings(n, cfg: cfg)
        }
        if let b = ns.Networks["bridge"] {
            ns.IPAddress = b.IPAddress; ns.IPPrefixLen = b.IPPrefixLen; ns.Gateway = b.Gateway; ns.MacAddress = b.MacAddress
        }
        return ns
    }

    /// `Ports` of `GET /containers/json`.
    func portSummaries(_ rec: ContainerRecord) -> [PortSummary] {
        var out: [PortSummary] = []
        var published = Set<String>()
        if rec.isRunning {
            for m in rec.sandbox?.ports ?? [] {
                out.append(PortSummary(IP: m.hostIP, PrivatePort: m.containerPort, PublicPort: m.hostPort, Type: m.proto))
                published.insert("\(m.containerPort)/\(m.proto)")
            }
        }
        for k in (rec.config.ExposedPorts ?? [:]).keys where !published.contains(k) {
            if let (p, proto) = PortSpec.key(k) { out.append(PortSummary(IP: nil, PrivatePort: p, PublicPort: nil, Type: proto)) }
        }
        return out
    }

    func summaryNetworks(_ rec: ContainerRecord) -> [String: EndpointSettings] { networkSettings(rec).Networks }
}

// MARK: - /networks

extension Engine {
    func resource(_ n: NetworkRecord, withContainers: Bool) -> NetworkResource {
        var ipam = NetworkIPAM()
        if let s = n.subnet {
            ipam.Config = [NetworkIPAMConfig(Subnet: s.description, IPRange: n.ipRange?.description, Gateway: n.gateway?.description)]
        }
        var containersOut: [String: NetworkContainer] = [:]
        if withContainers {
            for (cid, ep) in network.endpoints(network: n.id) {
                containersOut[cid] = NetworkContainer(Name: containers[cid]?.name ?? "", EndpointID: Digest.sha256(of: Array((cid + n.id).utf8)).hex,
                                                      MacAddress: ep.mac, IPv4Address: "\(ep.ip)/\(ep.prefix)")
            }
        }
        var options = n.options
        // Options as given at create (compose compares them to its file), plus what dockerd
        // sets on the default bridge.
        if n.driver == "bridge", n.isDefaultBridge {
            options["com.docker.network.bridge.name"] = n.bridge
            options["com.docker.network.bridge.default_bridge"] = "true"
            options["com.docker.network.bridge.enable_ip_masquerade"] = "true"
        }
        return NetworkResource(Name: n.name, Id: n.id, Created: Timestamps.rfc3339Nano(n.created), Driver: n.driver, IPAM: ipam,
                               Internal: n.internal_, Attachable: n.attachable, Containers: containersOut, Options: options, Labels: n.labels)
    }

    public func listNetworks(filters: [String: [String]]) async throws -> [NetworkResource] {
        for k in filters.keys where !["name", "id", "driver", "label", "type", "scope", "dangling"].contains(k) {
            throw HoistError.invalid("invalid filter '\(k)'")
        }
        return network.list().filter { n in
            if let names = filters["name"], !names.contains(where: { n.name.contains($0) }) { return false }
            if let ids = filters["id"], !ids.contains(where: { n.id.hasPrefix($0) }) { return false }
            if let d = filters["driver"], !d.contains(n.driver) { return false }
            if let s = filters["scope"], !s.contains("local") { return false }
            if let t = filters["type"] {
                let type = n.isUserDefined ? "custom" : "builtin"
                if !t.contains(type) { return false }
            }
            for l in filters["label"] ?? [] {
                let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
                guard let v = n.labels[kv[0]] else { return false }
                if kv.count == 2 && v != kv[1] { return false }
            }
            return true
        }.map { resource($0, withContainers: false) }
    }

    public func inspectNetwork(_ idOrName: String) async throws -> NetworkResource {
        resource(try network.find(idOrName), withContainers: true)
    }

    public func createNetwork(_ r: NetworkCreateRequest) async throws -> NetworkCreateResponse {
        guard !r.Name.isEmpty else { throw HoistError.invalid("network name cannot be empty") }
        guard Identifiers.isValidName(r.Name) else {
            throw HoistError.invalid("invalid network name \"\(r.Name)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        let cfg = r.IPAM?.Config?.first
        let n = try network.create(name: r.Name, driver: (r.Driver?.isEmpty ?? true) ? "bridge" : r.Driver ?? "bridge",
                                   subnet: cfg?.Subnet.flatMap { $0.isEmpty ? nil : $0 }, gateway: cfg?.Gateway.flatMap { $0.isEmpty ? nil : $0 },
                                   ipRange: cfg?.IPRange.flatMap { $0.isEmpty ? nil : $0 }, internal_: r.Internal ?? false,
                                   attachable: r.Attachable ?? false, labels: r.Labels ?? [:], options: r.Options ?? [:])
        emitNetwork("create", n)
        return NetworkCreateResponse(Id: n.id)
    }

    public func removeNetwork(_ idOrName: String) async throws {
        let n = try network.find(idOrName)
        if !network.endpoints(network: n.id).isEmpty {
            throw HoistError(.forbidden, "error while removing network: network \(n.name) id \(n.id) has active endpoints")
        }
        try network.remove(n)
        emitNetwork("destroy", n)
    }

    public func pruneNetworks(filters: [String: [String]]) async throws -> NetworkPruneResponse {
        var deleted: [String] = []
        for n in network.list() where n.isUserDefined && network.endpoints(network: n.id).isEmpty {
            var match = true
            for l in filters["label"] ?? [] {
                let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
                if let v = n.labels[kv[0]] { if kv.count == 2 && v != kv[1] { match = false } } else { match = false }
            }
            guard match else { continue }
            try? network.remove(n)
            emitNetwork("destroy", n)
            deleted.append(n.name)
        }
        return NetworkPruneResponse(NetworksDeleted: deleted)
    }

    public func connectNetwork(_ idOrName: String, request: NetworkConnectRequest) async throws {
        let n = try network.find(idOrName)
        var rec = try lookup(request.Container)
        let mode = networkMode(rec)
        if mode == "host" || mode == "none" || mode.hasPrefix("container:") || n.driver != "bridge" {
            throw HoistError(.forbidden, "container sharing network namespace with another container or host cannot be connected to any other network")
        }
        var cfg = request.EndpointConfig ?? EndpointConfig()
        if cfg.Aliases?.isEmpty == true { cfg.Aliases = nil }
        var eps = rec.endpoints ?? [:]
        if eps[n.name] != nil { throw HoistError(.forbidden, "endpoint with name \(rec.name) already exists in network \(n.name)") }
        if n.isDefaultBridge && !(cfg.Aliases ?? []).isEmpty {
            throw HoistError.invalid("network-scoped alias is supported only for containers in user defined networks")
        }
        if rec.isRunning, let s = rec.sandbox {
            let hostname = rec.config.Hostname ?? String(rec.id.prefix(12))
            let updated = try network.connect(containerID: rec.id, state: s, request: EndpointRequest(network: n.id, aliases: cfg.Aliases ?? [],
                                              ipv4: cfg.IPAMConfig?.IPv4Address), dnsNames: [rec.name, String(rec.id.prefix(12)), hostname])
            rec.sandbox = updated
            if let ep = updated.endpoints.last {
                rewriteHosts(rec) { $0 + ContainerNetworkFiles.hostsEntry(ip: "\(ep.ip)", hostname: hostname, domainname: rec.config.Domainname) }
            }
        }
        eps[n.name] = cfg
        rec.endpoints = eps
        save(rec)
        emitNetwork("connect", n, container: rec.id)
    }

    public func disconnectNetwork(_ idOrName: String, request: NetworkDisconnectRequest) async throws {
        let n = try network.find(idOrName)
        var rec = try lookup(request.Container)
        var eps = rec.endpoints ?? [:]
        let live = rec.sandbox?.endpoints.contains { $0.networkID == n.id } ?? false
        guard eps[n.name] != nil || live else {
            throw HoistError(.forbidden, "container \(rec.id) is not connected to network \(n.name)")
        }
        if rec.isRunning, let s = rec.sandbox {
            rec.sandbox = network.disconnect(containerID: rec.id, state: s, networkID: n.id)
            if let ep = s.endpoints.first(where: { $0.networkID == n.id }) {
                let hostname = rec.config.Hostname ?? String(rec.id.prefix(12))
                rewriteHosts(rec) {
                    ContainerNetworkFiles.removingEntry(ip: "\(ep.ip)", hostname: hostname, domainname: rec.config.Domainname, from: $0)
                }
            }
        }
        eps[n.name] = nil
        // Docker keeps the network mode: compose disconnects and connects again (with its
        // aliases) before the first start. The empty endpoint list still says "no network".
        rec.endpoints = eps
        save(rec)
        emitNetwork("disconnect", n, container: rec.id)
    }

    /// Changes a running container's /etc/hosts in place: the file is bind-mounted into
    /// the container, so it must keep its inode (no write-and-rename).
    func rewriteHosts(_ rec: ContainerRecord, _ change: (String) -> String) {
        let path = paths.containerDir(rec.id) + "/hosts"
        guard let old = FileManager.default.contents(atPath: path), let fh = FileHandle(forWritingAtPath: path) else { return }
        defer { try? fh.close() }
        let new = Data(change(String(decoding: old, as: UTF8.self)).utf8)
        try? fh.truncate(atOffset: 0)
        try? fh.write(contentsOf: new)
    }

    func emitNetwork(_ action: String, _ n: NetworkRecord, container: String? = nil) {
        var attrs = ["name": n.name, "type": n.driver]
        if let c = container { attrs["container"] = c }
        events.publish(EngineEvent(type: "network", action: action, actorID: n.id, attributes: attrs))
    }
}
