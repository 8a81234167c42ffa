#if canImport(Glibc)
import Glibc
#endif
import HoistAPIModels
import HoistCore
import HoistEngine
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The Docker Engine API on a unix socket. Each connection is served by its own task
/// (structured concurrency over NIO's async channels); the event loops only move bytes.
public final class APIServer: Sendable {
    static let serverHeader = "Hoist/\(APIVersion.hoistVersion) (linux)"

    private let socketPath: String
    private let tempDir: String
    private let logger: Logger
    private let router: Router

    private struct Running: Sendable {
        var channel: any Channel
        var task: Task<Void, any Error>
    }
    private enum State: Sendable { case idle, starting, running(Running), stopped(Task<Void, any Error>?) }
    private let state = Mutex(State.idle)

    /// `tempDir` holds request bodies streamed to disk (import tars).
    public convenience init(engine: Engine, socketPath: String, tempDir: String, logger: Logger) {
        self.init(backend: engine, socketPath: socketPath, tempDir: tempDir, logger: logger)
    }

    public init(backend: some APIBackend, socketPath: String, tempDir: String, logger: Logger) {
        self.socketPath = socketPath
        self.tempDir = tempDir
        self.logger = logger
        let routes = SystemRouter(backend: backend).routes
            + ImageRouter(backend: backend, tempDir: tempDir).routes
            + ContainerRouter(backend: backend).routes
            + ((backend as? any ExecBackend).map { ExecRouter(backend: $0).routes } ?? [])
            + ((backend as? any ContainerControlBackend).map { ControlRouter(backend: $0).routes } ?? [])
            + ((backend as? any CommitBackend).map { CommitRouter(backend: $0).routes } ?? [])
            + ((backend as? any ArchiveBackend).map { ArchiveRouter(backend: $0, tempDir: tempDir).routes } ?? [])
            + ((backend as? any PruneBackend).map { PruneRouter(backend: $0).routes } ?? [])
            + ((backend as? any NetworkBackend).map { NetworkRouter(backend: $0).routes } ?? [])
            + ((backend as? any BuildBackend).map { BuildRouter(backend: $0, tempDir: tempDir).routes } ?? [])
            + ((backend as? any DistributionBackend).map { DistributionRouter(backend: $0).routes } ?? [])
            + ((backend as? any VolumeBackend).map { VolumeRouter(backend: $0).routes } ?? [])
            + ((backend as? any SaveLoadBackend).map { SaveLoadRouter(backend: $0, tempDir: tempDir).routes } ?? [])
        self.router = Router(routes: routes, logger: logger)
    }

    /// Binds the socket (0660) and starts serving.
    public func start() async throws {
        let claimed = state.withLock { s -> Bool in
            guard case .idle = s else { return false }
            s = .starting
            return true
        }
        guard claimed else { throw HoistError.conflict("the API server was already started") }
        do {
            try await bindAndServe()
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
    }

    private func bindAndServe() async throws {
        try SocketFile.ensureDirectory(tempDir)
        try SocketFile.prepare(socketPath)
        let server: NIOAsyncChannel<NIOAsyncChannel<ServerInbound, ServerOutbound>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                // The docker CLI half-closes after stdin EOF and keeps reading the output.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture { try HTTPChannelSetup.configure(channel) }
                }
        } catch {
            throw HoistError(.internal, "cannot listen on \(socketPath): \(error)", cause: error)
        }
        do {
            try SocketFile.setMode(socketPath, 0o660)
        } catch {
            try? await server.channel.close()
            throw error
        }
        let router = self.router
        let logger = self.logger
        let task = Task {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await Self.serve(connection, router: router, logger: logger) }
                    }
                }
            }
        }
        state.withLock { $0 = .running(Running(channel: server.channel, task: task)) }
        logger.info("API listening on unix://\(socketPath)")
    }

    /// Returns when the server stopped (after `shutdown`, or when its socket failed).
    public func waitUntilClosed() async throws {
        let task: Task<Void, any Error>? = state.withLock {
            switch $0 {
            case .running(let r): return r.task
            case .stopped(let t): return t
            case .idle, .starting: return nil
            }
        }
        guard let task else { return }
        // A shutdown cancels the serving task: that is a normal end.
        if case .failure(let error) = await task.result, !(error is CancellationError) { throw error }
    }

    /// Stops accepting, ends open connections (streams, attaches) and waits for them.
    public func shutdown() async throws {
        let running: Running? = state.withLock { s in
            guard case .running(let r) = s else { return nil }
            s = .stopped(r.task)
            return r
        }
        guard let running else { return }
        try? await running.channel.close()
        running.task.cancel()
        _ = await running.task.result
        // Nothing answers on it any more; a client then sees "no such file", not a refusal.
        _ = unlink(socketPath)
    }

    private static func serve(_ channel: NIOAsyncChannel<ServerInbound, ServerOutbound>, router: Router, logger: Logger) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                let connection = Connection(inbound: inbound, outbound: outbound, channel: channel.channel)
                await requestLoop(connection, router: router, logger: logger)
            }
        } catch {
            logger.debug("connection ended: \(error)")
        }
    }

    private static func requestLoop(_ connection: Connection, router: Router, logger: Logger) async {
        while true {
            let part: ServerInbound?
            do {
                part = try await connection.next()
            } catch {
                // A request the HTTP parser rejected: answer once, then close.
                logger.debug("bad request: \(error)")
                try? await connection.outbound.write(contentsOf: badRequest())
                break
            }
            guard let part else { break }
            guard case .http(.head(let head)) = part else { continue }
            let exchange = Exchange(connection: connection, head: head)
            await router.dispatch(exchange)
            guard await exchange.finishRequest() else { break }
        }
        await connection.drain()
    }

    private static func badRequest() -> [ServerOutbound] {
        var headers = HTTPHeaders()
        let body = (try? APIJSON.encode(ErrorResponse(message: "malformed HTTP request"))) ?? ByteBuffer()
        headers.add(name: "Api-Version", value: APIVersion.current)
        headers.add(name: "Ostype", value: "linux")
        headers.add(name: "Server", value: serverHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        return [.http(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
                .http(.body(.byteBuffer(body))), .http(.end(nil))]
    }
}
