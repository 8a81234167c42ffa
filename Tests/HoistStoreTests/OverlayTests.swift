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

/// Real mounts (we are root): every test unmounts what it mounted, by path, in a defer.
@Suite(.serialized) struct OverlayTests {
    /// A container's layer directories (upper, work, rootfs) under the fixture's root.
    func containerLayer(_ f: StoreFixture, _ name: String) throws -> String {
        let c = "\(f.root)/containers/\(name)"
        for d in ["upper", "work", "rootfs"] { try FileSystem.mkdirAll("\(c)/\(d)") }
        return c
    }

    @Test func imageLowerDirsPlusUpperMount() throws {
        let f = try StoreFixture()
        let img = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: nil, comment: nil, reference: nil)
        let c = try containerLayer(f, "c1")
        let target = "\(c)/rootfs"
        #expect(!Mounts.isMountPoint(target))
        try Mounts.overlay(lowerDirs: f.images.lowerDirs(of: img), upperDir: "\(c)/upper", workDir: "\(c)/work", target: target)
        defer { try? Mounts.unmount(target, detach: true) }
        #expect(Mounts.isMountPoint(target))

        #expect(try FileSystem.readFile("\(target)/etc/os-release") == Array("NAME=test\n".utf8))
        try FileSystem.atomicWrite("\(target)/etc/new", Array("new".utf8))
        try FileSystem.atomicWrite("\(target)/etc/os-release", Array("changed".utf8))
        #expect(unlink("\(target)/etc/passwd") == 0)

        let lower = f.images.lowerDirs(of: img)[0]
        // Writes land in the upper dir; the snapshot is untouched.
        #expect(try FileSystem.readFile("\(c)/upper/etc/new") == Array("new".utf8))
        #expect(try FileSystem.readFile("\(c)/upper/etc/os-release") == Array("changed".utf8))
        #expect(!FileSystem.exists("\(lower)/etc/new"))
        #expect(try FileSystem.readFile("\(lower)/etc/os-release") == Array("NAME=test\n".utf8))
        #expect(FileSystem.exists("\(lower)/etc/passwd"))
        let wh = lstatOf("\(c)/upper/etc/passwd")
        #expect(wh.map { $0.st_mode & S_IFMT == S_IFCHR && $0.st_rdev == 0 } == true)

        // Not removable while mounted; fine once unmounted.
        #expect(throws: HoistError.self) { try FileSystem.removeTree(c) }
        #expect(FileSystem.exists("\(c)/upper/etc/new"))
        try Mounts.unmount(target)
        #expect(!Mounts.isMountPoint(target))
        try Mounts.unmount(target)  // not mounted: not an error
        try FileSystem.removeTree(c)
        #expect(!FileSystem.exists(c))
    }

    /// A throwaway layer (`run --rm`) is mounted `volatile` (its unmount does not sync the
    /// host's file system). The kernel marks such a work dir and refuses to mount it again;
    /// Hoist clears the mark, so the container's files are there on the next mount.
    @Test func volatileLayerMountsAgainWithItsFiles() throws {
        let f = try StoreFixture()
        let img = try f.images.importRootfs(tarPath: try f.rootfsTar(), defaults: nil, comment: nil, reference: nil)
        let c = try containerLayer(f, "c-throwaway")
        let target = "\(c)/rootfs"
        for round in 1...3 {
            try Mounts.overlay(lowerDirs: f.images.lowerDirs(of: img), upperDir: "\(c)/upper", workDir: "\(c)/work",
                               target: target, volatile: true)
            defer { try? Mounts.unmount(target, detach: true) }
            if Mounts.volatileSupported {
                #expect(isVolatile(target) == true)
                #expect(FileSystem.exists("\(c)/work/work/incompat/volatile"))
            }
            if round > 1 { #expect(try FileSystem.readFile("\(target)/kept") == Array("round \(round - 1)".utf8)) }
            try FileSystem.atomicWrite("\(target)/kept", Array("round \(round)".utf8))
            try Mounts.unmount(target)
        }
        // And a plain mount of the same layer works too.
        try Mounts.overlay(lowerDirs: f.images.lowerDirs(of: img), upperDir: "\(c)/upper", workDir: "\(c)/work", target: target)
        defer { try? Mounts.unmount(target, detach: true) }
        #expect(isVolatile(target) == false)
        #expect(try FileSystem.readFile("\(target)/kept") == Array("round 3".utf8))
    }

    /// The file system's options of the mount at `target` (the last field of mountinfo).
    func superOptions(of target: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4] == target, let sep = line.range(of: " - ") else { continue }
            return line[sep.upperBound...].split(separator: " ").last.map(String.init)
        }
        return nil
    }

    /// Linux 6 shows the option as `fsync=volatile`, earlier ones as `volatile`.
    func isVolatile(_ target: String) -> Bool? {
        superOptions(of: target).map { $0.split(separator: ",").contains { $0 == "volatile" || $0 == "fsync=volatile" } }
    }

    /// Whiteouts written by the applier hide lower files once stacked.
    @Test func appliedWhiteoutsHideLowerFiles() throws {
        let f = try StoreFixture()
        let base = "\(f.root)/l0", top = "\(f.root)/l1"
        try FileSystem.mkdirAll("\(base)/etc/sub")
        try FileSystem.atomicWrite("\(base)/etc/gone", [1])
        try FileSystem.atomicWrite("\(base)/etc/sub/old", [1])
        try FileSystem.atomicWrite("\(base)/keep", [1])
        try FileSystem.mkdirAll(top)
        let tar = "\(f.root)/top.tar"
        let t = try TarWriter(path: tar)
        try t.addFile("etc/.wh.gone", [])
        try t.addFile("etc/sub/.wh..wh..opq", [])
        try t.addFile("etc/sub/fresh", [2])
        try t.finish()
        _ = try LayerApplier.apply(tarPath: tar, to: top)

        for d in ["upper", "work", "merged"] { try FileSystem.mkdirAll("\(f.root)/\(d)") }
        let merged = "\(f.root)/merged"
        try Mounts.overlay(lowerDirs: [top, base], upperDir: "\(f.root)/upper", workDir: "\(f.root)/work", target: merged)
        defer { try? Mounts.unmount(merged, detach: true) }
        #expect(!FileSystem.exists("\(merged)/etc/gone"))
        #expect(try FileSystem.listDirectory("\(merged)/etc/sub") == ["fresh"])
        #expect(FileSystem.exists("\(merged)/keep"))
    }

    /// More lower dirs than fit in one page of mount options with absolute paths: mounted
    /// with relative paths from a helper thread, without moving the process cwd.
    @Test func manyLayersBeyondThePageLimit() throws {
        let f = try StoreFixture()
        let layersDir = "\(f.root)/snapshots-like"
        var lowers: [String] = []
        for i in 0..<48 {
            let hex = Digest.sha256(of: Array("layer\(i)".utf8)).hex
            let dir = "\(layersDir)/\(hex)/fs"
            try FileSystem.mkdirAll(dir)
            try FileSystem.atomicWrite("\(dir)/file\(i)", Array("\(i)".utf8))
            try FileSystem.atomicWrite("\(dir)/shared", Array("\(i)".utf8))
            lowers.insert(dir, at: 0)  // top-most first
        }
        #expect(lowers.joined(separator: ":").utf8.count > 4096)
        for d in ["upper", "work", "merged"] { try FileSystem.mkdirAll("\(f.root)/\(d)") }
        let cwdBefore = FileManager.default.currentDirectoryPath
        let merged = "\(f.root)/merged"
        try Mounts.overlay(lowerDirs: lowers, upperDir: "\(f.root)/upper", workDir: "\(f.root)/work", target: merged)
        defer { try? Mounts.unmount(merged, detach: true) }
        #expect(FileManager.default.currentDirectoryPath == cwdBefore)
        #expect(try FileSystem.readFile("\(merged)/file0") == Array("0".utf8))
        #expect(try FileSystem.readFile("\(merged)/file47") == Array("47".utf8))
        #expect(try FileSystem.readFile("\(merged)/shared") == Array("47".utf8))

        let tooMany = (0..<200).map { "\(layersDir)/\(String(repeating: "x", count: 60))\($0)/fs" }
        let e = #expect(throws: HoistError.self) {
            try Mounts.overlay(lowerDirs: tooMany, upperDir: "\(f.root)/upper", workDir: "\(f.root)/work", target: "\(f.root)/merged2")
        }
        #expect(e?.code == .invalidArgument)
    }

    @Test func removeTreeNeverFollowsSymlinksNorCrossesMounts() throws {
        let sb = try FileSystem.makeTempDir(in: "/tmp", prefix: "hoist-h2-rm-")
        defer { try? FileSystem.removeTree(sb) }
        let outside = "\(sb)/outside"
        try FileSystem.mkdirAll(outside)
        try FileSystem.atomicWrite("\(outside)/precious", [1])
        let tree = "\(sb)/tree"
        try FileSystem.mkdirAll("\(tree)/a/b/c")
        try FileSystem.atomicWrite("\(tree)/a/b/c/f", [1])
        #expect(symlink(outside, "\(tree)/a/link-dir") == 0)
        #expect(symlink("\(outside)/precious", "\(tree)/link-file") == 0)
        #expect(mkfifo("\(tree)/a/fifo", 0o600) == 0)

        // A mount inside the tree: refused, and nothing under the mount is touched.
        let mnt = "\(tree)/a/mnt"
        try FileSystem.mkdirAll(mnt)
        #expect(mount("tmpfs", mnt, "tmpfs", 0, "size=1m") == 0)
        defer { try? Mounts.unmount(mnt, detach: true) }
        try FileSystem.atomicWrite("\(mnt)/inside", [1])
        let e = #expect(throws: HoistError.self) { try FileSystem.removeTree(tree) }
        #expect(e?.message.contains("mount point") == true)
        #expect(FileSystem.exists("\(mnt)/inside"))

        // A bind mount of a directory from the same file system is detected too.
        try Mounts.unmount(mnt)
        try Mounts.bind(source: outside, target: mnt)
        #expect(throws: HoistError.self) { try FileSystem.removeTree(tree) }
        #expect(FileSystem.exists("\(outside)/precious"))
        try Mounts.unmount(mnt)

        try FileSystem.removeTree(tree)
        #expect(!FileSystem.exists(tree))
        #expect(try FileSystem.readFile("\(outside)/precious") == [1])
        try FileSystem.removeTree("\(sb)/does-not-exist")

        // The top itself being a mount point is refused.
        try FileSystem.mkdirAll(tree)
        #expect(mount("tmpfs", tree, "tmpfs", 0, "size=1m") == 0)
        defer { try? Mounts.unmount(tree, detach: true) }
        #expect(throws: HoistError.self) { try FileSystem.removeTree(tree) }
    }

    @Test func atomicWriteReplaces() throws {
        let sb = try FileSystem.makeTempDir(in: "/tmp", prefix: "hoist-h2-aw-")
        defer { try? FileSystem.removeTree(sb) }
        try FileSystem.atomicWrite("\(sb)/f", Array("one".utf8))
        try FileSystem.atomicWrite("\(sb)/f", Array("two".utf8), mode: 0o600)
        #expect(try FileSystem.readFile("\(sb)/f") == Array("two".utf8))
        #expect((lstatOf("\(sb)/f")?.st_mode ?? 0) & 0o777 == 0o600)
        #expect(try FileSystem.listDirectory(sb) == ["f"])
    }

    /// The busybox rootfs from scripts/make-busybox-rootfs.sh, imported and run with chroot
    /// in its overlay: the whole path a container takes, minus the runtime.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/busybox")))
    func busyboxImageRuns() throws {
        let f = try StoreFixture()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/make-busybox-rootfs.sh").path
        let tar = "\(f.root)/busybox.tar"
        #expect(try shell("'\(script)' '\(tar)'") == 0)
        let img = try f.images.importRootfs(tarPath: tar, defaults: ContainerDefaults(Cmd: ["sh"]), comment: nil,
                                           reference: try Reference(parsing: "busybox"))
        #expect(img.config.rootfs.diff_ids[0].hex == (try sha256Hex(tar)))
        let c = try containerLayer(f, "bb")
        try Mounts.overlay(lowerDirs: f.images.lowerDirs(of: f.images.resolve("busybox")), upperDir: "\(c)/upper",
                           workDir: "\(c)/work", target: "\(c)/rootfs")
        defer { try? Mounts.unmount("\(c)/rootfs", detach: true) }
        #expect(try shell("chroot '\(c)/rootfs' /bin/sh -c 'echo hi > /tmp/out && ls /bin/ls >/dev/null && id -un | grep -qx root'") == 0)
        #expect(try FileSystem.readFile("\(c)/upper/tmp/out") == Array("hi\n".utf8))
        let tmp = lstatOf("\(c)/rootfs/tmp")
        #expect(tmp.map { $0.st_mode & 0o7777 } == 0o1777)
    }
}
