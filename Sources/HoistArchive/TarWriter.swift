#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore

/// Writes a tar file entry by entry (pax format), optionally compressed. For building
/// layers and test fixtures; names are written exactly as given (no cleaning).
public final class TarWriter {
    public enum Compression: Sendable { case none, gzip, zstd, xz, bzip2 }

    private var writer: OpaquePointer?
    public let path: String

    public init(path: String, compression: Compression = .none) throws {
        self.path = path
        guard let w = archive_write_new() else { throw HoistError.internal("libarchive: out of memory") }
        writer = w
        switch compression {
        case .none: break
        case .gzip:
            archive_write_add_filter_gzip(w)
            archive_write_set_filter_option(w, "gzip", "timestamp", nil)
        case .zstd: archive_write_add_filter_zstd(w)
        case .xz: archive_write_add_filter_xz(w)
        case .bzip2: archive_write_add_filter_bzip2(w)
        }
        archive_write_set_format_pax_restricted(w)
        if compression != .none { archive_write_set_bytes_in_last_block(w, 1) }
        guard archive_write_open_filename(w, path) == ARCHIVE_OK else {
            let msg = LA.errorString(w)
            archive_write_free(w)
            writer = nil
            throw HoistError.internal("create \(path): \(msg)")
        }
    }

    deinit { if let writer { archive_write_free(writer) } }

    public struct Metadata: Sendable {
        public var mode: UInt32
        public var uid: Int64 = 0
        public var gid: Int64 = 0
        public var mtime: Int64 = 0
        public var xattrs: [String: [UInt8]] = [:]
        public init(mode: UInt32, uid: Int64 = 0, gid: Int64 = 0, mtime: Int64 = 0, xattrs: [String: [UInt8]] = [:]) {
            self.mode = mode; self.uid = uid; self.gid = gid; self.mtime = mtime; self.xattrs = xattrs
        }
    }

    public func addDirectory(_ name: String, _ meta: Metadata = .init(mode: 0o755)) throws {
        try add(name, type: LA.ifdir, meta: meta)
    }

    public func addFile(_ name: String, _ content: [UInt8], _ meta: Metadata = .init(mode: 0o644)) throws {
        try add(name, type: LA.ifreg, meta: meta, content: content)
    }

    /// A regular file whose content is streamed from `source` in chunks (never whole in
    /// memory); `size` is what `stat` said, and the file must still have that many bytes.
    public func addFile(_ name: String, from source: String, size: Int64, _ meta: Metadata = .init(mode: 0o644)) throws {
        guard let w = writer else { throw HoistError.internal("tar \(path): closed") }
        let fd = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw HoistError.internal("open \(source): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try add(name, type: LA.ifreg, meta: meta) { archive_entry_set_size($0, size) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var left = size
        while left > 0 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, Int(left))) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HoistError.internal("read \(source): \(n == 0 ? "file shrank while archiving" : String(cString: strerror(errno)))") }
            let written = buf.withUnsafeBytes { archive_write_data(w, $0.baseAddress, n) }
            guard written == n else { throw HoistError.internal("tar \(path): \(LA.errorString(w))") }
            left -= Int64(n)
        }
    }

    public func addSymlink(_ name: String, target: String, _ meta: Metadata = .init(mode: 0o777)) throws {
        try add(name, type: LA.iflnk, meta: meta) { archive_entry_set_symlink($0, target) }
    }

    /// A hardlink entry: `name` is another name of the earlier entry `target`.
    public func addHardlink(_ name: String, target: String, _ meta: Metadata = .init(mode: 0o644)) throws {
        try add(name, type: LA.ifreg, meta: meta) { archive_entry_set_hardlink($0, target) }
    }

    public func addCharDevice(_ name: String, major: UInt32, minor: UInt32, _ meta: Metadata = .init(mode: 0o666)) throws {
        try add(name, type: LA.ifchr, meta: meta) {
            archive_entry_set_rdevmajor($0, dev_t(major))
            archive_entry_set_rdevminor($0, dev_t(minor))
        }
    }

    public func addFIFO(_ name: String, _ meta: Metadata = .init(mode: 0o644)) throws {
        try add(name, type: LA.ififo, meta: meta)
    }

    private func add(_ name: String, type: UInt32, meta: Metadata, content: [UInt8]? = nil,
                     configure: (OpaquePointer) -> Void = { _ in }) throws {
        guard let w = writer else { throw HoistError.internal("tar \(path): closed") }
        guard let e = archive_entry_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_entry_free(e) }
        archive_entry_set_pathname(e, name)
        archive_entry_set_filetype(e, type)
        archive_entry_set_perm(e, meta.mode & 0o7777)
        archive_entry_set_uid(e, meta.uid)
        archive_entry_set_gid(e, meta.gid)
        archive_entry_set_mtime(e, time_t(meta.mtime), 0)
        archive_entry_set_size(e, Int64(content?.count ?? 0))  // `configure` may set it
        for (k, v) in meta.xattrs.sorted(by: { $0.key < $1.key }) {
            v.withUnsafeBytes { archive_entry_xattr_add_entry(e, k, $0.baseAddress, $0.count) }
        }
        configure(e)
        guard archive_write_header(w, e) >= ARCHIVE_WARN else { throw HoistError.internal("tar \(path): \(LA.errorString(w))") }
        if let content, !content.isEmpty {
            let n = content.withUnsafeBytes { archive_write_data(w, $0.baseAddress, $0.count) }
            guard n == content.count else { throw HoistError.internal("tar \(path): \(LA.errorString(w))") }
        }
    }

    /// Writes the end-of-archive blocks and closes the file.
    public func finish() throws {
        guard let w = writer else { return }
        writer = nil
        defer { archive_write_free(w) }
        guard archive_write_close(w) == ARCHIVE_OK else { throw HoistError.internal("tar \(path): \(LA.errorString(w))") }
    }
}
