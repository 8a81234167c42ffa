#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The DNS server of user-defined networks: one UDP socket per network on its gateway
/// address, port 53, which containers get as their nameserver. It answers A queries for
/// the names of the network's containers (name, aliases, short ID) and forwards anything
/// else to the host's resolvers. (Docker listens on 127.0.0.11 inside each container's
/// namespace, which needs a socket per container; see docs/decisions/0004.)
final class EmbeddedDNS: @unchecked Sendable {
    private let lock = NSLock()
    private var sockets: [String: Int32] = [:]
    /// (network ID, name) → address.
    var resolver: (@Sendable (String, String) -> IPv4Address?)?

    func serve(network: String, on address: IPv4Address?) {
        guard let address else { return }
        lock.lock(); defer { lock.unlock() }
        guard sockets[network] == nil else { return }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = in_port_t(UInt16(53).bigEndian)
        sa.sin_addr.s_addr = address.value.bigEndian
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); return }
        sockets[network] = fd
        let t = Thread { [weak self] in self?.loop(fd: fd, network: network) }
        t.stackSize = 256 << 10
        t.start()
    }

    func stop(network: String) {
        lock.lock(); defer { lock.unlock() }
        if let fd = sockets.removeValue(forKey: network) { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private func loop(fd: Int32, network: String) {
        var buf = [UInt8](repeating: 0, count: 1500)
        while true {
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buf.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) } }
            }
            if n < 0 { if errno == EINTR { continue }; return }
            if n == 0 {
                lock.lock(); let open = sockets[network] == fd; lock.unlock()
                if !open { return }
                continue
            }
            let query = Array(buf[0..<n])
            guard let reply = answer(query, network: network) ?? forward(query) else { continue }
            _ = reply.withUnsafeBytes { b in
                withUnsafePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, len) } }
            }
        }
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
        guard !name.isEmpty, let ip = resolver?(network, name) else { return nil }
        var r = Array(q[0..<end])
        r[2] = 0x84 | (q[2] & 0x01)  // QR, AA, RD copied
        r[3] = 0x80                  // RA, NOERROR
        r[8] = 0; r[9] = 0; r[10] = 0; r[11] = 0
        if qtype == 1 || qtype == 255 {
            r[6] = 0; r[7] = 1
            r += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]
            r += [UInt8(ip.value >> 24), UInt8(ip.value >> 16 & 0xff), UInt8(ip.value >> 8 & 0xff), UInt8(ip.value & 0xff)]
        } else {
            r[6] = 0; r[7] = 0  // the name exists, without records of that type
        }
        return r
    }

    /// Relays to the host's first reachable resolver (2 s per server).
    func forward(_ q: [UInt8]) -> [UInt8]? {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        let servers = text.split(separator: "\n").compactMap { line -> IPv4Address? in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return f.count > 1 && f[0] == "nameserver" ? IPv4Address(String(f[1])) : nil
        }
        for s in servers {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(53).bigEndian)
            sa.sin_addr.s_addr = s.value.bigEndian
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
