#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import HoistArchive
import HoistCore
import HoistOCI
import HoistSys
@testable import HoistStore

@Suite struct ImageStoreTests {
    @Test func importsARootfsTar() throws {
        let f = try StoreFixture()
        let tar = try f.rootfsTar()
        let defaults = ContainerDefaults(Env: ["PATH=/bin"], Cmd: ["/bin/sh"])
        let before = Int64(time(nil))
        let img = try f.images.importRootfs(tarPath: tar, defaults: defaults, comment: nil,
                                           reference: try Reference(parsing: "busybox"))
        let diffID = "sha256:" + (try sha256Hex(tar))

        #expect(img.id.hasPrefix("sha256:"))
        #expect(img.config.rootfs.diff_ids.map(\.description) == [diffID])
        #expect(img.chainIDs == [diffID])
        #expect(img.config.config == defaults)
        #expect(img.config.architecture == "amd64" && img.config.os == "linux")
        #expect(img.config.history?.first?.comment == "Imported from -")
        #expect(img.created >= before && img.created <= Int64(time(nil)) + 1)
        #expect(img.size == Int64("#!/bin/true\n".utf8.count + "root:x:0:0:root:/root:/bin/sh\n".utf8.count + "NAME=test\n".utf8.count))

        // The ID is the digest of the config blob; manifest and layer are in the store.
        let configPath = "\(f.root)/blobs/sha256/\(img.id.dropFirst(7))"
        #expect(try sha256Hex(configPath) == String(img.id.dropFirst(7)))
        let manifest = try f.images.manifest(of: img)
        #expect(manifest.mediaType == MediaType.ociManifest)
        #expect(manifest.config.digest.description == img.id)
        #expect(manifest.config.mediaType == MediaType.ociConfig)
        #expect(manifest.layers.count == 1 && manifest.layers[0].mediaType == MediaType.ociLayerGzip)
        let layerPath = f.images.content.path(of: manifest.layers[0].digest)
        #expect(try sha256Hex(layerPath) == manifest.layers[0].digest.hex)
        #expect(try shell("gzip -dc '\(layerPath)' | cmp -s - '\(tar)'") == 0)
        #expect(try f.files("blobs/sha256").count == 3)
        // Blobs are read-only once placed.
        #expect((lstatOf(layerPath)?.st_mode ?? 0) & 0o777 == 0o444)

        let lower = f.images.lowerDirs(of: img)
        #expect(lower == ["\(f.root)/snapshots/\(diffID.dropFirst(7))/fs"])
        #expect(try FileSystem.readFile(lower[0] + "/etc/os-release") == Array("NAME=test\n".utf8))
        #expect((lstatOf(lower[0] + "/tmp")?.st_mode ?? 0) & 0o7777 == 0o1777)
        #expect(try f.files("ingest").isEmpty)
        #expect(try f.count("fs_journal") == 0)
        #expect(try f.images.tags(of: img.id).map(\.familiarString) == ["busybox:latest"])
    }

    @Test func resolvesNamesAndIDs() throws {
        let f = try StoreFixture()
        let img = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: nil, comment: "hello",
                                           reference: try Reference(parsing: "busybox"))
        #expect(img.config.history?.first?.comment == "hello")
        let hex = String(img.id.dropFirst(7))
        for name in ["busybox", "busybox:latest", "docker.io/library/busybox:latest", "library/busybox",
                     img.id, hex, String(hex.prefix(12)), String(hex.prefix(1)), "sha256:" + hex.prefix(5)] {
            #expect(try f.images.resolve(name).id == img.id, "\(name)")
        }
        let e = #expect(throws: HoistError.self) { try f.images.resolve("nope") }
        #expect(e?.code == .notFound && e?.message == "No such image: nope:latest")
        let e2 = #expect(throws: HoistError.self) { try f.images.resolve("busybox:1.0") }
        #expect(e2?.message == "No such image: busybox:1.0")
        let missingID = "sha256:" + String(repeating: "0", count: 64)
        let e3 = #expect(throws: HoistError.self) { try f.images.resolve(missingID) }
        #expect(e3?.code == .notFound && e3?.message == "No such image: \(missingID)")
        let e4 = #expect(throws: HoistError.self) { try f.images.resolve("Busybox") }
        #expect(e4?.code == .invalidArgument)
    }

    @Test func tagsMoveAndListAndUntag() throws {
        let f = try StoreFixture()
        let tar = try f.rootfsTar()
        let busybox = try Reference(parsing: "busybox")
        let a = try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: busybox)
        let b = try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: busybox)
        // Same layer, new config (created differs): a new image; the tag moved to it.
        #expect(a.id != b.id)
        #expect(a.chainIDs == b.chainIDs)
        #expect(try f.images.tags(of: a.id).isEmpty)
        #expect(try f.images.tags(of: b.id) == [busybox])
        #expect(try f.images.resolve("busybox").id == b.id)
        #expect(try f.files("snapshots").count == 1)
        // config×2 + manifest×2 + one shared layer blob.
        #expect(try f.files("blobs/sha256").count == 5)

        let mine = try Reference(parsing: "localhost:5000/me/app:v1")
        try f.images.tag(imageID: a.id, as: mine)
        try f.images.tag(imageID: String(a.id.dropFirst(7)), as: try Reference(parsing: "app"))
        let listed = try f.images.list()
        #expect(listed.count == 2)
        #expect(listed[0].image.id == b.id)  // newest first
        #expect(listed.first { $0.image.id == a.id }?.tags.map(\.familiarString) == ["app:latest", "localhost:5000/me/app:v1"])
        #expect(try f.images.resolve("localhost:5000/me/app:v1").id == a.id)

        try f.images.untag(mine)
        let e = #expect(throws: HoistError.self) { try f.images.untag(mine) }
        #expect(e?.code == .notFound && e?.message == "No such image: localhost:5000/me/app:v1")
        let e2 = #expect(throws: HoistError.self) {
            try f.images.tag(imageID: "sha256:" + String(repeating: "1", count: 64), as: mine)
        }
        #expect(e2?.code == .notFound)
    }

    @Test func deleteFreesWhatNoOtherImageUses() throws {
        let f = try StoreFixture()
        let tar = try f.rootfsTar()
        let other = try f.rootfsTar("other.tar", extra: "-other")
        let a = try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: try Reference(parsing: "alpha"))
        let b = try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: try Reference(parsing: "beta"))
        let c = try f.images.importRootfs(tarPath: other, defaults: nil, comment: nil, reference: nil)
        #expect(try f.files("snapshots").count == 2)
        #expect(try f.files("blobs/sha256").count == 8)

        // Resolved once before the delete: a record kept from then must not outlive it.
        #expect(try f.images.resolve(a.id).id == a.id)
        try f.images.deleteImage(id: a.id)
        // a's config + manifest gone; the layer it shares with b stays.
        #expect(try f.files("blobs/sha256").count == 6)
        #expect(try f.files("snapshots").count == 2)
        #expect(!FileSystem.exists(f.images.content.path(of: try Digest(parsing: a.id))))
        #expect(throws: HoistError.self) { try f.images.resolve(a.id) }
        #expect(throws: HoistError.self) { try f.images.resolve("alpha") }  // its tag went with it
        #expect(try f.images.resolve("beta").id == b.id)
        #expect(FileSystem.isDirectory(f.images.lowerDirs(of: b)[0]))

        try f.images.deleteImage(id: b.id)
        #expect(try f.files("snapshots") == [String(c.chainIDs[0].dropFirst(7))])
        #expect(try f.files("blobs/sha256").count == 3)
        try f.images.deleteImage(id: c.id)
        #expect(try f.files("snapshots").isEmpty)
        #expect(try f.files("blobs/sha256").isEmpty)
        #expect(try f.files("ingest").isEmpty)
        for t in ["images", "image_layers", "snapshots", "tags", "fs_journal"] { #expect(try f.count(t) == 0, "\(t)") }
        let e = #expect(throws: HoistError.self) { try f.images.deleteImage(id: c.id) }
        #expect(e?.code == .notFound)
    }

    func expectEmpty(_ f: StoreFixture, _ note: String) throws {
        #expect(try f.files("blobs/sha256").isEmpty, "\(note)")
        #expect(try f.files("snapshots").isEmpty, "\(note)")
        #expect(try f.files("ingest").isEmpty, "\(note)")
        for t in ["images", "image_layers", "snapshots", "tags", "fs_journal"] { #expect(try f.count(t) == 0, "\(note): \(t)") }
    }

    @Test func failedImportsLeaveNothing() throws {
        let f = try StoreFixture()
        let ref = try Reference(parsing: "x")

        // Unsafe entry after some good ones.
        let bad = "\(f.root)/bad.tar"
        let t = try TarWriter(path: bad)
        try t.addDirectory("etc")
        try t.addFile("etc/a", [UInt8](repeating: 1, count: 50_000))
        try t.addFile("../escape", [1])
        try t.finish()
        let e1 = #expect(throws: HoistError.self) { try f.images.importRootfs(tarPath: bad, defaults: nil, comment: nil, reference: ref) }
        #expect(e1?.code == .invalidArgument && e1?.message == "invalid layer: path \"../escape\" escapes the root")
        try expectEmpty(f, "unsafe entry")

        // Not a tar.
        let text = "\(f.root)/notes.txt"
        try FileSystem.atomicWrite(text, Array(String(repeating: "plain text\n", count: 100).utf8))
        let e2 = #expect(throws: HoistError.self) { try f.images.importRootfs(tarPath: text, defaults: nil, comment: nil, reference: ref) }
        #expect(e2?.message.hasPrefix("invalid tar archive") == true)
        try expectEmpty(f, "not a tar")

        // Truncated gzip.
        let gz = try f.rootfsTar("t.tar.gz", compression: .gzip)
        let bytes = try FileSystem.readFile(gz)
        try FileSystem.atomicWrite(gz, Array(bytes.prefix(bytes.count / 2)))
        #expect(throws: HoistError.self) { try f.images.importRootfs(tarPath: gz, defaults: nil, comment: nil, reference: ref) }
        try expectEmpty(f, "truncated gzip")

        // Failures after the layer was unpacked, and after blobs + snapshot were placed.
        let tar = try f.rootfsTar()
        for point in ["after-ingest", "before-metadata"] {
            f.images.failPoint = { if $0 == point { throw InjectedFailure() } }
            #expect(throws: InjectedFailure.self) { try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: ref) }
            try expectEmpty(f, point)
        }

        // A failing import must not take away what an existing image shares with it.
        f.images.failPoint = nil
        let good = try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: ref)
        let blobsBefore = try f.files("blobs/sha256")
        f.images.failPoint = { if $0 == "before-metadata" { throw InjectedFailure() } }
        #expect(throws: InjectedFailure.self) { try f.images.importRootfs(tarPath: tar, defaults: nil, comment: nil, reference: nil) }
        #expect(try f.files("blobs/sha256") == blobsBefore)
        #expect(FileSystem.isDirectory(f.images.lowerDirs(of: good)[0] + "/etc"))
        #expect(try f.images.list().map(\.image.id) == [good.id])
        #expect(try f.count("fs_journal") == 0)
    }

    @Test func startupRemovesLeftoversOfACrash() throws {
        let f = try StoreFixture()
        let img = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: nil, comment: nil, reference: nil)
        // What a crash would leave: a half-written blob in ingest/, a placed-but-uncommitted
        // blob and snapshot listed in the journal, and a snapshot dir no row knows.
        try FileSystem.atomicWrite("\(f.root)/ingest/blob-partial", [1, 2, 3])
        let orphanBlob = "\(f.root)/blobs/sha256/" + String(repeating: "a", count: 64)
        try FileSystem.atomicWrite(orphanBlob, [9])
        try FileSystem.mkdirAll("\(f.root)/snapshots/" + String(repeating: "b", count: 64) + "/fs/etc")
        try f.metadata.write { db in
            try db.execute(sql: "INSERT INTO fs_journal(path) VALUES (?)", arguments: [orphanBlob])
        }
        let reopened = try ImageStore(dataRoot: f.root, metadata: f.metadata)
        #expect(try f.files("ingest").isEmpty)
        #expect(!FileSystem.exists(orphanBlob))
        #expect(try f.files("snapshots") == [String(img.chainIDs[0].dropFirst(7))])
        #expect(try f.count("fs_journal") == 0)
        #expect(try reopened.resolve(img.id) == img)
        #expect(try f.files("blobs/sha256").count == 3)
    }

    @Test func concurrentImportsOfTheSameLayer() throws {
        let f = try StoreFixture()
        let tar = try f.rootfsTar()
        let images = f.images
        let ids = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            if let img = try? images.importRootfs(tarPath: tar, defaults: nil, comment: "\(i)", reference: nil) {
                ids.withLock { $0.append(img.id) }
            }
        }
        #expect(ids.withLock { Set($0).count } == 6)
        #expect(try f.files("snapshots").count == 1)
        #expect(try f.count("snapshots") == 1)
        #expect(try f.files("blobs/sha256").count == 13)
        #expect(try f.files("ingest").isEmpty)
    }
}

import Synchronization

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}
