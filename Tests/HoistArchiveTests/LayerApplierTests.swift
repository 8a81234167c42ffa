#if canImport(Glibc)
import Glibc
#endif
import Testing
import HoistArchive
import HoistCore
import HoistSys

@Suite struct LayerApplierTests {
    /// A layer with one of each kind of entry.
    func makeRichLayer(_ path: String, compression: TarWriter.Compression = .none) throws {
        let t = try TarWriter(path: path, compression: compression)
        try t.addDirectory("./", .init(mode: 0o755))
        try t.addDirectory("bin", .init(mode: 0o755, mtime: 1_000_000))
        try t.addFile("bin/busybox", Array("#!fake".utf8), .init(mode: 0o4755, uid: 0, gid: 0, mtime: 1_234_567))
        try t.addSymlink("bin/sh", target: "/bin/busybox")
        try t.addSymlink("bin/rel", target: "busybox")
        try t.addHardlink("bin/ls", target: "bin/busybox")
        try t.addDirectory("home/user", .init(mode: 0o700, uid: 1000, gid: 1001, mtime: 2_000_000))
        try t.addFile("home/user/.profile", Array("x=1\n".utf8), .init(mode: 0o600, uid: 1000, gid: 1001,
                                                                         xattrs: ["user.note": Array("hi".utf8)]))
        try t.addCharDevice("dev/null", major: 1, minor: 3)
        try t.addFIFO("run/fifo")
        try t.addFile("tmp/ünïcode-名前.txt", Array("u".utf8))
        try t.addDirectory("tmp", .init(mode: 0o1777, mtime: 3_000_000))
        try t.finish()
    }

    @Test func appliesEveryEntryKind() throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/layer.tar"
        try makeRichLayer(tar)
        let root = try sb.dir("root")
        let size = try LayerApplier.apply(tarPath: tar, to: root)
        #expect(size == Int64("#!fake".utf8.count + "x=1\n".utf8.count + 1))

        let bb = try #require(lstatOf("\(root)/bin/busybox"))
        #expect(bb.st_mode & 0o7777 == 0o4755)
        #expect(bb.st_mtim.tv_sec == 1_234_567)
        #expect(bb.st_nlink == 2)
        let ls = try #require(lstatOf("\(root)/bin/ls"))
        #expect(ls.st_ino == bb.st_ino)
        #expect(readLink("\(root)/bin/sh") == "/bin/busybox")
        #expect(readLink("\(root)/bin/rel") == "busybox")
        let home = try #require(lstatOf("\(root)/home/user"))
        #expect(home.st_uid == 1000 && home.st_gid == 1001 && home.st_mode & 0o7777 == 0o700)
        #expect(home.st_mtim.tv_sec == 2_000_000)
        #expect(FileSystem.getXattr("\(root)/home/user/.profile", name: "user.note") == Array("hi".utf8))
        let null = try #require(lstatOf("\(root)/dev/null"))
        #expect(null.st_mode & S_IFMT == S_IFCHR && null.st_rdev == (1 << 8 | 3))
        #expect(try #require(lstatOf("\(root)/run/fifo")).st_mode & S_IFMT == S_IFIFO)
        #expect(FileSystem.exists("\(root)/tmp/ünïcode-名前.txt"))
        let tmp = try #require(lstatOf("\(root)/tmp"))
        #expect(tmp.st_mode & 0o7777 == 0o1777 && tmp.st_mtim.tv_sec == 3_000_000)
        #expect(try FileSystem.readFile("\(root)/bin/busybox") == Array("#!fake".utf8))
    }

    @Test(arguments: [TarWriter.Compression.none, .gzip, .zstd, .xz, .bzip2])
    func detectsCompression(_ c: TarWriter.Compression) throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/layer"
        try makeRichLayer(tar, compression: c)
        let root = try sb.dir("root")
        _ = try LayerApplier.apply(tarPath: tar, to: root)
        #expect(readLink("\(root)/bin/sh") == "/bin/busybox")
        #expect(try FileSystem.readFile("\(root)/home/user/.profile") == Array("x=1\n".utf8))
    }

    @Test func whiteoutsAndOpaqueDirectories() throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/layer.tar"
        let t = try TarWriter(path: tar)
        try t.addDirectory("etc")
        try t.addFile("etc/.wh.motd", [], .init(mode: 0o644, uid: 7, gid: 8))
        try t.addFile("var/lib/.wh..wh..opq", [])
        try t.addFile("var/lib/new", Array("n".utf8))
        try t.addFile(".wh..wh.plnk", [])
        try t.addFile("opt/.wh.gone-dir", [])
        // A layer must not set overlay attributes itself.
        try t.addFile("sneaky", [], .init(mode: 0o644, xattrs: ["trusted.overlay.redirect": Array("/etc".utf8),
                                                                "user.keep": Array("1".utf8)]))
        try t.finish()
        let root = try sb.dir("root")
        // Something already at a whited-out name in this dir is replaced by the whiteout.
        try FileSystem.mkdirAll("\(root)/opt/gone-dir/sub")
        _ = try LayerApplier.apply(tarPath: tar, to: root)

        let wh = try #require(lstatOf("\(root)/etc/motd"))
        #expect(wh.st_mode & S_IFMT == S_IFCHR && wh.st_rdev == 0)
        #expect(wh.st_uid == 7 && wh.st_gid == 8)
        #expect(!FileSystem.exists("\(root)/etc/.wh.motd"))
        #expect(FileSystem.getXattr("\(root)/var/lib", name: "trusted.overlay.opaque") == Array("y".utf8))
        #expect(!FileSystem.exists("\(root)/var/lib/.wh..wh..opq"))
        #expect(FileSystem.exists("\(root)/var/lib/new"))
        #expect(!FileSystem.exists("\(root)/.wh..wh.plnk"))
        let gone = try #require(lstatOf("\(root)/opt/gone-dir"))
        #expect(gone.st_mode & S_IFMT == S_IFCHR)
        #expect(FileSystem.getXattr("\(root)/sneaky", name: "trusted.overlay.redirect") == nil)
        #expect(FileSystem.getXattr("\(root)/sneaky", name: "user.keep") == Array("1".utf8))
    }

    /// Each unsafe layer: refused as a whole with `.invalidArgument`, nothing written
    /// outside the root (the sentinel dir beside it stays empty), and the root removable.
    struct Unsafe: Sendable, CustomStringConvertible {
        var description: String
        var message: String
        var build: @Sendable (TarWriter, _ sentinel: String) throws -> Void
    }

    static let unsafeLayers: [Unsafe] = [
        Unsafe(description: "dotdot", message: "path \"../escape\" escapes the root") { t, _ in
            try t.addFile("ok", [1])
            try t.addFile("../escape", [1])
        },
        Unsafe(description: "dotdot to sentinel", message: "escapes the root") { t, _ in
            try t.addFile("a/../../sentinel/pwned", [1])
        },
        Unsafe(description: "absolute dotdot", message: "path \"/abs/../../x\" escapes the root") { t, _ in
            try t.addFile("/abs/../../x", [1])
        },
        Unsafe(description: "absolute", message: "path \"/etc/x\" is absolute") { t, _ in
            try t.addFile("/etc/x", [1])
        },
        Unsafe(description: "symlink to / then through it", message: "goes through the symlink \"link\"") { t, s in
            try t.addSymlink("link", target: "/")
            try t.addFile("link" + s + "/pwned", [1])
        },
        Unsafe(description: "symlink to sentinel then through it", message: "goes through the symlink \"d/link\"") { t, s in
            try t.addDirectory("d")
            try t.addSymlink("d/link", target: s)
            try t.addFile("d/link/pwned", [1])
        },
        Unsafe(description: "relative symlink out then through it", message: "goes through the symlink") { t, _ in
            try t.addSymlink("up", target: "../sentinel")
            try t.addDirectory("up/newdir")
        },
        Unsafe(description: "hardlink out", message: "hardlink \"h\" to \"../../etc/shadow\" escapes the root") { t, _ in
            try t.addHardlink("h", target: "../../etc/shadow")
        },
        Unsafe(description: "hardlink absolute", message: "escapes the root") { t, _ in
            try t.addHardlink("h", target: "/etc/shadow")
        },
        Unsafe(description: "hardlink through symlink", message: "goes through the symlink \"l\"") { t, s in
            try t.addSymlink("l", target: s)
            try t.addHardlink("h", target: "l/file")
        },
        Unsafe(description: "whiteout through symlink", message: "goes through the symlink \"l\"") { t, s in
            try t.addSymlink("l", target: s)
            try t.addFile("l/.wh.file", [])
        },
        Unsafe(description: "opaque through symlink", message: "goes through the symlink \"l\"") { t, s in
            try t.addSymlink("l", target: s)
            try t.addFile("l/.wh..wh..opq", [])
        },
        Unsafe(description: "whiteout dotdot", message: "escapes the root") { t, _ in
            try t.addFile("../.wh.sentinel", [])
        },
    ]

    @Test(arguments: unsafeLayers)
    func refusesUnsafeLayer(_ u: Unsafe) throws {
        let sb = try Sandbox()
        let sentinel = try sb.dir("sentinel")
        try FileSystem.atomicWrite("\(sentinel)/file", Array("keep".utf8))
        let tar = "\(sb.path)/layer.tar"
        let t = try TarWriter(path: tar)
        try u.build(t, sentinel)
        try t.finish()
        let root = try sb.dir("root")

        let error = #expect(throws: HoistError.self) { try LayerApplier.apply(tarPath: tar, to: root) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix("invalid layer: ") == true)
        #expect(error?.message.contains(u.message) == true, "\(error?.message ?? "")")
        #expect(try FileSystem.listDirectory(sentinel) == ["file"])
        #expect(try FileSystem.readFile("\(sentinel)/file") == Array("keep".utf8))
        #expect(try FileSystem.listDirectory(sb.path).sorted() == ["layer.tar", "root", "sentinel"])
        // The caller's pattern: remove the partial root; the sentinel survives.
        try FileSystem.removeTree(root)
        #expect(!FileSystem.exists(root))
        #expect(try FileSystem.listDirectory(sentinel) == ["file"])
    }

    @Test func refusesNonTarInput() throws {
        let sb = try Sandbox()
        let root = try sb.dir("root")
        let text = try sb.write("notes.txt", Array(String(repeating: "hello, this is not a tar\n", count: 100).utf8))
        let e1 = #expect(throws: HoistError.self) { try LayerApplier.apply(tarPath: text, to: root) }
        #expect(e1?.code == .invalidArgument)
        #expect(e1?.message.hasPrefix("invalid tar archive") == true, "\(e1?.message ?? "")")

        // Compressed, but not a tar inside.
        let gz = "\(sb.path)/notes.gz"
        #expect(try shell("gzip -c '\(text)' > '\(gz)'") == 0)
        let e2 = #expect(throws: HoistError.self) { try LayerApplier.apply(tarPath: gz, to: root) }
        #expect(e2?.message.hasPrefix("invalid tar archive") == true, "\(e2?.message ?? "")")
        #expect(try FileSystem.listDirectory(root).isEmpty)

        let missing = #expect(throws: HoistError.self) { try LayerApplier.apply(tarPath: "\(sb.path)/nope", to: root) }
        #expect(missing?.code == .notFound)
    }

    @Test func refusesTruncatedTar() throws {
        let sb = try Sandbox()
        let tar = "\(sb.path)/layer.tar"
        let t = try TarWriter(path: tar)
        try t.addFile("big", [UInt8](repeating: 7, count: 100_000))
        try t.finish()
        let bytes = try FileSystem.readFile(tar)
        let cut = try sb.write("cut.tar", Array(bytes.prefix(50_000)))
        let root = try sb.dir("root")
        let e = #expect(throws: HoistError.self) { try LayerApplier.apply(tarPath: cut, to: root) }
        #expect(e?.code == .invalidArgument)
    }
}
