import Foundation
import HoistCore
import Synchronization
import Testing

final class Box<T: Sendable>: Sendable {
    private let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
    var get: T { value.withLock { $0 } }
    func set(_ v: T) { value.withLock { $0 = v } }
    func update(_ f: (inout T) -> Void) { value.withLock { f(&$0) } }
}

private func pattern(_ range: Range<Int>) -> [UInt8] { range.map { UInt8($0 % 251) } }

private func chunked(_ bytes: [UInt8], size: Int = 65536) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        let n = min(size, bytes.count - i)
        out += Array("\(String(n, radix: 16))\r\n".utf8) + bytes[i..<(i + n)] + Array("\r\n".utf8)
        i += n
    }
    return out
}

@Suite struct ImportTests {
    static let total = 3 << 20
    static let importHead = RawClient.requestText("POST", "/v1.41/images/create?fromSrc=-&message=hello+world&repo=test%2Fimg%3Av1&tag=&changes=CMD+%5B%22sh%22%5D&changes=ENV+A%3Db",
                                                 headers: [("Transfer-Encoding", "chunked"), ("Content-Type", "application/x-tar")])

    /// The body goes to a file in tempDir while it arrives (a file of a megabyte or more
    /// exists before the upload ends), the backend gets the file, and the file is gone after.
    @Test func chunkedUploadStreamsToATempFile() async throws {
        let seen = Box<(path: String, size: Int, intact: Bool)?>(nil)
        var hooks = FakeBackend.Hooks()
        hooks.importImage = { path, _, _, _, _ in
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            seen.set((path, data.count, Array(data) == pattern(0..<ImportTests.total)))
            return "sha256:" + String(repeating: "5e", count: 32)
        }
        try await TestServer.with(hooks) { t in
            let client = try t.client()
            let body = pattern(0..<Self.total)
            try await onThread {
                try client.send(Self.importHead)
                try client.send(chunked(Array(body[0..<(2 << 20)])))
            }
            let tempDir = t.tempDir
            let streamed = await eventually {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: tempDir)) ?? []
                return files.contains { name in
                    let size = (try? FileManager.default.attributesOfItem(atPath: tempDir + "/" + name)[.size] as? Int) ?? 0
                    return size >= 1 << 20
                }
            }
            #expect(streamed, "no partial upload on disk before the body ended")
            #expect(seen.get == nil)
            let response = try await onThread { () -> HTTPResponse in
                try client.send(chunked(Array(body[(2 << 20)...]), size: 100_000) + Array("0\r\n\r\n".utf8))
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == "{\"status\":\"sha256:\(String(repeating: "5e", count: 32))\"}\r\n")
            let got = try #require(seen.get)
            #expect(got.size == Self.total)
            #expect(got.intact)
            #expect(got.path.hasPrefix(t.tempDir + "/"))
            #expect(t.tempFiles().isEmpty)
            #expect(t.backend.calls == [#"import repo=test/img:v1 tag=nil message=hello world changes=["CMD [\"sh\"]", "ENV A=b"]"#])
            // The connection is still usable.
            let ping = try await onThread { try client.request("GET", "/_ping") }
            #expect(ping.status == 200)
        }
    }

    @Test func failedImportIsAnErrorAndRemovesTheFile() async throws {
        var hooks = FakeBackend.Hooks()
        hooks.importImage = { path, _, _, _, _ in
            #expect(FileManager.default.fileExists(atPath: path))
            throw HoistError.invalid("not a tar archive")
        }
        try await TestServer.with(hooks) { t in
            let r = try await t.request("POST", "/images/create?fromSrc=-", body: Array("hello".utf8))
            #expect(r.status == 400)
            #expect(try r.json()["message"] as? String == "not a tar archive")
            #expect(t.tempFiles().isEmpty)
        }
    }

    @Test func abortedUploadLeavesNothing() async throws {
        try await TestServer.with { t in
            try await onThread {
                let c = try t.client()
                try c.send(Self.importHead)
                try c.send(chunked(pattern(0..<(1_500_000))))
                // The client goes away mid-body.
            }
            let tempDir = t.tempDir
            #expect(await eventually { ((try? FileManager.default.contentsOfDirectory(atPath: tempDir)) ?? []).isEmpty })
            #expect(t.backend.calls.isEmpty)
        }
    }

    @Test func expectContinueIsAnswered() async throws {
        try await TestServer.with { t in
            let r = try await onThread { () -> (String, HTTPResponse) in
                let c = try t.client()
                try c.send(RawClient.requestText("POST", "/images/create?fromSrc=-&repo=x", headers: [("Expect", "100-continue")], body: Array("tar".utf8)))
                let interim = try c.readLine()
                _ = try c.readLine()
                try c.send("tar")
                return (interim, try c.readResponse())
            }
            #expect(r.0 == "HTTP/1.1 100 Continue")
            #expect(r.1.status == 200)
        }
    }
}
