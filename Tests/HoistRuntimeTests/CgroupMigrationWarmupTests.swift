import Foundation
import Testing
@testable import HoistRuntime

/// The warm-up keeps one thread writing while containers come, and stops by itself once
/// they stop coming.
@Suite(.serialized) struct CgroupMigrationWarmupTests {
    @Test(.enabled(if: CgroupMigrationWarmup.ownProcsFile() != nil))
    func oneThreadWhileBusyThatStopsWhenIdle() async throws {
        let before = CgroupMigrationWarmup.threadsStarted
        CgroupMigrationWarmup.begin()
        CgroupMigrationWarmup.begin()
        CgroupMigrationWarmup.begin()
        #expect(CgroupMigrationWarmup.isRunning)
        // Activity while it runs extends it; it does not start another thread.
        #expect(CgroupMigrationWarmup.threadsStarted <= before + 1)
        // Idle, it ends on its own (the linger is 200 ms; generous for a loaded machine).
        var stopped = false
        for _ in 0..<500 where !stopped {
            try await Task.sleep(nanoseconds: 10_000_000)
            stopped = !CgroupMigrationWarmup.isRunning
        }
        #expect(stopped)
        // The next container's create starts it again.
        CgroupMigrationWarmup.begin()
        #expect(CgroupMigrationWarmup.isRunning)
    }
}
