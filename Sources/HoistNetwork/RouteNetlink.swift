#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistSys

/// A NETLINK_ROUTE socket and the few rtnetlink requests a container's network needs
/// (veth pair, link state, address, default route, link removal), each sent with an
/// acknowledgement requested and its error reported. Talking to the kernel directly saves
/// the two `ip` processes per container that dominated network setup.
///
/// A socket works on the network namespace it was opened in: `host()` in hoistd's own,
/// `namespace(at:)` in a container's, `NetworkNamespace.make()` in a new one (each opened by a
/// short-lived thread in CHoistSys, so no thread of hoistd ever changes namespace).
final class RouteNetlink {
    private let fd: Int32
    private var sequence: UInt32 = 0

    private init(fd: Int32) {
        self.fd = fd
        // A kernel that never answers must not hang hoistd.
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Wraps a NETLINK_ROUTE socket opened elsewhere (a spare namespace's); closes it at deinit.
    static func adopting(fd: Int32) -> RouteNetlink { RouteNetlink(fd: fd) }

    static func host() throws -> RouteNetlink {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { throw Sys.error("netlink socket") }
        return RouteNetlink(fd: fd)
    }

    /// A socket in the namespace at `path`.
    static func namespace(at path: String) throws -> RouteNetlink {
        let fd = NamespacedNetlink.netlinkSocket(path: path)
        guard fd >= 0 else { throw Sys.error("entering network namespace", path, errno: -fd) }
        return RouteNetlink(fd: fd)
    }

    // MARK: requests

    /// `ip link set dev INDEX up` (index 1 is always `lo`).
    func setUp(index: Int32) throws {
        var m = Message(type: Kind.newLink, flags: 0)
        m.ifinfo(index: index, flags: Flag.up, change: Flag.up)
        try transact(m, what: "bringing up interface \(index)")
    }

    /// `ip link add NAME [master M] up type veth peer name PEER address PEERMAC netns NSFD`:
    /// `name` stays in this socket's namespace and comes up, `peer` goes into the namespace
    /// open as `peerNamespace`, still down (a veth cannot come up before its pair is complete:
    /// ENOTCONN).
    func addVeth(name: String, master: Int32?, peer: String, peerMAC: [UInt8], peerNamespace: Int32) throws {
        var m = Message(type: Kind.newLink, flags: Flag.create | Flag.exclusive)
        m.ifinfo(index: 0, flags: Flag.up, change: Flag.up)
        m.attribute(Attr.ifName, string: name)
        if let master { m.attribute(Attr.master, uint32: UInt32(bitPattern: master)) }
        m.nested(Attr.linkInfo) { info in
            info.attribute(Attr.infoKind, string: "veth")
            info.nested(Attr.infoData) { data in
                data.nested(Attr.vethPeer) { p in
                    p.ifinfo(index: 0, flags: 0, change: 0)
                    p.attribute(Attr.ifName, string: peer)
                    p.attribute(Attr.address, bytes: peerMAC)
                    p.attribute(Attr.netnsFD, uint32: UInt32(bitPattern: peerNamespace))
                }
            }
        }
        try transact(m, what: "creating veth \(name)")
    }

    /// The interface index of `name` in this socket's namespace.
    func index(of name: String) throws -> Int32 {
        var m = Message(type: Kind.getLink, flags: 0)
        m.ifinfo(index: 0, flags: 0, change: 0)
        m.attribute(Attr.ifName, string: name)
        let reply = try transact(m, what: "looking up interface \(name)", wantReply: true)
        // struct ifinfomsg follows the 16-byte header; ifi_index is at offset 4 in it.
        guard reply.count >= 16 + 8 else { throw HoistError.internal("netlink: short reply looking up \(name)") }
        return reply.withUnsafeBytes { Int32(bitPattern: $0.loadUnaligned(fromByteOffset: 20, as: UInt32.self)) }
    }

    /// `ip addr add IP/PREFIX dev INDEX`.
    func addAddress(_ ip: IPv4Address, prefix: Int, index: Int32) throws {
        var m = Message(type: Kind.newAddr, flags: Flag.create | Flag.exclusive)
        m.append(UInt8(AF_INET)); m.append(UInt8(prefix)); m.append(UInt8(0)); m.append(UInt8(0))
        m.append(UInt32(bitPattern: index))
        m.attribute(Attr.ifaLocal, bytes: ip.bytes)
        m.attribute(Attr.ifaAddress, bytes: ip.bytes)
        try transact(m, what: "adding address \(ip)/\(prefix)")
    }

    /// `ip route add default via GATEWAY dev INDEX`.
    func addDefaultRoute(via gateway: IPv4Address, index: Int32) throws {
        var m = Message(type: Kind.newRoute, flags: Flag.create | Flag.exclusive)
        // struct rtmsg: family, dst_len, src_len, tos, table (main), protocol (boot),
        // scope (universe), type (unicast), flags.
        for b: UInt8 in [UInt8(AF_INET), 0, 0, 0, 254, 3, 0, 1] { m.append(b) }
        m.append(UInt32(0))
        m.attribute(Attr.rtaGateway, bytes: gateway.bytes)
        m.attribute(Attr.rtaOIF, uint32: UInt32(bitPattern: index))
        try transact(m, what: "adding the default route via \(gateway)")
    }

    /// `ip link set NAME nomaster down`: the link leaves its bridge and stops carrying
    /// traffic at once (no RCU wait, unlike a delete). A missing link is not an error.
    func detachLink(_ name: String) throws {
        var m = Message(type: Kind.newLink, flags: 0)
        m.ifinfo(index: 0, flags: 0, change: Flag.up)
        m.attribute(Attr.ifName, string: name)
        m.attribute(Attr.master, uint32: 0)
        do { try transact(m, what: "detaching \(name)") } catch let e as NetlinkError where e.errno == ENODEV {}
    }

    /// `ip link del NAME`; a missing link is not an error.
    func deleteLink(_ name: String) throws {
        var m = Message(type: Kind.delLink, flags: 0)
        m.ifinfo(index: 0, flags: 0, change: 0)
        m.attribute(Attr.ifName, string: name)
        do { try transact(m, what: "deleting \(name)") } catch let e as NetlinkError where e.errno == ENODEV {}
    }

    // MARK: transport

    struct NetlinkError: Error, CustomStringConvertible {
        var errno: Int32
        var what: String
        var description: String { "\(what): \(String(cString: strerror(errno)))" }
    }

    /// Sends `message` and reads until its acknowledgement (or, with `wantReply`, its answer).
    @discardableResult
    private func transact(_ message: Message, what: String, wantReply: Bool = false) throws -> [UInt8] {
        sequence &+= 1
        let seq = sequence
        var bytes = message.finished(sequence: seq, ack: !wantReply)
        let sent = bytes.withUnsafeMutableBytes { p in Sys.retry { send(fd, p.baseAddress, p.count, 0) } }
        guard sent == bytes.count else { throw Sys.error("netlink send (\(what))") }
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            let n = buffer.withUnsafeMutableBytes { p in Sys.retry { recv(fd, p.baseAddress, p.count, 0) } }
            guard n > 0 else { throw Sys.error("netlink receive (\(what))") }
            var offset = 0
            while offset + 16 <= n {
                let (length, type, replySeq) = buffer.withUnsafeBytes {
                    ($0.loadUnaligned(fromByteOffset: offset, as: UInt32.self),
                     $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self),
                     $0.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
                }
                guard length >= 16, offset + Int(length) <= n else { throw HoistError.internal("netlink: malformed reply (\(what))") }
                if replySeq == seq {
                    if type == Kind.error {
                        let code = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 16, as: Int32.self) }
                        if code != 0 { throw HoistError.internal(NetlinkError(errno: -code, what: what).description) }
                        if !wantReply { return [] }
                    } else if wantReply {
                        return Array(buffer[offset..<offset + Int(length)])
                    }
                }
                offset += (Int(length) + 3) & ~3
            }
        }
    }

    private enum Kind {
        static let error: UInt16 = 2
        static let newLink: UInt16 = 16, delLink: UInt16 = 17, getLink: UInt16 = 18
        static let newAddr: UInt16 = 20, newRoute: UInt16 = 24
    }

    private enum Flag {
        static let request: UInt16 = 0x1, ack: UInt16 = 0x4, exclusive: UInt16 = 0x200, create: UInt16 = 0x400
        static let up: UInt32 = 0x1
    }

    private enum Attr {
        static let address: UInt16 = 1, ifName: UInt16 = 3, master: UInt16 = 10, linkInfo: UInt16 = 18, netnsFD: UInt16 = 28
        static let infoKind: UInt16 = 1, infoData: UInt16 = 2, vethPeer: UInt16 = 1
        static let ifaAddress: UInt16 = 1, ifaLocal: UInt16 = 2
        static let rtaOIF: UInt16 = 4, rtaGateway: UInt16 = 5
    }

    /// An rtnetlink request being built: header, fixed struct, attributes (4-byte aligned).
    private struct Message {
        var bytes: [UInt8]

        init(type: UInt16, flags: UInt16) {
            bytes = []
            append(UInt32(0)); append(type); append(flags | Flag.request); append(UInt32(0)); append(UInt32(0))
        }

        func finished(sequence: UInt32, ack: Bool) -> [UInt8] {
            var b = bytes
            Message.store(UInt32(b.count), into: &b, at: 0)
            if ack { Message.store(UInt16(b[6]) | UInt16(b[7]) << 8 | Flag.ack, into: &b, at: 6) }
            Message.store(sequence, into: &b, at: 8)
            return b
        }

        mutating func append<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }

        /// struct ifinfomsg.
        mutating func ifinfo(index: Int32, flags: UInt32, change: UInt32) {
            append(UInt8(AF_UNSPEC)); append(UInt8(0)); append(UInt16(0))
            append(UInt32(bitPattern: index)); append(flags); append(change)
        }

        mutating func attribute(_ type: UInt16, bytes payload: [UInt8]) {
            append(UInt16(4 + payload.count)); append(type)
            bytes.append(contentsOf: payload)
            pad()
        }

        mutating func attribute(_ type: UInt16, string: String) { attribute(type, bytes: Array(string.utf8) + [0]) }

        mutating func attribute(_ type: UInt16, uint32: UInt32) {
            attribute(type, bytes: withUnsafeBytes(of: uint32.littleEndian) { Array($0) })
        }

        mutating func nested(_ type: UInt16, _ body: (inout Message) -> Void) {
            let start = bytes.count
            append(UInt16(0)); append(type)
            body(&self)
            Message.store(UInt16(bytes.count - start), into: &bytes, at: start)
            pad()
        }

        private mutating func pad() { while bytes.count % 4 != 0 { bytes.append(0) } }

        static func store<T: FixedWidthInteger>(_ v: T, into b: inout [UInt8], at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (i, x) in $0.enumerated() { b[offset + i] = x } }
        }
    }
}

extension IPv4Address {
    /// Network byte order.
    var bytes: [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
}
