import Foundation
import HoistCore

/// Resolves `-u USER[:GROUP]` against the container's /etc/passwd and /etc/group, as Docker does.
enum UserResolver {
    struct Resolved { var uid: UInt32; var gid: UInt32; var additionalGids: [UInt32]; var home: String }

    static func resolve(_ spec: String?, rootfs: String) throws -> Resolved {
        let passwd = readEtc(rootfs, "passwd")
        let group = readEtc(rootfs, "group")
        let s = spec ?? ""
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? ""
        let groupPart = parts.count > 1 ? parts[1] : nil

        var uid: UInt32 = 0, gid: UInt32 = 0, home = "/", userName = "root"
        if userPart.isEmpty {
            if let e = passwd.first(where: { $0.count >= 6 && $0[2] == "0" }) { home = e[5]; userName = e[0]; gid = UInt32(e[3]) ?? 0 } else { home = "/root" }
        } else if let n = UInt32(userPart) {
            uid = n
            if let e = passwd.first(where: { $0.count >= 6 && $0[2] == userPart }) { gid = UInt32(e[3]) ?? 0; home = e[5]; userName = e[0] } else { userName = "" }
        } else if let e = passwd.first(where: { $0.count >= 6 && $0[0] == userPart }) {
            uid = UInt32(e[2]) ?? 0; gid = UInt32(e[3]) ?? 0; home = e[5]; userName = e[0]
        } else {
            throw HoistError.invalid("unable to find user \(userPart): no matching entries in passwd file")
        }
        if let g = groupPart, !g.isEmpty {
            if let n = UInt32(g) { gid = n } else if let e = group.first(where: { $0.count >= 3 && $0[0] == g }) { gid = UInt32(e[2]) ?? 0 } else {
                throw HoistError.invalid("unable to find group \(g): no matching entries in group file")
            }
        }
        var extra: [UInt32] = []
        if !userName.isEmpty {
            for e in group where e.count >= 4 {
                let members = e[3].split(separator: ",").map(String.init)
                if members.contains(userName), let g = UInt32(e[2]), g != gid { extra.append(g) }
            }
        }
        return Resolved(uid: uid, gid: gid, additionalGids: extra, home: home.isEmpty ? "/" : home)
    }

    /// Reads rootfs/etc/NAME without following a symlink out of the container.
    private static func readEtc(_ rootfs: String, _ name: String) -> [[String]] {
        let path = rootfs + "/etc/" + name
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while data.count < 4 << 20 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }
}
