import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist attach`: connect this terminal to a running container's stdio; exits with its status.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attach", _superCommandName: "hoist",
                                                    abstract: "Attach local standard input, output, and error streams to a running container")

    @Flag(name: .customLong("no-stdin"), help: "Do not attach STDIN")
    var noStdin = false

    @Option(name: .customLong("sig-proxy"), help: "Proxy all received signals to the process")
    var sigProxy: Bool = true

    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
    var detachKeys: String?

    @Argument(help: "CONTAINER")
    var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(containers, 1)
        let client = env.client
        let c = try await client.getJSON("/containers/\(containers[0])/json")
        let id = c["Id"]?.stringValue ?? containers[0]
        guard c["State"]?["Running"]?.boolValue == true else {
            throw CLIMessage("You cannot attach to a stopped container, start it first")
        }
        if c["State"]?["Paused"]?.boolValue == true {
            throw CLIMessage("You cannot attach to a paused container, unpause it first")
        }
        let tty = c["Config"]?["Tty"]?.boolValue ?? false
        let stdin = !noStdin && (c["Config"]?["OpenStdin"]?.boolValue ?? false)
        if stdin && tty && !Terminal.isTerminal(0) { throw CLIMessage("the input device is not a TTY") }
        let signals = SignalForwarding()
        if sigProxy && !tty { signals.proxySignals(client: client, id: id) }

        try await AttachedRun.run(client: client, id: id, stdin: stdin, tty: tty, condition: "not-running",
                                  detachKeys: detachKeys, signals: signals, detachIsError: true)
    }
}
