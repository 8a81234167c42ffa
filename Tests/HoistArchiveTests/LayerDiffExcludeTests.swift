#if canImport(Glibc)
import Glibc
#endif
import Testing
import HoistArchive
import HoistCore
import HoistSys

/// `exclude`: the runtime's mount points stay out of a committed layer.
@Suite(.serialized) struct LayerDiffExcludeTests {
    func names(_ layer: IngestedLayer, _ sb: Sandbox) throws -> [String] {
        let list = "\(sb.path)/list"
        #expect(try shell("gzip -dc '\(layer.compressedPath)' | tar -t > '\(list)'") == 0)
        return String(decoding: try FileSystem.readFile(list), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func excludedPathsAndTheirOnlyParentsAreLeftOut() throws {
        let sb = try Sandbox()
        let up = try sb.dir("upper")
        try FileSystem.mkdirAll("\(up)/etc")
        try FileSystem.atomicWrite("\(up)/etc/hostname", [])
        try FileSystem.atomicWrite("\(up)/etc/hosts", [])
        try FileSystem.mkdirAll("\(up)/dev/pts")
        try FileSystem.mkdirAll("\(up)/data")
        try FileSystem.atomicWrite("\(up)/data/x", Array("x".utf8))
        let exclude: Set<String> = ["etc/hostname", "etc/hosts", "dev"]
        let layer = try LayerDiff.ingest(directory: up, tempDir: try sb.dir("tmp"), exclude: exclude)
        #expect(try names(layer, sb) == ["data/", "data/x"])
        #expect(layer.entries == 2)

        // A real change next to an excluded path keeps the directory, not the path.
        try FileSystem.atomicWrite("\(up)/etc/passwd", Array("root".utf8))
        let layer2 = try LayerDiff.ingest(directory: up, tempDir: try sb.dir("tmp2"), exclude: exclude)
        #expect(try names(layer2, sb) == ["data/", "data/x", "etc/", "etc/passwd"])
    }

    @Test func nothingButExcludedPathsIsAnEmptyLayer() throws {
        let sb = try Sandbox()
        let up = try sb.dir("upper")
        try FileSystem.mkdirAll("\(up)/etc")
        try FileSystem.atomicWrite("\(up)/etc/resolv.conf", [])
        try FileSystem.mkdirAll("\(up)/proc")
        let layer = try LayerDiff.ingest(directory: up, tempDir: try sb.dir("tmp"), exclude: ["etc/resolv.conf", "proc"])
        #expect(layer.entries == 0)
        let full = try LayerDiff.ingest(directory: up, tempDir: try sb.dir("tmp2"))
        #expect(full.entries == 3)
    }
}
