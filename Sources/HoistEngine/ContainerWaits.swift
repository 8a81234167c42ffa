import HoistCore
import HoistAPIModels

/// A registered wait: fires on the next exit, or on removal.
struct Waiter: Sendable {
    enum Kind: Sendable { case exit, removal }
    let kind: Kind
    let continuation: AsyncStream<ContainerWaitResponse>.Continuation
}

extension Engine {
    public func prepareWait(_ idOrName: String, condition: WaitCondition) async throws -> ContainerWaiter {
        let rec = try lookup(idOrName)
        if condition == .notRunning && !rec.isRunning && !starting.contains(rec.id) {
            let code = rec.exitCode
            return ContainerWaiter { ContainerWaitResponse(StatusCode: code) }
        }
        let stream = registerWaiter(rec.id, kind: condition == .removed ? .removal : .exit)
        return ContainerWaiter {
            for await r in stream { return r }
            return ContainerWaitResponse(StatusCode: -1, error: "wait interrupted")
        }
    }

    func registerWaiter(_ id: String, kind: Waiter.Kind) -> AsyncStream<ContainerWaitResponse> {
        let (stream, cont) = AsyncStream<ContainerWaitResponse>.makeStream(bufferingPolicy: .bufferingNewest(1))
        waiters[id, default: []].append(Waiter(kind: kind, continuation: cont))
        return stream
    }

    func fireWaiters(_ id: String, kind: Waiter.Kind, code: Int, error: String? = nil) {
        guard let list = waiters[id] else { return }
        var keep: [Waiter] = []
        for w in list {
            if w.kind == kind {
                w.continuation.yield(ContainerWaitResponse(StatusCode: code, error: error))
                w.continuation.finish()
            } else {
                keep.append(w)
            }
        }
        waiters[id] = keep.isEmpty ? nil : keep
    }

    /// Waits for the container's exit; false when `timeout` (seconds; negative = forever) passed first.
    func awaitExit(_ stream: AsyncStream<ContainerWaitResponse>, timeout: Int) async -> Bool {
        if timeout < 0 {
            for await _ in stream { return true }
            return true
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                return true
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout) * 1_000_000_000)
                return false
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
    }
}
