import Foundation
import Testing
import HoistOCI
@testable import HoistDistribution

@Suite struct ServerStorageTests {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "hoist-registry-test-\(UUID().uuidString)"
    }

    private func files(under dir: String) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir)
        var out: [String] = []
        while let f = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(dir)/\(f)", isDirectory: &isDir), !isDir.boolValue { out.append(f) }
        }
        return out
    }

    private func upload(_ s: RegistryStorage, _ name: String, _ chunks: [[UInt8]]) throws -> UploadWriter {
        let session = try s.startUpload(name)
        var w = try s.openUpload(name, session.id)
        for c in chunks { try c.withUnsafeBytes { try w.append($0) } }
        return w
    }

    @Test func verifiedBlobIsStoredAndLinked() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try RegistryStorage(root: root)
        let data = Array("hello registry".utf8)
        let d = Digest.sha256(of: data)
        let w = try upload(s, "a/b", [Array(data.prefix(5)), Array(data.dropFirst(5))])
        #expect(try s.finishUpload("a/b", w, expected: d) == Int64(data.count))
        #expect(FileManager.default.contents(atPath: s.blobPath(d)).map(Array.init) == data)
        #expect(s.blobSize("a/b", d) == Int64(data.count))
        // Linked into a/b only; another repository cannot read it without a mount.
        #expect(s.blobSize("c", d) == nil)
        #expect(try s.mount(d, from: "a/b", into: "c"))
        #expect(s.blobSize("c", d) == Int64(data.count))
        #expect(try !s.mount(Digest.sha256(of: [1]), from: "a/b", into: "c"))
        // Nothing left of the session.
        #expect(files(under: "\(root)/uploads").isEmpty)
        #expect(files(under: "\(root)/tmp").isEmpty)
    }

    @Test func digestMismatchStoresNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try RegistryStorage(root: root)
        let w = try upload(s, "a", [Array("actual".utf8)])
        let wrong = Digest.sha256(of: Array("claimed".utf8))
        #expect(throws: DistributionError.self) { try s.finishUpload("a", w, expected: wrong) }
        do {
            _ = try s.finishUpload("a", try upload(s, "a", [Array("x".utf8)]), expected: wrong)
        } catch let e as DistributionError {
            #expect(e.code == .digestInvalid)
        }
        #expect(files(under: "\(root)/blobs").isEmpty)
        #expect(files(under: "\(root)/uploads").isEmpty)
        #expect(files(under: "\(root)/repositories").isEmpty)
        #expect(!s.repositoryExists("a"))
    }

    @Test func uploadResumesAfterRestart() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let id: String
        do {
            let s = try RegistryStorage(root: root)
            let w = try upload(s, "r", [Array(data.prefix(100_000))])
            id = s.closeUpload(w).id
            #expect(try s.uploadStatus("r", id).offset == 100_000)
        }
        // A new process: the running digest is rebuilt from the data on disk.
        let s = try RegistryStorage(root: root)
        #expect(try s.uploadStatus("r", id).offset == 100_000)
        #expect(throws: DistributionError.self) { try s.uploadStatus("other", id) }
        var w = try s.openUpload("r", id)
        #expect(w.offset == 100_000)
        // A second writer on the same session is refused while the first holds it.
        #expect(throws: DistributionError.self) { try s.openUpload("r", id) }
        try Array(data.dropFirst(100_000)).withUnsafeBytes { try w.append($0) }
        #expect(try s.finishUpload("r", w, expected: Digest.sha256(of: data)) == 300_000)
        #expect(s.blobSize("r", Digest.sha256(of: data)) == 300_000)
    }

    @Test func cancelledUploadLeavesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try RegistryStorage(root: root)
        let w = try upload(s, "r", [[1, 2, 3]])
        let id = s.closeUpload(w).id
        try s.deleteUpload("r", id)
        #expect(throws: DistributionError.self) { try s.uploadStatus("r", id) }
        #expect(files(under: "\(root)/uploads").isEmpty)
        // Ids are checked before they reach a path.
        #expect(throws: DistributionError.self) { try s.uploadStatus("r", "../../repositories") }
    }

    @Test func interruptedWritesAreDroppedAtStart() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try RegistryStorage(root: root)
        _ = FileManager.default.createFile(atPath: "\(root)/tmp/half-written.tmp", contents: Data([1, 2]))
        _ = try RegistryStorage(root: root)
        #expect(files(under: "\(root)/tmp").isEmpty)
    }

    @Test func manifestsTagsAndReferrers() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try RegistryStorage(root: root)
        let m = Array(#"{"schemaVersion":2}"#.utf8), d = Digest.sha256(of: m)
        let r = Array(#"{"schemaVersion":2,"x":1}"#.utf8), rd = Digest.sha256(of: r)
        try s.putManifest("n", bytes: m, digest: d, mediaType: MediaType.dockerManifest, tag: "v1", referrer: nil)
        try s.putManifest("n", bytes: m, digest: d, mediaType: MediaType.dockerManifest, tag: "v2", referrer: nil)
        try s.putManifest("n", bytes: r, digest: rd, mediaType: MediaType.ociManifest, tag: nil, referrer: (d, Array("{}".utf8)))
        #expect(s.tags("n") == ["v1", "v2"])
        #expect(s.repositories() == ["n"])
        #expect(s.manifest("n", .tag("v1"))?.mediaType == MediaType.dockerManifest)
        #expect(s.manifest("n", .digest(d))?.bytes == m)
        #expect(s.referrers("n", d).count == 1)
        #expect(s.deleteTag("n", "v2"))
        #expect(s.tags("n") == ["v1"])
        #expect(s.deleteManifest("n", d, subject: nil))
        #expect(s.tags("n").isEmpty)
        #expect(s.manifest("n", .digest(d)) == nil)
        #expect(!s.deleteManifest("n", d, subject: nil))
        #expect(s.deleteManifest("n", rd, subject: d))
        #expect(s.referrers("n", d).isEmpty)
    }
}
