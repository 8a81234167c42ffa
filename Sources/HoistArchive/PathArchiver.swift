#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore
import HoistSys

/// Writes a file or directory tree as an uncompressed tar to a descriptor (Docker's
/// `TarResourceRebase`): the top entry is named `name` (its source base renamed), its
/// children `name/child`. With an empty `name` only the children are written, named from
/// the top (`export`: `bin/`, `bin/sh`, ...).
///
/// The walk goes through directory descriptors (openat/fstatat with O_NOFOLLOW), so a
/// symlink in the tree is archived as a link and never followed, even if the tree changes
/// meanwhile. Sockets are skipped, as Docker does; hardlinked files become hardlink entries.
public final class PathArchiver {
    private let writer: OpaquePointer
    private var links: [HardlinkKey: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    public private(set) var bytesWritten: Int64 = 0
    /// Entries (by tar name, no trailing `/`) taken from another host path: the mounts
    /// inside a container directory being archived, whose files are not in its root.
    public var substitutes: [String: String] = [:]

    private struct HardlinkKey: Hashable { var dev: UInt64; var ino: UInt64 }

    /// Writes to `fd` (not closed here).
    public init(fd: Int32) throws {
        guard let w = archive_write_new() else { throw HoistError.internal("libarchive: out of memory") }
        writer = w
        archive_write_set_format_pax_restricted(w)
        // Tar streams are not padded to libarchive's 10 KiB blocks: the end is the end.
        archive_write_set_bytes_in_last_block(w, 1)
        guard archive_write_open_fd(w, fd) == ARCHIVE_OK else {
            let msg = LA.errorString(w)
            archive_write_free(w)
            throw HoistError.internal("tar: \(msg)")
        }
    }

    deinit { archive_write_free(writer) }

    /// Archives `sourceDir/sourceBase` under the name `name`.
    public func add(sourceDir: String, sourceBase: String, name: String) throws {
        let dirfd = Sys.retry { open(sourceDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard dirfd >= 0 else { throw Sys.error("open", sourceDir) }
        defer { close(dirfd) }
        try LA.withUTF8Locale { try addEntry(parent: dirfd, entry: sourceBase, tarName: name, shown: sourceDir + "/" + sourceBase) }
    }

    /// Archives the contents of `dir` (not `dir` itself), names relative to it.
    public func addContents(of dir: String) throws {
        let fd = Sys.retry { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", dir) }
        defer { close(fd) }
        try LA.withUTF8Locale { try addChildren(dirfd: fd, prefix: "", shown: dir) }
    }

    /// Writes the end-of-archive blocks.
    public func finish() throws {
        guard archive_write_close(writer) == ARCHIVE_OK else { throw HoistError.internal("tar: \(LA.errorString(writer))") }
    }

    private func addChildren(dirfd: Int32, prefix: String, shown: String) throws {
        for name in try Self.names(dirfd: dirfd, shown: shown).sorted() {
            try addEntry(parent: dirfd, entry: name, tarName: prefix + name, shown: shown + "/" + name)
        }
    }

    private func addEntry(parent: Int32, entry: String, tarName: String, shown: String, substituted: Bool = false) throws {
        if !substituted, let source = substitutes[tarName.hasSuffix("/") ? String(tarName.dropLast()) : tarName] {
            let dir = ContainerPath.dir(source)
            let dirfd = Sys.retry { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            guard dirfd >= 0 else { throw Sys.error("open", dir) }
            defer { close(dirfd) }
            return try addEntry(parent: dirfd, entry: ContainerPath.base(source), tarName: tarName, shown: source, substituted: true)
        }
        var st = stat()
        guard fstatat(parent, entry, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw Sys.error("lstat", shown) }
        let fmt = UInt32(st.st_mode) & LA.ifmt
        if fmt == 0o140000 { return }  // sockets are not archived
        guard let e = archive_entry_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_entry_free(e) }
        let isDir = fmt == LA.ifdir
        archive_entry_set_pathname(e, isDir && !tarName.hasSuffix("/") ? tarName + "/" : tarName)
        archive_entry_set_filetype(e, fmt)
        archive_entry_set_perm(e, UInt32(st.st_mode) & 0o7777)
        archive_entry_set_uid(e, la_int64_t(st.st_uid))
        archive_entry_set_gid(e, la_int64_t(st.st_gid))
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
        archive_entry_set_size(e, 0)

        var contentFD: Int32 = -1
        defer { if contentFD >= 0 { close(contentFD) } }
        switch fmt {
        case LA.ifreg:
            let key = HardlinkKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            if st.st_nlink > 1, let first = links[key] {
                archive_entry_set_hardlink(e, first)
            } else {
                if st.st_nlink > 1 { links[key] = tarName }
                contentFD = Sys.retry { openat(parent, entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
                guard contentFD >= 0 else { throw Sys.error("open", shown) }
                archive_entry_set_size(e, la_int64_t(st.st_size))
            }
        case LA.iflnk:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlinkat(parent, entry, &buf, buf.count - 1)
            guard n >= 0 else { throw Sys.error("readlink", shown) }
            archive_entry_set_symlink(e, buf)
        case LA.ifchr, LA.ifblk:
            archive_entry_set_rdev(e, st.st_rdev)
        default:
            break
        }
        guard archive_write_header(writer, e) >= ARCHIVE_WARN else { throw HoistError.internal("tar: \(shown): \(LA.errorString(writer))") }
        if contentFD >= 0 { try copyData(contentFD, size: Int64(st.st_size), shown: shown) }
        if isDir {
            let child = Sys.retry { openat(parent, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard child >= 0 else { throw Sys.error("open", shown) }
            defer { close(child) }
            try addChildren(dirfd: child, prefix: isDir && !tarName.hasSuffix("/") ? tarName + "/" : tarName, shown: shown)
        }
    }

    /// Copies exactly `size` bytes (the size in the header): a file that shrank meanwhile is
    /// padded with zeros, one that grew is cut, so the stream stays a valid tar.
    private func copyData(_ fd: Int32, size: Int64, shown: String) throws {
        var left = size
        while left > 0 {
            let want = Int(min(Int64(buffer.count), left))
            var n = buffer.withUnsafeMutableBytes { b in Sys.retry { read(fd, b.baseAddress, want) } }
            if n < 0 { throw Sys.error("read", shown) }
            if n == 0 {
                for i in 0..<want { buffer[i] = 0 }
                n = want
            }
            let w = buffer.withUnsafeBytes { archive_write_data(writer, $0.baseAddress, n) }
            guard w == n else { throw HoistError.internal("tar: \(shown): \(LA.errorString(writer))") }
            left -= Int64(n)
            bytesWritten += Int64(n)
        }
    }

    private static func names(dirfd: Int32, shown: String) throws -> [String] {
        let dupfd = dup(dirfd)
        guard dupfd >= 0 else { throw Sys.error("dup", shown) }
        guard let dir = fdopendir(dupfd) else { close(dupfd); throw Sys.error("opendir", shown) }
        defer { closedir(dir) }
        var out: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            out.append(name)
        }
        return out
    }
}
