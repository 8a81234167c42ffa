import Foundation
import Testing
@testable import HoistRuntime

/// The warm-up keeps writing while containers come, and stops by itself once they stop coming.
@Suite(.serialized) struct CgroupMigrationWarmupTests {
    @Test(.enabled(if: CgroupMigrationWarmup.ownProcsFile() != nil))
    func writesWhileBusyAndStopsWhenIdle() async throws {
        CgroupMigrationWarmup.begin()
        #expect(CgroupMigrationWarmup.isRunning)
        // Activity every 100 ms (shorter than the linger) keeps the one thread going.
        for _ in 0..<4 {
            try await Task.sleep(nanoseconds: 100_000_000)
            #expect(CgroupMigrationWarmup.isRunning)
            CgroupMigrationWarmup.begin()
        }
        // Then it ends on its own, within the linger and a write interval or two.
        var stopped = false
        for _ in 0..<100 where !stopped {
            try await Task.sleep(nanoseconds: 10_000_000)
            stopped = !CgroupMigrationWarmup.isRunning
        }
        #expect(stopped)
    }
}
