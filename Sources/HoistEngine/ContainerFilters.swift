import HoistAPIModels
import HoistCore

/// `ps --filter` semantics: values of one key are OR-ed, keys are AND-ed. The keys are
/// moby's (acceptedPsFilterTags); `network`, `publish` and `expose` look at the summary
/// (`matches(summary:)`), the others at the record.
enum ContainerFilters {
    static let known: Set<String> = ["status", "name", "id", "label", "ancestor", "exited", "before", "since",
                                     "health", "is-task", "isolation", "volume", "network", "publish", "expose"]

    static func matches(_ r: ContainerRecord, _ filters: [String: [String]]) throws -> Bool {
        for (key, values) in filters where !values.isEmpty {
            guard known.contains(key) else { throw HoistError.invalid("invalid filter '\(key)'") }
            let check: (String) throws -> Bool = { v in
                switch key {
                case "status":
                    let valid = ["created", "restarting", "running", "removing", "paused", "exited", "dead"]
                    guard valid.contains(v) else {
                        throw HoistError.invalid("invalid filter 'status=\(v)'")
                    }
                    return r.status.rawValue == v
                case "name": return r.name.contains(v.hasPrefix("/") ? String(v.dropFirst()) : v)
                case "id": return r.id.hasPrefix(v)
                case "label":
                    let kv = v.split(separator: "=", maxSplits: 1).map(String.init)
                    guard let k = kv.first, let val = r.config.Labels?[k] else { return false }
                    return kv.count == 1 || val == kv[1]
                case "ancestor":
                    return r.imageName == v || r.imageID == v || r.imageID.hasPrefix("sha256:" + v) || r.imageName + ":latest" == v
                case "exited":
                    return r.status == .exited && String(r.exitCode) == v
                case "health":
                    // No healthchecks run here: every container's health is `none`.
                    guard ["starting", "healthy", "unhealthy", "none"].contains(v) else {
                        throw HoistError.invalid("Unrecognised filter value for health: \(v)")
                    }
                    return v == "none"
                case "is-task":
                    // Swarm tasks only with `true`: there are none.
                    guard v == "true" || v == "false" else { throw HoistError.invalid("Invalid filter 'is-task=\(v)'") }
                    return v == "false"
                case "isolation":
                    return v == "default" || v.isEmpty
                case "volume":
                    // A volume's name, a bind's source, or any mount's destination.
                    return (r.mounts ?? []).contains { v == $0.spec.destination || (!$0.spec.source.isEmpty && v == $0.spec.source) }
                case "before", "since", "network", "publish", "expose":
                    return true  // by creation order (Engine.filterByCreation), or on the summary
                default: return false
                }
            }
            // Several labels must all be there (moby's MatchKVList); other keys match any value.
            let ok = key == "label" ? try values.allSatisfy(check) : try values.contains(where: check)
            if !ok { return false }
        }
        return true
    }
}

extension ContainerFilters {
    /// `network` (a name, or an ID or its prefix), `publish` (a host port) and `expose` (a
    /// container port), ports as `80`, `80/udp` or ranges `8000-8080/tcp`.
    static func matches(summary s: ContainerSummary, _ filters: [String: [String]]) throws -> Bool {
        if let values = filters["network"], !values.isEmpty {
            let nets = s.NetworkSettings.Networks
            guard values.contains(where: { v in nets.contains { $0.key == v || (!v.isEmpty && $0.value.NetworkID.hasPrefix(v)) } }) else {
                return false
            }
        }
        let publish = try ports(filters["publish"] ?? [], key: "publish")
        let expose = try ports(filters["expose"] ?? [], key: "expose")
        if !publish.isEmpty || !expose.isEmpty {
            let hit = s.Ports.contains { p in
                publish.contains("\(p.PublicPort ?? 0)/\(p.Type)") || expose.contains("\(p.PrivatePort)/\(p.Type)")
            }
            if !hit { return false }
        }
        return true
    }

    /// moby's portOp: `port[-end][/proto]` into `N/proto` keys.
    static func ports(_ values: [String], key: String) throws -> Set<String> {
        var out = Set<String>()
        for v in values {
            if v.contains(":") { throw HoistError.invalid("filter for '\(key)' should not contain ':': \(v)") }
            let parts = v.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let proto = parts.count == 2 && !parts[1].isEmpty ? parts[1].lowercased() : "tcp"
            let range = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { Int($0) }
            guard let start = range.first ?? nil, let end = range.count == 2 ? range[1] : start,
                  (0...65535).contains(start), (start...65535).contains(end) else {
                throw HoistError.invalid("error while looking up for \(key) \(v): invalid port range")
            }
            for port in start...end { out.insert("\(port)/\(proto)") }
        }
        return out
    }
}
