import NIOCore
import Synchronization

/// A bounded byte queue between a producer task (reading log records) and the connection's
/// writer. The writer takes everything accumulated in one write, so records are batched
/// while the socket is busy (a 200 MB log is not 2 million tiny writes) and a lone record
/// still goes out at once. The producer waits while `limit` bytes are pending, so a slow
/// client slows the reading instead of growing memory.
final class BytePipe: Sendable {
    private struct State {
        var buffer = ByteBuffer()
        var finished = false
        var failure: (any Error)?
        /// The consumer is gone: the producer should stop.
        var closed = false
        var consumer: CheckedContinuation<Void, Never>?
        var producer: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int = 1 << 20) {
        self.limit = limit
    }

    /// Appends bytes through `body`; returns false once the consumer is gone.
    func append(_ body: (inout ByteBuffer) -> Void) async -> Bool {
        let (accepted, wake, mustWait): (Bool, CheckedContinuation<Void, Never>?, Bool) = state.withLock { s in
            guard !s.closed else { return (false, nil, false) }
            body(&s.buffer)
            let wake = s.consumer
            s.consumer = nil
            return (true, wake, s.buffer.readableBytes >= limit)
        }
        wake?.resume()
        guard accepted else { return false }
        if mustWait { await waitForRoom() }
        return !state.withLock { $0.closed }
    }

    private func waitForRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if s.closed || s.buffer.readableBytes < limit { return true }
                    s.producer = c
                    return false
                }
                if ready { c.resume() }
            }
        } onCancel: {
            self.close()
        }
    }

    /// The producer is done; `error` reaches the consumer after the pending bytes.
    func finish(throwing error: (any Error)? = nil) {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            s.failure = error
            defer { s.consumer = nil }
            return s.consumer
        }
        wake?.resume()
    }

    /// The consumer is gone (or cancelled): the producer stops at its next append.
    func close() {
        let (p, c) = state.withLock { s -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) in
            s.closed = true
            defer { s.producer = nil; s.consumer = nil }
            return (s.producer, s.consumer)
        }
        p?.resume()
        c?.resume()
    }

    /// Everything pending; nil at the end (or when closed). Throws the producer's error once
    /// the bytes before it were taken. A small batch waits up to `linger` for more (as Nagle
    /// does), which makes batches of tens of kilobytes out of a fast stream of small records
    /// at the cost of a millisecond for a lone one.
    func next(minimumBatch: Int = 64 << 10, linger: Duration = .milliseconds(1)) async throws -> ByteBuffer? {
        let minimum = min(minimumBatch, limit)
        var lingered = false
        while true {
            enum Step { case bytes(ByteBuffer, CheckedContinuation<Void, Never>?), end((any Error)?), linger, wait }
            let step: Step = state.withLock { s in
                let pending = s.buffer.readableBytes
                if pending > 0 && (pending >= minimum || lingered || s.finished || s.closed) {
                    let out = s.buffer
                    s.buffer = ByteBufferAllocator().buffer(capacity: 64 << 10)
                    defer { s.producer = nil }
                    return .bytes(out, s.producer)
                }
                if pending > 0 { return .linger }
                if s.closed { return .end(nil) }
                if s.finished {
                    defer { s.failure = nil }
                    return .end(s.failure)
                }
                return .wait
            }
            switch step {
            case .bytes(let out, let producer):
                producer?.resume()
                return out
            case .end(let error):
                if let error { throw error }
                return nil
            case .linger:
                lingered = true
                do { try await Task.sleep(for: linger) } catch { close() }
            case .wait:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let ready = state.withLock { s -> Bool in
                            if s.buffer.readableBytes > 0 || s.finished || s.closed { return true }
                            s.consumer = c
                            return false
                        }
                        if ready { c.resume() }
                    }
                } onCancel: {
                    self.close()
                }
            }
        }
    }
}
