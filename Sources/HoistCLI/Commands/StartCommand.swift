import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist start`: start containers, or with `-a`/`-i` attach to one and exit with its status.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", _superCommandName: "hoist", abstract: "Start one or more stopped containers")

    @Flag(name: [.customShort("a"), .customLong("attach")], help: "Attach STDOUT/STDERR and forward signals")
    var attach = false

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Attach container's STDIN")
    var interactive = false

    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
    var detachKeys: String?

    @Argument(help: "CONTAINER [CONTAINER...]")
    var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(containers, 1)
        let client = env.client
        guard attach || interactive else {
            var failed: [String] = []
            for c in containers {
                do {
                    try await client.post("/containers/\(c)/start")
                    Out.print(c)
                } catch {
                    Out.error(ErrorReporting.text(error))
                    failed.append(c)
                }
            }
            if !failed.isEmpty { throw CLIMessage("Error: failed to start containers: \(failed.joined(separator: ", "))") }
            return
        }
        guard containers.count == 1 else { throw CLIMessage("you cannot start and attach multiple containers at once") }
        let c = try await client.getJSON("/containers/\(containers[0])/json")
        let id = c["Id"]?.stringValue ?? containers[0]
        let tty = c["Config"]?["Tty"]?.boolValue ?? false
        let openStdin = c["Config"]?["OpenStdin"]?.boolValue ?? false
        let autoRemove = c["HostConfig"]?["AutoRemove"]?.boolValue ?? false
        let signals = SignalForwarding()
        if !tty { signals.proxySignals(client: client, id: id) }

        let stdin = interactive && openStdin
        if stdin && tty && !Terminal.isTerminal(0) { throw CLIMessage("the input device is not a TTY") }
        try await AttachedRun.run(client: client, id: id, stdin: stdin, tty: tty, condition: autoRemove ? "removed" : "next-exit",
                                  detachKeys: detachKeys, signals: signals) {
            try await client.post("/containers/\(id)/start")
        }
    }
}
