#if canImport(Glibc)
import Glibc
#endif
import Foundation
import CHoistSys

/// The DNS server of user-defined networks: on each network's gateway address, port 53,
/// over UDP and TCP (as moby's resolver), which containers get as their nameserver. It
/// answers A queries for the names of the network's containers (name, aliases, short ID),
/// PTR queries for their addresses, and forwards anything else to the asking container's `--dns` servers, else the host's
/// resolvers. (Docker listens on 127.0.0.11 inside each container's namespace, which needs
/// a socket per container; see docs/decisions/0004.)
final class EmbeddedDNS: @unchecked Sendable {
    private let lock = NSLock()
    /// network ID → its UDP and TCP sockets.
    private var sockets: [String: [Int32]] = [:]
    /// Open TCP connections (a thread each), capped so clients cannot pile up threads.
    private var tcpConnections = 0
    private static let maxTCPConnections = 64
    /// (network ID, name) → address.
    var resolver: (@Sendable (String, String) -> IPv4Address?)?
    /// (network ID, address) → the container's name on that network (PTR answers).
    var reverseResolver: (@Sendable (String, IPv4Address) -> String?)?
    /// (network ID, client address) → the servers that client's queries go to (its
    /// `--dns`); nil for the host's resolvers.
    var upstreams: (@Sendable (String, IPv4Address) -> [IPv4Address]?)?

    func serve(network: String, on address: IPv4Address?) {
        guard let address else { return }
        lock.lock(); defer { lock.unlock() }
        guard sockets[network] == nil else { return }
        guard let udp = Self.bound(SOCK_DGRAM, address) else { return }
        var fds = [udp]
        start { [weak self] in self?.udpLoop(fd: udp, network: network) }
        if let tcp = Self.bound(SOCK_STREAM, address) {
            if listen(tcp, 64) == 0 {
                fds.append(tcp)
                start { [weak self] in self?.tcpLoop(fd: tcp, network: network) }
            } else {
                close(tcp)
            }
        }
        sockets[network] = fds
    }

    func stop(network: String) {
        lock.lock(); defer { lock.unlock() }
        for fd in sockets.removeValue(forKey: network) ?? [] { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private func isOpen(_ fd: Int32, _ network: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return sockets[network]?.contains(fd) ?? false
    }

    private func start(_ body: @escaping @Sendable () -> Void) {
        let t = Thread(block: body)
        t.stackSize = 256 << 10
        t.start()
    }

    private static func bound(_ type: __socket_type, _ address: IPv4Address) -> Int32? {
        let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        if type == SOCK_STREAM {  // a restarted daemon binds again despite TIME_WAIT
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var sa = sockaddr_in(address, port: 53)
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); return nil }
        return fd
    }

    private func reply(to query: [UInt8], network: String, from client: IPv4Address) -> [UInt8]? {
        answer(query, network: network) ?? forward(query, servers: upstreams?(network, client) ?? Self.hostResolvers())
    }

    private func udpLoop(fd: Int32, network: String) {
        var buf = [UInt8](repeating: 0, count: 1500)
        while true {
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buf.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) } }
            }
            if n < 0 { if errno == EINTR { continue }; return }
            if n == 0 {
                if !isOpen(fd, network) { return }
                continue
            }
            let client = IPv4Address(UInt32(bigEndian: from.sin_addr.s_addr))
            guard let reply = reply(to: Array(buf[0..<n]), network: network, from: client) else { continue }
            _ = reply.withUnsafeBytes { b in
                withUnsafePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, len) } }
            }
        }
    }

    private func tcpLoop(fd: Int32, network: String) {
        while true {
            var from = sockaddr_in()
            var len = UInt32(MemoryLayout<sockaddr_in>.size)
            let c = choist_accept_cloexec(fd, &from, &len)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE { if isOpen(fd, network) { continue } }
                return
            }
            lock.lock()
            let admitted = tcpConnections < Self.maxTCPConnections
            if admitted { tcpConnections += 1 }
            lock.unlock()
            guard admitted else { close(c); continue }
            let client = IPv4Address(UInt32(bigEndian: from.sin_addr.s_addr))
            start { [weak self] in
                self?.serveTCP(conn: c, network: network, client: client)
                self?.lock.withLock { self?.tcpConnections -= 1 }
            }
        }
    }

    /// One TCP connection: length-prefixed queries until the client closes or is idle 5 s.
    private func serveTCP(conn: Int32, network: String, client: IPv4Address) {
        defer { close(conn) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        while let head = Self.read(conn, 2) {
            let size = Int(head[0]) << 8 | Int(head[1])
            guard size >= 12, let query = Self.read(conn, size) else { return }
            guard let r = reply(to: query, network: network, from: client), r.count <= 0xffff else { return }
            let framed = [UInt8(r.count >> 8), UInt8(r.count & 0xff)] + r
            var off = 0
            while off < framed.count {
                let w = framed[off...].withUnsafeBytes { send(conn, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { return }
                off += w
            }
        }
    }

    private static func read(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buf[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return buf
    }

    /// A reply for names we own; nil to forward.
    func answer(_ q: [UInt8], network: String) -> [UInt8]? {
        guard q.count >= 12, q[4] == 0, q[5] == 1 else { return nil }
        var i = 12
        var labels: [String] = []
        while i < q.count, q[i] != 0 {
            let l = Int(q[i])
            guard l < 64, i + 1 + l <= q.count else { return nil }
            labels.append(String(decoding: q[(i + 1)..<(i + 1 + l)], as: UTF8.self))
            i += 1 + l
        }
        guard i + 5 <= q.count else { return nil }
        let qtype = UInt16(q[i + 1]) << 8 | UInt16(q[i + 2])
        let end = i + 5
        let name = labels.joined(separator: ".")
        var r = Array(q[0..<end])
        r[2] = 0x84 | (q[2] & 0x01)  // QR, AA, RD copied
        r[3] = 0x80                  // RA, NOERROR
        r[8] = 0; r[9] = 0; r[10] = 0; r[11] = 0
        if qtype == 12 {
            // d.c.b.a.in-addr.arpa of a container on this network: its name, as moby answers.
            guard labels.count == 6, labels[4].lowercased() == "in-addr", labels[5].lowercased() == "arpa",
                  let ip = IPv4Address(labels[0..<4].reversed().joined(separator: ".")),
                  let target = reverseResolver?(network, ip) else { return nil }
            var rdata: [UInt8] = []
            for l in target.split(separator: ".") where !l.isEmpty && l.utf8.count < 64 { rdata += [UInt8(l.utf8.count)] + Array(l.utf8) }
            rdata.append(0)
            r[6] = 0; r[7] = 1
            r += [0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0, 60, UInt8(rdata.count >> 8), UInt8(rdata.count & 0xff)] + rdata
            return r
        }
        guard !name.isEmpty, let ip = resolver?(network, name) else { return nil }
        if qtype == 1 || qtype == 255 {
            r[6] = 0; r[7] = 1
            r += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]
            r += [UInt8(ip.value >> 24), UInt8(ip.value >> 16 & 0xff), UInt8(ip.value >> 8 & 0xff), UInt8(ip.value & 0xff)]
        } else {
            r[6] = 0; r[7] = 0  // the name exists, without records of that type
        }
        return r
    }

    /// The host's nameservers (the daemon runs in the host's namespace, so loopback
    /// resolvers such as systemd-resolved's work too).
    static func hostResolvers() -> [IPv4Address] {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> IPv4Address? in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return f.count > 1 && f[0] == "nameserver" ? IPv4Address(String(f[1])) : nil
        }
    }

    /// Relays to the first server that answers (2 s per server).
    func forward(_ q: [UInt8], servers: [IPv4Address]) -> [UInt8]? {
        for s in servers {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var sa = sockaddr_in(s, port: 53)
            let sent = q.withUnsafeBytes { b in
                withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            }
            guard sent == q.count else { continue }
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return Array(buf[0..<n]) }
        }
        return nil
    }
}
