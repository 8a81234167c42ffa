import Synchronization

/// A value that arrives once, from any thread, and that any number of tasks await: the
/// ones already waiting are resumed when it is set, later ones get it at once.
public final class OnceValue<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, Never>])
        case set(Value)
    }
    private let state = Mutex<State>(.waiting([]))

    public init() {}

    /// Sets the value (the first call wins) and resumes the waiters.
    public func set(_ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value, Never>] in
            guard case .waiting(let w) = s else { return [] }
            s = .set(value)
            return w
        }
        for c in waiters { c.resume(returning: value) }
    }

    public func value() async -> Value {
        await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
            let ready = state.withLock { s -> Value? in
                switch s {
                case .set(let v): return v
                case .waiting(var w):
                    w.append(c)
                    s = .waiting(w)
                    return nil
                }
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
