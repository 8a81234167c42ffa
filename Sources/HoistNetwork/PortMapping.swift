#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// One published port, resolved: the host side is concrete (a real port, an address).
public struct PortMapping: Codable, Sendable, Hashable {
    /// `tcp` or `udp`.
    public var proto: String
    /// `0.0.0.0` for every address of the host.
    public var hostIP: String
    public var hostPort: Int
    public var containerPort: Int
    public init(proto: String, hostIP: String, hostPort: Int, containerPort: Int) {
        self.proto = proto; self.hostIP = hostIP; self.hostPort = hostPort; self.containerPort = containerPort
    }
}

/// What the user asked for: the host side may be a range or empty (any free port).
public struct PortRequest: Sendable, Hashable {
    public var proto: String
    public var hostIP: String
    /// Inclusive; (0, 0) = any free port.
    public var hostPorts: ClosedRange<Int>
    public var containerPort: Int
    public init(proto: String, hostIP: String, hostPorts: ClosedRange<Int>, containerPort: Int) {
        self.proto = proto; self.hostIP = hostIP; self.hostPorts = hostPorts; self.containerPort = containerPort
    }
}

/// Holds each published host port with a bound socket (never listening), as dockerd does
/// with kernel NAT: a port another program or container uses cannot be published, and
/// nothing else can take a published one while Hoist holds it.
final class PortReservation: @unchecked Sendable {
    private(set) var fds: [Int32] = []

    deinit { releaseAll() }

    func releaseAll() {
        for fd in fds { close(fd) }
        fds = []
    }

    /// Binds one request; returns the concrete mapping.
    func reserve(_ r: PortRequest) throws -> PortMapping {
        let ip = r.hostIP.isEmpty ? "0.0.0.0" : r.hostIP
        guard let addr = IPv4Address(ip) else { throw HoistError.invalid("invalid host IP address: \(ip)") }
        if r.hostPorts.lowerBound == 0 {
            let (fd, port) = try bind(addr, port: 0, proto: r.proto)
            fds.append(fd)
            return PortMapping(proto: r.proto, hostIP: ip, hostPort: port, containerPort: r.containerPort)
        }
        var lastError: HoistError?
        for p in r.hostPorts {
            do {
                let (fd, port) = try bind(addr, port: p, proto: r.proto)
                fds.append(fd)
                return PortMapping(proto: r.proto, hostIP: ip, hostPort: port, containerPort: r.containerPort)
            } catch let e as HoistError { lastError = e }
        }
        throw lastError ?? HoistError.conflict("Bind for \(ip):\(r.hostPorts.lowerBound) failed: port is already allocated")
    }

    private func bind(_ addr: IPv4Address, port: Int, proto: String) throws -> (Int32, Int) {
        let type = proto == "udp" ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HoistError.internal("socket: \(String(cString: strerror(errno)))") }
        var sa = sockaddr_in(addr, port: UInt16(port))
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 {
            let e = errno
            close(fd)
            if e == EADDRINUSE {
                throw HoistError.conflict("Bind for \(addr):\(port) failed: port is already allocated")
            }
            if e == EADDRNOTAVAIL {
                throw HoistError.invalid("failed to bind port \(addr):\(port)/\(proto): listen \(proto)4 \(addr):\(port): bind: cannot assign requested address")
            }
            throw HoistError.internal("bind \(addr):\(port)/\(proto): \(String(cString: strerror(e)))")
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: bound.sin_port)))
    }
}
