#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistEngine
import NIOCore

/// What `save` and `load` need from the domain.
public protocol SaveLoadBackend: Sendable {
    /// The path of a temporary tar (the caller removes it).
    func saveImages(_ names: [String]) async throws -> String
    /// The lines to report (`Loaded image: busybox:latest`).
    func loadImages(tarPath: String) async throws -> [String]
}

extension Engine: SaveLoadBackend {}

/// `GET /images/get?names=`, `GET /images/{name}/get`, `POST /images/load`.
struct SaveLoadRouter: Sendable {
    let backend: any SaveLoadBackend
    let tempDir: String

    var routes: [Route] {
        [
            Route(.GET, "/images/get", saveMany),
            Route(.GET, "/images/{name*}/get", saveOne),
            Route(.POST, "/images/load", load),
        ]
    }

    private func saveMany(_ x: Exchange) async throws {
        try await save(x, names: x.query.all("names").filter { !$0.isEmpty })
    }

    private func saveOne(_ x: Exchange) async throws {
        try await save(x, names: [x.parameter("name")])
    }

    private func save(_ x: Exchange, names: [String]) async throws {
        let tar = try await backend.saveImages(names)
        defer { _ = unlink(tar) }
        try await ArchiveRouter.streamFile(tar, x, contentType: "application/x-tar")
    }

    private struct StreamLine: Encodable { var stream: String }

    private func load(_ x: Exchange) async throws {
        let upload = try await UploadFile.receive(x, directory: tempDir, prefix: "load")
        let result: Result<[String], any Error>
        do { result = .success(try await backend.loadImages(tarPath: upload.path)) } catch { result = .failure(error) }
        upload.remove()
        let messages = JSONMessageStream(x)
        switch result {
        case .success(let lines): for l in lines { try await messages.send(StreamLine(stream: l + "\n")) }
        case .failure(let error): try await messages.fail(error)
        }
        try await messages.end()
    }
}
