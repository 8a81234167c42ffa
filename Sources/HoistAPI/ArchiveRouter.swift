#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistAPIModels
import HoistCore
import HoistEngine
import NIOCore
import NIOPosix

/// What `cp` and `export` need from the domain.
public protocol ArchiveBackend: Sendable {
    func statContainerPath(_ idOrName: String, path: String) async throws -> ContainerPathStat
    func archiveContainerPath(_ idOrName: String, path: String) async throws -> (stat: ContainerPathStat, tarPath: String)
    func extractToContainer(_ idOrName: String, path: String, tarPath: String, noOverwriteDirNonDir: Bool, copyUIDGID: Bool) async throws
    func exportContainer(_ idOrName: String) async throws -> String
}

extension Engine: ArchiveBackend {}

/// `HEAD`/`GET`/`PUT /containers/{name}/archive` and `GET /containers/{name}/export`.
struct ArchiveRouter: Sendable {
    let backend: any ArchiveBackend
    let tempDir: String

    var routes: [Route] {
        [
            Route(.HEAD, "/containers/{name}/archive", stat),
            Route(.GET, "/containers/{name}/archive", get),
            Route(.PUT, "/containers/{name}/archive", put),
            Route(.GET, "/containers/{name}/export", export),
        ]
    }

    private func path(_ x: Exchange) throws -> String {
        guard let p = x.query.nonEmpty("path") else { throw HoistError.invalid("path cannot be empty") }
        return p
    }

    static func statHeader(_ stat: ContainerPathStat) throws -> (String, String) {
        let json = try JSONEncoder().encode(stat)
        return (ContainerPathStat.headerName, json.base64EncodedString())
    }

    private func stat(_ x: Exchange) async throws {
        let s = try await backend.statContainerPath(x.parameter("name"), path: try path(x))
        try await x.respond(status: .ok, extraHeaders: [try Self.statHeader(s)])
    }

    private func get(_ x: Exchange) async throws {
        let (s, tar) = try await backend.archiveContainerPath(x.parameter("name"), path: try path(x))
        defer { _ = unlink(tar) }
        try await Self.streamFile(tar, x, contentType: "application/x-tar", extraHeaders: [try Self.statHeader(s)])
    }

    /// moby reads `noOverwriteDirNonDir` and `copyUIDGID` as booleans (`1`, `true`).
    private func put(_ x: Exchange) async throws {
        let name = x.parameter("name"), p = try path(x)
        let upload = try await UploadFile.receive(x, directory: tempDir, prefix: "archive")
        defer { upload.remove() }
        try await backend.extractToContainer(name, path: p, tarPath: upload.path,
                                             noOverwriteDirNonDir: x.query.bool("noOverwriteDirNonDir"),
                                             copyUIDGID: x.query.bool("copyUIDGID"))
        try await x.respondEmpty(.ok)
    }

    private func export(_ x: Exchange) async throws {
        let tar = try await backend.exportContainer(x.parameter("name"))
        defer { _ = unlink(tar) }
        try await Self.streamFile(tar, x, contentType: "application/x-tar")
    }

    /// Streams a file as the response body, read 1 MB at a time on NIO's blocking pool.
    static func streamFile(_ path: String, _ x: Exchange, contentType: String, extraHeaders: [(String, String)] = []) async throws {
        let pool = NIOThreadPool.singleton
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HoistError.internal("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let stream = try await x.startStream(contentType: contentType, extraHeaders: extraHeaders)
        while true {
            let chunk: ByteBuffer = try await pool.runIfActive {
                var buf = ByteBuffer()
                _ = try buf.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 20) { ptr -> Int in
                    while true {
                        let n = read(fd, ptr.baseAddress, ptr.count)
                        if n >= 0 { return n }
                        if errno == EINTR { continue }
                        throw HoistError.internal("cannot read \(path): \(String(cString: strerror(errno)))")
                    }
                }
                return buf
            }
            if chunk.readableBytes == 0 { break }
            try await stream.write(chunk)
        }
        try await x.endStream()
    }
}
