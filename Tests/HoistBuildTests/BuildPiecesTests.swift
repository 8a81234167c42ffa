#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistArchive
import HoistCore
import HoistOCI
import Testing
@testable import HoistBuild

/// The builder's pure pieces: COPY source globs, cache keys, content checksums, the
/// context (unpacking, .dockerignore, sources), and root-scoped paths.
@Suite struct BuildPiecesTests {
    func tempDir() throws -> String {
        var template = Array("/tmp/hoist-build-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw HoistError.internal("mkdtemp") }
        return String(cString: p)
    }

    func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
    }

    // MARK: globs (Go's filepath.Match)

    @Test func globMatchesLikeGo() {
        #expect(PathGlob.match("*.txt", "a.txt"))
        #expect(!PathGlob.match("*.txt", "dir/a.txt"))          // * stays in one element
        #expect(PathGlob.match("dir/*.txt", "dir/a.txt"))
        #expect(PathGlob.match("file?.md", "file1.md"))
        #expect(!PathGlob.match("file?.md", "file10.md"))
        #expect(PathGlob.match("[a-c]*", "beta"))
        #expect(!PathGlob.match("[^a-c]*", "beta"))
        #expect(PathGlob.match("\\*", "*"))
        #expect(!PathGlob.match("[a-", "a"))                     // malformed: no match
        #expect(PathGlob.hasWildcards("*.go") && !PathGlob.hasWildcards("main.go"))
    }

    // MARK: cache keys

    @Test func cacheKeyDependsOnParentInstructionAndConfig() {
        let config = ContainerDefaults(Env: ["A=1"])
        let k = BuildCacheKey.compute(parentID: "sha256:aa", createdBy: "/bin/sh -c echo", config: config)
        #expect(k == BuildCacheKey.compute(parentID: "sha256:aa", createdBy: "/bin/sh -c echo", config: config))
        #expect(k != BuildCacheKey.compute(parentID: "sha256:bb", createdBy: "/bin/sh -c echo", config: config))
        #expect(k != BuildCacheKey.compute(parentID: "sha256:aa", createdBy: "/bin/sh -c echo 2", config: config))
        #expect(k != BuildCacheKey.compute(parentID: "sha256:aa", createdBy: "/bin/sh -c echo", config: ContainerDefaults(Env: ["A=2"])))
        #expect(k != BuildCacheKey.compute(parentID: nil, createdBy: "/bin/sh -c echo", config: config))
        #expect(k.count == 64)
    }

    // MARK: checksums

    @Test func checksumSeesContentNamesAndModesNotTimes() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(dir + "/src/a.txt", "hello")
        try write(dir + "/src/sub/b.txt", "world")
        let src = [BuildContext.Source(relative: "src", hostPath: dir + "/src")]
        let base = try SourceChecksum.compute(src)

        var times = [timespec(tv_sec: 1, tv_nsec: 0), timespec(tv_sec: 1, tv_nsec: 0)]
        utimensat(AT_FDCWD, dir + "/src/a.txt", &times, 0)
        #expect(try SourceChecksum.compute(src) == base)

        chmod(dir + "/src/a.txt", 0o600)
        let modeChanged = try SourceChecksum.compute(src)
        #expect(modeChanged != base)
        chmod(dir + "/src/a.txt", 0o644)
        #expect(try SourceChecksum.compute(src) == base)

        try write(dir + "/src/a.txt", "hellO")
        #expect(try SourceChecksum.compute(src) != base)
        try write(dir + "/src/a.txt", "hello")
        rename(dir + "/src/sub/b.txt", dir + "/src/sub/c.txt")
        #expect(try SourceChecksum.compute(src) != base)
    }

    // MARK: context

    @Test func contextUnpacksReadsDockerfileAndAppliesDockerignore() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tarPath = dir + "/ctx.tar"
        let tar = try TarWriter(path: tarPath)
        try tar.addFile("Dockerfile", Array("FROM scratch\n".utf8))
        try tar.addFile(".dockerignore", Array("*.log\nsecret\n!keep.log\n".utf8))
        try tar.addFile("app.log", Array("x".utf8))
        try tar.addFile("keep.log", Array("y".utf8))
        try tar.addDirectory("secret")
        try tar.addFile("secret/key", Array("z".utf8))
        try tar.addDirectory("src")
        try tar.addFile("src/main.c", Array("int main;".utf8))
        try tar.addFile("src/util.c", Array("int u;".utf8))
        try tar.addFile("src/util.h", Array("int h;".utf8))
        try tar.finish()

        let ctx = try BuildContext.open(tarPath: tarPath, directory: dir + "/unpacked", dockerfile: nil)
        #expect(ctx.dockerfileText == "FROM scratch\n")
        #expect(ctx.dockerfileName == "Dockerfile")
        #expect(!FileManager.default.fileExists(atPath: ctx.root + "/app.log"))
        #expect(!FileManager.default.fileExists(atPath: ctx.root + "/secret"))
        #expect(FileManager.default.fileExists(atPath: ctx.root + "/keep.log"))

        let globbed = try BuildContext.sources(["src/*.c"], root: ctx.root, instruction: "COPY")
        #expect(globbed.map(\.relative) == ["src/main.c", "src/util.c"])
        // Nothing escapes the context.
        let up = try BuildContext.sources(["../../src/util.h"], root: ctx.root, instruction: "COPY")
        #expect(up.map(\.relative) == ["src/util.h"] && up[0].hostPath == ctx.root + "/src/util.h")
        #expect(throws: HoistError.self) { try BuildContext.sources(["app.log"], root: ctx.root, instruction: "COPY") }
        #expect(throws: HoistError.self) { try BuildContext.sources(["*.none"], root: ctx.root, instruction: "COPY") }
    }

    @Test func contextFromAPlainDockerfileAndMissingDockerfile() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(dir + "/body", "FROM busybox\nRUN true\n")
        let ctx = try BuildContext.open(tarPath: dir + "/body", directory: dir + "/a", dockerfile: nil)
        #expect(ctx.dockerfileText == "FROM busybox\nRUN true\n")
        #expect(throws: HoistError.self) {
            try BuildContext.open(tarPath: dir + "/body", directory: dir + "/b", dockerfile: "other.Dockerfile")
        }
    }

    // MARK: root-scoped paths

    @Test func rootfsPathsStayInsideTheRoot() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        symlink("/etc", dir + "/opt")            // absolute: resolved inside the root
        symlink("../../../..", dir + "/up")       // climbs no higher than the root
        #expect(try RootfsPath.resolve(root: dir, "/opt/passwd") == dir + "/etc/passwd")
        #expect(try RootfsPath.resolve(root: dir, "/up/etc") == dir + "/etc")
        #expect(try RootfsPath.resolve(root: dir, "/opt", followFinal: false) == dir + "/opt")
        #expect(RootfsPath.clean("/a/./b/../c/") == "/a/c")
    }
}
