#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistAPI
import Logging

/// A real APIServer on a temporary unix socket, with a fake backend.
struct TestServer: Sendable {
    let directory: String
    let socketPath: String
    let tempDir: String
    let backend: FakeBackend
    let server: APIServer

    static func with<T: Sendable>(_ hooks: FakeBackend.Hooks = .init(), _ body: @Sendable (TestServer) async throws -> T) async throws -> T {
        let directory = "/tmp/hoist-h3-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backend = FakeBackend(hooks)
        var logger = Logger(label: "hoist-api-test")
        logger.logLevel = .warning
        let server = APIServer(backend: backend, socketPath: directory + "/api.sock", tempDir: directory + "/tmp", logger: logger)
        try await server.start()
        let t = TestServer(directory: directory, socketPath: directory + "/api.sock", tempDir: directory + "/tmp", backend: backend, server: server)
        do {
            let result = try await body(t)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    func client(timeout: Int = 10) throws -> RawClient { try RawClient(path: socketPath, timeoutSeconds: timeout) }

    /// One request on a fresh connection.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> HTTPResponse {
        let socketPath = self.socketPath
        return try await onThread {
            try RawClient(path: socketPath).request(method, path, headers: headers, body: body)
        }
    }

    /// Files left in the upload directory.
    func tempFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: tempDir)) ?? []
    }
}

/// Polls `condition` for up to `seconds`.
func eventually(_ seconds: Double = 5, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return condition()
}
