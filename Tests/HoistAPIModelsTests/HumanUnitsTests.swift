import Testing
import HoistCore

/// The wording must match go-units, which the docker CLI and dockerd use.
struct HumanUnitsTests {
    @Test(arguments: [
        (0.4, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"), (119, "About a minute"),
        (120, "2 minutes"), (3599, "59 minutes"), (3600, "About an hour"), (5400, "2 hours"), (47 * 3600, "47 hours"),
        (48 * 3600, "2 days"), (14 * 86400, "2 weeks"), (60 * 86400, "2 months"), (800 * 86400, "2 years"),
    ] as [(Double, String)])
    func durations(_ secs: Double, _ text: String) {
        #expect(HumanUnits.duration(seconds: secs) == text)
    }

    @Test(arguments: [
        (Int64(0), "0B"), (512, "512B"), (1200, "1.2kB"), (4_261_000, "4.26MB"), (1_000_000, "1MB"),
        (12_345_678_901, "12.3GB"),
    ] as [(Int64, String)])
    func sizes(_ bytes: Int64, _ text: String) {
        #expect(HumanUnits.size(bytes) == text)
    }

    @Test func rfc3339RoundTrip() throws {
        let n: Int64 = 1_795_000_000_123_456_789
        let s = Timestamps.rfc3339Nano(n)
        #expect(s.hasSuffix(".123456789Z"))
        #expect(Timestamps.parseRFC3339(s) == n)
        #expect(Timestamps.parseRFC3339("2026-11-23T11:13:09+01:00") == Timestamps.parseRFC3339("2026-11-23T10:13:09Z"))
        #expect(Timestamps.rfc3339Nano(0) == "0001-01-01T00:00:00Z")
    }
}
