import Testing
@testable import HoistCLI

@Suite struct GlobalOptionsTests {
    @Test func hostBeforeSubcommand() throws {
        let (g, rest) = try GlobalOptions.split(["-H", "unix:///tmp/x.sock", "ps", "-a"])
        #expect(g.host == "unix:///tmp/x.sock")
        #expect(rest == ["ps", "-a"])
    }

    @Test func longAndInlineForms() throws {
        var (g, rest) = try GlobalOptions.split(["--host=unix:///a", "-D", "--log-level", "debug", "images"])
        #expect(g.host == "unix:///a")
        #expect(g.debug)
        #expect(g.logLevel == "debug")
        #expect(rest == ["images"])
        (g, rest) = try GlobalOptions.split(["-Hunix:///b", "-l=warn", "run", "-d", "busybox"])
        #expect(g.host == "unix:///b")
        #expect(g.logLevel == "warn")
        #expect(rest == ["run", "-d", "busybox"])
    }

    @Test func stopsAtSubcommandSoItsFlagsStay() throws {
        let (g, rest) = try GlobalOptions.split(["run", "-H", "x", "busybox"])
        #expect(g.host == nil)
        #expect(rest == ["run", "-H", "x", "busybox"])
    }

    @Test func versionAndHelp() throws {
        #expect(try GlobalOptions.split(["-v"]).0.showVersion)
        #expect(try GlobalOptions.split(["--version"]).0.showVersion)
        #expect(try GlobalOptions.split(["--help"]).0.showHelp)
        #expect(try GlobalOptions.split(["-Dv"]).0.debug)
    }

    @Test func errors() {
        #expect(throws: GlobalOptions.UsageError(message: "Unable to parse logging level: foo", exitCode: 1)) {
            try GlobalOptions.split(["--log-level", "foo", "ps"])
        }
        #expect(throws: GlobalOptions.UsageError(message: "Please specify only one -H", exitCode: 1)) {
            try GlobalOptions.split(["-H", "unix:///a", "-H", "unix:///b", "ps"])
        }
        #expect(throws: GlobalOptions.UsageError(message: "unknown flag: --bogus\nSee 'hoist --help'.", exitCode: 125)) {
            try GlobalOptions.split(["--bogus", "ps"])
        }
        #expect(throws: GlobalOptions.UsageError(message: "flag needs an argument: 'H' in -H\nSee 'hoist --help'.", exitCode: 125)) {
            try GlobalOptions.split(["-H"])
        }
    }
}
