#if canImport(Glibc)
import Glibc
#endif
import CHoistSys
import HoistCore

/// Small file-system helpers used by the stores: directory creation, a tree removal that
/// never follows symlinks nor descends into mounts, atomic writes, fsync.
public enum FileSystem {
    /// `mkdir -p`: creates missing directories with `mode`; existing directories are fine.
    public static func mkdirAll(_ path: String, mode: mode_t = 0o755) throws {
        guard !path.isEmpty else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for comp in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + comp
            if mkdir(prefix, mode) == 0 { continue }
            let e = errno
            var st = stat()
            guard e == EEXIST, stat(prefix, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw Sys.error("mkdir", prefix, errno: e == EEXIST ? ENOTDIR : e)
            }
        }
    }

    /// Removes `path` and everything below it. Never follows a symlink (a symlink is removed,
    /// not its target) and refuses to descend into another mount: a mounted directory inside
    /// the tree (or `path` itself being a mount point) is an error and nothing under that
    /// mount is touched. A missing `path` is not an error.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw Sys.error("lstat", path)
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            guard unlink(path) == 0 || errno == ENOENT else { throw Sys.error("unlink", path) }
            return
        }
        // Refuse before deleting anything when a mount sits at or below `path`; the checks
        // during the walk below stay as a backstop for mounts made meanwhile.
        if let real = try? realPath(path), let mnt = Mounts.mountPoints().first(where: { $0 == real || $0.hasPrefix(real + "/") }) {
            throw HoistError(.conflict, "refusing to remove \(path): \(mnt) is a mount point")
        }
        let fd = Sys.retry { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        let top = mountInfo(fd: fd)
        if top.isMountRoot == true || Mounts.isMountPoint(path) {
            throw HoistError(.conflict, "refusing to remove \(path): it is a mount point")
        }
        try removeContents(of: fd, display: path, dev: st.st_dev, mountID: top.id)
        guard rmdir(path) == 0 || errno == ENOENT else { throw Sys.error("rmdir", path) }
    }

    private static func removeContents(of dirfd: Int32, display: String, dev: dev_t, mountID: UInt64) throws {
        for name in try entryNames(dirfd: dirfd, display: display) {
            let shown = display + "/" + String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var st = stat()
            guard fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                throw Sys.error("lstat", shown)
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                let child = Sys.retry { openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                guard child >= 0 else { throw Sys.error("open", shown) }
                defer { close(child) }
                let info = mountInfo(fd: child)
                if st.st_dev != dev || info.isMountRoot == true || (mountID != 0 && info.id != 0 && info.id != mountID) {
                    throw HoistError(.conflict, "refusing to remove \(shown): it is a mount point")
                }
                try removeContents(of: child, display: shown, dev: dev, mountID: mountID)
                guard unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw Sys.error("rmdir", shown) }
            } else {
                guard unlinkat(dirfd, name, 0) == 0 || errno == ENOENT else { throw Sys.error("unlink", shown) }
            }
        }
    }

    /// Names in a directory (without `.` and `..`), each NUL-terminated, ready for *at calls.
    private static func entryNames(dirfd: Int32, display: String) throws -> [[CChar]] {
        let dupfd = dup(dirfd)
        guard dupfd >= 0 else { throw Sys.error("dup", display) }
        guard let dir = fdopendir(dupfd) else { close(dupfd); throw Sys.error("opendir", display) }
        defer { closedir(dir) }
        var names: [[CChar]] = []
        while let ent = readdir(dir) {
            var name = withUnsafeBytes(of: ent.pointee.d_name) { raw -> [CChar] in
                let bytes = raw.prefix { $0 != 0 }
                return bytes.map { CChar(bitPattern: $0) }
            }
            if name == [46] || name == [46, 46] { continue }
            name.append(0)
            names.append(name)
        }
        return names
    }

    struct MountInfo { var isMountRoot: Bool?; var id: UInt64 }

    static func mountInfo(fd: Int32) -> MountInfo {
        var root: Int32 = -1
        var id: UInt64 = 0
        guard choist_mount_info(fd, "", 0x1000 /* AT_EMPTY_PATH */, &root, &id) == 0 else { return MountInfo(isMountRoot: nil, id: 0) }
        return MountInfo(isMountRoot: root < 0 ? nil : root == 1, id: id)
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync,
    /// rename over `path`, fsync of the directory. Readers see the old or the new content.
    public static func atomicWrite(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        let tmp = "\(path).tmp-\(Identifiers.random().prefix(12))"
        let fd = Sys.retry { open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw Sys.error("create", tmp) }
        do {
            try bytes.withUnsafeBytes { try writeAll(fd: fd, $0, display: tmp) }
            guard fchmod(fd, mode) == 0 else { throw Sys.error("chmod", tmp) }
            guard fsync(fd) == 0 else { throw Sys.error("fsync", tmp) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        guard Glibc.rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw Sys.error("rename", path, errno: e)
        }
        try fsyncDir(parent(of: path))
    }

    /// Replaces the content of `path` in place (same inode: a bind mount of it sees the new
    /// content), without fsync: for files rebuilt at every start (hosts, resolv.conf, the
    /// bundle), where a sync per file cost a container start about 0.3 ms each.
    public static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        let fd = Sys.retry { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw Sys.error("create", path) }
        defer { close(fd) }
        var text = text
        try text.withUTF8 { try writeAll(fd: fd, UnsafeRawBufferPointer($0), display: path) }
    }

    /// Makes a posix_spawn child close every descriptor from `first` up, after the file
    /// actions added so far: libraries (NIO's sockets and epoll descriptors among them) do not
    /// all set close-on-exec, and a child must not hold, say, the daemon's API socket.
    public static func closeDescriptors(from first: Int32, in actions: inout posix_spawn_file_actions_t) {
        _ = withUnsafeMutablePointer(to: &actions) { choist_spawn_closefrom(UnsafeMutableRawPointer($0), first) }
    }

    /// A sealed in-memory copy of an executable (close-on-exec), or nil: executing it through
    /// /proc/self/fd/N runs the same program from a file nobody can change.
    public static func sealedCopy(of path: String) -> Int32? {
        let fd = choist_sealed_copy(path)
        return fd >= 0 ? fd : nil
    }

    /// Writes the whole buffer, retrying short writes and EINTR.
    public static func writeAll(fd: Int32, _ buf: UnsafeRawBufferPointer, display: String = "file") throws {
        var off = 0
        while off < buf.count {
            let n = Sys.retry { write(fd, buf.baseAddress! + off, buf.count - off) }
            guard n > 0 else { throw Sys.error("write", display) }
            off += n
        }
    }

    /// fsync of a directory, so a rename or create in it survives a crash.
    public static func fsyncDir(_ path: String) throws {
        let fd = Sys.retry { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Sys.error("fsync", path) }
    }

    /// Flushes the whole file system holding `path` (syncfs): one call to make a freshly
    /// unpacked tree durable, instead of an fsync per file.
    public static func syncFileSystem(_ path: String) throws {
        let fd = Sys.retry { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        guard choist_syncfs(fd) == 0 else { throw Sys.error("syncfs", path) }
    }

    public static func fsyncFile(_ path: String) throws {
        let fd = Sys.retry { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Sys.error("fsync", path) }
    }

    /// The whole file (small files only: configs, manifests, state).
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = Sys.retry { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { b in Sys.retry { read(fd, b.baseAddress, b.count) } }
            if n < 0 { throw Sys.error("read", path) }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    /// lstat-based: true for anything at `path`, a dangling symlink included.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// True when `path` is a directory itself (a symlink to a directory is not).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// Entry names of a directory, without `.` and `..`, unsorted.
    public static func listDirectory(_ path: String) throws -> [String] {
        let fd = Sys.retry { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        return try entryNames(dirfd: fd, display: path).map { String(decoding: $0.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    public static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw Sys.error("rename \(from) to", to) }
    }

    /// Canonical absolute path (symlinks resolved).
    public static func realPath(_ path: String) throws -> String {
        guard let p = realpath(path, nil) else { throw Sys.error("realpath", path) }
        defer { free(p) }
        return String(cString: p)
    }

    /// A new, empty directory `dir/prefixXXXXXX` (mode 0700).
    public static func makeTempDir(in dir: String, prefix: String) throws -> String {
        var template = Array("\(dir)/\(prefix)XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw Sys.error("mkdtemp", dir) }
        return String(cString: p)
    }

    /// Sets an extended attribute on `path` itself (a final symlink is not followed).
    public static func setXattr(_ path: String, name: String, value: [UInt8]) throws {
        let r = value.withUnsafeBytes { choist_lsetxattr(path, name, $0.baseAddress, $0.count, 0) }
        guard r == 0 else { throw Sys.error("setxattr \(name)", path) }
    }

    /// The value of an extended attribute of `path` itself, nil when absent.
    public static func getXattr(_ path: String, name: String) -> [UInt8]? {
        let size = choist_lgetxattr(path, name, nil, 0)
        guard size >= 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: max(Int(size), 1))
        let n = buf.withUnsafeMutableBytes { choist_lgetxattr(path, name, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        return Array(buf[0..<Int(n)])
    }

    /// Names of the extended attributes of `path` itself.
    public static func listXattrs(_ path: String) -> [String] {
        let size = choist_llistxattr(path, nil, 0)
        guard size > 0 else { return [] }
        var buf = [CChar](repeating: 0, count: Int(size))
        let n = choist_llistxattr(path, &buf, buf.count)
        guard n > 0 else { return [] }
        return buf[0..<Int(n)].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// The directory part of a path (`/a/b` → `/a`, `b` → `.`).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
