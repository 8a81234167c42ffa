import HoistAPIModels
import HoistCore
import HoistDistribution
import HoistEngine
import NIOCore

/// Registry operations: pull (`POST /images/create?fromImage=`), push, `POST /auth`.
public protocol DistributionBackend: Sendable {
    /// Returns the closing status line; progress goes to `progress` meanwhile.
    func pullImage(fromImage: String, tag: String?, platform: String?, credentials: RegistryCredentials?, progress: @escaping ProgressSink) async throws -> String
    func pushImage(name: String, tag: String?, credentials: RegistryCredentials?, progress: @escaping ProgressSink) async throws -> String
    func checkAuth(_ credentials: RegistryCredentials) async throws -> String
}

extension Engine: DistributionBackend {}

struct DistributionRouter: Sendable {
    let backend: any DistributionBackend

    var routes: [Route] {
        [
            Route(.POST, "/images/{name*}/push", push),
            Route(.POST, "/auth", auth),
        ]
    }

    /// `{"Status":"Login Succeeded","IdentityToken":""}`, or 401 with the registry's answer.
    private func auth(_ x: Exchange) async throws {
        let credentials = try await x.decodeJSONBody(RegistryCredentials.self)
        struct Answer: Encodable { var Status: String; var IdentityToken: String }
        let status = try await backend.checkAuth(credentials)
        try await x.respondJSON(Answer(Status: status, IdentityToken: ""))
    }

    private func push(_ x: Exchange) async throws {
        let credentials = RegistryCredentials.fromHeader(x.head.headers.first(name: "X-Registry-Auth"))
        let name = x.parameter("name")
        let tag = x.query.nonEmpty("tag")
        let backend = self.backend
        try await Self.relay(x) { progress in
            try await backend.pushImage(name: name, tag: tag, credentials: credentials, progress: progress)
        }
    }

    /// Runs a registry operation in its own task and relays its progress as Docker's JSON
    /// message stream. An error before the first message is a plain HTTP error (as moby's:
    /// an unknown manifest is a 404), after it an `errorDetail` message.
    static func relay(_ x: Exchange, _ operation: @escaping @Sendable (@escaping ProgressSink) async throws -> String) async throws {
        enum Event: Sendable { case progress(ProgressMessage), done(String), failed(any Error) }
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let task = Task {
            do {
                let status = try await operation { continuation.yield(.progress($0)) }
                continuation.yield(.done(status))
            } catch {
                continuation.yield(.failed(error))
            }
            continuation.finish()
        }
        let messages = JSONMessageStream(x)
        do {
            for await event in events {
                switch event {
                case .progress(let p): try await messages.send(ProgressJSON(p))
                case .done(let status): if !status.isEmpty { try await messages.status(status) }
                case .failed(let error): try await messages.fail(error)
                }
            }
        } catch {
            // The client went away: stop the transfer (what it verified stays for next time).
            task.cancel()
            throw error
        }
        try await messages.end()
    }

    static func pull(_ x: Exchange, backend: any DistributionBackend, image: String) async throws {
        let credentials = RegistryCredentials.fromHeader(x.head.headers.first(name: "X-Registry-Auth"))
        let tag = x.query.nonEmpty("tag")
        let platform = x.query.nonEmpty("platform")
        if let platform { _ = try PullPlatform(parsing: platform) }  // a bad one is a 400, before any stream
        try await relay(x) { progress in
            try await backend.pullImage(fromImage: image, tag: tag, platform: platform, credentials: credentials, progress: progress)
        }
    }
}

/// A progress line as moby's JSONMessage encodes it.
struct ProgressJSON: Encodable {
    struct Detail: Encodable { var current: Int64?; var total: Int64? }
    var status: String
    var progressDetail: Detail?
    var progress: String?
    var id: String?

    init(_ m: ProgressMessage) {
        status = m.status
        id = m.id
        if m.layerLine || m.current != nil {
            progressDetail = Detail(current: m.current, total: m.total)
        }
        if let c = m.current, let t = m.total, t > 0 {
            progress = ProgressJSON.bar(current: c, total: t)
        }
    }

    /// moby's JSONProgress.String() at its default width: `[==>     ]  1.2MB/3.4MB`.
    static func bar(current: Int64, total: Int64) -> String {
        let pct = min(50, Int(Double(current) / Double(total) * 100) / 2)
        let box = "[" + String(repeating: "=", count: pct) + ">" + String(repeating: " ", count: max(0, 50 - pct)) + "] "
        let numbers = "\(HumanUnits.size(current))/\(HumanUnits.size(total))"
        return box + String(repeating: " ", count: max(0, 8 - HumanUnits.size(current).count)) + numbers
    }
}
