#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// Paths inside an image's root file system as a container would see them: symlinks are
/// followed with the root as `/`, and `..` never climbs above it. COPY/ADD/WORKDIR write
/// only through paths resolved here, so an image's `/opt -> /etc` link cannot send a
/// build's files onto the host.
enum RootfsPath {
    /// `root` joined with the container path, symlinks resolved inside `root`.
    /// `followFinal: false` keeps a final symlink itself (to replace it).
    static func resolve(root: String, _ path: String, followFinal: Bool = true) throws -> String {
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
            let candidate = join(root, resolved + [c])
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
        return join(root, resolved)
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func join(_ root: String, _ parts: [String]) -> String {
        parts.isEmpty ? root : root + "/" + parts.joined(separator: "/")
    }

    static func readLink(_ path: String) throws -> String {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buf, 4096)
        guard n >= 0 else { throw HoistError.internal("readlink \(path): \(String(cString: strerror(errno)))") }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Lexical clean of an absolute container path (`/a/./b/../c/` → `/a/c`).
    static func clean(_ path: String) -> String {
        var out: [String] = []
        for c in components(path) {
            if c == "." { continue }
            if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(c)
        }
        return "/" + out.joined(separator: "/")
    }
}
