import HoistCore

/// The iptables rules of one bridge, in chains named after it so two daemons (or two
/// networks) never touch each other's rules:
///   nat    HOIST-<br>       DNAT of published ports (from PREROUTING and OUTPUT, local dst;
///                            containers too, so they reach published ports by a host address)
///   nat    HOIST-POST-<br>  masquerade of outbound traffic, of 127.0.0.1 → container, and hairpin
///   filter HOIST-FWD-<br>   accept (or, for --internal, drop) forwarding through the bridge
/// The chains are rewritten whole by one `iptables-restore --noflush` (declaring a chain
/// flushes it), so every change is atomic and reconciles leftovers of a crash.
struct NATRules {
    let bridge: String
    let subnet: IPv4Subnet
    let internal_: Bool

    var dnatChain: String { "HOIST-\(bridge)" }
    var postChain: String { "HOIST-POST-\(bridge)" }
    var forwardChain: String { "HOIST-FWD-\(bridge)" }

    /// (table, chain, rule) jumps from the built-in chains.
    var jumps: [(String, String, [String])] {
        [("nat", "PREROUTING", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", dnatChain]),
         ("nat", "OUTPUT", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", dnatChain]),
         ("nat", "POSTROUTING", ["-j", postChain]),
         ("filter", "FORWARD", ["-j", forwardChain])]
    }

    func restoreScript(mappings: [(ip: IPv4Address, PortMapping)]) -> String {
        var s = "*nat\n:\(dnatChain) - [0:0]\n:\(postChain) - [0:0]\n"
        for (ip, m) in mappings.sorted(by: { ($0.1.hostPort, $0.1.proto) < ($1.1.hostPort, $1.1.proto) }) {
            let dst = m.hostIP == "0.0.0.0" ? "" : "-d \(m.hostIP)/32 "
            s += "-A \(dnatChain) \(dst)-p \(m.proto) -m \(m.proto) --dport \(m.hostPort) -j DNAT --to-destination \(ip):\(m.containerPort)\n"
        }
        if !internal_ { s += "-A \(postChain) -s \(subnet.canonical) ! -o \(bridge) -j MASQUERADE\n" }
        s += "-A \(postChain) -s 127.0.0.0/8 -o \(bridge) -j MASQUERADE\n"
        // Hairpin: a container that reached a published port (its own or a neighbour's)
        // through a host address goes back out of its own bridge; masquerade it so the
        // reply comes back through the NAT rather than straight from the target.
        s += "-A \(postChain) -s \(subnet.canonical) -o \(bridge) -m conntrack --ctstate DNAT -j MASQUERADE\n"
        s += "COMMIT\n*filter\n:\(forwardChain) - [0:0]\n"
        if internal_ {
            s += "-A \(forwardChain) -i \(bridge) ! -o \(bridge) -j DROP\n"
            s += "-A \(forwardChain) -o \(bridge) ! -i \(bridge) -j DROP\n"
        } else {
            s += "-A \(forwardChain) -i \(bridge) -j ACCEPT\n"
            s += "-A \(forwardChain) -o \(bridge) -j ACCEPT\n"
        }
        s += "COMMIT\n"
        return s
    }

    func apply(mappings: [(ip: IPv4Address, PortMapping)]) throws {
        try HostCommand.check(HostCommand.iptablesRestore, ["--noflush"], input: restoreScript(mappings: mappings),
                              what: "iptables rules for \(bridge)")
        for (table, chain, rule) in jumps {
            let exists = try HostCommand.run(HostCommand.iptables, ["-w", "-t", table, "-C", chain] + rule).status == 0
            if !exists {
                // Inserted first, so a FORWARD policy of DROP (set by another tool) does not hide us.
                let op = chain == "FORWARD" ? ["-I", chain, "1"] : ["-A", chain]
                try HostCommand.check(HostCommand.iptables, ["-w", "-t", table] + op + rule, what: "iptables jump to \(chain)")
            }
        }
    }

    /// Removes the jumps and chains (network removal). Best effort: missing pieces are fine.
    func remove() {
        for (table, chain, rule) in jumps {
            while (try? HostCommand.run(HostCommand.iptables, ["-w", "-t", table, "-D", chain] + rule).status) == 0 {}
        }
        for (table, chain) in [("nat", dnatChain), ("nat", postChain), ("filter", forwardChain)] {
            _ = try? HostCommand.run(HostCommand.iptables, ["-w", "-t", table, "-F", chain])
            _ = try? HostCommand.run(HostCommand.iptables, ["-w", "-t", table, "-X", chain])
        }
    }
}
