import Foundation

/// Runs blocking work (a read that may wait for minutes, a child process) on a thread of
/// its own, never on Swift's cooperative pool, and resumes the caller when done.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let t = Thread { c.resume(with: Result { try body() }) }
            t.stackSize = 256 << 10
            t.start()
        }
    }

    /// Starts a long-lived thread (attach readers).
    static func detach(_ body: @escaping @Sendable () -> Void) {
        let t = Thread(block: body)
        t.stackSize = 256 << 10
        t.start()
    }
}
