#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore
import HoistSys

/// Paths inside a container's root file system, resolved the way the container sees
/// them: symlinks are followed with the container root as `/`, and `..` never climbs
/// above it (filepath-securejoin's SecureJoin). The result is a host path under `root`.
///
/// The walk is lexical over lstat/readlink, like Docker's; callers that write then use
/// libarchive's secure-symlink checks, which refuse a path that goes through a symlink.
public enum ContainerPath {
    /// `root` joined with `path` (absolute or relative to `/` in the container), every
    /// symlink on the way resolved inside `root`. Missing components are kept as they are.
    /// `followFinal: false` keeps a final symlink itself (to replace it).
    public static func secureJoin(root: String, _ path: String, followFinal: Bool = true) throws -> String {
        join(root, try walk(path, followFinal: followFinal) { join(root, $0) })
    }

    /// The secure walk itself, over container paths: `hostPath` maps the components of a
    /// container path to where they are on the host (under the root, or under a mount's
    /// source), and only that path is ever looked at. Returns the resolved components;
    /// `..` and symlinks act on them, so they never climb above the container's `/`.
    public static func walk(_ path: String, followFinal: Bool = true, hostPath: ([String]) -> String) throws -> [String] {
        var resolved: [String] = []
        var pending = components(path)
        var links = 0
        while !pending.isEmpty {
            let c = pending.removeFirst()
            if c == "." { continue }
            if c == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = hostPath(resolved + [c])
            var st = stat()
            guard pending.isEmpty ? followFinal : true, lstat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else {
                resolved.append(c)
                continue
            }
            links += 1
            guard links <= 255 else { throw HoistError.invalid("too many levels of symbolic links: \(path)") }
            let target = try readLink(candidate)
            if target.hasPrefix("/") { resolved.removeAll() }
            pending = components(target) + pending
        }
        return resolved
    }

    /// Docker's `container.ResolvePath`: the directory part resolved securely, the last
    /// element kept as given (so a final symlink is the link itself). Returns the host path
    /// and the cleaned absolute container path, which keeps a trailing `/` or `/.`.
    public static func resolve(root: String, _ path: String) throws -> (host: String, absPath: String) {
        let absPath = preserveTrailingDotOrSeparator(clean("/" + path), original: path)
        let (dir, base) = splitDirBase(absPath)
        let resolvedDir = try secureJoin(root: root, dir)
        let host = resolvedDir.hasSuffix("/") ? resolvedDir + base : resolvedDir + "/" + base
        return (host, absPath)
    }

    /// The container path of a host path under `root` (`root/a/b` → `/a/b`).
    public static func containerPath(root: String, host: String) -> String {
        guard host.hasPrefix(root) else { return host }
        let rest = String(host.dropFirst(root.count))
        return rest.isEmpty ? "/" : (rest.hasPrefix("/") ? rest : "/" + rest)
    }

    // MARK: Go's path semantics, as Docker's archive package uses them

    public static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// `filepath.Clean`.
    public static func clean(_ path: String) -> String {
        let rooted = path.hasPrefix("/")
        var out: [String] = []
        for c in components(path) {
            if c == "." { continue }
            if c == ".." {
                if let last = out.last, last != ".." { out.removeLast() } else if !rooted { out.append("..") }
                continue
            }
            out.append(c)
        }
        let joined = out.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `filepath.Base`: the last element, trailing slashes ignored; `/` for the root.
    public static func base(_ path: String) -> String {
        if path.isEmpty { return "." }
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        if p == "/" { return "/" }
        if let slash = p.lastIndex(of: "/") { return String(p[p.index(after: slash)...]) }
        return String(p)
    }

    /// `filepath.Dir`.
    public static func dir(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return clean(String(path[...slash]))
    }

    /// `filepath.Split`: everything up to and including the last `/`, and the rest.
    public static func splitDirBase(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// Docker's `SplitPathDirEntry`: dir and base of a cleaned path, where a path naming
    /// the current directory (`x/.`) keeps `.` as its base.
    public static func splitPathDirEntry(_ path: String) -> (dir: String, base: String) {
        var cleaned = clean(path)
        if specifiesCurrentDir(path) { cleaned += "/." }
        return (dir(cleaned), base(cleaned))
    }

    public static func specifiesCurrentDir(_ path: String) -> Bool { base(path) == "." && (path == "." || path.hasSuffix("/.")) }
    public static func hasTrailingSeparator(_ path: String) -> Bool { path.count > 0 && path.hasSuffix("/") }
    /// The path says it is a directory: ends with `/` or `/.`.
    public static func assertsDirectory(_ path: String) -> Bool { hasTrailingSeparator(path) || specifiesCurrentDir(path) }

    public static func preserveTrailingDotOrSeparator(_ cleaned: String, original: String) -> String {
        var out = cleaned
        if specifiesCurrentDir(original) && !specifiesCurrentDir(out) {
            if !out.hasSuffix("/") { out += "/" }
            out += "."
        }
        if hasTrailingSeparator(original) && !hasTrailingSeparator(out) { out += "/" }
        return out
    }

    static func join(_ root: String, _ comps: [String]) -> String {
        comps.isEmpty ? root : (root.hasSuffix("/") ? root : root + "/") + comps.joined(separator: "/")
    }

    public static func readLink(_ path: String) throws -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n >= 0 else { throw Sys.error("readlink", path) }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
