#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistSys

/// Copies build sources into a step's root file system (an overlay mount whose upper dir
/// becomes the layer). Regular files, directories and symlinks keep their permission bits
/// and modification times; the owner is root or `--chown`'s, the mode `--chmod`'s when given.
/// The host path given as destination was resolved inside the root (`RootfsPath`); below
/// it, an existing entry in the way is replaced, never followed.
struct FileCopy {
    var owner: OwnerLookup.Owner = .init(uid: 0, gid: 0)
    var chmod: mode_t?

    /// Copies `source` (file, symlink or directory) to `dest`. For a directory, `dest`
    /// becomes a directory holding the source's contents.
    func copy(_ source: String, to dest: String) throws {
        var st = stat()
        guard lstat(source, &st) == 0 else { throw error("stat", source) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try makeDirectory(dest, mode: chmod ?? (st.st_mode & 0o7777))
            for name in try FileSystem.listDirectory(source) {
                try copy(source + "/" + name, to: dest + "/" + name)
            }
            setTimes(dest, st)
        case S_IFLNK:
            try removeIfPresent(dest)
            let target = try RootfsPath.readLink(source)
            guard symlink(target, dest) == 0 else { throw error("symlink", dest) }
            guard lchown(dest, owner.uid, owner.gid) == 0 else { throw error("lchown", dest) }
        case S_IFREG:
            try removeIfPresent(dest)
            try copyFile(source, to: dest, mode: chmod ?? (st.st_mode & 0o7777))
            setTimes(dest, st)
        default:
            break  // sockets, fifos, devices: not copied, as Docker's copier skips them
        }
    }

    /// Writes `bytes` as a new file (COPY heredocs).
    func write(_ bytes: [UInt8], to dest: String, mode: mode_t = 0o644) throws {
        try removeIfPresent(dest)
        try FileSystem.atomicWrite(dest, bytes, mode: chmod ?? mode)
        guard lchown(dest, owner.uid, owner.gid) == 0 else { throw error("lchown", dest) }
        if let m = chmod { guard Glibc.chmod(dest, m) == 0 else { throw error("chmod", dest) } }
    }

    /// A directory at `path` (an existing one is kept, with its owner and mode set).
    func makeDirectory(_ path: String, mode: mode_t) throws {
        var st = stat()
        if lstat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR { try removeIfPresent(path) }
        if lstat(path, &st) != 0 {
            guard mkdir(path, 0o700) == 0 else { throw error("mkdir", path) }
        }
        guard lchown(path, owner.uid, owner.gid) == 0 else { throw error("lchown", path) }
        guard Glibc.chmod(path, mode) == 0 else { throw error("chmod", path) }
    }

    /// Creates the missing directories of `path` (already resolved in the root), owned by root, 0755.
    static func makeParents(_ path: String) throws {
        try FileSystem.mkdirAll(path, mode: 0o755)
    }

    private func setTimes(_ dest: String, _ st: stat) {
        var times = [st.st_atim, st.st_mtim]
        _ = utimensat(AT_FDCWD, dest, &times, AT_SYMLINK_NOFOLLOW)
    }

    private func copyFile(_ source: String, to dest: String, mode: mode_t) throws {
        let src = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard src >= 0 else { throw error("open", source) }
        defer { close(src) }
        let dst = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard dst >= 0 else { throw error("create", dest) }
        defer { close(dst) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw error("read", source) }
            if n == 0 { break }
            try buf.withUnsafeBytes { try FileSystem.writeAll(fd: dst, UnsafeRawBufferPointer(rebasing: $0[0..<n]), display: dest) }
        }
        // chown first: it would clear set-user-ID bits set before it.
        guard fchown(dst, owner.uid, owner.gid) == 0 else { throw error("chown", dest) }
        guard fchmod(dst, mode) == 0 else { throw error("chmod", dest) }
    }

    private func removeIfPresent(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        try FileSystem.removeTree(path)
    }

    private func error(_ op: String, _ path: String) -> HoistError {
        HoistError.internal("\(op) \(path): \(String(cString: strerror(errno)))")
    }
}
