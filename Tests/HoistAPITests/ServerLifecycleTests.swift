#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistAPI
import HoistCore
import HoistEngine
import Logging
import Testing

private func makeServer(_ dir: String, _ backend: FakeBackend = FakeBackend()) -> APIServer {
    var logger = Logger(label: "hoist-api-test")
    logger.logLevel = .critical
    return APIServer(backend: backend, socketPath: dir + "/api.sock", tempDir: dir + "/tmp", logger: logger)
}

private func withDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = "/tmp/hoist-h3-test-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

@Suite struct ServerLifecycleTests {
    @Test func socketIsGroupOnlyAndRemovedAtShutdown() async throws {
        try await withDirectory { dir in
            let server = makeServer(dir)
            try await server.start()
            var st = stat()
            #expect(stat(dir + "/api.sock", &st) == 0)
            #expect(st.st_mode & 0o777 == 0o660)
            #expect((st.st_mode & S_IFMT) == S_IFSOCK)
            try await server.shutdown()
            try await server.waitUntilClosed()
            #expect(!FileManager.default.fileExists(atPath: dir + "/api.sock"))
        }
    }

    @Test func refusesASocketAnotherDaemonAnswersOn() async throws {
        try await withDirectory { dir in
            let first = makeServer(dir)
            try await first.start()
            let second = makeServer(dir)
            do {
                try await second.start()
                Issue.record("a second daemon took over the socket")
            } catch let e as HoistError {
                #expect(e.code == .conflict)
                #expect(e.message.contains("another daemon is already listening on \(dir)/api.sock"))
            }
            let ping = try await onThread { try RawClient(path: dir + "/api.sock").request("GET", "/_ping") }
            #expect(ping.status == 200)
            try await first.shutdown()
        }
    }

    @Test func replacesAStaleSocketButNotOtherFiles() async throws {
        try await withDirectory { dir in
            let path = dir + "/api.sock"
            // A socket file nobody listens on, as a crashed daemon leaves it.
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() { raw[i] = b }
            }
            let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            #expect(rc == 0)
            close(fd)
            let server = makeServer(dir)
            try await server.start()
            let ping = try await onThread { try RawClient(path: path).request("GET", "/_ping") }
            #expect(ping.status == 200)
            try await server.shutdown()

            try Data("not a socket".utf8).write(to: URL(fileURLWithPath: path))
            await #expect(throws: HoistError.self) { try await makeServer(dir).start() }
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    /// Shutdown ends long-lived streams (follow logs, attach) instead of waiting on them.
    @Test func shutdownEndsOpenStreams() async throws {
        try await withDirectory { dir in
            let echo = EchoSession()
            var hooks = FakeBackend.Hooks()
            hooks.attach = { _, _ in echo.session(tty: false) }
            hooks.logs = { _, _ in (false, AsyncThrowingStream { _ in }) }
            let server = makeServer(dir, FakeBackend(hooks))
            try await server.start()
            let path = dir + "/api.sock"
            let clients = try await onThread { () -> (RawClient, RawClient) in
                let logs = try RawClient(path: path, timeoutSeconds: 5)
                _ = try logs.send(RawClient.requestText("GET", "/containers/web/logs?stdout=1&follow=1"))
                _ = try logs.readHead()
                let attach = try RawClient(path: path, timeoutSeconds: 5)
                try attach.send(RawClient.requestText("POST", "/containers/web/attach?stream=1&stdout=1", headers: [("Connection", "Upgrade"), ("Upgrade", "tcp")]))
                _ = try attach.readHead()
                return (logs, attach)
            }
            let started = Date()
            try await server.shutdown()
            try await server.waitUntilClosed()
            #expect(Date().timeIntervalSince(started) < 3)
            let ended = try await onThread { () -> Bool in
                _ = try? clients.0.readToEOF()
                _ = try? clients.1.readToEOF()
                return true
            }
            #expect(ended)
            #expect(await eventually { echo.detached.get == 1 })
        }
    }
}
