import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist attach`: connect this terminal to a running container's stdio; exits with its status.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attach",
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

        var q = QueryString()
        q.set("condition", "not-running")
        async let sessionTask = AttachSession.open(client: client, id: id, stdin: stdin, stdout: true, stderr: true, tty: tty,
                                                   detachKeys: detachKeys)
        async let waitTask = client.sendHeadFirst(EngineRequest(.POST, "/containers/\(id)/wait", query: q))
        let session = try await sessionTask
        let wait = try await waitTask
        let saved = session.prepareTerminal()
        if tty && Terminal.isTerminal(1) { await signals.monitorTTYSize(client: client, id: id) }
        session.beginInput()
        let streamError = await session.finish()
        if let s = saved { Terminal.restore(0, s) }
        if let e = streamError { Out.error(e) }
        let status = await WaitResult.status(of: wait)
        if status != 0 { throw ExitError(Int32(truncatingIfNeeded: status)) }
    }
}
