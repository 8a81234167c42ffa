import Foundation
import HoistAPIModels
import HoistEngine
import Testing

/// The real docker CLI (client only on these machines) against the server with a fake
/// backend: the wire details the CLI depends on (ping negotiation, hijack, wait before
/// start, stdcopy demultiplexing, chunked import upload).
private let dockerPath = ["/usr/local/bin/docker", "/usr/bin/docker"].first { FileManager.default.isExecutableFile(atPath: $0) }

struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

private func docker(_ t: TestServer, _ args: [String], stdin: String? = nil) async throws -> CommandResult {
    guard let dockerPath else { throw TestFailure("no docker CLI") }
    let socket = t.socketPath
    let config = t.directory + "/docker-config"
    return try await onThread {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: dockerPath)
        p.arguments = ["-H", "unix://" + socket] + args
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": config, "DOCKER_CONFIG": config, "DOCKER_CLI_HINTS": "false"]
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try p.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CommandResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// `docker run`'s view of a container: output starts with `start`, the exit code arrives
/// through the wait; stdin (with `-i`) is echoed back upper-cased.
final class ScriptedRun: Sendable {
    let exit = Gate<ContainerWaitResponse>()
    let output: AsyncStream<OutputChunk>
    let continuation: AsyncStream<OutputChunk>.Continuation
    let received = Box<[UInt8]>([])
    /// (started, stdin closed): the echo of stdin comes once both happened, then the end.
    let progress = Box((false, false))

    init() { (output, continuation) = AsyncStream<OutputChunk>.makeStream() }

    var hooks: FakeBackend.Hooks {
        var h = FakeBackend.Hooks()
        h.attach = { _, _ in
            AttachSession(tty: false, output: self.output, writeStdin: { bytes in self.received.update { $0 += bytes } }, closeStdin: {
                self.progress.update { $0.1 = true }
                self.echoWhenReady()
            }, detach: {})
        }
        h.wait = { _, _ in ContainerWaiter { await self.exit.wait() } }
        h.start = { _ in
            self.continuation.yield(OutputChunk(stream: 1, bytes: Array("hello from hoist\n".utf8)))
            self.continuation.yield(OutputChunk(stream: 2, bytes: Array("a warning\n".utf8)))
            self.progress.update { $0.0 = true }
            self.echoWhenReady()
        }
        h.logs = { _, _ in
            (false, AsyncThrowingStream { c in
                c.yield(LogEntry(stream: 1, timestamp: 1_795_432_389_123_456_789, bytes: Array("out line\n".utf8)))
                c.yield(LogEntry(stream: 2, timestamp: 1_795_432_389_223_456_789, bytes: Array("err line\n".utf8)))
                c.finish()
            })
        }
        return h
    }

    private func echoWhenReady() {
        let (started, closed) = progress.get
        guard started && closed else { return }
        continuation.yield(OutputChunk(stream: 1, bytes: Array(String(decoding: received.get, as: UTF8.self).uppercased().utf8)))
        finish()
    }

    func finish() {
        continuation.finish()
        exit.open(ContainerWaitResponse(StatusCode: 3))
    }
}

@Suite(.enabled(if: dockerPath != nil, "needs the docker CLI"))
struct DockerCLITests {
    @Test func versionAndPs() async throws {
        try await TestServer.with { t in
            let v = try await docker(t, ["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"])
            #expect(v.status == 0, "\(v.stderr)")
            #expect(v.stdout == "\(APIVersion.hoistVersion) 1.41\n")
            let ps = try await docker(t, ["ps", "-a", "--format", "{{.Names}} {{.Image}} {{.Status}}"])
            #expect(ps.status == 0, "\(ps.stderr)")
            #expect(ps.stdout == "web busybox Exited (0) 1 second ago\n")
            #expect(t.backend.calls.contains { $0.hasPrefix("ps all=true") })
        }
    }

    /// create → attach (101) → wait (headers flushed) → start → output → exit code from wait.
    @Test func runAttachesWaitsAndExitsWithTheStatus() async throws {
        let run = ScriptedRun()
        var hooks = run.hooks
        hooks.start = { _ in
            run.continuation.yield(OutputChunk(stream: 1, bytes: Array("hello from hoist\n".utf8)))
            run.continuation.yield(OutputChunk(stream: 2, bytes: Array("a warning\n".utf8)))
            run.finish()
        }
        try await TestServer.with(hooks) { t in
            let r = try await docker(t, ["run", "--name", "demo", "busybox", "echo", "hi"])
            #expect(r.stdout == "hello from hoist\n")
            #expect(r.stderr == "a warning\n")
            #expect(r.status == 3)
            let calls = t.backend.calls
            #expect(calls.first == "create name=demo")
            let attach = calls.firstIndex { $0.hasPrefix("attach") }, wait = calls.firstIndex { $0.hasPrefix("wait") }, start = calls.firstIndex { $0.hasPrefix("start") }
            #expect(attach != nil && wait != nil && start != nil)
            if let attach, let wait, let start { #expect(attach < start && wait < start) }
        }
    }

    /// `run -i`: stdin reaches the container, the CLI half-closes at its EOF, the output
    /// that follows still reaches it.
    @Test func runInteractiveHalfClosesAndReadsToTheEnd() async throws {
        let run = ScriptedRun()
        try await TestServer.with(run.hooks) { t in
            let r = try await docker(t, ["run", "-i", "busybox", "cat"], stdin: "some input\n")
            #expect(r.stdout == "hello from hoist\nSOME INPUT\n")
            #expect(r.status == 3, "\(r.stderr)")
            #expect(String(decoding: run.received.get, as: UTF8.self) == "some input\n")
            #expect(t.backend.calls.contains("attach \(String(repeating: "c0", count: 32)) stdin=true stdout=true stderr=true logs=false stream=true"))
        }
    }

    @Test func logsAreDemultiplexed() async throws {
        try await TestServer.with(ScriptedRun().hooks) { t in
            let r = try await docker(t, ["logs", "-t", "web"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == "2026-11-23T11:13:09.123456789Z out line\n")
            #expect(r.stderr == "2026-11-23T11:13:09.223456789Z err line\n")
        }
    }

    @Test func importUploadsTheFile() async throws {
        let size = Box(0)
        var hooks = FakeBackend.Hooks()
        hooks.importImage = { path, _, _, _, _ in
            size.set((try? Data(contentsOf: URL(fileURLWithPath: path)).count) ?? -1)
            return "sha256:" + String(repeating: "9f", count: 32)
        }
        try await TestServer.with(hooks) { t in
            let file = t.directory + "/rootfs.tar"
            try Data(repeating: 7, count: 1_500_000).write(to: URL(fileURLWithPath: file))
            let r = try await docker(t, ["import", "-m", "first", "-c", "CMD [\"sh\"]", file, "test/img:v1"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == "sha256:\(String(repeating: "9f", count: 32))\n")
            #expect(size.get == 1_500_000)
            #expect(t.backend.calls == [#"import repo=test/img:v1 tag=nil message=first changes=["CMD [\"sh\"]"]"#])
            #expect(t.tempFiles().isEmpty)
        }
    }

    @Test func errorsArePrintedAsDockerPrintsThem() async throws {
        try await TestServer.with { t in
            let r = try await docker(t, ["start", "missing"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("No such container: missing"))
            let pull = try await docker(t, ["pull", "busybox"])
            #expect(pull.status != 0)
            #expect(pull.stderr.contains("pull access denied for busybox: Hoist cannot pull from registries yet"))
        }
    }
}
