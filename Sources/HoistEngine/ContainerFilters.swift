import HoistCore

/// `ps --filter` semantics: values of one key are OR-ed, keys are AND-ed.
enum ContainerFilters {
    static let known: Set<String> = ["status", "name", "id", "label", "ancestor", "exited", "before", "since", "volume", "network"]

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
                case "volume":
                    // moby: a volume's name, a bind's source, or either's destination.
                    return (r.mounts ?? []).contains { m in
                        m.spec.destination == v || (m.spec.type != .tmpfs && m.spec.source == v)
                    }
                case "network":
                    if let eps = r.endpoints { return eps.keys.contains(v) }
                    return (r.hostConfig.NetworkMode ?? "bridge") == v
                case "before", "since":
                    return true  // by creation order: Engine.filterByCreation
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
