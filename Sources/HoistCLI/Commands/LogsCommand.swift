import ArgumentParser
import HoistClient

/// `hoist logs`: streams the container's log, demultiplexed to stdout/stderr.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", _superCommandName: "hoist", abstract: "Fetch the logs of a container")

    @Flag(name: .customLong("details"), help: "Show extra details provided to logs")
    var details = false

    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Follow log output")
    var follow = false

    @Option(name: .customLong("since"), help: "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
    var since: String?

    @Option(name: [.customShort("n"), .customLong("tail")], parsing: .unconditional, help: "Number of lines to show from the end of the logs")
    var tail: String = "all"

    @Flag(name: [.customShort("t"), .customLong("timestamps")], help: "Show timestamps")
    var timestamps = false

    @Option(name: .customLong("until"), help: "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
    var until: String?

    @Argument var container: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(container, 1)
        let client = env.client
        let c = try await client.getJSON("/containers/\(container[0])/json")
        var q = QueryString()
        q.set("stdout", "1")
        q.set("stderr", "1")
        let now = GoTime.nowNanos()
        if let s = since {
            do { q.set("since", try TimeArgument.timestamp(s, nowNanos: now)) } catch {
                throw CLIMessage("invalid value for \"since\": \(error)")
            }
        }
        if let u = until {
            do { q.set("until", try TimeArgument.timestamp(u, nowNanos: now)) } catch {
                throw CLIMessage("invalid value for \"until\": \(error)")
            }
        }
        q.flag("timestamps", timestamps)
        q.flag("details", details)
        q.flag("follow", follow)
        q.set("tail", tail)
        let tty = c["Config"]?["Tty"]?.boolValue ?? false
        let s = try await client.streamOutput(EngineRequest(.GET, "/containers/\(container[0])/logs", query: q),
                                              format: tty ? .raw : .multiplexed)
        try? await s.finished()
    }
}
