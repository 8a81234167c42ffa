import HoistCore
import HoistRuntime

/// One attached client. It may attach before the container starts: stdin is buffered
/// until the shim connection exists, output flows once it does.
actor AttachRelay {
    let tty: Bool
    let wantStdin: Bool
    let wantStdout: Bool
    let wantStderr: Bool
    private let continuation: AsyncStream<OutputChunk>.Continuation
    nonisolated let output: AsyncStream<OutputChunk>
    private var attachment: ShimAttachment?
    private var pendingStdin: [[UInt8]] = []
    private var stdinClosed = false
    private var finished = false

    init(tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) {
        self.tty = tty
        wantStdin = stdin; wantStdout = stdout; wantStderr = stderr
        (output, continuation) = AsyncStream<OutputChunk>.makeStream(bufferingPolicy: .unbounded)
    }

    nonisolated func session() -> AttachSession {
        AttachSession(tty: tty, output: output,
                      writeStdin: { bytes in await self.writeStdin(bytes) },
                      closeStdin: { await self.closeStdin() },
                      detach: { Task { await self.finish() } })
    }

    /// Connects to the container's shim and starts relaying.
    func connect(_ shim: ShimClient) async throws {
        guard !finished else { return }
        let a = try await shim.attach(stdin: wantStdin, stdout: wantStdout, stderr: wantStderr)
        attachment = a
        for chunk in pendingStdin { await a.write(chunk) }
        pendingStdin = []
        if stdinClosed { await a.closeStdin() }
        let cont = continuation
        Task {
            for await (stream, bytes) in a.output {
                cont.yield(OutputChunk(stream: stream, bytes: bytes))
            }
            cont.finish()
        }
    }

    func writeStdin(_ bytes: [UInt8]) async {
        guard wantStdin, !stdinClosed else { return }
        if let a = attachment { await a.write(bytes) } else { pendingStdin.append(bytes) }
    }

    func closeStdin() async {
        guard !stdinClosed else { return }
        stdinClosed = true
        if let a = attachment { await a.closeStdin() }
    }

    /// Client gone or container never started: stop relaying.
    func finish() {
        guard !finished else { return }
        finished = true
        attachment?.close()
        continuation.finish()
    }
}
