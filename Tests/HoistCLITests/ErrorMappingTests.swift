import Testing
@testable import HoistCLI

@Suite struct ErrorMappingTests {
    @Test func runExitCodes() {
        #expect(ErrorReporting.runExitCode(for: "Error response from daemon: failed to create task: exec: \"nope\": executable file not found in $PATH: unknown") == 127)
        #expect(ErrorReporting.runExitCode(for: "Error response from daemon: exec /bin/x: no such file or directory") == 127)
        #expect(ErrorReporting.runExitCode(for: "Error response from daemon: exec /etc/passwd: permission denied") == 126)
        #expect(ErrorReporting.runExitCode(for: "Error response from daemon: No such image: busybox:latest") == 125)
        #expect(ErrorReporting.runExitCode(for: "Cannot connect to the Hoist daemon at unix:///run/hoist.sock. Is the hoist daemon running?") == 125)
    }

    @Test func reportErrorFormat() {
        #expect(ErrorReporting.report("Error response from daemon: boom", command: "hoist run", withHelp: true)
            == "hoist: Error response from daemon: boom.\nSee 'hoist run --help'.")
        #expect(ErrorReporting.report("failed.", command: "hoist run", withHelp: false) == "hoist: failed.")
    }

    @Test func commandPaths() {
        #expect(CommandPath.resolve(["ps", "-a"]) == CommandPath(words: ["ps"], key: "ps"))
        #expect(CommandPath.resolve(["container", "ls"])?.key == "container ls")
        #expect(CommandPath.resolve(["container", "ps"])?.key == "container ls")
        #expect(CommandPath.resolve(["container", "rm", "x"])?.key == "rm")
        #expect(CommandPath.resolve(["image", "rm", "x"])?.key == "image rm")
        #expect(CommandPath.resolve(["image", "ls"])?.display == "hoist image ls")
        #expect(CommandPath.resolve(["bogus"]) == nil)
    }

    @Test func argumentCountMessages() {
        let run = CommandPath(words: ["run"], key: "run")
        #expect(throws: ExitError(1, "\"hoist run\" requires at least 1 argument.\nSee 'hoist run --help'.\n\nUsage:  hoist run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun a command in a new container")) {
            try run.requireMin([], 1)
        }
        let ls = CommandPath(words: ["container", "ls"], key: "container ls")
        #expect(throws: ExitError(1, "\"hoist container ls\" accepts no arguments.\nSee 'hoist container ls --help'.\n\nUsage:  hoist container ls [OPTIONS]\n\nList containers")) {
            try ls.requireNone(["x"])
        }
    }

    @Test func argumentParserMessagesBecomePflags() {
        let ps = CommandPath(words: ["ps"], key: "ps")
        #expect(UsageTranslation.translate("Unknown option '--bogus'", args: ["--bogus"], path: ps)
            == .fail(ExitError(125, "unknown flag: --bogus\nSee 'hoist ps --help'.")))
        #expect(UsageTranslation.translate("Unknown option '--al'. Did you mean '--all'?", args: ["--al"], path: ps)
            == .fail(ExitError(125, "unknown flag: --al\nSee 'hoist ps --help'.")))
        #expect(UsageTranslation.translate("Unknown option '-z'", args: ["-z"], path: ps)
            == .fail(ExitError(125, "unknown shorthand flag: 'z' in -z\nSee 'hoist ps --help'.")))
        #expect(UsageTranslation.translate("Missing value for '--filter <filter>'", args: ["--filter"], path: ps)
            == .fail(ExitError(125, "flag needs an argument: --filter\nSee 'hoist ps --help'.")))
        #expect(UsageTranslation.translate("Missing value for '-f <filter>'", args: ["-f"], path: ps)
            == .fail(ExitError(125, "flag needs an argument: 'f' in -f\nSee 'hoist ps --help'.")))
        #expect(UsageTranslation.translate("The option '--all' does not take any value, but 'false' was specified.", args: ["--all=false", "-q"], path: ps)
            == .retry(["-q"]))
        #expect(UsageTranslation.translate("The option '--all' does not take any value, but 'true' was specified.", args: ["--all=true"], path: ps)
            == .retry(["--all"]))
    }
}
