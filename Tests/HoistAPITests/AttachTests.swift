#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistEngine
import Testing

/// A fake attached process: echoes stdin to stdout, ends its output when stdin closes
/// (as `cat` would), records what the API layer did.
final class EchoSession: Sendable {
    let stdin = Box<[UInt8]>([])
    let stdinClosed = Box(0)
    let detached = Box(0)
    let output: AsyncStream<OutputChunk>
    let continuation: AsyncStream<OutputChunk>.Continuation

    init() {
        (output, continuation) = AsyncStream<OutputChunk>.makeStream()
    }

    func session(tty: Bool) -> AttachSession {
        AttachSession(tty: tty, output: output, writeStdin: { bytes in
            self.stdin.update { $0 += bytes }
            self.continuation.yield(OutputChunk(stream: 1, bytes: Array("echo:".utf8) + bytes))
        }, closeStdin: {
            self.stdinClosed.update { $0 += 1 }
            self.continuation.finish()
        }, detach: {
            self.detached.update { $0 += 1 }
            self.continuation.finish()
        })
    }
}

private let upgradeHeaders = [("Connection", "Upgrade"), ("Upgrade", "tcp"), ("Content-Type", "text/plain")]

@Suite struct AttachTests {
    /// The docker CLI's sequence: upgrade, 101, stdin (here already in the request's packet),
    /// output framed, then the CLI half-closes at stdin EOF and reads to the end.
    @Test func hijackRelaysBothWaysAndHalfCloseClosesStdin() async throws {
        let echo = EchoSession()
        var hooks = FakeBackend.Hooks()
        hooks.attach = { _, _ in echo.session(tty: false) }
        try await TestServer.with(hooks) { t in
            let client = try t.client(timeout: 5)
            let head = try await onThread { () -> HTTPResponse in
                try client.send(RawClient.requestText("POST", "/v1.41/containers/web/attach?stream=1&stdin=1&stdout=1&stderr=1", headers: upgradeHeaders) + "hello\n")
                return try client.readHead()
            }
            #expect(head.status == 101)
            #expect(head.reason == "UPGRADED")
            #expect(head.header("Content-Type") == "application/vnd.docker.raw-stream")
            #expect(head.header("Connection") == "Upgrade")
            #expect(head.header("Upgrade") == "tcp")
            #expect(head.header("Api-Version") == "1.41")
            #expect(head.header("Transfer-Encoding") == nil)
            #expect(head.header("Content-Length") == nil)

            let (first, second, rest) = try await onThread { () -> ([UInt8], [UInt8], [UInt8]) in
                let first = try client.readExactly(8 + 11)
                try client.send("world\n")
                let second = try client.readExactly(8 + 11)
                client.shutdownWrite()
                return (first, second, try client.readToEOF())
            }
            #expect(first == [1, 0, 0, 0, 0, 0, 0, 11] + Array("echo:hello\n".utf8))
            #expect(second == [1, 0, 0, 0, 0, 0, 0, 11] + Array("echo:world\n".utf8))
            #expect(rest.isEmpty)
            #expect(echo.stdin.get == Array("hello\nworld\n".utf8))
            #expect(echo.stdinClosed.get == 1)
            #expect(echo.detached.get == 0)
            #expect(t.backend.calls == ["attach web stdin=true stdout=true stderr=true logs=false stream=true"])
        }
    }

    @Test func ttyOutputIsRaw() async throws {
        let echo = EchoSession()
        var hooks = FakeBackend.Hooks()
        hooks.attach = { _, _ in echo.session(tty: true) }
        try await TestServer.with(hooks) { t in
            let out = try await onThread { () -> [UInt8] in
                let c = try t.client(timeout: 5)
                try c.send(RawClient.requestText("POST", "/containers/tty1/attach?stream=1&stdin=1&stdout=1", headers: upgradeHeaders))
                let head = try c.readHead()
                guard head.status == 101 else { throw TestFailure("status \(head.status)") }
                try c.send("ls\r")
                let out = try c.readExactly(8)
                c.shutdownWrite()
                _ = try c.readToEOF()
                return out
            }
            #expect(out == Array("echo:ls\r".utf8))
        }
    }

    /// A client that vanishes detaches the session (the container keeps running).
    @Test func clientGoneDetaches() async throws {
        let echo = EchoSession()
        var hooks = FakeBackend.Hooks()
        hooks.attach = { _, _ in echo.session(tty: false) }
        try await TestServer.with(hooks) { t in
            try await onThread {
                let c = try t.client(timeout: 5)
                try c.send(RawClient.requestText("POST", "/containers/web/attach?stream=1&stdout=1&stderr=1", headers: upgradeHeaders))
                _ = try c.readHead()
            }
            #expect(await eventually { echo.detached.get == 1 })
            #expect(echo.stdinClosed.get == 0)
        }
    }

    @Test func errorsComeBeforeTheHijack() async throws {
        try await TestServer.with { t in
            let r = try await t.request("POST", "/containers/missing/attach?stream=1&stdout=1", headers: upgradeHeaders)
            #expect(r.status == 404)
            #expect(try r.json()["message"] as? String == "No such container: missing")
        }
    }

    /// Without `Upgrade`, moby answers 200 and hijacks anyway (output only).
    @Test func withoutUpgradeItIs200AndRaw() async throws {
        let echo = EchoSession()
        var hooks = FakeBackend.Hooks()
        hooks.attach = { _, _ in echo.session(tty: false) }
        try await TestServer.with(hooks) { t in
            let client = try t.client(timeout: 5)
            let head = try await onThread { () -> HTTPResponse in
                try client.send(RawClient.requestText("POST", "/containers/web/attach?stream=1&stdout=1"))
                return try client.readHead()
            }
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "application/vnd.docker.raw-stream")
            #expect(head.header("Transfer-Encoding") == nil)
            echo.continuation.yield(OutputChunk(stream: 2, bytes: Array("err\n".utf8)))
            echo.continuation.finish()
            let body = try await onThread { try client.readToEOF() }
            #expect(body == [2, 0, 0, 0, 0, 0, 0, 4] + Array("err\n".utf8))
        }
    }
}
