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

@Suite struct ImageCommitTests {
    /// An overlay-style upper dir: a new file, a changed file, a whiteout for /bin/sh, and
    /// the runtime's mount points (left out of the layer).
    func makeUpper(_ f: StoreFixture) throws -> String {
        let upper = f.root + "/upper"
        try FileSystem.mkdirAll(upper + "/data", mode: 0o755)
        try FileSystem.atomicWrite(upper + "/data/x", Array("hello\n".utf8))
        try FileSystem.mkdirAll(upper + "/etc", mode: 0o755)
        try FileSystem.atomicWrite(upper + "/etc/os-release", Array("NAME=changed\n".utf8))
        try FileSystem.atomicWrite(upper + "/etc/hostname", [])
        try FileSystem.mkdirAll(upper + "/bin", mode: 0o755)
        #expect(mknod(upper + "/bin/sh", S_IFCHR | 0o600, 0) == 0)
        try FileSystem.mkdirAll(upper + "/proc", mode: 0o555)
        return upper
    }

    static let excludes: Set<String> = ["etc/hostname", "proc", "sys", "dev"]

    @Test func commitAddsALayerOnTopOfTheParent() throws {
        let f = try StoreFixture()
        let base = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: ContainerDefaults(Cmd: ["/bin/sh"]),
                                            comment: nil, reference: try Reference(parsing: "busybox"))
        let upper = try makeUpper(f)
        let layer = try #require(try f.images.diffLayer(directory: upper, exclude: Self.excludes))
        // Keep a copy of the layer tar to check the diff ID against.
        let gz = f.root + "/layer.tar.gz"
        #expect(try shell("cp '\(layer.compressedPath)' '\(gz)'") == 0)
        let info = ImageStore.CommitInfo(defaults: ContainerDefaults(Cmd: ["echo", "committed"]), author: "me",
                                         comment: "a message", createdBy: "sh -c echo hello > /data/x")
        let img = try f.images.commit(parent: base, layer: layer, info: info, reference: try Reference(parsing: "mine:1"))

        #expect(img.config.rootfs.diff_ids == base.config.rootfs.diff_ids + [layer.diffID])
        #expect(img.chainIDs == ChainID.compute(img.config.rootfs.diff_ids).map(\.description))
        #expect(img.chainIDs.first == base.chainIDs.first)
        // The diff ID is the sha256 of the uncompressed layer tar.
        #expect(try shell("test \"$(gzip -dc '\(gz)' | sha256sum | cut -d' ' -f1)\" = '\(layer.diffID.hex)'") == 0)
        // The layer has the change, the whiteout, and not the mount points.
        let listing = f.root + "/listing"
        try shell("tar -tzf '\(gz)' > '\(listing)'")
        let names = String(decoding: try FileSystem.readFile(listing), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(names.contains("data/x") && names.contains("bin/.wh.sh") && names.contains("etc/os-release"))
        #expect(!names.contains { $0.hasPrefix("proc") || $0.contains("hostname") })

        #expect(img.config.history?.count == 2)
        let h = try #require(img.config.history?.last)
        #expect(h.created_by == "sh -c echo hello > /data/x" && h.comment == "a message" && h.author == "me" && h.empty_layer == nil)
        #expect(img.config.author == "me")
        #expect(img.config.config?.Cmd == ["echo", "committed"])

        let manifest = try f.images.manifest(of: img)
        let baseManifest = try f.images.manifest(of: base)
        #expect(manifest.layers.count == 2 && manifest.layers[0] == baseManifest.layers[0])
        #expect(f.images.content.exists(manifest.layers[1].digest))
        // The snapshot holds the layer as overlay wants it: the file, and a whiteout.
        let top = f.images.lowerDirs(of: img)[0]
        #expect(try FileSystem.readFile(top + "/data/x") == Array("hello\n".utf8))
        let wh = try #require(lstatOf(top + "/bin/sh"))
        #expect(wh.st_mode & S_IFMT == S_IFCHR && wh.st_rdev == 0)
        #expect(try f.images.resolve("mine:1").id == img.id)
        #expect(img.size == base.size + Int64("hello\n".utf8.count + "NAME=changed\n".utf8.count))

        let hist = try f.images.history(of: img)
        #expect(hist.map(\.size) == [base.size, Int64("hello\n".utf8.count + "NAME=changed\n".utf8.count)])
        #expect(try f.files("ingest").isEmpty)
        #expect(try f.count("fs_journal") == 0)
    }

    @Test func anUnchangedContainerCommitsAnEmptyLayer() throws {
        let f = try StoreFixture()
        let base = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: nil, comment: nil, reference: nil)
        let upper = f.root + "/upper"
        try FileSystem.mkdirAll(upper + "/etc", mode: 0o755)
        try FileSystem.atomicWrite(upper + "/etc/hostname", [])
        try FileSystem.mkdirAll(upper + "/dev/pts", mode: 0o755)
        #expect(try f.images.diffLayer(directory: upper, exclude: Self.excludes) == nil)
        let img = try f.images.commit(parent: base, layer: nil, info: .init(defaults: nil, createdBy: "sh"), reference: nil)
        #expect(img.config.rootfs.diff_ids == base.config.rootfs.diff_ids)
        #expect(img.chainIDs == base.chainIDs)
        #expect(img.config.history?.last?.empty_layer == true)
        #expect(img.id != base.id)
        #expect(try f.images.history(of: img).map(\.size) == [base.size, 0])
        #expect(try f.files("ingest").isEmpty)
    }

    @Test func aFailedCommitLeavesNothing() throws {
        let f = try StoreFixture()
        let base = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: nil, comment: nil, reference: nil)
        let blobs = try f.files("blobs/sha256"), snaps = try f.files("snapshots")
        let images = try f.count("images"), rows = try f.count("snapshots")
        for point in ["after-apply", "before-metadata"] {
            let layer = try #require(try f.images.diffLayer(directory: try makeUpper(f), exclude: Self.excludes))
            f.images.failPoint = { if $0 == point { throw InjectedFailure() } }
            #expect(throws: InjectedFailure.self) {
                try f.images.commit(parent: base, layer: layer, info: .init(defaults: nil), reference: try Reference(parsing: "mine:1"))
            }
            f.images.failPoint = nil
            #expect(try f.files("blobs/sha256") == blobs, "\(point)")
            #expect(try f.files("snapshots") == snaps, "\(point)")
            #expect(try f.count("images") == images, "\(point)")
            #expect(try f.count("snapshots") == rows, "\(point)")
            #expect(try f.count("fs_journal") == 0, "\(point)")
            #expect(try f.count("tags") == 0, "\(point)")
            #expect(try f.files("ingest").isEmpty, "\(point)")
            #expect(!FileSystem.exists(layer.compressedPath))
            try FileSystem.removeTree(f.root + "/upper")
        }
    }
}
