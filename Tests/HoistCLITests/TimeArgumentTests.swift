import Testing
@testable import HoistCLI

@Suite struct TimeArgumentTests {
    let now: Int64 = 1_700_000_000_123_456_789

    @Test func durations() throws {
        #expect(try TimeArgument.timestamp("10m", nowNanos: now) == "1699999400")
        #expect(try TimeArgument.timestamp("1h30m", nowNanos: now) == "1699994600")
        #expect(try TimeArgument.timestamp("1.5s", nowNanos: now) == "1699999998")
    }

    @Test func dates() throws {
        #expect(try TimeArgument.timestamp("2023-11-14T22:13:20Z", nowNanos: now) == "1700000000.000000000")
        #expect(try TimeArgument.timestamp("2023-11-14T22:13:20.5Z", nowNanos: now) == "1700000000.500000000")
        #expect(try TimeArgument.timestamp("2023-11-14T23:13:20+01:00", nowNanos: now) == "1700000000.000000000")
    }

    @Test func unixTimestampsPassThrough() throws {
        #expect(try TimeArgument.timestamp("1700000000", nowNanos: now) == "1700000000")
        #expect(try TimeArgument.timestamp("1700000000.5", nowNanos: now) == "1700000000.5")
        #expect(throws: TimeArgument.ParseError.self) { try TimeArgument.timestamp("yesterday", nowNanos: now) }
    }
}
