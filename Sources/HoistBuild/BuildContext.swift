#if canImport(Glibc)
import Glibc
#endif
import HoistArchive
import HoistCore
import HoistDockerfile
import HoistSys

/// The build context on the daemon's side: the tar the client sent, unpacked (safely,
/// through HoistArchive) into a private directory, the Dockerfile read from it, and the
/// paths `.dockerignore` excludes removed, as moby's remote context does. A body that is
/// not an archive is a Dockerfile alone (`docker build - < Dockerfile`).
public struct BuildContext: Sendable {
    /// The unpacked context; COPY/ADD sources are resolved inside it.
    public let root: String
    public let dockerfileText: String
    /// The Dockerfile's name as given (`Dockerfile`, `build/app.Dockerfile`), for messages.
    public let dockerfileName: String

    /// Unpacks `tarPath` into `directory` (created, must not exist) and reads the Dockerfile
    /// `dockerfile` (relative to the context; default `Dockerfile`, else `dockerfile`).
    public static func open(tarPath: String, directory: String, dockerfile: String?) throws -> BuildContext {
        try FileSystem.mkdirAll(directory, mode: 0o700)
        if isArchive(tarPath) {
            _ = try LayerApplier.apply(tarPath: tarPath, to: directory)
        } else {
            // A Dockerfile alone: an empty context holding just that file.
            let bytes = try FileSystem.readFile(tarPath)
            try FileSystem.atomicWrite(directory + "/Dockerfile", bytes)
        }
        var name = dockerfile.flatMap { $0.isEmpty ? nil : $0 } ?? "Dockerfile"
        var path = try RootfsPath.resolve(root: directory, name)
        if dockerfile == nil || dockerfile == "", !FileSystem.exists(path) {
            let lower = try RootfsPath.resolve(root: directory, "dockerfile")
            if FileSystem.exists(lower) { name = "dockerfile"; path = lower }
        }
        guard FileSystem.exists(path), !FileSystem.isDirectory(path) else {
            throw HoistError.notFound("Cannot locate specified Dockerfile: \(name)")
        }
        let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
        let ignorePath = directory + "/.dockerignore"
        if FileSystem.exists(ignorePath) {
            let ignore = try DockerIgnore(parsing: String(decoding: try FileSystem.readFile(ignorePath), as: UTF8.self))
            try prune(directory, relative: "", ignore: ignore)
        }
        return BuildContext(root: directory, dockerfileText: text, dockerfileName: name)
    }

    /// tar (`ustar` at 257) or a compressed stream (gzip, bzip2, xz, zstd): what libarchive reads.
    static func isArchive(_ path: String) -> Bool {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 262)
        let n = read(fd, &head, head.count)
        guard n > 0 else { return true }  // an empty body: an empty context
        let h = Array(head[0..<n])
        func starts(_ magic: [UInt8]) -> Bool { h.count >= magic.count && Array(h[0..<magic.count]) == magic }
        if starts([0x1F, 0x8B]) || starts([0x42, 0x5A, 0x68]) || starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])
            || starts([0x28, 0xB5, 0x2F, 0xFD]) { return true }
        return h.count >= 262 && Array(h[257..<262]) == Array("ustar".utf8)
    }

    /// Removes what `.dockerignore` excludes (the Dockerfile and `.dockerignore` too when
    /// listed, as Docker does once it has read them).
    private static func prune(_ dir: String, relative: String, ignore: DockerIgnore) throws {
        for name in try FileSystem.listDirectory(dir) {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let path = dir + "/" + name
            let isDir = FileSystem.isDirectory(path) && !FileSystem.isSymlink(path)
            if ignore.matches(rel) {
                if isDir && ignore.mayReincludeBelow(rel) {
                    try prune(path, relative: rel, ignore: ignore)
                } else {
                    try FileSystem.removeTree(path)
                }
            } else if isDir {
                try prune(path, relative: rel, ignore: ignore)
            }
        }
    }

    // MARK: sources

    /// One COPY/ADD source: its path relative to the source root and on the host.
    public struct Source: Sendable, Equatable {
        public var relative: String
        public var hostPath: String
    }

    /// COPY/ADD sources inside `root` (the context, or a stage's / image's root for
    /// `--from`): wildcards expanded with Go's `filepath.Match` over every path, others
    /// looked up as given; nothing escapes `root`.
    public static func sources(_ patterns: [String], root: String, instruction: String) throws -> [Source] {
        var out: [Source] = []
        var all: [String]?
        for raw in patterns {
            let clean = String(RootfsPath.clean("/" + raw).dropFirst())
            if PathGlob.hasWildcards(clean) {
                if all == nil { all = try walk(root) }
                for rel in all ?? [] where PathGlob.match(clean, rel) {
                    out.append(Source(relative: rel, hostPath: try RootfsPath.resolve(root: root, rel)))
                }
            } else {
                let host = try RootfsPath.resolve(root: root, clean)
                var st = stat()
                guard lstat(host, &st) == 0 else {
                    throw HoistError.notFound("\(instruction) failed: file not found in build context or excluded by .dockerignore: stat \(raw): file does not exist")
                }
                out.append(Source(relative: clean, hostPath: host))
            }
        }
        if out.isEmpty { throw HoistError.invalid("\(instruction) failed: no source files were specified") }
        return out
    }

    /// Every path under `root`, relative, parents before children, sorted.
    static func walk(_ root: String, relative: String = "") throws -> [String] {
        var out: [String] = []
        let dir = relative.isEmpty ? root : root + "/" + relative
        for name in try FileSystem.listDirectory(dir).sorted() {
            let rel = relative.isEmpty ? name : relative + "/" + name
            out.append(rel)
            let path = root + "/" + rel
            if FileSystem.isDirectory(path) && !FileSystem.isSymlink(path) { out += try walk(root, relative: rel) }
        }
        return out
    }
}
