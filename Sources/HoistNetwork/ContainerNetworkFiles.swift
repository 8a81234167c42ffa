import Foundation

/// The `/etc/hosts` and `/etc/resolv.conf` Hoist writes for a container, as Docker's.
public enum ContainerNetworkFiles {
    /// `extraLines`: whole lines after the `--add-host` ones (legacy links).
    public static func hosts(hostname: String, domainname: String? = nil, ips: [String], extraHosts: [String],
                             extraLines: [String] = []) -> String {
        var s = """
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        ff00::0\tip6-mcastprefix
        ff02::1\tip6-allnodes
        ff02::2\tip6-allrouters

        """
        // --add-host host:ip (docker also accepts host=ip).
        for e in extraHosts {
            guard let sep = e.firstIndex(where: { $0 == ":" || $0 == "=" }) else { continue }
            let name = e[..<sep], ip = e[e.index(after: sep)...]
            s += "\(ip)\t\(name)\n"
        }
        s += extraLines.joined()
        for ip in ips { s += hostsEntry(ip: ip, hostname: hostname, domainname: domainname) }
        return s
    }

    /// The container's own line for one of its addresses.
    public static func hostsEntry(ip: String, hostname: String, domainname: String?) -> String {
        let names = (domainname?.isEmpty ?? true) ? hostname : "\(hostname).\(domainname ?? "") \(hostname)"
        return "\(ip)\t\(names)\n"
    }

    /// `hosts` without the container's own line for `ip` (a network it left), as moby's
    /// sandbox deletes an endpoint's entry; lines users or `--add-host` added stay.
    public static func removingEntry(ip: String, hostname: String, domainname: String?, from hosts: String) -> String {
        let own = hostsEntry(ip: ip, hostname: hostname, domainname: domainname).dropLast()
        var lines = hosts.split(separator: "\n", omittingEmptySubsequences: false)
        if let i = lines.lastIndex(where: { $0 == own }) { lines.remove(at: i) }
        return lines.joined(separator: "\n")
    }

    /// The host's resolv.conf without loopback nameservers (unreachable from the
    /// container's namespace), or `nameservers` in their place (the embedded DNS on user
    /// networks, `embedded`, or `--dns`); Google's servers if none is left, as Docker does.
    public static func resolvConf(host: String, nameservers: [String]?, search: [String], options: [String],
                                  embedded: Bool = false) -> String {
        var servers: [String] = []
        var out: [String] = []
        var hostSearch: [String] = []
        var hostOptions: [String] = []
        for raw in host.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let key = f.first else { continue }
            switch key {
            case "nameserver":
                if f.count > 1, !f[1].hasPrefix("127."), f[1] != "::1" { servers.append(f[1]) }
            case "search", "domain": hostSearch = Array(f.dropFirst())
            case "options": hostOptions.append(contentsOf: f.dropFirst())
            default: if !line.hasPrefix("#") { out.append(line) }
            }
        }
        if let n = nameservers, !n.isEmpty { servers = n }
        if servers.isEmpty { servers = ["8.8.8.8", "8.8.4.4"] }
        var s = ""
        let sr = search.isEmpty ? hostSearch : search
        if !sr.isEmpty { s += "search \(sr.joined(separator: " "))\n" }
        for n in servers { s += "nameserver \(n)\n" }
        var op = options.isEmpty ? hostOptions : options
        // moby's embedded resolver asks for ndots:0 (names are tried as given first)
        // unless the user chose ndots.
        if embedded, !op.contains(where: { $0.hasPrefix("ndots:") }) { op.append("ndots:0") }
        if !op.isEmpty { s += "options \(op.joined(separator: " "))\n" }
        return s
    }
}
