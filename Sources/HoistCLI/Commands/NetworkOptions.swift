import HoistAPIModels
import HoistCore
import HoistOCI

/// `run`/`create` network flags: -p/-P/--expose, --network-alias/--ip, --dns*, --add-host.
extension ContainerConfigBuilder {
    static func applyNetworkOptions(_ o: ContainerOptions, path: CommandPath, config: inout ContainerConfig, host: inout HostConfig) throws {
        func fail(_ msg: String) -> ExitError {
            ExitError(125, ErrorReporting.report(msg, command: path.display, withHelp: true))
        }
        var exposed = config.ExposedPorts ?? [:]
        var bindings: [String: [PortBinding]] = [:]
        for spec in o.publish {
            let parsed: PortSpec.Parsed
            do { parsed = try PortSpec.parse(spec) } catch let e as HoistError { throw fail(e.message) }
            for k in parsed.exposed {
                exposed[k] = EmptyObject()
                bindings[k, default: []].append(contentsOf: parsed.bindings[k] ?? [])
            }
        }
        for e in o.expose {
            var proto = "tcp", ports = e
            if let slash = e.lastIndex(of: "/") { proto = String(e[e.index(after: slash)...]); ports = String(e[..<slash]) }
            let r = ports.split(separator: "-", omittingEmptySubsequences: false)
            guard r.count <= 2, let a = Int(r[0]), let b = r.count == 2 ? Int(r[1]) : Optional(a), a >= 1, b >= a, b <= 65535 else {
                throw fail("invalid range format for --expose: \(e)")
            }
            for p in a...b { exposed["\(p)/\(proto)"] = EmptyObject() }
        }
        if !exposed.isEmpty { config.ExposedPorts = exposed }
        if !bindings.isEmpty { host.PortBindings = bindings }
        if o.publishAll { host.PublishAllPorts = true }
        for h in o.addHosts {
            guard let sep = h.firstIndex(where: { $0 == ":" || $0 == "=" }), sep != h.startIndex, h.index(after: sep) != h.endIndex else {
                throw fail("invalid argument \"\(h)\" for \"--add-host\" flag: bad format for add-host: \"\(h)\"")
            }
        }
        if !o.addHosts.isEmpty { host.ExtraHosts = o.addHosts }
        // docker's ValidateLink: `name` alone links under its own name.
        if !o.links.isEmpty { host.Links = o.links.map { $0.contains(":") ? $0 : "\($0):\($0)" } }
        if !o.dns.isEmpty { host.Dns = o.dns }
        if !o.dnsSearch.isEmpty { host.DnsSearch = o.dnsSearch }
        if !o.dnsOptions.isEmpty { host.DnsOptions = o.dnsOptions }
    }

    /// docker sends the endpoint settings under the network mode's name.
    static func networkingConfig(_ o: ContainerOptions) -> NetworkingConfig? {
        guard !o.networkAliases.isEmpty || o.ip != nil else { return nil }
        let net = o.network ?? "default"
        var ep = EndpointConfig(Aliases: o.networkAliases.isEmpty ? nil : o.networkAliases)
        if let ip = o.ip { ep.IPAMConfig = EndpointIPAMConfig(IPv4Address: ip) }
        return NetworkingConfig(EndpointsConfig: [net == "default" ? "bridge" : net: ep])
    }
}
