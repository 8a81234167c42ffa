import Foundation
import HoistAPIModels
import HoistBuild
import HoistCore
import HoistDistribution
import HoistEngine
import HoistOCI
import NIOCore

/// What the build routes need from the domain.
public protocol BuildBackend: Sendable {
    func build(contextTar: String, options: BuildOptions, emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> String
    func pruneBuildCache(all: Bool, filters: [String: [String]], keepStorage: Int64) async throws -> (deleted: [String], reclaimed: Int64)
}

extension Engine: BuildBackend {}

/// `POST /build` (classic builder: context tar in, JSON message stream out) and
/// `POST /build/prune`.
struct BuildRouter: Sendable {
    let backend: any BuildBackend
    let tempDir: String

    var routes: [Route] {
        [
            Route(.POST, "/build", build),
            Route(.POST, "/build/prune", prune),
        ]
    }

    static func options(_ q: QueryParameters) throws -> BuildOptions {
        var o = BuildOptions(dockerfile: q.nonEmpty("dockerfile"))
        for t in q.all("t") where !t.isEmpty {
            do { o.tags.append(try Reference(parsing: t)) } catch {
                throw HoistError.invalid("invalid reference format: \(t)")
            }
        }
        if let json = q.nonEmpty("buildargs") {
            guard let args = try? JSONDecoder().decode([String: String?].self, from: Data(json.utf8)) else {
                throw HoistError.invalid("invalid buildargs: \(json)")
            }
            o.buildArgs = args
        }
        if let json = q.nonEmpty("labels") {
            guard let labels = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else {
                throw HoistError.invalid("invalid labels: \(json)")
            }
            o.labels = labels
        }
        o.target = q.nonEmpty("target")
        o.noCache = q.bool("nocache")
        if let n = q.nonEmpty("networkmode"), n != "default" { o.networkMode = n }
        o.pull = q.bool("pull")
        // moby: `forcerm`, or no `rm` at all, means remove; else `rm` says (docker-py sends rm=False).
        o.removeIntermediate = q.bool("forcerm") || !q.has("rm") || q.bool("rm")
        return o
    }

    private struct StreamMessage: Encodable { var stream: String }
    private struct AuxMessage: Encodable {
        struct ID: Encodable { var ID: String }
        var aux: ID
    }
    private struct ErrorMessage: Encodable {
        struct Detail: Encodable { var code: Int; var message: String }
        var errorDetail: Detail
        var error: String
    }

    private func build(_ x: Exchange) async throws {
        var options = try Self.options(x.query)
        options.registryConfig = x.head.headers.first(name: "X-Registry-Config")
        let quiet = x.query.bool("q")
        let upload = try await UploadFile.receive(x, directory: tempDir, prefix: "build")
        defer { upload.remove() }

        // The build runs in its own task; its output comes back here, where the response is.
        let (events, sink) = AsyncStream<BuildEvent>.makeStream(bufferingPolicy: .unbounded)
        let backend = self.backend
        let path = upload.path
        let task = Task { () -> Result<String, any Error> in
            defer { sink.finish() }
            do {
                return .success(try await backend.build(contextTar: path, options: options) { sink.yield($0) })
            } catch {
                return .failure(error)
            }
        }
        var stream: ResponseStream?
        var clientGone = false
        func send<T: Encodable>(_ message: T) async {
            guard !clientGone else { return }
            do {
                if stream == nil { stream = try await x.startStream(contentType: "application/json") }
                var line = try APIJSON.encode(message)
                line.moveWriterIndex(to: line.writerIndex - 1)  // Go's "\n" → "\r\n"
                line.writeString("\r\n")
                try await stream?.write(line)
            } catch {
                clientGone = true
            }
        }
        for await event in events {
            switch event {
            case .stream(let text): if !quiet { await send(StreamMessage(stream: text)) }
            case .imageID(let id): await send(AuxMessage(aux: .init(ID: id)))
            case .progress(let p):
                if !quiet {
                    await send(ProgressJSON(ProgressMessage(id: p.id, status: p.status, current: p.current, total: p.total,
                                                            layerLine: p.layerLine)))
                }
            }
        }
        switch await task.value {
        case .success(let id):
            if quiet { await send(StreamMessage(stream: id + "\n")) }
        case .failure(let error):
            let message: String
            var code = 1
            if let f = error as? BuildFailure {
                message = f.message
                code = f.code
            } else {
                // Nothing sent yet: a plain HTTP error, as moby answers before any output.
                if stream == nil { throw error }
                message = ErrorMapping.hoistError(error).message
            }
            await send(ErrorMessage(errorDetail: .init(code: code, message: message), error: message))
        }
        if stream == nil { stream = try await x.startStream(contentType: "application/json") }
        try await x.endStream()
    }

    private struct PruneResponse: Encodable {
        var CachesDeleted: [String]
        var SpaceReclaimed: Int64
    }

    private func prune(_ x: Exchange) async throws {
        let q = x.query
        // API 1.48 renamed keep-storage to reserved-space.
        let keepRaw = q.nonEmpty("keep-storage") ?? q.nonEmpty("reserved-space") ?? "0"
        guard let keep = Int64(keepRaw), keep >= 0 else { throw HoistError.invalid("invalid keep-storage value: \(keepRaw)") }
        let (deleted, reclaimed) = try await backend.pruneBuildCache(all: q.bool("all"), filters: try q.filters(), keepStorage: keep)
        try await x.respondJSON(PruneResponse(CachesDeleted: deleted, SpaceReclaimed: reclaimed))
    }
}
