#if canImport(Glibc)
import Glibc
#endif
import CArchive
import CHoistSys
import HoistCore
import HoistSys

/// Writes the entries of an open tar reader into `root`, as an overlay lower dir.
///
/// Safety, checked on every entry before anything is written: no `..` component, no
/// absolute name, no hardlink target outside the root, and no parent directory that is a
/// symlink (we never write through one). libarchive's SECURE_SYMLINKS / SECURE_NODOTDOT
/// back this up. Any violation refuses the whole layer: the caller extracts into a fresh
/// directory and removes it on error.
final class LayerExtractor {
    let root: String
    private let writer: OpaquePointer
    private(set) var unpacked: Int64 = 0

    init(root: String) throws {
        guard FileSystem.isDirectory(root) else { throw HoistError.invalid("layer target \(root) is not a directory") }
        // libarchive checks every component of the absolute names we give it, so the root
        // itself must be free of symlinks.
        self.root = try FileSystem.realPath(root)
        guard let w = archive_write_disk_new() else { throw HoistError.internal("libarchive: out of memory") }
        writer = w
        // No archive_write_disk_set_standard_lookup: owners are numeric, never host names.
        let flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR
            | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        archive_write_disk_set_options(writer, flags)
    }

    deinit { archive_write_free(writer) }

    /// Applies every entry; `readError` gives the real cause when the reader fails because
    /// the stream under it failed (decompression error, I/O error).
    func run(_ reader: OpaquePointer, readError: () -> HoistError? = { nil }) throws {
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(reader, &entry)
            if r == ARCHIVE_EOF { break }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let e = entry else {
                throw readError() ?? LayerExtractor.tarError(reader)
            }
            try apply(e, reader, readError: readError)
        }
        // Runs libarchive's deferred directory fix-ups (modes and mtimes of directories).
        guard archive_write_close(writer) >= ARCHIVE_WARN else {
            throw HoistError.internal("failed to apply layer: \(LA.errorString(writer))")
        }
    }

    static func tarError(_ reader: OpaquePointer) -> HoistError {
        let msg = LA.errorString(reader)
        if msg.contains("Unrecognized archive format") {
            return HoistError.invalid("invalid tar archive: the input is not a tar file (nor a gzip, bzip2, xz or zstd compressed one)")
        }
        return HoistError.invalid("invalid tar archive: \(msg)")
    }

    private func refuse(_ why: String) -> HoistError { HoistError.invalid("invalid layer: \(why)") }

    private func apply(_ entry: OpaquePointer, _ reader: OpaquePointer, readError: () -> HoistError?) throws {
        guard let cname = archive_entry_pathname(entry) else { throw refuse("entry without a name") }
        let raw = LA.bytes(cname)
        let shown = LayerPath.display(raw)
        let path = LayerPath(raw)
        if path.hasDotDot { throw refuse("path \"\(shown)\" escapes the root") }
        if path.absolute { throw refuse("path \"\(shown)\" is absolute") }

        if let last = path.components.last, last.starts(with: Whiteout.prefix) {
            try applyWhiteout(entry, path: path, name: last, shown: shown)
            return
        }
        try checkParents(path.components.dropLast(), shown: shown)

        if let hl = archive_entry_hardlink(entry) {
            let rawTarget = LA.bytes(hl)
            let target = LayerPath(rawTarget)
            guard target.isSafe, !target.components.isEmpty else {
                throw refuse("hardlink \"\(shown)\" to \"\(LayerPath.display(rawTarget))\" escapes the root")
            }
            try checkParents(target.components.dropLast(), shown: LayerPath.display(rawTarget))
            let abs = LA.cString(target.join(root: root))
            abs.withUnsafeBufferPointer { archive_entry_copy_hardlink(entry, $0.baseAddress) }
        }
        let type = UInt32(archive_entry_filetype(entry)) & LA.ifmt
        if path.components.isEmpty && (type != LA.ifdir || archive_entry_hardlink(entry) != nil) {
            throw refuse("entry \"\(shown)\" would replace the root directory")
        }
        let abs = LA.cString(path.join(root: root))
        abs.withUnsafeBufferPointer { archive_entry_copy_pathname(entry, $0.baseAddress) }
        dropOverlayXattrs(entry)

        guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
            throw HoistError.internal("failed to extract \"\(shown)\": \(LA.errorString(writer))")
        }
        var buf: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let r = archive_read_data_block(reader, &buf, &size, &offset)
            if r == ARCHIVE_EOF { break }
            guard r >= ARCHIVE_WARN else { throw readError() ?? LayerExtractor.tarError(reader) }
            guard archive_write_data_block(writer, buf, size, offset) >= ARCHIVE_WARN else {
                throw HoistError.internal("failed to extract \"\(shown)\": \(LA.errorString(writer))")
            }
        }
        guard archive_write_finish_entry(writer) >= ARCHIVE_WARN else {
            throw HoistError.internal("failed to extract \"\(shown)\": \(LA.errorString(writer))")
        }
        if type == LA.ifreg && archive_entry_hardlink(entry) == nil { unpacked += archive_entry_size(entry) }
    }

    /// `.wh.NAME` → character device 0:0 named NAME; `.wh..wh..opq` → the directory gets
    /// `trusted.overlay.opaque=y`. Other `.wh..wh.` names are aufs bookkeeping: skipped.
    private func applyWhiteout(_ entry: OpaquePointer, path: LayerPath, name: [UInt8], shown: String) throws {
        let parent = Array(path.components.dropLast())
        try ensureDirectories(parent, shown: shown)
        let parentPath = LayerPath.display(absolute(parent))
        if name == Whiteout.opaque {
            try FileSystem.setXattr(parentPath, name: "trusted.overlay.opaque", value: Array("y".utf8))
            return
        }
        if name.starts(with: Whiteout.metaPrefix) { return }
        let hidden = Array(name.dropFirst(Whiteout.prefix.count))
        guard !hidden.isEmpty, hidden != [46], hidden != [46, 46] else { throw refuse("bad whiteout \"\(shown)\"") }
        let target = parentPath + "/" + LayerPath.display(hidden)
        let ctarget = LA.cString(absolute(parent + [hidden]))
        try FileSystem.removeTree(target)
        guard mknod(ctarget, S_IFCHR, choist_makedev(0, 0)) == 0 else { throw Sys.error("mknod", target) }
        guard lchown(ctarget, uid_t(truncatingIfNeeded: archive_entry_uid(entry)),
                     gid_t(truncatingIfNeeded: archive_entry_gid(entry))) == 0 else { throw Sys.error("lchown", target) }
    }

    /// Every existing prefix of `components` (inside the root) must be a real directory.
    private func checkParents<C: Collection>(_ components: C, shown: String) throws where C.Element == [UInt8] {
        var cur = Array(root.utf8)
        for c in components {
            cur.append(UInt8(ascii: "/"))
            cur.append(contentsOf: c)
            var st = stat()
            if lstat(LA.cString(cur), &st) != 0 {
                if errno == ENOENT || errno == ENOTDIR { return }
                throw Sys.error("lstat", LayerPath.display(cur))
            }
            let fmt = UInt32(st.st_mode) & LA.ifmt
            if fmt == LA.iflnk {
                throw refuse("path \"\(shown)\" goes through the symlink \"\(relative(cur))\"")
            }
            if fmt != LA.ifdir { throw refuse("path \"\(shown)\": \"\(relative(cur))\" is not a directory") }
        }
    }

    /// Like `checkParents`, creating missing directories (0755, root-owned) on the way.
    private func ensureDirectories(_ components: [[UInt8]], shown: String) throws {
        var cur = Array(root.utf8)
        for c in components {
            cur.append(UInt8(ascii: "/"))
            cur.append(contentsOf: c)
            let cpath = LA.cString(cur)
            var st = stat()
            if lstat(cpath, &st) != 0 {
                guard errno == ENOENT, mkdir(cpath, 0o755) == 0 else { throw Sys.error("mkdir", LayerPath.display(cur)) }
                continue
            }
            let fmt = UInt32(st.st_mode) & LA.ifmt
            if fmt == LA.iflnk { throw refuse("path \"\(shown)\" goes through the symlink \"\(relative(cur))\"") }
            if fmt != LA.ifdir { throw refuse("path \"\(shown)\": \"\(relative(cur))\" is not a directory") }
        }
    }

    private func absolute(_ components: [[UInt8]]) -> [UInt8] {
        var out = Array(root.utf8)
        for c in components { out.append(UInt8(ascii: "/")); out.append(contentsOf: c) }
        return out
    }

    private func relative(_ abs: [UInt8]) -> String {
        LayerPath.display(Array(abs.dropFirst(root.utf8.count + 1)))
    }

    /// A layer must not steer overlayfs through `trusted.overlay.*` attributes of its own
    /// (redirects, metacopy, opaque on arbitrary dirs): only real whiteout entries may.
    private func dropOverlayXattrs(_ entry: OpaquePointer) {
        guard archive_entry_xattr_reset(entry) > 0 else { return }
        var keep: [(String, [UInt8])] = []
        var dropped = false
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let n = String(cString: name)
            if n.hasPrefix("trusted.overlay.") { dropped = true; continue }
            let v = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            keep.append((n, v))
        }
        guard dropped else { return }
        archive_entry_xattr_clear(entry)
        for (n, v) in keep { v.withUnsafeBytes { archive_entry_xattr_add_entry(entry, n, $0.baseAddress, $0.count) } }
    }
}
