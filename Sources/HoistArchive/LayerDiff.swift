#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore
import HoistOCI
import HoistSys

/// Turns a directory into a layer, for `commit` and build steps: an overlay upper dir
/// becomes an OCI layer (overlay whiteouts → `.wh.` entries, opaque dirs →
/// `.wh..wh..opq`), streamed once into a gzip blob while the diffID is hashed.
///
/// Deterministic for the same tree: names sorted bytewise, mtimes in whole seconds, no
/// atime/ctime, numeric owners only. `trusted.overlay.*` and `security.selinux` xattrs are
/// not recorded (they describe this host, not the image).
public enum LayerDiff {
    /// - Parameters:
    ///   - directory: the upper dir (or any tree; `convertWhiteouts: false` for a plain
    ///     tar of a root file system, e.g. `export`).
    ///   - tempDir: where the gzip blob is written.
    ///   - exclude: relative paths (`etc/hostname`, no leading `/`) left out with their
    ///     subtrees, e.g. the mount points a runtime creates (Docker keeps those in its init
    ///     layer). A directory holding nothing but excluded paths is left out too.
    public static func ingest(directory: String, tempDir: String, convertWhiteouts: Bool = true,
                              compressionLevel: Int? = nil, exclude: Set<String> = []) throws -> IngestedLayer {
        try LA.withUTF8Locale {
            let compressedPath = "\(tempDir)/layer-\(Identifiers.random().prefix(16)).tar.gz"
            let sink = try GzipSink(path: compressedPath, level: compressionLevel)
            do {
                let tar = try TarStream(sink: sink)
                let walker = try TreeWalker(root: try FileSystem.realPath(directory), tar: tar, convertWhiteouts: convertWhiteouts)
                walker.exclude = Set(exclude.map { Array($0.utf8) })
                try walker.walk()
                try tar.finish()
                let (digest, size) = try sink.finish()
                return IngestedLayer(diffID: tar.hasher.finalize(), uncompressedSize: tar.hasher.count,
                                     compressedPath: compressedPath, compressedDigest: digest, compressedSize: size,
                                     unpackedSize: walker.contentBytes, entries: walker.entries)
            } catch {
                sink.abort()
                throw error
            }
        }
    }
}

/// A pax tar written through libarchive into a callback that hashes (diffID) and gzips.
final class TarStream {
    let writer: OpaquePointer
    let sink: GzipSink
    var hasher = DigestHasher()
    var failure: HoistError?

    init(sink: GzipSink) throws {
        guard let w = archive_write_new() else { throw HoistError.internal("libarchive: out of memory") }
        writer = w
        self.sink = sink
        archive_write_set_format_pax_restricted(w)
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        let r = archive_write_open2(w, ctx, nil, { _, ctx, buf, n in
            guard let ctx, let buf else { return -1 }
            let me = Unmanaged<TarStream>.fromOpaque(ctx).takeUnretainedValue()
            let block = UnsafeRawBufferPointer(start: buf, count: n)
            me.hasher.update(block)
            do { try me.sink.write(block) } catch let e as HoistError { me.failure = e; return -1 } catch { return -1 }
            return n
        }, nil, nil)
        guard r == ARCHIVE_OK else { throw HoistError.internal("tar: \(LA.errorString(w))") }
    }

    deinit { archive_write_free(writer) }

    func header(_ entry: OpaquePointer, _ shown: String) throws {
        guard archive_write_header(writer, entry) >= ARCHIVE_WARN else { throw error(shown) }
    }

    func data(_ buf: UnsafeRawBufferPointer, _ shown: String) throws {
        guard archive_write_data(writer, buf.baseAddress, buf.count) == buf.count else { throw error(shown) }
    }

    func finish() throws {
        guard archive_write_close(writer) == ARCHIVE_OK else { throw error("end of archive") }
    }

    private func error(_ shown: String) -> HoistError {
        failure ?? HoistError.internal("tar \(shown): \(LA.errorString(writer))")
    }
}

/// Sorted depth-first walk of a tree, writing each entry to the tar stream.
final class TreeWalker {
    let root: String
    let tar: TarStream
    let convertWhiteouts: Bool
    private let disk: OpaquePointer
    private let links: OpaquePointer
    private(set) var contentBytes: Int64 = 0
    /// Entries written (0: the tree holds no change).
    private(set) var entries: Int64 = 0
    var exclude: Set<[UInt8]> = []

    init(root: String, tar: TarStream, convertWhiteouts: Bool) throws {
        self.root = root
        self.tar = tar
        self.convertWhiteouts = convertWhiteouts
        guard let d = archive_read_disk_new(), let l = archive_entry_linkresolver_new() else {
            throw HoistError.internal("libarchive: out of memory")
        }
        disk = d
        links = l
        // No archive_read_disk_set_standard_lookup: owners stay numeric.
        archive_read_disk_set_symlink_physical(disk)
        archive_entry_linkresolver_set_strategy(links, archive_format(tar.writer))
    }

    deinit {
        archive_entry_linkresolver_free(links)
        archive_read_free(disk)
    }

    func walk() throws { try walk(relative: []) }

    private func walk(relative dir: [UInt8]) throws {
        let full = dir.isEmpty ? root : root + "/" + LayerPath.display(dir)
        let names = try FileSystem.listDirectory(full).map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        for name in names {
            let rel = dir.isEmpty ? name : dir + [UInt8(ascii: "/")] + name
            if exclude.contains(rel) { continue }
            let path = root + "/" + LayerPath.display(rel)
            var st = stat()
            guard lstat(path, &st) == 0 else {
                if errno == ENOENT { continue }
                throw Sys.error("lstat", path)
            }
            let type = UInt32(st.st_mode) & LA.ifmt
            if type == 0o140000 { continue }  // tar cannot hold sockets
            if convertWhiteouts && type == LA.ifchr && st.st_rdev == 0 {
                try emitMarker(dir: dir, name: Whiteout.prefix + name, st: st, mode: 0o600)
                continue
            }
            if type == LA.ifdir && !exclude.isEmpty && onlyExcluded(rel: rel, path: path) { continue }
            try emit(rel: rel, path: path, st: st)
            if type == LA.ifdir {
                if convertWhiteouts, FileSystem.getXattr(path, name: "trusted.overlay.opaque") == Array("y".utf8) {
                    try emitMarker(dir: rel, name: Whiteout.opaque, st: st, mode: UInt32(st.st_mode) & 0o777)
                }
                try walk(relative: rel)
            }
        }
    }

    /// Whether a directory is only there for excluded paths under it (an ancestor of one,
    /// not opaque, holding nothing else).
    private func onlyExcluded(rel: [UInt8], path: String) -> Bool {
        let prefix = rel + [UInt8(ascii: "/")]
        guard exclude.contains(where: { $0.starts(with: prefix) }) else { return false }
        if FileSystem.getXattr(path, name: "trusted.overlay.opaque") == Array("y".utf8) { return false }
        guard let names = try? FileSystem.listDirectory(path) else { return false }
        for name in names {
            let childRel = prefix + Array(name.utf8)
            if exclude.contains(childRel) { continue }
            let childPath = path + "/" + name
            var st = stat()
            guard lstat(childPath, &st) == 0, UInt32(st.st_mode) & LA.ifmt == LA.ifdir,
                  onlyExcluded(rel: childRel, path: childPath) else { return false }
        }
        return true
    }

    private func emit(rel: [UInt8], path: String, st: stat) throws {
        entries += 1
        guard var entry = archive_entry_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_entry_free(entry) }
        var s = st
        archive_entry_copy_sourcepath(entry, path)
        let name = LA.cString(rel)
        name.withUnsafeBufferPointer { archive_entry_copy_pathname(entry, $0.baseAddress) }
        guard archive_read_disk_entry_from_file(disk, entry, -1, &s) >= ARCHIVE_WARN else {
            throw HoistError.internal("read \(path): \(LA.errorString(disk))")
        }
        normalize(entry, st: st)
        let type = UInt32(st.st_mode) & LA.ifmt
        if type == LA.ifreg {
            var spare: OpaquePointer?
            var e: OpaquePointer? = entry
            archive_entry_linkify(links, &e, &spare)
            if let e { entry = e }
        }
        try tar.header(entry, path)
        if type == LA.ifreg && archive_entry_hardlink(entry) == nil && st.st_size > 0 {
            try copyContent(path, size: Int64(st.st_size))
            contentBytes += Int64(st.st_size)
        }
    }

    /// An empty regular file standing for a whiteout (`.wh.NAME`) or an opaque dir marker.
    private func emitMarker(dir: [UInt8], name: [UInt8], st: stat, mode: UInt32) throws {
        entries += 1
        guard let entry = archive_entry_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_entry_free(entry) }
        let rel = dir.isEmpty ? name : dir + [UInt8(ascii: "/")] + name
        let cname = LA.cString(rel)
        cname.withUnsafeBufferPointer { archive_entry_copy_pathname(entry, $0.baseAddress) }
        archive_entry_set_filetype(entry, LA.ifreg)
        archive_entry_set_perm(entry, mode)
        archive_entry_set_uid(entry, la_int64_t(st.st_uid))
        archive_entry_set_gid(entry, la_int64_t(st.st_gid))
        archive_entry_set_mtime(entry, st.st_mtim.tv_sec, 0)
        archive_entry_set_size(entry, 0)
        try tar.header(entry, LayerPath.display(rel))
    }

    /// Reproducible headers: whole-second mtime, no atime/ctime/birthtime, no names, only
    /// xattrs that belong to the image.
    private func normalize(_ entry: OpaquePointer, st: stat) {
        archive_entry_set_mtime(entry, st.st_mtim.tv_sec, 0)
        archive_entry_unset_atime(entry)
        archive_entry_unset_ctime(entry)
        archive_entry_unset_birthtime(entry)
        archive_entry_copy_uname(entry, nil)
        archive_entry_copy_gname(entry, nil)
        archive_entry_set_fflags(entry, 0, 0)
        guard archive_entry_xattr_reset(entry) > 0 else { return }
        var keep: [(String, [UInt8])] = []
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let n = String(cString: name)
            if n.hasPrefix("trusted.overlay.") || n == "security.selinux" { continue }
            keep.append((n, value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
        }
        archive_entry_xattr_clear(entry)
        for (n, v) in keep.sorted(by: { $0.0 < $1.0 }) {
            v.withUnsafeBytes { archive_entry_xattr_add_entry(entry, n, $0.baseAddress, $0.count) }
        }
    }

    /// Copies at most `size` bytes (what the header announced); a file that shrank
    /// meanwhile is padded with zeros by libarchive.
    private func copyContent(_ path: String, size: Int64) throws {
        let fd = Sys.retry { open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", path) }
        defer { close(fd) }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        var left = size
        while left > 0 {
            let want = Int(min(Int64(buf.count), left))
            let n = Sys.retry { read(fd, buf.baseAddress, want) }
            guard n >= 0 else { throw Sys.error("read", path) }
            if n == 0 { break }
            try tar.data(UnsafeRawBufferPointer(rebasing: buf[0..<n]), path)
            left -= Int64(n)
        }
    }
}
