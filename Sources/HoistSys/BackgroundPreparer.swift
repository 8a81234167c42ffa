#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Prepares something ahead of need (a spare shim, a spare network namespace) on a thread of
/// its own, one at a time, niced: the work comes while a container starts or exits, and on
/// two cores it took the CPU from that container's shim (its exit seen 3 ms late, traced).
/// A Linux nice value belongs to a thread and is inherited by what it starts.
public final class BackgroundPreparer: Sendable {
    private let running = Mutex(false)

    public init() {}

    /// Runs `body` on a new thread whose nice value is 10 more than the caller's, unless the
    /// previous body still runs. `body` gets the nice value it was raised from, or nil when
    /// it could not be raised (already 10 or more, or an error).
    public func start(_ body: @escaping @Sendable (_ niceBefore: Int32?) -> Void) {
        guard running.withLock({ busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }) else { return }
        let work = Unmanaged.passRetained(Work { [self] in
            defer { running.withLock { $0 = false } }
            body(Self.lowerThisThreadsPriority())
        })
        // A plain detached pthread: Foundation's Thread would link Foundation (and its ICU)
        // into `hoist`, which uses HoistSys too, for nothing.
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { context in
            guard let context else { return nil }
            Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, work.toOpaque())
        if rc != 0 {
            work.release()
            running.withLock { $0 = false }
        }
    }

    private final class Work: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Who 0 of PRIO_PROCESS is the calling thread on Linux.
    static func lowerThisThreadsPriority() -> Int32? {
        errno = 0
        let base = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        guard !(base == -1 && errno != 0), base <= 9,
              setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, base + 10) == 0 else { return nil }
        return base
    }
}
