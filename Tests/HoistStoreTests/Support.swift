#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistArchive
import HoistSys
@testable import HoistStore

/// A data root under /tmp/hoist-h2-store-*, with its stores; removed at the end.
final class StoreFixture {
    let root: String
    let metadata: Metadata
    let images: ImageStore

    init() throws {
        root = try FileSystem.makeTempDir(in: "/tmp", prefix: "hoist-h2-store-")
        metadata = try Metadata(path: root + "/hoist.db")
        images = try ImageStore(dataRoot: root, metadata: metadata)
    }

    deinit { try? FileSystem.removeTree(root) }

    /// A small rootfs tar: /bin/sh (a script), /etc/passwd, /etc/os-release, /tmp (1777).
    func rootfsTar(_ name: String = "rootfs.tar", extra: String = "",
                   compression: TarWriter.Compression = .none) throws -> String {
        let path = "\(root)/\(name)"
        let t = try TarWriter(path: path, compression: compression)
        try t.addDirectory("./")
        try t.addDirectory("bin")
        try t.addFile("bin/sh", Array("#!/bin/true\n".utf8), .init(mode: 0o755))
        try t.addDirectory("etc")
        try t.addFile("etc/passwd", Array("root:x:0:0:root:/root:/bin/sh\n".utf8))
        try t.addFile("etc/os-release", Array("NAME=test\(extra)\n".utf8))
        try t.addDirectory("tmp", .init(mode: 0o1777))
        try t.finish()
        return path
    }

    func files(_ sub: String) throws -> [String] {
        let p = "\(root)/\(sub)"
        return FileSystem.exists(p) ? try FileSystem.listDirectory(p).sorted() : []
    }

    func count(_ table: String) throws -> Int {
        try metadata.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }
}

import GRDB

@discardableResult
func shell(_ command: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

func sha256Hex(_ path: String) throws -> String {
    let out = "\(path).sha"
    try shell("sha256sum '\(path)' | cut -d' ' -f1 > '\(out)'")
    defer { unlink(out) }
    return String(decoding: try FileSystem.readFile(out), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

struct InjectedFailure: Error {}
