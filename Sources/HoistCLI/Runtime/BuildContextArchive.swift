#if canImport(Glibc)
import Glibc
#endif
import HoistArchive
import HoistDockerfile

/// The build context the CLI sends: the context directory as a tar (written by
/// libarchive through HoistArchive), without what `.dockerignore` excludes (the
/// Dockerfile and `.dockerignore` always go, as docker's TrimBuildFilesFromExcludes), and
/// a Dockerfile from outside the context added under a generated name that the added
/// `.dockerignore` line keeps out of COPY, as the docker CLI does.
enum BuildContextArchive {
    struct Result {
        var path: String
        /// The Dockerfile's name inside the tar, for the `dockerfile` query parameter.
        var dockerfileName: String
        var size: Int64
    }

    static func write(contextDir: String, dockerfileRel: String?, outsideDockerfile: [UInt8]?, to path: String) throws -> Result {
        let ignorePath = contextDir + "/.dockerignore"
        var ignoreText = ""
        if let bytes = readFile(ignorePath) { ignoreText = String(decoding: bytes, as: UTF8.self) }
        var dockerfileName = dockerfileRel ?? "Dockerfile"
        var extraIgnore: String?
        if outsideDockerfile != nil {
            var rnd = [UInt8](repeating: 0, count: 10)
            for i in rnd.indices { rnd[i] = UInt8.random(in: 0...255) }
            dockerfileName = ".dockerfile." + rnd.map { String($0, radix: 16).leftPad(2) }.joined()
            extraIgnore = dockerfileName
        }
        let ignore: DockerIgnore?
        do {
            ignore = ignoreText.isEmpty ? nil : try DockerIgnore(parsing: ignoreText).keepingBuildFiles(dockerfile: dockerfileName)
        } catch {
            throw CLIMessage("error checking context: \(error)")
        }
        let tar = try TarWriter(path: path)
        try addTree(tar, root: contextDir, relative: "", ignore: ignore, skip: extraIgnore != nil ? [".dockerignore"] : [])
        if let df = outsideDockerfile, let name = extraIgnore {
            try tar.addFile(name, df, .init(mode: 0o600))
            var text = ignoreText
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            text += name + "\n.dockerignore\n"
            try tar.addFile(".dockerignore", Array(text.utf8), .init(mode: 0o644))
        }
        try tar.finish()
        var st = stat()
        _ = stat(path, &st)
        return Result(path: path, dockerfileName: dockerfileName, size: Int64(st.st_size))
    }

    private static func addTree(_ tar: TarWriter, root: String, relative: String, ignore: DockerIgnore?, skip: Set<String>) throws {
        let dir = relative.isEmpty ? root : root + "/" + relative
        guard let names = listDirectory(dir) else { throw CLIMessage("error checking context: can't open '\(dir)'") }
        for name in names.sorted() {
            let rel = relative.isEmpty ? name : relative + "/" + name
            if skip.contains(rel) { continue }
            let path = root + "/" + rel
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let isDir = (st.st_mode & S_IFMT) == S_IFDIR
            if let ig = ignore, ig.matches(rel) {
                if isDir && ig.mayReincludeBelow(rel) { try addTree(tar, root: root, relative: rel, ignore: ignore, skip: skip) }
                continue
            }
            let meta = TarWriter.Metadata(mode: UInt32(st.st_mode & 0o7777), uid: Int64(st.st_uid), gid: Int64(st.st_gid),
                                          mtime: Int64(st.st_mtim.tv_sec))
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try tar.addDirectory(rel, meta)
                try addTree(tar, root: root, relative: rel, ignore: ignore, skip: skip)
            case S_IFREG:
                // Streamed: a context may hold files larger than memory.
                do { try tar.addFile(rel, from: path, size: Int64(st.st_size), meta) } catch {
                    throw CLIMessage("error checking context: can't stat '\(path)'")
                }
            case S_IFLNK:
                var buf = [CChar](repeating: 0, count: 4097)
                let n = readlink(path, &buf, 4096)
                if n >= 0 {
                    try tar.addSymlink(rel, target: String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self), meta)
                }
            default:
                continue
            }
        }
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    static func listDirectory(_ path: String) -> [String]? {
        guard let d = opendir(path) else { return nil }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }
}

private extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
