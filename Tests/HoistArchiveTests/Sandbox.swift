#if canImport(Glibc)
import Glibc
#endif
import HoistSys

/// A temporary directory under /tmp/hoist-h2-*, removed at the end of the test.
final class Sandbox {
    let path: String
    init() throws {
        path = try FileSystem.makeTempDir(in: "/tmp", prefix: "hoist-h2-archive-")
    }
    deinit { try? FileSystem.removeTree(path) }

    func dir(_ name: String) throws -> String {
        let p = "\(path)/\(name)"
        try FileSystem.mkdirAll(p)
        return p
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = "\(path)/\(name)"
        try FileSystem.atomicWrite(p, bytes)
        return p
    }
}

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

func readLink(_ path: String) -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink(path, &buf, buf.count - 1)
    guard n >= 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Every path below `root`, relative, sorted.
func tree(_ root: String) throws -> [String] {
    var out: [String] = []
    func walk(_ rel: String) throws {
        let full = rel.isEmpty ? root : "\(root)/\(rel)"
        for name in try FileSystem.listDirectory(full).sorted() {
            let r = rel.isEmpty ? name : "\(rel)/\(name)"
            out.append(r)
            if FileSystem.isDirectory("\(root)/\(r)") { try walk(r) }
        }
    }
    try walk("")
    return out
}

import Foundation

/// Runs a shell command line (test fixtures only); returns its exit status.
@discardableResult
func shell(_ command: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
