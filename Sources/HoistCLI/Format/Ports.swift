import HoistClient

/// docker's DisplayablePorts: `0.0.0.0:80->8080/tcp, 9988/tcp`, consecutive ports grouped.
enum PortsFormatter {
    struct Port {
        var ip: String?
        var privatePort: Int
        var publicPort: Int
        var type: String
    }

    static func parse(_ j: JSON?) -> [Port] {
        guard let arr = j?.arrayValue else { return [] }
        return arr.compactMap { p in
            guard let priv = p["PrivatePort"]?.int64Value else { return nil }
            let ip = p["IP"]?.stringValue
            return Port(ip: (ip?.isEmpty ?? true) ? nil : ip, privatePort: Int(priv), publicPort: Int(p["PublicPort"]?.int64Value ?? 0),
                        type: p["Type"]?.stringValue ?? "tcp")
        }
    }

    static func display(_ input: [Port]) -> String {
        let ports = input.sorted { a, b in
            if a.privatePort != b.privatePort { return a.privatePort < b.privatePort }
            if (a.ip ?? "") != (b.ip ?? "") { return (a.ip ?? "") < (b.ip ?? "") }
            if a.publicPort != b.publicPort { return a.publicPort < b.publicPort }
            return a.type < b.type
        }
        var groups: [String: (Int, Int)] = [:]
        var order: [String] = []
        var result: [String] = []
        var hostMappings: [String] = []
        for p in ports {
            let current = p.privatePort
            var key = p.type
            if let ip = p.ip {
                if p.publicPort != current {
                    hostMappings.append("\(joinHostPort(ip, String(p.publicPort)))->\(p.privatePort)/\(p.type)")
                    continue
                }
                key = ip + "/" + p.type
            }
            guard let g = groups[key] else {
                groups[key] = (current, current)
                order.append(key)
                continue
            }
            if current == g.1 + 1 {
                groups[key] = (g.0, current)
                continue
            }
            result.append(formGroup(key, g.0, g.1))
            groups[key] = (current, current)
        }
        for k in order { if let g = groups[k] { result.append(formGroup(k, g.0, g.1)) } }
        result.append(contentsOf: hostMappings)
        return result.joined(separator: ", ")
    }

    private static func formGroup(_ key: String, _ start: Int, _ last: Int) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var type = parts[0]
        var ip = ""
        if parts.count > 1 { ip = parts[0]; type = parts[1] }
        var group = String(start)
        if start != last { group += "-\(last)" }
        if !ip.isEmpty { group = "\(joinHostPort(ip, group))->\(group)" }
        return group + "/" + type
    }

    private static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
