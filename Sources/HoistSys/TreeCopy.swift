#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// `cp -a` without a process: copies a directory tree with owners, modes, times, symlinks
/// (as links, never followed), hard links, device nodes, fifos and extended attributes.
/// Used to fill a new volume from the image's content, as Docker does.
public enum TreeCopy {
    /// Copies the directory `source` (its own attributes included) to `target`, which must not exist.
    public static func copyDirectory(from source: String, to target: String) throws {
        var links: [InodeKey: String] = [:]
        try copyEntry(source, target, &links)
    }

    struct InodeKey: Hashable { let dev: UInt64; let ino: UInt64 }

    private static func copyEntry(_ src: String, _ dst: String, _ links: inout [InodeKey: String]) throws {
        var st = stat()
        guard lstat(src, &st) == 0 else { throw Sys.error("lstat", src) }
        let kind = st.st_mode & S_IFMT
        let perm = st.st_mode & 0o7777
        switch kind {
        case S_IFDIR:
            guard mkdir(dst, 0o700) == 0 else { throw Sys.error("mkdir", dst) }
            for name in try FileSystem.listDirectory(src) {
                try copyEntry(src + "/" + name, dst + "/" + name, &links)
            }
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(src, &buf, buf.count - 1)
            guard n >= 0 else { throw Sys.error("readlink", src) }
            let linkTarget = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard symlink(linkTarget, dst) == 0 else { throw Sys.error("symlink", dst) }
        case S_IFREG:
            let key = InodeKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            if st.st_nlink > 1, let first = links[key] {
                guard link(first, dst) == 0 else { throw Sys.error("link", dst) }
                return
            }
            try copyFile(src, dst)
            if st.st_nlink > 1 { links[key] = dst }
        default:
            // Device nodes, fifos, sockets.
            guard mknod(dst, st.st_mode, st.st_rdev) == 0 else { throw Sys.error("mknod", dst) }
        }
        // Owner before mode: chown clears setuid/setgid bits.
        guard lchown(dst, st.st_uid, st.st_gid) == 0 else { throw Sys.error("lchown", dst) }
        for name in FileSystem.listXattrs(src) {
            if let value = FileSystem.getXattr(src, name: name) { try? FileSystem.setXattr(dst, name: name, value: value) }
        }
        if kind != S_IFLNK {
            guard chmod(dst, perm) == 0 else { throw Sys.error("chmod", dst) }
        }
        var times = [st.st_atim, st.st_mtim]
        _ = utimensat(AT_FDCWD, dst, &times, AT_SYMLINK_NOFOLLOW)
    }

    private static func copyFile(_ src: String, _ dst: String) throws {
        let inFD = Sys.retry { open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard inFD >= 0 else { throw Sys.error("open", src) }
        defer { close(inFD) }
        let outFD = Sys.retry { open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard outFD >= 0 else { throw Sys.error("create", dst) }
        defer { close(outFD) }
        var buf = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let n = buf.withUnsafeMutableBytes { p in Sys.retry { read(inFD, p.baseAddress, p.count) } }
            if n < 0 { throw Sys.error("read", src) }
            if n == 0 { break }
            try buf.withUnsafeBytes { p in try FileSystem.writeAll(fd: outFD, UnsafeRawBufferPointer(rebasing: p[0..<n]), display: dst) }
        }
    }

    /// `root` + `path` with every component checked to stay inside `root`: nil when a
    /// component is a symlink (an image could point it at the host's files) or missing.
    public static func pathInRoot(_ root: String, _ path: String) -> String? {
        var current = root
        for comp in path.split(separator: "/") where comp != "." && !comp.isEmpty {
            if comp == ".." { return nil }
            current += "/" + comp
            if FileSystem.isSymlink(current) || !FileSystem.exists(current) { return nil }
        }
        return current
    }
}
