#if canImport(Glibc)
import Glibc
#endif
import Testing
import HoistArchive
import HoistCore
import HoistOCI
import HoistSys

@Suite struct LayerIngestTests {
    func makeTar(_ path: String, compression: TarWriter.Compression = .none) throws {
        let t = try TarWriter(path: path, compression: compression)
        try t.addDirectory("etc")
        try t.addFile("etc/hostname", Array("box\n".utf8))
        try t.addFile("data.bin", (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try t.addSymlink("bin", target: "usr/bin")
        try t.finish()
    }

    @Test func diffIDIsTheDigestOfTheTarAndBlobIsItsGzip() throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/in.tar"
        try makeTar(tar)
        let tmp = try sb.dir("tmp")
        let layer = try LayerIngest.ingest(inputPath: tar, tempDir: tmp)
        let plain = try FileSystem.readFile(tar)
        #expect(layer.diffID == Digest.sha256(of: plain))
        #expect(layer.uncompressedSize == Int64(plain.count))
        let blob = try FileSystem.readFile(layer.compressedPath)
        #expect(layer.compressedDigest == Digest.sha256(of: blob))
        #expect(layer.compressedSize == Int64(blob.count))
        #expect(blob.count < plain.count)
        #expect(Array(blob.prefix(2)) == [0x1f, 0x8b])
        // gunzip gives the tar back, byte for byte.
        #expect(try shell("gzip -dc '\(layer.compressedPath)' | cmp -s - '\(tar)'") == 0)
        #expect(try FileSystem.listDirectory(tmp) == [String(layer.compressedPath.split(separator: "/").last!)])

        // Deterministic: the same tar gives the same blob.
        let again = try LayerIngest.ingest(inputPath: tar, tempDir: tmp)
        #expect(again.compressedDigest == layer.compressedDigest)
        #expect(again.compressedPath != layer.compressedPath)
    }

    @Test(arguments: [TarWriter.Compression.gzip, .zstd, .xz, .bzip2])
    func compressedInputGivesTheSameDiffID(_ c: TarWriter.Compression) throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/in.tar"
        try makeTar(tar)
        let compressed = "\(sb.path)/in.tar.x"
        try makeTar(compressed, compression: c)
        let tmp = try sb.dir("tmp")
        let a = try LayerIngest.ingest(inputPath: tar, tempDir: tmp)
        let b = try LayerIngest.ingest(inputPath: compressed, tempDir: tmp)
        #expect(a.diffID == b.diffID)
        #expect(a.compressedDigest == b.compressedDigest)
    }

    @Test func appliesWhileIngesting() throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/in.tar.gz"
        try makeTar(tar, compression: .gzip)
        let tmp = try sb.dir("tmp")
        let root = try sb.dir("root")
        let layer = try LayerIngest.ingest(inputPath: tar, tempDir: tmp, applyTo: root)
        #expect(layer.unpackedSize == 300_000 + 4)
        #expect(try FileSystem.readFile("\(root)/etc/hostname") == Array("box\n".utf8))
        #expect(readLink("\(root)/bin") == "usr/bin")
        #expect(try shell("gzip -dc '\(tar)' | sha256sum | grep -q \(layer.diffID.hex)") == 0)
    }

    @Test func refusesNonTarAndLeavesNothing() throws {
        let sb = try Sandbox()
        let tmp = try sb.dir("tmp")
        let text = try sb.write("x.txt", Array(String(repeating: "not a tar at all\n", count: 50).utf8))
        let e = #expect(throws: HoistError.self) { try LayerIngest.ingest(inputPath: text, tempDir: tmp) }
        #expect(e?.code == .invalidArgument)
        #expect(e?.message.hasPrefix("invalid tar archive") == true, "\(e?.message ?? "")")
        #expect(try FileSystem.listDirectory(tmp).isEmpty)

        let empty = try sb.write("empty", [])
        let e2 = #expect(throws: HoistError.self) { try LayerIngest.ingest(inputPath: empty, tempDir: tmp) }
        #expect(e2?.message.hasPrefix("invalid tar archive") == true, "\(e2?.message ?? "")")
        #expect(try FileSystem.listDirectory(tmp).isEmpty)

        // Corrupt gzip: valid header, garbage after.
        let tar = "\(sb.path)/in.tar.gz"
        try makeTar(tar, compression: .gzip)
        var bytes = try FileSystem.readFile(tar)
        for i in 40..<min(bytes.count, 400) { bytes[i] ^= 0x5a }
        let bad = try sb.write("bad.tar.gz", bytes)
        let e3 = #expect(throws: HoistError.self) { try LayerIngest.ingest(inputPath: bad, tempDir: tmp) }
        #expect(e3?.code == .invalidArgument, "\(e3?.message ?? "")")
        #expect(try FileSystem.listDirectory(tmp).isEmpty)
    }

    @Test func refusesUnsafeNamesEvenWithoutApplying() throws {
        let sb = try Sandbox()
        let tmp = try sb.dir("tmp")
        let tar = "\(sb.path)/in.tar"
        let t = try TarWriter(path: tar)
        try t.addFile("../x", [1])
        try t.finish()
        let e = #expect(throws: HoistError.self) { try LayerIngest.ingest(inputPath: tar, tempDir: tmp) }
        #expect(e?.message == "invalid layer: path \"../x\" escapes the root")
        #expect(try FileSystem.listDirectory(tmp).isEmpty)
    }
}
