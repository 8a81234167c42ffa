import ArgumentParser
import Dispatch
import FoundationEssentials
import HoistAPIModels
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist exec`: as docker's (cli/command/container/exec.go): inspect the container, create
/// the exec, start it (hijacked unless `-d`), keep a `-t` exec's size in step with the
/// terminal, then exit with the exec's exit code.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec", _superCommandName: "hoist", abstract: "Execute a command in a running container")

    @Flag(name: [.customShort("d"), .customLong("detach")], help: "Detached mode: run command in the background")
    var detach = false

    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
    var detachKeys: String?

    @Option(name: [.customShort("e"), .customLong("env")], help: "Set environment variables")
    var env: [String] = []

    @Option(name: .customLong("env-file"), help: "Read in a file of environment variables")
    var envFile: [String] = []

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Keep STDIN open even if not attached")
    var interactive = false

    @Flag(name: .customLong("privileged"), help: "Give extended privileges to the command")
    var privileged = false

    @Flag(name: [.customShort("t"), .customLong("tty")], help: "Allocate a pseudo-TTY")
    var tty = false

    @Option(name: [.customShort("u"), .customLong("user")], help: "Username or UID (format: \"<name|uid>[:<group|gid>]\")")
    var user: String?

    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container")
    var workdir: String?

    /// CONTAINER COMMAND [ARG...]: everything after the container belongs to the command.
    @Argument(parsing: .captureForPassthrough, help: "CONTAINER COMMAND [ARG...]")
    var containerAndCommand: [String] = []

    func run() async throws {
        let cli = CLIEnvironment.get()
        try cli.path.requireMin(containerAndCommand, 2)
        let client = cli.client
        let container = containerAndCommand[0]
        let command = Array(containerAndCommand.dropFirst())

        // As docker: the container must exist (a clear "No such container" first).
        let c = try await client.getJSON("/containers/\(container)/json")
        let containerID = c["Id"]?.stringValue ?? container

        if interactive && tty && !detach && !Terminal.isTerminal(0) { throw CLIMessage("the input device is not a TTY") }
        var environment: [String] = []
        for f in envFile { environment += try Self.readEnvFile(f) }
        for e in env {
            // `-e NAME` takes the value from our environment (dropped when unset), as docker.
            if e.contains("=") { environment.append(e) } else if let v = ProcessInfo.processInfo.environment[e] {
                environment.append("\(e)=\(v)")
            }
        }
        let attachStdin = interactive && !detach
        let request = ExecCreateRequest(AttachStdin: attachStdin, AttachStdout: !detach, AttachStderr: !detach,
                                        DetachKeys: detachKeys, Tty: tty, Env: environment.isEmpty ? nil : environment,
                                        Cmd: command, Privileged: privileged ? true : nil, User: user, WorkingDir: workdir)
        let created = try await client.post("/containers/\(containerID)/exec", json: Array(try JSONEncoder().encode(request)))
        guard let execID = try created.json()["Id"]?.stringValue else { throw CLIMessage("exec ID empty") }

        let start = Array(try JSONEncoder().encode(ExecStartRequest(Detach: detach, Tty: tty)))
        if detach {
            _ = try await client.post("/exec/\(execID)/start", json: start)
            return
        }
        let stream = try await client.attach(
            EngineRequest(.POST, "/exec/\(execID)/start", headers: [("Content-Type", "application/json")], body: start),
            format: tty ? .raw : .multiplexed, stdoutFD: 1, stderrFD: tty ? 1 : 2)
        if tty && Terminal.isTerminal(1) { await Self.monitorSize(client: client, execID: execID) }
        var saved: termios?
        var detachSignal: DetachSignal?
        if attachStdin {
            if tty && Terminal.isTerminal(0) {
                saved = Terminal.makeRaw(0)
                detachSignal = stream.pumpInput(fromFD: 0, detachKeys: detachKeys.flatMap { DetachKeys.parse($0) } ?? DetachKeys.default)
            } else {
                stream.pumpInput(fromFD: 0)
            }
        }
        await stream.waitForEnd()
        if let s = saved { Terminal.restore(0, s) }
        // As docker exec: the detach ends the command line with this error; the process runs on.
        if detachSignal?.detached == true { throw CLIMessage("read escape sequence") }
        if let e = await stream.systemError() { Out.error(e) }

        let inspect = try await client.getJSON("/exec/\(execID)/json")
        let code = inspect["ExitCode"]?.int64Value ?? 0
        if code != 0 { throw ExitError(Int32(truncatingIfNeeded: code)) }
    }

    /// Sends the terminal size now and on every SIGWINCH.
    static func monitorSize(client: EngineClient, execID: String) async {
        @Sendable func resize() async {
            guard let (h, w) = Terminal.size(1) ?? Terminal.size(0), h > 0 || w > 0 else { return }
            var q = QueryString()
            q.set("h", String(h))
            q.set("w", String(w))
            _ = try? await client.post("/exec/\(execID)/resize", query: q)
        }
        await resize()
        signal(SIGWINCH, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        s.setEventHandler { Task { await resize() } }
        s.resume()
        sizeSource = s
    }

    /// Lives until the process exits.
    nonisolated(unsafe) static var sizeSource: DispatchSourceSignal?

    /// `--env-file`: `KEY=value` lines, `#` comments, bare `KEY` taken from our environment.
    static func readEnvFile(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIMessage("open \(path): no such file or directory")
        }
        var out: [String] = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.contains("=") { out.append(String(line)) } else if let v = ProcessInfo.processInfo.environment[String(line)] {
                out.append("\(line)=\(v)")
            }
        }
        return out
    }
}
