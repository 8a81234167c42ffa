// Engine API archive models (moby api/swagger.yaml: ContainerPathStat; the
// `X-Docker-Container-Path-Stat` header of `HEAD`/`GET /containers/{id}/archive`).

/// What `HEAD /containers/{id}/archive` reports of a path, base64 JSON in the
/// `X-Docker-Container-Path-Stat` header. `mode` is a Go `os.FileMode` (type bits on top).
public struct ContainerPathStat: Codable, Sendable, Equatable {
    public var name: String
    public var size: Int64
    public var mode: UInt32
    public var mtime: String
    public var linkTarget: String
    public init(name: String, size: Int64, mode: UInt32, mtime: String, linkTarget: String) {
        self.name = name; self.size = size; self.mode = mode; self.mtime = mtime; self.linkTarget = linkTarget
    }

    public static let headerName = "X-Docker-Container-Path-Stat"

    /// Go's `os.FileMode` type bits.
    public enum GoMode {
        public static let dir: UInt32 = 1 << 31
        public static let symlink: UInt32 = 1 << 27
        public static let device: UInt32 = 1 << 26
        public static let namedPipe: UInt32 = 1 << 25
        public static let socket: UInt32 = 1 << 24
        public static let setuid: UInt32 = 1 << 23
        public static let setgid: UInt32 = 1 << 22
        public static let charDevice: UInt32 = 1 << 21
        public static let sticky: UInt32 = 1 << 20
    }

    public var isDir: Bool { mode & GoMode.dir != 0 }
    public var isSymlink: Bool { mode & GoMode.symlink != 0 }

    /// A Unix `st_mode` as Go's `os.FileMode`.
    public static func goMode(fromUnix m: UInt32) -> UInt32 {
        var out = m & 0o777
        switch m & 0o170000 {
        case 0o040000: out |= GoMode.dir
        case 0o120000: out |= GoMode.symlink
        case 0o010000: out |= GoMode.namedPipe
        case 0o140000: out |= GoMode.socket
        case 0o060000: out |= GoMode.device
        case 0o020000: out |= GoMode.device | GoMode.charDevice
        default: break
        }
        if m & 0o4000 != 0 { out |= GoMode.setuid }
        if m & 0o2000 != 0 { out |= GoMode.setgid }
        if m & 0o1000 != 0 { out |= GoMode.sticky }
        return out
    }
}
