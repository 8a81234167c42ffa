import HoistCore
import HoistSys

/// `--chown=user[:group]` of COPY/ADD, resolved against the image's `/etc/passwd` and
/// `/etc/group` (inside the build's root file system). As Docker documents it: a user
/// without a group uses the same numeric ID as the GID.
enum OwnerLookup {
    struct Owner: Sendable, Equatable { var uid: UInt32; var gid: UInt32 }

    static func resolve(_ spec: String, root: String) throws -> Owner {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts[0]
        let groupPart = parts.count > 1 ? parts[1] : nil
        guard !userPart.isEmpty else { throw HoistError.invalid("invalid chown string: \(spec)") }
        let uid = try id(userPart, file: "/etc/passwd", root: root, kind: "user")
        let gid = try groupPart.map { try id($0, file: "/etc/group", root: root, kind: "group") } ?? uid
        return Owner(uid: uid, gid: gid)
    }

    private static func id(_ name: String, file: String, root: String, kind: String) throws -> UInt32 {
        if let n = UInt32(name) { return n }
        let path = try RootfsPath.resolve(root: root, file)
        let text = (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 2, fields[0] == name, let n = UInt32(fields[2]) { return n }
        }
        throw HoistError.invalid("unable to convert uid/gid chown string to host mapping: can't find \(kind == "user" ? "uid" : "gid") for \(kind) \(name): no such \(kind): \(name)")
    }
}
