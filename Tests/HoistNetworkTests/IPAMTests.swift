import Foundation
import Testing
@testable import HoistNetwork

@Suite struct IPv4Tests {
    @Test func parsesAndPrints() {
        #expect(IPv4Address("10.1.2.3")?.description == "10.1.2.3")
        #expect(IPv4Address("256.1.1.1") == nil)
        #expect(IPv4Address("1.2.3") == nil)
        #expect(IPv4Address("1.2.3.x") == nil)
        let s = IPv4Subnet("172.18.5.1/16")
        #expect(s?.description == "172.18.0.0/16")
        #expect(s?.contains(IPv4Address("172.18.255.254")!) == true)
        #expect(s?.contains(IPv4Address("172.19.0.1")!) == false)
        #expect(IPv4Subnet("10.0.0.0/8")!.overlaps(IPv4Subnet("10.5.0.0/24")!))
        #expect(!IPv4Subnet("10.0.0.0/24")!.overlaps(IPv4Subnet("10.0.1.0/24")!))
        #expect(IPv4Subnet("10.0.0.0/33") == nil)
    }

    @Test func poolSkipsTakenSubnets() {
        let taken = [IPv4Subnet("172.17.0.0/16")!, IPv4Subnet("172.18.0.0/24")!]
        let pick = SubnetPool.candidates.first { c in !taken.contains { $0.overlaps(c) } }
        #expect(pick?.description == "172.19.0.0/16")
    }
}

/// A class suite: each test gets an instance, whose deinit removes the IPAM's directory.
@Suite final class IPAMTests {
    let dir = NSTemporaryDirectory() + "ipam-\(UUID().uuidString)"

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func tempIPAM(_ cidr: String) -> IPAM {
        let s = IPv4Subnet(cidr)!
        return IPAM(dir: dir, subnet: s, gateway: s.host(1))
    }

    @Test func neverHandsOutAnAddressTwice() throws {
        let ipam = tempIPAM("10.9.0.0/29")  // hosts .1-.6, .1 is the gateway
        var seen = Set<IPv4Address>()
        for i in 0..<5 { #expect(seen.insert(try ipam.allocate(owner: "c\(i)")).inserted) }
        #expect(!seen.contains(IPv4Address("10.9.0.1")!))
        #expect(throws: (any Error).self) { try ipam.allocate(owner: "full") }
        ipam.release(IPv4Address("10.9.0.4")!, owner: "c2")
        #expect(try ipam.allocate(owner: "again") == IPv4Address("10.9.0.4"))
    }

    @Test func releaseNeedsTheOwnerAndIsNotReusedAtOnce() throws {
        let ipam = tempIPAM("10.9.1.0/24")
        let a = try ipam.allocate(owner: "a")
        ipam.release(a, owner: "someone-else")
        #expect(ipam.allocations()[a] == "a")
        ipam.release(a, owner: "a")
        #expect(ipam.allocations()[a] == nil)
        let b = try ipam.allocate(owner: "b")
        #expect(b != a)
        #expect(try !ipam.reserve(b, owner: "c"))
        ipam.releaseAll { $0 == "b" }  // keeps the owners the closure accepts
        #expect(ipam.allocations()[b] == "b")
        ipam.releaseAll { _ in false }
        #expect(ipam.allocations().isEmpty)
    }
}

@Suite struct NetworkFilesTests {
    @Test func hostsAndResolvConf() {
        let h = ContainerNetworkFiles.hosts(hostname: "abc", ips: ["172.17.0.2"], extraHosts: ["db:10.0.0.5"])
        #expect(h.hasSuffix("10.0.0.5\tdb\n172.17.0.2\tabc\n"))
        let r = ContainerNetworkFiles.resolvConf(host: "nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch x.org\noptions edns0\n",
                                                 nameservers: nil, search: [], options: [])
        #expect(r == "search x.org\nnameserver 10.1.1.1\noptions edns0\n")
        let only = ContainerNetworkFiles.resolvConf(host: "nameserver 127.0.0.1\n", nameservers: nil, search: [], options: [])
        #expect(only == "nameserver 8.8.8.8\nnameserver 8.8.4.4\n")
        let dns = ContainerNetworkFiles.resolvConf(host: "nameserver 10.1.1.1\n", nameservers: ["9.9.9.9"], search: ["a.b"], options: ["ndots:2"])
        #expect(dns == "search a.b\nnameserver 9.9.9.9\noptions ndots:2\n")
        let embedded = ContainerNetworkFiles.resolvConf(host: "nameserver 10.1.1.1\n", nameservers: ["10.5.0.1"], search: [], options: [],
                                                        embedded: true)
        #expect(embedded == "nameserver 10.5.0.1\noptions ndots:0\n")
        let userNdots = ContainerNetworkFiles.resolvConf(host: "", nameservers: ["10.5.0.1"], search: [], options: ["ndots:3"], embedded: true)
        #expect(userNdots == "nameserver 10.5.0.1\noptions ndots:3\n")
    }

    @Test func hostsEntryOfALeftNetworkIsRemoved() {
        let h = ContainerNetworkFiles.hosts(hostname: "abc", domainname: "x.org", ips: ["10.0.0.2", "10.1.0.2"], extraHosts: ["abc:10.1.0.2"])
        let left = ContainerNetworkFiles.removingEntry(ip: "10.1.0.2", hostname: "abc", domainname: "x.org", from: h)
        #expect(left.hasSuffix("10.1.0.2\tabc\n10.0.0.2\tabc.x.org abc\n"))
        #expect(ContainerNetworkFiles.removingEntry(ip: "10.9.9.9", hostname: "abc", domainname: "x.org", from: h) == h)
    }

    @Test func natScriptNamesChainsAfterTheBridge() {
        let r = NATRules(bridge: "hbtest1", subnet: IPv4Subnet("10.20.0.0/24")!, internal_: false)
        let s = r.restoreScript(mappings: [(IPv4Address("10.20.0.2")!, PortMapping(proto: "tcp", hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80))])
        #expect(s.contains(":HOIST-hbtest1 - [0:0]"))
        #expect(s.contains("-A HOIST-hbtest1 -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.20.0.2:80"))
        #expect(s.contains("-A HOIST-POST-hbtest1 -s 10.20.0.0/24 ! -o hbtest1 -j MASQUERADE"))
        let internal_ = NATRules(bridge: "hbtest1", subnet: IPv4Subnet("10.20.0.0/24")!, internal_: true).restoreScript(mappings: [])
        #expect(s.contains("-A HOIST-POST-hbtest1 -s 10.20.0.0/24 -o hbtest1 -m conntrack --ctstate DNAT -j MASQUERADE"))
        #expect(!s.contains("-j RETURN"))  // containers' own traffic to published ports is DNATed too (hairpin)
        #expect(!internal_.contains("-s 10.20.0.0/24 ! -o hbtest1 -j MASQUERADE"))
        #expect(internal_.contains("-A HOIST-FWD-hbtest1 -i hbtest1 ! -o hbtest1 -j DROP"))
    }
}
