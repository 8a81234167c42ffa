#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistOCI
import HoistSys

/// The content checksum of COPY/ADD sources, part of the step's cache key: names, file
/// types and permission bits, contents and symlink targets; never timestamps or owners
/// (a fresh checkout must hit the cache).
public enum SourceChecksum {
    /// `sha256` hex over every source, each walked in sorted order.
    public static func compute(_ sources: [BuildContext.Source]) throws -> String {
        var h = DigestHasher()
        for s in sources {
            h.update(Array("source \(s.relative)\n".utf8))
            try add(s.hostPath, name: ".", to: &h)
        }
        return h.finalize().hex
    }

    /// The checksum of one tree (a file, a symlink, or a directory and what it holds).
    public static func tree(_ path: String) throws -> String {
        var h = DigestHasher()
        try add(path, name: ".", to: &h)
        return h.finalize().hex
    }

    private static func add(_ path: String, name: String, to h: inout DigestHasher) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw HoistError.internal("stat \(path): \(String(cString: strerror(errno)))") }
        let type = st.st_mode & S_IFMT
        let perm = String(st.st_mode & 0o7777, radix: 8)
        switch type {
        case S_IFDIR:
            h.update(Array("d \(perm) \(name)\n".utf8))
            for child in try FileSystem.listDirectory(path).sorted() {
                try add(path + "/" + child, name: name + "/" + child, to: &h)
            }
        case S_IFLNK:
            h.update(Array("l \(perm) \(name) -> \(try RootfsPath.readLink(path))\n".utf8))
        case S_IFREG:
            h.update(Array("f \(perm) \(name) \(st.st_size) ".utf8))
            try hashContent(path, into: &h)
            h.update([0x0A])
        default:
            h.update(Array("o \(type) \(perm) \(name)\n".utf8))
        }
    }

    private static func hashContent(_ path: String, into h: inout DigestHasher) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw HoistError.internal("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HoistError.internal("read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }
}
