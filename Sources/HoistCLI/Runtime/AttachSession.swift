import HoistAPIModels
import HoistClient
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A container's stdio over an attach connection: output copied to our stdout/stderr as it
/// arrives (framed stream demultiplexed unless TTY), stdin copied in and half-closed at EOF,
/// the terminal in raw mode for `-it` and restored after.
final class AttachSession: Sendable {
    let stream: HijackedStream
    let stdin: Bool
    let tty: Bool
    /// The detach sequence, watched for on a terminal (an invalid `--detach-keys` falls back
    /// to Ctrl-P Ctrl-Q, as the docker CLI does).
    let detachKeys: [UInt8]
    private let detachSignal = Mutex<DetachSignal?>(nil)

    private init(stream: HijackedStream, stdin: Bool, tty: Bool, detachKeys: String?) {
        self.stream = stream
        self.stdin = stdin
        self.tty = tty
        self.detachKeys = detachKeys.flatMap { DetachKeys.parse($0) } ?? DetachKeys.default
    }

    static func open(client: EngineClient, id: String, stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool,
                     detachKeys: String? = nil) async throws -> AttachSession {
        var q = QueryString()
        q.set("stream", "1")
        q.flag("stdin", stdin)
        q.flag("stdout", stdout)
        q.flag("stderr", stderr)
        if let k = detachKeys, !k.isEmpty { q.set("detachKeys", k) }
        // With a TTY, stderr shares the terminal with stdout (docker passes Out() for both).
        let s = try await client.attach(EngineRequest(.POST, "/containers/\(id)/attach", query: q),
                                        format: tty ? .raw : .multiplexed, stdoutFD: 1, stderrFD: tty ? 1 : 2)
        return AttachSession(stream: s, stdin: stdin, tty: tty, detachKeys: detachKeys)
    }

    /// Raw mode for `-it`, set before start as docker does (so the first output is not
    /// post-processed by the terminal); returns the state to restore.
    func prepareTerminal() -> termios? {
        guard stdin && tty && Terminal.isTerminal(0) else { return nil }
        return Terminal.makeRaw(0)
    }

    /// Starts copying stdin to the container (after start, so nothing is sent before it runs).
    func beginInput() {
        guard stdin else { return }
        if tty && Terminal.isTerminal(0) {
            let signal = stream.pumpInput(fromFD: 0, detachKeys: detachKeys)
            detachSignal.withLock { $0 = signal }
        } else {
            stream.pumpInput(fromFD: 0)
        }
    }

    /// The user typed the detach keys: the container keeps running.
    var userDetached: Bool { detachSignal.withLock { $0?.detached ?? false } }

    /// Waits until the container's output ended; returns a daemon error sent on the stream, if any.
    func finish() async -> String? {
        await stream.waitForEnd()
        return await stream.systemError()
    }

    func close() { stream.close() }
}
