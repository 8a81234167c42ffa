import NIOCore
import NIOHTTP1
import Synchronization

/// One client connection, owned by the task that serves it (requests are answered one at a
/// time, in order, which is also how HTTP/1.1 pipelining must be answered).
final class Connection {
    private var inbound: NIOAsyncChannelInboundStream<ServerInbound>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ServerOutbound>
    let channel: any Channel
    /// The client finished sending (half-close or EOF); no request can follow.
    private(set) var inputFinished = false

    init(inbound: NIOAsyncChannelInboundStream<ServerInbound>, outbound: NIOAsyncChannelOutboundWriter<ServerOutbound>, channel: any Channel) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.channel = channel
    }

    /// The next part from the client; nil once its input ended.
    func next() async throws -> ServerInbound? {
        if self.inputFinished { return nil }
        do {
            guard let part = try await self.inbound.next() else {
                self.inputFinished = true
                return nil
            }
            return part
        } catch {
            self.inputFinished = true
            throw error
        }
    }

    func write(_ part: ServerOutbound) async throws {
        try await self.outbound.write(part)
    }

    /// Waits until everything written so far reached the socket (before closing, so a close
    /// does not discard a slow client's pending output).
    func drain() async {
        try? await self.channel.writeAndFlush(ServerOutbound.drain).get()
    }

    /// Calls `body` once the connection is closed (client gone, or closed by us).
    func onClose(_ body: @escaping @Sendable () -> Void) {
        self.channel.closeFuture.whenComplete { _ in body() }
    }

    /// Runs `operation` unless the connection closes first; then returns nil and cancels it.
    /// The operation runs in its own task so a waiter that ignores cancellation cannot keep
    /// a dead connection's task alive.
    func untilClosed<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
        let race = OnceContinuation<T?>()
        let task = Task {
            do { race.resume(with: .success(try await operation())) } catch { race.resume(with: .failure(error)) }
        }
        self.onClose {
            task.cancel()
            race.resume(with: .success(nil))
        }
        return try await withTaskCancellationHandler {
            try await race.value()
        } onCancel: {
            task.cancel()
            race.resume(with: .failure(CancellationError()))
        }
    }
}

/// A result that several parties race to provide; the first wins.
final class OnceContinuation<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<T, any Error>)
        case done(Result<T, any Error>)
        case delivered
    }
    private let state = Mutex<State>(.empty)

    func resume(with result: Result<T, any Error>) {
        let waiter: CheckedContinuation<T, any Error>? = self.state.withLock { state in
            switch state {
            case .empty:
                state = .done(result)
                return nil
            case .waiting(let c):
                state = .delivered
                return c
            case .done, .delivered:
                return nil
            }
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let ready: Result<T, any Error>? = self.state.withLock { state in
                switch state {
                case .empty:
                    state = .waiting(c)
                    return nil
                case .done(let r):
                    state = .delivered
                    return r
                case .waiting, .delivered:
                    return .failure(CancellationError())
                }
            }
            if let ready { c.resume(with: ready) }
        }
    }
}
