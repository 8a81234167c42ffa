import Testing
@testable import HoistCLI

@Suite struct UnitsTests {
    static let mib: Int64 = 1024 * 1024
    static let ramCases: [(String, Int64)] = [
        ("512", 512), ("10m", 10 * mib), ("1.5g", 1536 * mib), ("10MiB", 10 * mib), ("10 m", 10 * mib), ("10kb", 10240),
        ("10Kib", 10240), ("1e3", 1000), ("0.5", 0), ("7b", 7), ("2T", 2 * 1024 * 1024 * mib),
    ]

    @Test(arguments: ramCases)
    func ramInBytes(_ input: String, _ expected: Int64) throws {
        #expect(try Units.ramInBytes(input) == expected)
    }

    @Test(arguments: [
        ("lots", "invalid size: 'lots'"), ("", "invalid size: ''"), ("-1", "invalid size: '-1'"), ("10x", "invalid suffix: 'x'"),
        ("abc1", "strconv.ParseFloat: parsing \"abc1\": invalid syntax"), ("10bb", "invalid suffix: 'bb'"), ("10mx", "invalid suffix: 'mx'"),
    ])
    func ramInBytesErrors(_ input: String, _ message: String) {
        #expect(throws: Units.ParseError(description: message)) { try Units.ramInBytes(input) }
    }

    @Test func memoryFlagMessage() {
        let path = CommandPath(words: ["run"], key: "run")
        let e = path.invalidFlagValue("lots", flag: "-m, --memory", "invalid size: 'lots'")
        #expect(e.code == 125)
        #expect(e.message == "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'\nSee 'hoist run --help'.")
    }

    static let cpuCases: [(String, Int64)] = [
        ("1.5", 1_500_000_000), ("1", 1_000_000_000), ("0.001", 1_000_000), ("3/2", 1_500_000_000), ("1e-3", 1_000_000),
        ("2.50", 2_500_000_000), ("-1", -1_000_000_000),
    ]

    @Test(arguments: cpuCases)
    func cpus(_ input: String, _ nanos: Int64) throws {
        #expect(try Units.parseCPUs(input) == nanos)
    }

    @Test func cpusErrors() {
        #expect(throws: Units.ParseError(description: "failed to parse abc as a rational number")) { try Units.parseCPUs("abc") }
        #expect(throws: Units.ParseError(description: "failed to parse  as a rational number")) { try Units.parseCPUs("") }
        #expect(throws: Units.ParseError(description: "value is too precise")) { try Units.parseCPUs("1.0000000001") }
        #expect(throws: Units.ParseError(description: "value is too precise")) { try Units.parseCPUs("1/3") }
    }

    // go-units duration_test.go
    @Test func humanDuration() {
        let s: Int64 = 1_000_000_000, m = 60 * s, h = 60 * m, day = 24 * h, week = 7 * day, month = 30 * day, year = 365 * day
        let cases: [(Int64, String)] = [
            (450_000_000, "Less than a second"), (s, "1 second"), (45 * s, "45 seconds"), (59 * s, "59 seconds"),
            (60 * s, "About a minute"), (3 * m, "3 minutes"), (35 * m + 40 * s, "35 minutes"), (59 * m, "59 minutes"),
            (h, "About an hour"), (h + 29 * m, "About an hour"), (h + 31 * m, "2 hours"), (3 * h + 59 * m, "4 hours"),
            (24 * h, "24 hours"), (day + 12 * h, "36 hours"), (2 * day, "2 days"), (7 * day, "7 days"), (13 * day + 5 * h, "13 days"),
            (2 * week, "2 weeks"), (2 * week + 4 * day, "2 weeks"), (4 * week + 3 * day, "4 weeks"), (month, "4 weeks"),
            (month + 2 * week, "6 weeks"), (2 * month, "2 months"), (3 * month + week, "3 months"), (13 * month, "13 months"),
            (24 * month, "24 months"), (24 * month + 2 * week, "2 years"), (3 * year + 2 * month, "3 years"), (-5 * s, "Less than a second"),
        ]
        for (d, want) in cases { #expect(Units.humanDuration(nanoseconds: d) == want, "\(d)") }
    }

    @Test func humanSize() {
        #expect(Units.humanSize(4_261_550) == "4.26MB")
        #expect(Units.humanSize(1200) == "1.2kB")
        #expect(Units.humanSize(999) == "999B")
        #expect(Units.humanSize(0) == "0B")
        #expect(Units.humanSize(12) == "12B")
        #expect(Units.humanSize(1_000_000) == "1MB")
        #expect(Units.humanSize(999_950) == "1e+03kB")  // go-units' own quirk, kept
        #expect(Units.humanSize(4_261_550, precision: 4) == "4.262MB")
        #expect(Units.humanSize(5_500_000_000_000) == "5.5TB")
        #expect(InfoCommand.bytesSize(25_000_000_000) == "23.28GiB")
    }
}
