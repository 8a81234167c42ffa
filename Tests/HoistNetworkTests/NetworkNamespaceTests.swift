#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import HoistNetwork

/// The namespace made ahead of need is the one a sandbox gets, published at its path with
/// loopback up; the sandbox's teardown leaves nothing mounted. Needs root (we are).
@Suite(.serialized) struct NetworkNamespaceTests {
    @Test(.enabled(if: getuid() == 0))
    func sandboxGetsTheSpareNamespace() async throws {
        NetworkNamespace.prepareSpare()
        var spare: UInt64?
        for _ in 0..<200 where spare == nil {
            try await Task.sleep(nanoseconds: 10_000_000)
            spare = NetworkNamespace.spareInode
        }
        let inode = try #require(spare)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-spare-ns-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/ns"
        try Sandbox.publish(path: path)
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(UInt64(st.st_ino) == inode)
        #expect(try Self.output("/usr/bin/nsenter", ["--net=" + path, "ip", "-o", "link", "show", "lo"]).contains("UP"))

        Sandbox.destroy(path: path, hostVeths: [])
        #expect(!FileManager.default.fileExists(atPath: path))
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(dir))
    }

    static func output(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
