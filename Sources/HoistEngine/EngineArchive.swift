import Foundation
import HoistAPIModels
import HoistArchive
import HoistCore
import HoistSys
import Synchronization

/// `cp` and `export`: a container's files read and written through the archive API.
/// `cp` paths resolve inside the container as its processes see it (`ContainerFileSystem`:
/// the root with its volumes, bind mounts and `/etc` files over it), whether it runs or
/// not; `export` is the root file system alone, as docker's. A stopped container's root
/// is mounted for the operation and unmounted after. Tars go through a temporary file
/// under the data root, so an error is known before the response starts.
extension Engine {
    /// `HEAD /containers/{id}/archive`.
    public func statContainerPath(_ idOrName: String, path: String) async throws -> ContainerPathStat {
        try await withContainerRoot(idOrName) { fs, _ in try ArchiveOps.stat(fs, path: path, container: idOrName).stat }
    }

    /// `GET /containers/{id}/archive`: the stat and a temporary tar file (the caller removes it).
    public func archiveContainerPath(_ idOrName: String, path: String) async throws -> (stat: ContainerPathStat, tarPath: String) {
        let tmp = paths.tmp
        let result = try await withContainerRoot(idOrName) { fs, _ in
            let s = try ArchiveOps.stat(fs, path: path, container: idOrName)
            var resolved = ContainerPath.clean(s.host)
            if ContainerPath.base(resolved) == "." { resolved += "/." }
            // The entries start with the name the user asked for, not what a final symlink
            // resolved to; the root directory's entries start with `.`.
            var rebase = ContainerPath.base(s.absPath)
            if rebase == "/" { rebase = "." }
            let tar = try ArchiveOps.writeTar(tmpDir: tmp) { archiver in
                // Mounts inside a directory come from their sources, under the names the
                // container sees them by.
                for sub in fs.submounts(below: s.resolvedPath) {
                    archiver.substitutes[([rebase] + sub.relative).joined(separator: "/")] = sub.mount.source
                }
                try archiver.add(sourceDir: ContainerPath.dir(resolved), sourceBase: ContainerPath.base(resolved), name: rebase)
            }
            return (s.stat, tar)
        }
        if let rec = try? lookup(idOrName) { emit("archive-path", rec) }
        return result
    }

    /// `PUT /containers/{id}/archive`: extracts the tar at `tarPath` into the directory `path`.
    public func extractToContainer(_ idOrName: String, path: String, tarPath: String, noOverwriteDirNonDir: Bool,
                                   copyUIDGID: Bool) async throws {
        let rec = try lookup(idOrName)
        try await withContainerRoot(idOrName) { fs, rec in
            let (host, _, resolvedPath) = try fs.resolve(path)
            var st = stat()
            guard lstat(host, &st) == 0 else {
                if errno == ENOENT { throw HoistError.notFound("Could not find the file \(path) in container \(idOrName)") }
                throw Sys.error("lstat", path)
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw HoistError.invalid("extraction point is not a directory") }
            // moby's checkIfPathIsInAVolume: a read-only mount refuses; a read-only root
            // file system refuses what is not in a mount.
            if let mount = fs.mount(holding: resolvedPath) {
                if mount.readOnly { throw HoistError.invalid("mounted volume is marked read-only") }
            } else if rec.hostConfig.ReadonlyRootfs == true {
                throw HoistError.invalid("container rootfs is marked read-only")
            }
            var unpacker = ArchiveUnpacker(destination: host)
            unpacker.noOverwriteDirNonDir = noOverwriteDirNonDir
            unpacker.submounts = fs.submounts(below: resolvedPath)
            if copyUIDGID, let user = rec.config.User, !user.isEmpty {
                let u = try UserResolver.resolve(user, rootfs: fs.root)
                unpacker.ownership = .fixed(uid: u.uid, gid: u.gid)
            }
            let fd = open(tarPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Sys.error("open", tarPath) }
            defer { close(fd) }
            try unpacker.extract(fd: fd)
        }
        emit("extract-to-dir", rec)
    }

    /// `GET /containers/{id}/export`: the whole file system as a temporary tar file.
    public func exportContainer(_ idOrName: String) async throws -> String {
        let tmp = paths.tmp
        let tar = try await withContainerRoot(idOrName) { fs, _ in
            try ArchiveOps.writeTar(tmpDir: tmp) { try $0.addContents(of: fs.root) }
        }
        if let rec = try? lookup(idOrName) { emit("export", rec) }
        return tar
    }

    /// Runs `body` on a thread of its own with the container's root mounted: a running
    /// container's mount is used as it is; otherwise the overlay is mounted for the
    /// operation and unmounted after the last one, unless the container started meanwhile.
    func withContainerRoot<T: Sendable>(_ idOrName: String,
                                        _ body: @escaping @Sendable (ContainerFileSystem, ContainerRecord) throws -> T) async throws -> T {
        let rec = try lookup(idOrName)
        if rec.status == .removing || rec.status == .dead {
            throw HoistError.conflict("container \(rec.id) is \(rec.status == .dead ? "marked for removal" : "being removed")")
        }
        let root = paths.rootfs(rec.id)
        ArchiveOps.holds.withLock { $0[root, default: 0] += 1 }
        defer {
            let last = ArchiveOps.holds.withLock { h -> Bool in
                let n = (h[root] ?? 1) - 1
                h[root] = n > 0 ? n : nil
                return n <= 0
            }
            if last, containers[rec.id]?.isRunning != true, !starting.contains(rec.id) { unmountRootfs(rec.id) }
        }
        if !Mounts.isMountPoint(root) {
            try mountRootfs(id: rec.id, image: try images.resolve(rec.imageID))
        }
        try await fillVolumesFromImage(rec.id, rootfs: root)
        let fs = containerFileSystem(rec, root: root)
        return try await ArchiveOps.onThread { try body(fs, rec) }
    }

    /// The container's root with the mounts its runtime makes over it: the per-container
    /// `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`, then its volumes and bind mounts
    /// (a user mount at one of those files replaces Hoist's, as in the bundle). tmpfs
    /// mounts exist only inside the running container and are not seen here.
    func containerFileSystem(_ rec: ContainerRecord, root: String) -> ContainerFileSystem {
        let dir = paths.containerDir(rec.id)
        let readOnlyRoot = rec.hostConfig.ReadonlyRootfs == true
        var mounts = [("hostname", "/etc/hostname"), ("hosts", "/etc/hosts"), ("resolv.conf", "/etc/resolv.conf")].map {
            ContainerFileSystem.Mount(destination: $0.1, source: dir + "/" + $0.0, readOnly: readOnlyRoot)
        }
        for m in rec.mounts ?? [] {
            let source: String
            switch m.spec.type {
            case .bind: source = m.spec.source
            case .volume: source = volumeDataPath(m.spec.source)
            case .tmpfs: continue
            }
            // Symlinks in a host path are the host's own: resolve them, so the secure
            // checks below the source only ever meet the container's.
            mounts.append(.init(destination: m.spec.destination, source: (try? FileSystem.realPath(source)) ?? source,
                                readOnly: m.spec.readOnly))
        }
        return ContainerFileSystem(root: root, mounts: mounts)
    }
}

/// The blocking halves of the archive operations.
enum ArchiveOps {
    /// Operations in progress per container root, so the last one unmounts it.
    static let holds = Mutex<[String: Int]>([:])

    struct Stat {
        var stat: ContainerPathStat
        var host: String
        var absPath: String
        /// The container path `host` is at (the directory part resolved).
        var resolvedPath: String
    }

    /// Docker's `StatPath`: the last element is not followed; a symlink reports its target
    /// fully resolved inside the container.
    static func stat(_ fs: ContainerFileSystem, path: String, container: String) throws -> Stat {
        let (host, absPath, resolvedPath) = try fs.resolve(path)
        var st = Glibc.stat()
        guard lstat(host, &st) == 0 else {
            if errno == ENOENT { throw HoistError.notFound("Could not find the file \(path) in container \(container)") }
            if errno == ENOTDIR { throw HoistError.invalid("lstat \(absPath): not a directory") }
            throw Sys.error("lstat", absPath)
        }
        var linkTarget = ""
        if (st.st_mode & S_IFMT) == S_IFLNK {
            linkTarget = try fs.secureJoin(absPath).path
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let s = ContainerPathStat(name: ContainerPath.base(absPath), size: Int64(st.st_size),
                                  mode: ContainerPathStat.goMode(fromUnix: UInt32(st.st_mode)),
                                  mtime: Timestamps.rfc3339Nano(mtime), linkTarget: linkTarget)
        return Stat(stat: s, host: host, absPath: absPath, resolvedPath: resolvedPath)
    }

    /// A new temporary tar (0600) filled by `fill`; removed again when `fill` fails.
    static func writeTar(tmpDir: String, _ fill: (PathArchiver) throws -> Void) throws -> String {
        let path = "\(tmpDir)/archive-\(Identifiers.random().prefix(16)).tar"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Sys.error("create", path) }
        var open = true
        do {
            let archiver = try PathArchiver(fd: fd)
            try fill(archiver)
            try archiver.finish()
            // close() releases the descriptor even when it fails: never close it twice.
            open = false
            guard close(fd) == 0 else { throw Sys.error("close", path) }
        } catch {
            if open { close(fd) }
            unlink(path)
            throw error
        }
        return path
    }

    /// Blocking file-system work on a thread of its own, off Swift's cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let t = Thread { c.resume(with: Result { try body() }) }
            t.stackSize = 1 << 20
            t.start()
        }
    }
}
