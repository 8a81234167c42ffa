#if canImport(Glibc)
import Glibc
#endif
import Testing
import HoistArchive
import HoistCore
import HoistOCI
import HoistSys

@Suite(.serialized) struct LayerDiffTests {
    /// A hand-made overlay upper dir with every case the converter handles.
    func makeUpper(_ up: String) throws {
        try FileSystem.mkdirAll("\(up)/etc")
        try FileSystem.atomicWrite("\(up)/etc/new", Array("new".utf8), mode: 0o640)
        #expect(lchown("\(up)/etc/new", 5, 6) == 0)
        try FileSystem.atomicWrite("\(up)/etc/app.conf", Array("conf".utf8))
        try FileSystem.setXattr("\(up)/etc/app.conf", name: "user.x", value: Array("1".utf8))
        try FileSystem.setXattr("\(up)/etc/app.conf", name: "trusted.overlay.origin", value: [0, 1, 2])
        #expect(mknod("\(up)/etc/gone", S_IFCHR, 0) == 0)
        try FileSystem.mkdirAll("\(up)/var/cache")
        try FileSystem.setXattr("\(up)/var/cache", name: "trusted.overlay.opaque", value: Array("y".utf8))
        try FileSystem.atomicWrite("\(up)/var/cache/fresh", Array("f".utf8))
        try FileSystem.mkdirAll("\(up)/bin")
        try FileSystem.atomicWrite("\(up)/bin/a", Array("same".utf8), mode: 0o755)
        #expect(link("\(up)/bin/a", "\(up)/bin/b") == 0)
        #expect(symlink("/etc/new", "\(up)/lnk") == 0)
        var times = [timespec(tv_sec: 1_600_000_000, tv_nsec: 123_456_789), timespec(tv_sec: 1_600_000_000, tv_nsec: 123_456_789)]
        #expect(utimensat(AT_FDCWD, "\(up)/etc/new", &times, 0) == 0)
    }

    @Test func upperDirBecomesAnOCILayer() throws {
        let sb = try Sandbox()
        let up = try sb.dir("upper")
        try makeUpper(up)
        let tmp = try sb.dir("tmp")
        let layer = try LayerDiff.ingest(directory: up, tempDir: tmp)
        #expect(try shell("gzip -dc '\(layer.compressedPath)' | sha256sum | grep -q \(layer.diffID.hex)") == 0)
        #expect(layer.unpackedSize == Int64("new".utf8.count + "conf".utf8.count + 1 + "same".utf8.count))

        // Entry names, in order: sorted by the name on disk (a whiteout where its device was),
        // the opaque marker right after its directory.
        let list = "\(sb.path)/list"
        #expect(try shell("gzip -dc '\(layer.compressedPath)' | tar -t > '\(list)'") == 0)
        let names = String(decoding: try FileSystem.readFile(list), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(names == ["bin/", "bin/a", "bin/b", "etc/", "etc/app.conf", "etc/.wh.gone", "etc/new", "lnk",
                          "var/", "var/cache/", "var/cache/.wh..wh..opq", "var/cache/fresh"])

        // Applying it gives the overlay form back.
        let back = try sb.dir("back")
        _ = try LayerApplier.apply(tarPath: layer.compressedPath, to: back)
        let gone = try #require(lstatOf("\(back)/etc/gone"))
        #expect(gone.st_mode & S_IFMT == S_IFCHR && gone.st_rdev == 0)
        #expect(FileSystem.getXattr("\(back)/var/cache", name: "trusted.overlay.opaque") == Array("y".utf8))
        #expect(!FileSystem.exists("\(back)/var/cache/.wh..wh..opq"))
        #expect(FileSystem.getXattr("\(back)/etc/app.conf", name: "user.x") == Array("1".utf8))
        #expect(FileSystem.getXattr("\(back)/etc/app.conf", name: "trusted.overlay.origin") == nil)
        let a = try #require(lstatOf("\(back)/bin/a")), b = try #require(lstatOf("\(back)/bin/b"))
        #expect(a.st_ino == b.st_ino && a.st_mode & 0o777 == 0o755)
        #expect(readLink("\(back)/lnk") == "/etc/new")
        let new = try #require(lstatOf("\(back)/etc/new"))
        #expect(new.st_uid == 5 && new.st_gid == 6 && new.st_mode & 0o777 == 0o640)
        #expect(new.st_mtim.tv_sec == 1_600_000_000 && new.st_mtim.tv_nsec == 0)

        // Same tree, same layer.
        let again = try LayerDiff.ingest(directory: up, tempDir: tmp)
        #expect(again.diffID == layer.diffID && again.compressedDigest == layer.compressedDigest)

        // Without conversion (export of a root fs), the device stays a device.
        let plain = try LayerDiff.ingest(directory: up, tempDir: tmp, convertWhiteouts: false)
        #expect(try shell("gzip -dc '\(plain.compressedPath)' | tar -tv | grep -q '^c.* etc/gone$'") == 0)
        #expect(try shell("gzip -dc '\(plain.compressedPath)' | tar -t | grep -q 'wh'") != 0)
    }

    /// Changes made through a real overlay mount, diffed and re-applied as a new layer,
    /// give the same view when stacked on the old one.
    @Test func overlayRoundTrip() throws {
        let sb = try Sandbox()
        let base = try sb.dir("base")
        try FileSystem.mkdirAll("\(base)/etc/conf.d")
        try FileSystem.atomicWrite("\(base)/etc/keep", Array("k".utf8))
        try FileSystem.atomicWrite("\(base)/etc/drop", Array("d".utf8))
        try FileSystem.atomicWrite("\(base)/etc/conf.d/old", Array("o".utf8))
        try FileSystem.atomicWrite("\(base)/etc/edit", Array("before".utf8))
        for d in ["upper", "work", "merged"] { _ = try sb.dir(d) }
        let merged = "\(sb.path)/merged"
        try Mounts.overlay(lowerDirs: [base], upperDir: "\(sb.path)/upper", workDir: "\(sb.path)/work", target: merged)
        do {
            defer { try? Mounts.unmount(merged, detach: true) }
            #expect(unlink("\(merged)/etc/drop") == 0)
            try FileSystem.removeTree("\(merged)/etc/conf.d")
            try FileSystem.mkdirAll("\(merged)/etc/conf.d")
            try FileSystem.atomicWrite("\(merged)/etc/conf.d/new", Array("n".utf8))
            try FileSystem.atomicWrite("\(merged)/etc/edit", Array("after".utf8))
            try FileSystem.atomicWrite("\(merged)/added", Array("a".utf8))
            try Mounts.unmountOrDetach(merged)
        }
        let layer = try LayerDiff.ingest(directory: "\(sb.path)/upper", tempDir: try sb.dir("tmp"))
        let top = try sb.dir("top")
        _ = try LayerApplier.apply(tarPath: layer.compressedPath, to: top)
        for d in ["upper2", "work2", "view"] { _ = try sb.dir(d) }
        let view = "\(sb.path)/view"
        try Mounts.overlay(lowerDirs: [top, base], upperDir: "\(sb.path)/upper2", workDir: "\(sb.path)/work2", target: view)
        defer { try? Mounts.unmount(view, detach: true) }
        #expect(try tree(view) == ["added", "etc", "etc/conf.d", "etc/conf.d/new", "etc/edit", "etc/keep"])
        #expect(try FileSystem.readFile("\(view)/etc/edit") == Array("after".utf8))
        try Mounts.unmountOrDetach(view)
    }
}
