import HoistCore
import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist run`: create, attach, wait, start, stream, exit with the container's status —
/// the same sequence of requests as `docker run`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", _superCommandName: "hoist", abstract: "Run a command in a new container", helpNames: [.customLong("help")])

    @Flag(name: [.customShort("d"), .customLong("detach")], help: "Run container in background and print container ID")
    var detach = false

    @Option(name: .customLong("sig-proxy"), help: "Proxy received signals to the process")
    var sigProxy: String = "true"

    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
    var detachKeys: String?

    @OptionGroup var options: ContainerOptions

    func run() async throws {
        let env = CLIEnvironment.get()
        let path = env.path
        // Everything from the first non-flag is passed through, so `--help` lands here.
        if options.imageAndCommand.first == "--help" {
            Out.write(RunCommand.helpMessage() + "\n")
            return
        }
        try path.requireMin(options.imageAndCommand, 1)
        let proxy: Bool
        switch sigProxy {
        case "true", "1", "t", "T", "TRUE", "True": proxy = true
        case "false", "0", "f", "F", "FALSE", "False": proxy = false
        default: throw path.invalidFlagValue(sigProxy, flag: "--sig-proxy", "strconv.ParseBool: parsing \(goQuote(sigProxy)): invalid syntax")
        }
        if detach && !options.attach.isEmpty { throw CLIMessage("Conflicting options: -a and -d") }
        let built = try ContainerConfigBuilder.build(options, path: path, environment: env.environment, detach: detach)
        if !detach && built.attachStdin && options.tty && !Terminal.isTerminal(0) {
            throw CLIMessage("the input device is not a TTY")
        }
        let client = env.client

        let id: String
        do {
            id = try await CIDFile.creating(options.cidFile) {
                try await ContainerCreation.create(client: client, built: built, pull: options.pull, quiet: options.quiet,
                                                  platform: options.platform)
            }
        } catch let e as ExitError {
            throw e
        } catch {
            let text = ErrorReporting.text(error)
            throw ExitError(ErrorReporting.runExitCode(for: text), ErrorReporting.report(text, command: path.display, withHelp: true))
        }

        if detach {
            try await start(client: client, id: id, session: nil, wait: nil, path: path)
            Out.print(id)
            return
        }

        let signals = SignalForwarding()
        if proxy && !options.tty { signals.proxySignals(client: client, id: id) }

        // Attach and wait are independent requests: send both, and only start once the wait's
        // response head is back, so the exit cannot be missed.
        let attach = built.attachStdin || built.attachStdout || built.attachStderr
        let tty = options.tty
        var q = QueryString()
        q.set("condition", options.autoRemove ? "removed" : "next-exit")
        async let sessionTask: AttachSession? = attach
            ? AttachSession.open(client: client, id: id, stdin: built.attachStdin, stdout: built.attachStdout,
                                 stderr: built.attachStderr, tty: tty, detachKeys: detachKeys)
            : nil
        async let waitTask = client.sendHeadFirst(EngineRequest(.POST, "/containers/\(id)/wait", query: q))
        let session = try await sessionTask
        let wait: PendingResponse
        do {
            wait = try await waitTask
        } catch {
            session?.close()
            throw ExitError(125, "hoist: error waiting for container: \(ErrorReporting.text(error))")
        }

        let saved = session?.prepareTerminal()
        try await start(client: client, id: id, session: session, wait: options.autoRemove ? wait : nil, path: path, saved: saved)

        if let session {
            if tty && Terminal.isTerminal(1) { await signals.monitorTTYSize(client: client, id: id) }
            session.beginInput()
            let streamError = await session.finish()
            if let s = saved { Terminal.restore(0, s) }
            // Detached with the keys: the container runs on, docker exits 0.
            if session.userDetached { return }
            if let e = streamError { Out.error(e) }
        }
        let status = await WaitResult.status(of: wait)
        if status != 0 { throw ExitError(Int32(truncatingIfNeeded: status)) }
    }

    /// Starts the container; on failure reports like docker (no help line) and exits 125/126/127.
    private func start(client: EngineClient, id: String, session: AttachSession?, wait: PendingResponse?, path: CommandPath,
                       saved: termios? = nil) async throws {
        do {
            try await client.post("/containers/\(id)/start")
        } catch {
            session?.close()
            if let s = saved { Terminal.restore(0, s) }
            let text = ErrorReporting.text(error)
            Out.error(ErrorReporting.report(text, command: path.display, withHelp: false))
            if let wait { _ = try? await wait.body() }  // --rm: the daemon removes it
            throw ExitError(ErrorReporting.runExitCode(for: text))
        }
    }
}

/// The `wait` response: `{"StatusCode": n, "Error": {"Message": ...}}`.
enum WaitResult {
    static func status(of wait: PendingResponse) async -> Int {
        do {
            let body = try await wait.body()
            let j = try JSONParser.parse(body)
            if let m = j["Error"]?["Message"]?.stringValue, !m.isEmpty {
                Out.error("hoist: error waiting for container: \(m)")
                return 125
            }
            return Int(j["StatusCode"]?.int64Value ?? 125)
        } catch {
            Out.error("hoist: error waiting for container: \(ErrorReporting.text(error))")
            return 125
        }
    }
}
