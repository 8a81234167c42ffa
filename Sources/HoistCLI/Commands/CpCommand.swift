import ArgumentParser
import FoundationEssentials
import HoistAPIModels
import HoistArchive
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist cp CONTAINER:SRC DEST|-` and `hoist cp SRC|- CONTAINER:DEST`, with docker's path
/// rules (docker/cli cp.go and moby's archive.CopyTo/PrepareArchiveCopy): the daemon only
/// stats, archives and extracts into a directory; which directory and which entry name
/// come from here. Tars pass through a temporary file.
struct CpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cp", _superCommandName: "hoist", abstract: "Copy files/folders between a container and the local filesystem")

    @Flag(name: [.customShort("L"), .customLong("follow-link")], help: "Always follow symbol link in SRC_PATH")
    var followLink = false

    @Flag(name: [.customShort("a"), .customLong("archive")], help: "Archive mode (copy all uid/gid information)")
    var archive = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached")
    var quiet = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(args, 2)
        if args[0].isEmpty { throw CLIMessage("source can not be empty") }
        if args[1].isEmpty { throw CLIMessage("destination can not be empty") }
        let (srcContainer, srcPath) = Self.splitCpArg(args[0])
        let (dstContainer, dstPath) = Self.splitCpArg(args[1])
        // docker 28: progress and the summary only when stdout is a terminal.
        let showSummary = !quiet && isatty(1) == 1
        switch (srcContainer.isEmpty, dstContainer.isEmpty) {
        case (false, true):
            try await copyFromContainer(env.client, container: srcContainer, srcPath: srcPath, dstPath: dstPath, summary: showSummary)
        case (true, false):
            try await copyToContainer(env.client, container: dstContainer, srcPath: srcPath, dstPath: dstPath, summary: showSummary)
        case (false, false):
            throw CLIMessage("copying between containers is not supported")
        case (true, true):
            throw CLIMessage("must specify at least one container source")
        }
    }

    /// `CONTAINER:PATH`; a local path with `:` must start with `/` or `.`.
    static func splitCpArg(_ arg: String) -> (String, String) {
        if arg.hasPrefix("/") { return ("", arg) }
        guard let colon = arg.firstIndex(of: ":") else { return ("", arg) }
        let ctr = String(arg[..<colon])
        if ctr.hasPrefix(".") { return ("", arg) }
        return (ctr, String(arg[arg.index(after: colon)...]))
    }

    static func absoluteLocal(_ p: String) -> String {
        let abs = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        return ContainerPath.preserveTrailingDotOrSeparator(ContainerPath.clean(abs), original: p)
    }

    private static func statHeader(_ headers: [(String, String)]) -> ContainerPathStat? {
        guard let v = headers.first(where: { $0.0.lowercased() == ContainerPathStat.headerName.lowercased() })?.1,
              let data = Data(base64Encoded: v) else { return nil }
        return try? JSONDecoder().decode(ContainerPathStat.self, from: data)
    }

    private func statPath(_ client: EngineClient, _ container: String, _ path: String) async -> ContainerPathStat? {
        var q = QueryString()
        q.set("path", path)
        guard let r = try? await client.send(EngineRequest(.HEAD, "/containers/\(container)/archive", query: q), allowErrors: true),
              r.status == 200 else { return nil }
        return Self.statHeader(r.headers)
    }

    // MARK: container → local

    private func copyFromContainer(_ client: EngineClient, container: String, srcPath: String, dstPath rawDst: String, summary: Bool) async throws {
        var srcPath = srcPath
        var rebaseName: String?
        let toStdout = rawDst == "-"
        let dstPath = toStdout ? rawDst : Self.absoluteLocal(rawDst)
        if !toStdout { try Self.validateOutputPath(dstPath) }
        if followLink, let st = await statPath(client, container, srcPath), st.isSymlink {
            var target = st.linkTarget
            if !target.hasPrefix("/") { target = ContainerPath.splitPathDirEntry(srcPath).dir + "/" + target }
            rebaseName = ContainerPath.base(srcPath)
            if ContainerPath.assertsDirectory(srcPath) { target = ContainerPath.preserveTrailingDotOrSeparator(target, original: srcPath) }
            srcPath = target
        }
        var q = QueryString()
        q.set("path", srcPath)
        let req = EngineRequest(.GET, "/containers/\(container)/archive", query: q)
        if toStdout {
            _ = try await client.download(req, toFD: 1)
            return
        }
        let tmp = try TempFile()
        defer { tmp.remove() }
        let headers = try await client.download(req, toFD: tmp.fd)
        guard let stat = Self.statHeader(headers) else { throw CLIMessage("unable to get resource stat from response") }

        // archive.CopyTo: where to extract, and under which name.
        let dst = try Self.localDestinationInfo(dstPath)
        // The entries are named after what was archived (a -L target); renamed here as
        // RebaseArchiveEntries and PrepareArchiveCopy rename them.
        let tarBase = ContainerPath.splitPathDirEntry(srcPath).base
        let (dstDir, dstBase) = ContainerPath.splitPathDirEntry(dst.path)
        var unpacker: ArchiveUnpacker
        if dst.exists && dst.isDir {
            unpacker = ArchiveUnpacker(destination: dst.path)
            if let r = rebaseName { unpacker.rebase = (tarBase, r) }
        } else if dst.exists && stat.isDir {
            throw CLIMessage("cannot copy directory")
        } else if !dst.exists && !stat.isDir && ContainerPath.assertsDirectory(dst.path) {
            throw CLIMessage("no such directory")
        } else {
            unpacker = ArchiveUnpacker(destination: dstDir)
            unpacker.rebase = (tarBase, dstBase)
        }
        unpacker.ownership = .process
        unpacker.noOverwriteDirNonDir = true
        guard lseek(tmp.fd, 0, SEEK_SET) == 0 else { throw CLIMessage("seek: \(String(cString: strerror(errno)))") }
        do { try unpacker.extract(fd: tmp.fd) } catch { throw CLIMessage(ErrorReporting.text(error)) }
        if summary {
            let size = stat.isDir ? tmp.size() : stat.size
            Out.error("Successfully copied \(HumanUnitsCLI.size(size)) to \(dstPath)")
        }
    }

    struct LocalInfo { var path: String; var exists: Bool; var isDir: Bool }

    /// archive.CopyInfoDestinationPath: a final symlink is followed (up to 10 times); a
    /// missing destination is fine when its parent directory exists.
    static func localDestinationInfo(_ path: String) throws -> LocalInfo {
        var path = path
        var st = stat()
        var n = 0
        var r = lstat(path, &st)
        while r == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            n += 1
            if n > 10 { throw CLIMessage("too many symlinks in \(path)") }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let len = readlink(path, &buf, buf.count - 1)
            guard len >= 0 else { throw CLIMessage("readlink \(path): \(String(cString: strerror(errno)).lowercased())") }
            var target = String(decoding: buf[0..<len].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !target.hasPrefix("/") { target = ContainerPath.clean(ContainerPath.splitPathDirEntry(path).dir + "/" + target) }
            path = target
            r = lstat(path, &st)
        }
        if r == 0 { return LocalInfo(path: path, exists: true, isDir: (st.st_mode & S_IFMT) == S_IFDIR) }
        guard errno == ENOENT else { throw CLIMessage("lstat \(path): \(String(cString: strerror(errno)).lowercased())") }
        let parent = ContainerPath.splitPathDirEntry(path).dir
        var pst = stat()
        guard stat(parent, &pst) == 0 else { throw CLIMessage("stat \(parent): \(String(cString: strerror(errno)).lowercased())") }
        guard (pst.st_mode & S_IFMT) == S_IFDIR else { throw CLIMessage("not a directory") }
        return LocalInfo(path: path, exists: false, isDir: false)
    }

    /// command.ValidateOutputPath.
    static func validateOutputPath(_ path: String) throws {
        let dir = ContainerPath.dir(ContainerPath.clean(path))
        var st = stat()
        if dir != "." && !dir.isEmpty && stat(dir, &st) != 0 && errno == ENOENT {
            throw CLIMessage("invalid output path: directory \"\(dir)\" does not exist")
        }
    }

    // MARK: local → container

    private func copyToContainer(_ client: EngineClient, container: String, srcPath: String, dstPath: String, summary: Bool) async throws {
        var dstInfo = LocalInfo(path: dstPath, exists: false, isDir: false)
        if let st = await statPath(client, container, dstPath) {
            var final: ContainerPathStat? = st
            if st.isSymlink {
                var target = st.linkTarget
                if !target.hasPrefix("/") { target = ContainerPath.clean(ContainerPath.splitPathDirEntry(dstPath).dir + "/" + target) }
                dstInfo.path = target
                final = await statPath(client, container, target)
            }
            if let f = final {
                dstInfo.exists = true
                dstInfo.isDir = f.isDir
            }
        }
        let tmp: TempFile?
        let uploadFD: Int32
        let extractDir: String
        var copied: Int64 = 0
        if srcPath == "-" {
            guard dstInfo.isDir else { throw CLIMessage("destination \"\(container):\(dstPath)\" must be a directory") }
            tmp = nil
            uploadFD = 0
            extractDir = dstInfo.path
        } else {
            var src = Self.absoluteLocal(srcPath)
            var rebase: String?
            if followLink {
                let (resolved, name) = try Self.resolveFollowingLinks(src)
                src = resolved
                rebase = name
            } else {
                src = try Self.resolveSourceDir(src)
            }
            var st = stat()
            guard lstat(src, &st) == 0 else { throw CLIMessage("lstat \(src): \(String(cString: strerror(errno)).lowercased())") }
            let srcIsDir = (st.st_mode & S_IFMT) == S_IFDIR
            let (srcDir, srcBase) = ContainerPath.splitPathDirEntry(src)
            let (dstDir, dstBase) = ContainerPath.splitPathDirEntry(dstInfo.path)
            // archive.PrepareArchiveCopy.
            var name = rebase ?? srcBase
            if dstInfo.exists && dstInfo.isDir {
                extractDir = dstInfo.path
            } else if dstInfo.exists && srcIsDir {
                throw CLIMessage("cannot copy directory")
            } else if !dstInfo.exists && !srcIsDir && ContainerPath.assertsDirectory(dstInfo.path) {
                throw CLIMessage("no such directory")
            } else {
                extractDir = dstDir
                name = dstBase
            }
            let t = try TempFile()
            tmp = t
            do {
                let archiver = try PathArchiver(fd: t.fd)
                try archiver.add(sourceDir: srcDir, sourceBase: srcBase, name: name)
                try archiver.finish()
                copied = archiver.bytesWritten
            } catch {
                t.remove()
                throw CLIMessage(ErrorReporting.text(error))
            }
            guard lseek(t.fd, 0, SEEK_SET) == 0 else { t.remove(); throw CLIMessage("seek: \(String(cString: strerror(errno)))") }
            uploadFD = t.fd
        }
        defer { tmp?.remove() }
        var q = QueryString()
        q.set("path", extractDir)
        q.set("noOverwriteDirNonDir", "true")
        if archive { q.set("copyUIDGID", "true") }
        _ = try await client.uploadBody(EngineRequest(.PUT, "/containers/\(container)/archive", query: q,
                                                      headers: [("Content-Type", "application/x-tar")]), fromFD: uploadFD)
        if summary {
            Out.error("Successfully copied \(HumanUnitsCLI.size(copied)) to \(container):\(dstInfo.path)")
        }
    }

    /// archive.ResolveHostSourcePath without -L: the directory part's symlinks resolved,
    /// the last element kept (a symlink is copied as a link).
    static func resolveSourceDir(_ path: String) throws -> String {
        let (dir, base) = ContainerPath.splitDirBase(path)
        guard let real = realpath(dir.isEmpty ? "." : dir, nil) else {
            throw CLIMessage("lstat \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        defer { free(real) }
        let resolved = String(cString: real)
        return (resolved == "/" ? "" : resolved) + "/" + base
    }

    /// With -L: the whole path resolved; the entry keeps the name the user gave.
    static func resolveFollowingLinks(_ path: String) throws -> (String, String?) {
        guard let real = realpath(path, nil) else {
            throw CLIMessage("lstat \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        defer { free(real) }
        let resolved = ContainerPath.preserveTrailingDotOrSeparator(String(cString: real), original: path)
        let name = ContainerPath.splitPathDirEntry(path).base
        let resolvedBase = ContainerPath.splitPathDirEntry(resolved).base
        return (resolved, name != resolvedBase ? name : nil)
    }
}

/// go-units sizes for the summary line.
enum HumanUnitsCLI {
    static func size(_ n: Int64) -> String { Units.humanSize(Double(n)) }
}

/// An unlinked-on-remove temporary file under $TMPDIR, open for reading and writing.
final class TempFile {
    let path: String
    let fd: Int32

    init() throws {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(dir)/hoist-cp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CLIMessage("cannot create a temporary file in \(dir): \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.path = String(cString: template)
    }

    func size() -> Int64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
    }

    func remove() {
        unlink(path)
    }

    deinit { close(fd) }
}
