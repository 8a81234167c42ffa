#if canImport(Glibc)
import Glibc
#endif
import Testing
import HoistArchive
import HoistSys

@Suite struct TarWriterStreamTests {
    /// A file added from its path (in 1 MiB chunks) comes back byte for byte, mode and mtime kept.
    @Test func addsAFileFromItsPathInChunks() throws {
        let sb = try Sandbox()
        let bytes = (0..<(3 << 20) + 12_345).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let src = try sb.write("big.bin", bytes)
        let tar = "\(sb.path)/ctx.tar"
        let t = try TarWriter(path: tar)
        try t.addFile("dir/big.bin", from: src, size: Int64(bytes.count), .init(mode: 0o640, mtime: 1_500_000_000))
        try t.addFile("after.txt", Array("next\n".utf8))
        try t.finish()
        let root = try sb.dir("root")
        _ = try LayerApplier.apply(tarPath: tar, to: root)
        #expect(try FileSystem.readFile("\(root)/dir/big.bin") == bytes)
        let st = try #require(lstatOf("\(root)/dir/big.bin"))
        #expect(st.st_mode & 0o7777 == 0o640 && st.st_mtim.tv_sec == 1_500_000_000)
        #expect(try FileSystem.readFile("\(root)/after.txt") == Array("next\n".utf8))
    }

    /// A file that shrank since it was measured is an error, not a short entry.
    @Test func refusesAFileShorterThanItsSize() throws {
        let sb = try Sandbox()
        let src = try sb.write("small.bin", Array(repeating: 7, count: 100))
        let t = try TarWriter(path: "\(sb.path)/x.tar")
        #expect(throws: (any Error).self) { try t.addFile("small.bin", from: src, size: 200) }
    }
}
