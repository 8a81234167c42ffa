import HoistCore
import HoistAPIModels
import HoistNetwork

/// Legacy `--link` on the default bridge, as moby: the child's address in the parent's
/// /etc/hosts under the alias, the child's hostname and name, and the `ALIAS_*` variables
/// (name, exposed ports, the child's environment). On user-defined networks links are not
/// registered (moby's registerLinks); names resolve there through the embedded DNS.
extension Engine {
    struct LegacyLink {
        var alias: String
        var child: ContainerRecord
        var ip: String
    }

    /// moby's ParseLink: `name`, `name:alias`, or the stored form `/name:/parent/alias`.
    static func parseLink(_ link: String) throws -> (name: String, alias: String) {
        let parts = link.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            throw HoistError.invalid("invalid link format: \(link)")
        }
        if parts.count == 1 { return (link.hasPrefix("/") ? String(link.dropFirst()) : link, link) }
        if parts[0].hasPrefix("/") { return (String(parts[0].dropFirst()), String(parts[1].split(separator: "/").last ?? "")) }
        return (parts[0], parts[1])
    }

    /// `HostConfig.Links` checked at create and stored as moby shows them (`/child:/parent/alias`).
    func normalizedLinks(_ hc: HostConfig, name: String) throws -> [String]? {
        guard let links = hc.Links, !links.isEmpty else { return hc.Links }
        let mode = hc.NetworkMode ?? "bridge"
        if mode == "host" {
            throw HoistError.invalid("conflicting options: host type networking can't be used with links. This would result in undefined behavior")
        }
        guard usesDefaultBridge(mode) else { return links }
        return try links.map { l in
            let (target, alias) = try Self.parseLink(l)
            guard let child = try? lookup(target) else {
                throw HoistError.invalid("could not get container for \(target): No such container: \(target)")
            }
            return "/\(child.name):/\(name)/\(alias)"
        }
    }

    private func usesDefaultBridge(_ mode: String) -> Bool {
        mode == "bridge" || mode == "default" || (try? network.find(mode))?.isDefaultBridge == true
    }

    /// The running children of a container on the default bridge; a stopped or missing
    /// child refuses the start, as in moby.
    func legacyLinks(_ rec: ContainerRecord) throws -> [LegacyLink] {
        guard let links = rec.hostConfig.Links, !links.isEmpty, usesDefaultBridge(networkMode(rec)) else { return [] }
        let bridgeID = network.defaultBridge?.id
        return try links.map { l in
            let (target, alias) = try Self.parseLink(l)
            guard let child = try? lookup(target) else {
                throw HoistError.invalid("could not get container for \(target): No such container: \(target)")
            }
            guard child.isRunning, let ep = child.sandbox?.endpoints.first(where: { $0.networkID == bridgeID }) else {
                throw HoistError.invalid("Cannot link to a non running container: /\(child.name) AS /\(rec.name)/\(alias)")
            }
            return LegacyLink(alias: alias, child: child, ip: "\(ep.ip)")
        }
    }

    /// /etc/hosts lines: the alias, the child's hostname, and its name when that differs.
    static func linkHostsEntries(_ links: [LegacyLink]) -> [String] {
        links.map { l in
            var names = [l.alias, l.child.config.Hostname ?? String(l.child.id.prefix(12))]
            if l.alias != l.child.name { names.append(l.child.name) }
            return "\(l.ip)\t\(names.joined(separator: " "))\n"
        }
    }

    /// After a child got its (new) address on the default bridge: the running containers
    /// that link to it see it in their /etc/hosts (moby's parent update).
    func refreshLinkingParents(of child: ContainerRecord, ip: String) {
        for parent in containers.values where parent.isRunning && parent.id != child.id {
            for l in parent.hostConfig.Links ?? [] {
                guard let (target, alias) = try? Self.parseLink(l), target == child.name else { continue }
                let entry = Self.linkHostsEntries([LegacyLink(alias: alias, child: child, ip: ip)])[0].dropLast()
                guard let tab = entry.firstIndex(of: "\t") else { continue }
                let names = entry[tab...]
                rewriteHosts(parent) { hosts in
                    hosts.split(separator: "\n", omittingEmptySubsequences: false)
                        .map { $0.hasSuffix(names) ? entry : $0 }.joined(separator: "\n")
                }
            }
        }
    }

    /// `env` plus the link variables it does not set itself (its own Env wins, as in moby).
    func addingLinkEnvironment(_ env: [String], _ rec: ContainerRecord) -> [String] {
        let keys = Set(env.map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 })
        return env + linkEnvironment(rec).filter { !keys.contains($0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0) }
    }

    /// moby's Link.ToEnv for each link.
    func linkEnvironment(_ rec: ContainerRecord) -> [String] {
        var env: [String] = []
        for l in (try? legacyLinks(rec)) ?? [] {
            let prefix = l.alias.uppercased().replacingOccurrences(of: "-", with: "_")
            env.append("\(prefix)_NAME=/\(rec.name)/\(l.alias)")
            let ports = (l.child.config.ExposedPorts ?? [:]).keys.compactMap(PortSpec.key).sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            if let (p, proto) = ports.first { env.append("\(prefix)_PORT=\(proto)://\(l.ip):\(p)") }
            for (p, proto) in ports {
                let key = "\(prefix)_PORT_\(p)_\(proto.uppercased())"
                env += ["\(key)=\(proto)://\(l.ip):\(p)", "\(key)_ADDR=\(l.ip)", "\(key)_PORT=\(p)", "\(key)_PROTO=\(proto)"]
            }
            for e in l.child.config.Env ?? [] {
                guard let eq = e.firstIndex(of: "=") else { continue }
                let name = e[..<eq]
                if name == "HOME" || name == "PATH" { continue }
                env.append("\(prefix)_ENV_\(name)=\(e[e.index(after: eq)...])")
            }
        }
        return env
    }
}
