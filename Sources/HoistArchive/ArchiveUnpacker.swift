#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore
import HoistSys

/// Extracts a tar (plain or compressed) read from a descriptor into a directory, as
/// Docker's `Untar` for `cp`: entries may be renamed (`RebaseArchiveEntries`), an
/// existing directory is never replaced by a file nor a file by a directory when
/// `noOverwriteDirNonDir` is set, and ownership is kept, fixed, or left to the caller.
///
/// Nothing is written outside `destination`: names with `..` or whose parents are symlinks
/// are refused, hardlink targets must lie inside, and libarchive's SECURE_SYMLINKS and
/// SECURE_NODOTDOT checks back this up on every write.
public struct ArchiveUnpacker {
    public enum Ownership: Sendable {
        /// The uid/gid recorded in the tar (the daemon side of `cp`).
        case keep
        /// Every entry owned by this uid/gid (`cp -a` into a container with a user).
        case fixed(uid: UInt32, gid: UInt32)
        /// Whoever extracts owns the files (the CLI side: no lchown).
        case process
    }

    public var destination: String
    public var rebase: (old: String, new: String)?
    public var noOverwriteDirNonDir = true
    public var ownership = Ownership.keep
    /// Mounts below the destination (`ContainerFileSystem.submounts`): entries under one
    /// are written into its source; a read-only one refuses them with docker's message.
    public var submounts: [ContainerFileSystem.Submount] = []

    public init(destination: String) { self.destination = destination }

    /// Reads the whole tar from `fd` and extracts it.
    public func extract(fd: Int32) throws {
        guard FileSystem.isDirectory(destination) else { throw HoistError.invalid("extraction point is not a directory") }
        let root = try FileSystem.realPath(destination)
        guard let reader = archive_read_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_read_free(reader) }
        LA.addFilters(reader)
        archive_read_support_format_tar(reader)
        archive_read_support_format_gnutar(reader)
        guard archive_read_open_fd(reader, fd, 1 << 20) == ARCHIVE_OK else {
            throw HoistError.invalid("invalid tar archive: \(LA.errorString(reader))")
        }
        guard let writer = archive_write_disk_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_write_free(writer) }
        var flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if case .process = ownership {} else { flags |= ARCHIVE_EXTRACT_OWNER }
        archive_write_disk_set_options(writer, flags)
        try LA.withUTF8Locale {
            var entry: OpaquePointer?
            var sawEntry = false
            while true {
                let r = archive_read_next_header(reader, &entry)
                if r == ARCHIVE_EOF { break }
                guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let e = entry else {
                    if !sawEntry, LA.errorString(reader).contains("Unrecognized archive format") {
                        throw HoistError.invalid("invalid tar archive: the input is not a tar file")
                    }
                    throw HoistError.invalid("invalid tar archive: \(LA.errorString(reader))")
                }
                sawEntry = true
                try apply(e, reader: reader, writer: writer, root: root)
            }
            guard archive_write_close(writer) >= ARCHIVE_WARN else {
                throw HoistError.internal("extracting: \(LA.errorString(writer))")
            }
        }
    }

    private func rebased(_ raw: String) -> String {
        var name = raw
        while name.hasPrefix("/") { name.removeFirst() }
        guard let (old, new) = rebase else { return name }
        if old.isEmpty || old == "/" { return new + "/" + name }
        if name == old || name == old + "/" { return new + String(name.dropFirst(old.count)) }
        if name.hasPrefix(old + "/") { return new + String(name.dropFirst(old.count)) }
        return name
    }

    private func apply(_ entry: OpaquePointer, reader: OpaquePointer, writer: OpaquePointer, root destination: String) throws {
        guard let cname = archive_entry_pathname(entry) else { throw HoistError.invalid("invalid tar archive: an entry without a name") }
        let shown = rebased(String(cString: cname))
        var path = LayerPath(Array(shown.utf8))
        if path.hasDotDot { throw HoistError.invalid("invalid tar entry \"\(shown)\": it escapes the destination") }
        // The destination itself (`./`): its mode and owner stay as they are.
        if path.components.isEmpty { return }
        let type = UInt32(archive_entry_filetype(entry)) & LA.ifmt
        let (root, mount) = try redirect(&path, root: destination, shown: shown)
        // A mount point itself: a directory keeps what the mount shows; nothing replaces it.
        if path.components.isEmpty {
            if type == LA.ifdir { return }
            throw HoistError.invalid("cannot extract \"\(shown)\": it is a mount point")
        }
        try checkParents(path.components.dropLast(), root: root, shown: shown)

        let target = LayerPath.display(path.join(root: root))
        var st = stat()
        if noOverwriteDirNonDir, lstat(target, &st) == 0 {
            let existingIsDir = (st.st_mode & S_IFMT) == S_IFDIR
            if existingIsDir && type != LA.ifdir {
                throw HoistError.invalid("cannot overwrite directory \"\(ContainerPath.containerPath(root: root, host: target))\" with non-directory \"\(shown)\"")
            }
            if !existingIsDir && type == LA.ifdir {
                throw HoistError.invalid("cannot overwrite non-directory \"\(ContainerPath.containerPath(root: root, host: target))\" with directory \"\(shown)\"")
            }
        }
        if let hl = archive_entry_hardlink(entry) {
            let linkName = rebased(String(cString: hl))
            var link = LayerPath(Array(linkName.utf8))
            guard link.isSafe, !link.components.isEmpty else {
                throw HoistError.invalid("invalid hardlink \"\(shown)\" to \"\(linkName)\": it escapes the destination")
            }
            let (linkRoot, linkMount) = try redirect(&link, root: destination, shown: shown)
            guard linkMount == mount, !link.components.isEmpty else {
                throw HoistError.invalid("invalid hardlink \"\(shown)\" to \"\(linkName)\": it crosses a mount point")
            }
            let abs = LA.cString(link.join(root: linkRoot))
            abs.withUnsafeBufferPointer { archive_entry_copy_hardlink(entry, $0.baseAddress) }
        }
        if case .fixed(let uid, let gid) = ownership {
            archive_entry_set_uid(entry, la_int64_t(uid))
            archive_entry_set_gid(entry, la_int64_t(gid))
        }
        let abs = LA.cString(path.join(root: root))
        abs.withUnsafeBufferPointer { archive_entry_copy_pathname(entry, $0.baseAddress) }
        // No xattrs come through cp: a tar must not set trusted.overlay.* on the container layer.
        archive_entry_xattr_clear(entry)

        guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
            throw HoistError.invalid("cannot extract \"\(shown)\": \(LA.errorString(writer))")
        }
        var buf: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let r = archive_read_data_block(reader, &buf, &size, &offset)
            if r == ARCHIVE_EOF { break }
            guard r >= ARCHIVE_WARN else { throw HoistError.invalid("invalid tar archive: \(LA.errorString(reader))") }
            guard archive_write_data_block(writer, buf, size, offset) >= ARCHIVE_WARN else {
                throw HoistError.invalid("cannot extract \"\(shown)\": \(LA.errorString(writer))")
            }
        }
        guard archive_write_finish_entry(writer) >= ARCHIVE_WARN else {
            throw HoistError.invalid("cannot extract \"\(shown)\": \(LA.errorString(writer))")
        }
    }

    /// An entry under one of the submounts: that mount's source as the root and the path
    /// below it; else the destination, unchanged.
    private func redirect(_ path: inout LayerPath, root: String, shown: String) throws -> (String, ContainerFileSystem.Mount?) {
        let comps = path.components.map { LayerPath.display($0) }
        let holder = submounts.last { m in m.relative.count <= comps.count && Array(comps.prefix(m.relative.count)) == m.relative }
        guard let holder else { return (root, nil) }
        if holder.mount.readOnly { throw HoistError.invalid("mounted volume is marked read-only") }
        path.components.removeFirst(holder.relative.count)
        return (holder.mount.source, holder.mount)
    }

    /// Every existing parent must be a real directory: never write through a symlink.
    private func checkParents<C: Collection>(_ components: C, root: String, shown: String) throws where C.Element == [UInt8] {
        var cur = Array(root.utf8)
        for c in components {
            cur.append(UInt8(ascii: "/"))
            cur.append(contentsOf: c)
            var st = stat()
            if lstat(LA.cString(cur), &st) != 0 {
                if errno == ENOENT { return }
                throw Sys.error("lstat", LayerPath.display(cur))
            }
            let fmt = UInt32(st.st_mode) & LA.ifmt
            let rel = ContainerPath.containerPath(root: root, host: LayerPath.display(cur))
            if fmt == LA.iflnk { throw HoistError.invalid("cannot extract \"\(shown)\": \"\(rel)\" is a symbolic link") }
            if fmt != LA.ifdir { throw HoistError.invalid("cannot extract \"\(shown)\": \"\(rel)\" is not a directory") }
        }
    }
}
