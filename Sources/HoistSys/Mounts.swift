#if canImport(Glibc)
import Glibc
#endif
import CHoistSys
import HoistCore

/// mount(2) helpers for container root file systems.
public enum Mounts {
    /// Mounts an overlay at `target`. `lowerDirs` are top-most first (overlay's lowerdir order).
    ///
    /// The options string of mount(2) is limited to one page (4096 bytes). When absolute
    /// paths do not fit, the mount is done from a helper thread whose private cwd is the
    /// lower dirs' common parent, with relative lowerdir paths (about 60 layers of
    /// `snapshots/<64 hex>/fs`); beyond that the mount is refused with a clear error.
    ///
    /// `volatile` (for a container layer that is thrown away, `run --rm`) skips the syncs of
    /// the upper layer: otherwise its unmount syncs the whole host file system under it,
    /// 0.4–6 ms measured. The kernel marks such a work dir (`work/incompat/volatile`) and
    /// refuses to mount it again, volatile or not; Hoist removes the mark first, as only a
    /// throwaway layer carries it. Kernels without the option (before 5.10) get a plain mount.
    public static func overlay(lowerDirs: [String], upperDir: String, workDir: String, target: String,
                               volatile: Bool = false) throws {
        guard !lowerDirs.isEmpty else { throw HoistError.invalid("overlay mount of \(target): no lower directories") }
        for p in lowerDirs + [upperDir, workDir] {
            guard !p.isEmpty, !p.contains(","), !p.contains(":"), !p.contains("\\") else {
                throw HoistError.invalid("overlay mount of \(target): unsupported path \"\(p)\" (',' ':' '\\' are not allowed)")
            }
        }
        let useVolatile = volatile && volatileSupported
        try FileSystem.removeTree(workDir + "/work/incompat")
        let prefix = indexOffSupported ? "index=off," : ""
        func options(_ lowers: [String]) -> String {
            "\(prefix)lowerdir=\(lowers.joined(separator: ":")),upperdir=\(upperDir),workdir=\(workDir)"
                + (useVolatile ? ",volatile" : "")
        }
        let limit = Int(sysconf(Int32(_SC_PAGESIZE))) - 1
        let absolute = options(lowerDirs)
        if absolute.utf8.count <= limit {
            guard mount("overlay", target, "overlay", 0, absolute) == 0 else { throw Sys.error("mount overlay on", target) }
            return
        }
        let base = commonParent(lowerDirs)
        guard base.hasPrefix("/") else { throw tooMany(lowerDirs.count, target) }
        let rel = lowerDirs.map { String($0.dropFirst(base == "/" ? 1 : base.count + 1)) }
        let relative = options(rel)
        guard relative.utf8.count <= limit else { throw tooMany(lowerDirs.count, target) }
        let e = choist_mount_in_dir(base, "overlay", target, "overlay", 0, relative)
        guard e == 0 else { throw Sys.error("mount overlay on", target, errno: e) }
    }

    /// Unmounts `target`. Not mounted (EINVAL) or missing (ENOENT) is not an error;
    /// `detach` is a lazy unmount (MNT_DETACH) for a mount that is still busy.
    public static func unmount(_ target: String, detach: Bool = false) throws {
        let r = Sys.retry { umount2(target, detach ? Int32(MNT_DETACH) : 0) }
        guard r == 0 || errno == EINVAL || errno == ENOENT else { throw Sys.error("unmount", target) }
    }

    /// Unmounts `target`, lazily if it is busy: a shim setting up its mount namespace holds
    /// a copy of every mount for a moment (EBUSY), and the lazy unmount then finishes the job.
    public static func unmountOrDetach(_ target: String) throws {
        do { try unmount(target) } catch { try unmount(target, detach: true) }
    }

    /// Mounts a tmpfs on the directory `path` for state that lives as long as the machine
    /// runs (shim sockets, pid and exit files), unless a mount is there already (a daemon
    /// before this one made it) or the directory holds more than empty directories: state
    /// written there before it had a tmpfs, which a mount would hide. True when `path` is
    /// (now) a mount.
    @discardableResult
    public static func tmpfsForTransientState(_ path: String) throws -> Bool {
        if isMountPoint(path) { return true }
        for name in try FileSystem.listDirectory(path) {
            guard (try? FileSystem.listDirectory(path + "/" + name))?.isEmpty == true else { return false }
        }
        guard mount("tmpfs", path, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=0711,size=256m") == 0 else {
            throw Sys.error("mount tmpfs on", path)
        }
        return true
    }

    /// True when `path` is the root of a mount (a symlink at `path` is not followed).
    public static func isMountPoint(_ path: String) -> Bool {
        var root: Int32 = -1
        var id: UInt64 = 0
        if choist_mount_info(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &root, &id) == 0, root >= 0 {
            return root == 1
        }
        // Older kernels: a different device than the parent, or the parent is itself.
        var st = stat(), pst = stat()
        guard lstat(path, &st) == 0, stat(path + "/..", &pst) == 0 else { return false }
        return st.st_dev != pst.st_dev || st.st_ino == pst.st_ino
    }

    /// Mount points of this process's mount namespace (field 5 of /proc/self/mountinfo,
    /// octal escapes decoded).
    public static func mountPoints() -> [String] {
        guard let bytes = try? FileSystem.readFile("/proc/self/mountinfo") else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5)
            guard fields.count > 4 else { return nil }
            return unescape(Array(fields[4]))
        }
    }

    /// `\040` → space, and so on (mountinfo escapes space, tab, newline and backslash).
    static func unescape(_ b: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bind-mounts `source` on `target`; `readOnly` remounts it read-only.
    public static func bind(source: String, target: String, readOnly: Bool = false, recursive: Bool = true) throws {
        let flags = UInt(MS_BIND) | (recursive ? UInt(MS_REC) : 0)
        guard mount(source, target, nil, flags, nil) == 0 else { throw Sys.error("bind mount \(source) on", target) }
        if readOnly {
            let ro = UInt(MS_BIND) | UInt(MS_REMOUNT) | UInt(MS_RDONLY)
            guard mount(nil, target, nil, ro, nil) == 0 else {
                let e = errno
                _ = umount2(target, Int32(MNT_DETACH))
                throw Sys.error("remount read-only", target, errno: e)
            }
        }
    }

    /// Makes `path` a mount point of its own (bind onto itself when it is not one) with shared
    /// propagation, so mounts and unmounts below it reach the mount namespaces that copied it
    /// (the crun shims run in private namespaces that must see container rootfs unmounts).
    public static func makeSharedMountPoint(_ path: String) throws {
        if !isMountPoint(path) {
            guard mount(path, path, nil, UInt(MS_BIND), nil) == 0 else { throw Sys.error("bind mount \(path) on", path) }
        }
        guard mount(nil, path, nil, UInt(MS_SHARED), nil) == 0 else { throw Sys.error("make shared", path) }
    }

    /// The deepest directory that contains every path (component-wise).
    static func commonParent(_ paths: [String]) -> String {
        let split = paths.map { $0.split(separator: "/", omittingEmptySubsequences: false).dropLast() }
        guard var common = split.first else { return "" }
        for p in split.dropFirst() {
            var n = 0
            while n < common.count && n < p.count && common[common.startIndex + n] == p[p.startIndex + n] { n += 1 }
            common = common.prefix(n)
        }
        let joined = common.joined(separator: "/")
        return joined.isEmpty && paths.allSatisfy({ $0.hasPrefix("/") }) ? "/" : joined
    }

    private static func tooMany(_ n: Int, _ target: String) -> HoistError {
        HoistError.invalid("overlay mount of \(target): too many layers (\(n)) for the mount options page limit")
    }

    /// Docker mounts with index=off where the kernel knows the option, so one lower dir can
    /// back several overlays without the inode index tying it to one upper dir.
    static let indexOffSupported: Bool = access("/sys/module/overlay/parameters/index", F_OK) == 0
    /// overlayfs took `volatile` in Linux 5.10.
    public static let volatileSupported: Bool = {
        var u = utsname()
        guard uname(&u) == 0 else { return false }
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return false }
        return parts[0] > 5 || (parts[0] == 5 && parts[1] >= 10)
    }()
}
