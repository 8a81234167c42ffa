#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore

public enum ShimState: Sendable, Equatable {
    case created(pid: Int32), running(pid: Int32), exited(code: Int32)
}

/// What the shim records in `<state-dir>/exit` when the container has exited.
public struct ExitRecord: Sendable, Equatable {
    /// Exit status, or 128 + signal.
    public var code: Int32
    /// Unix nanoseconds; 0 if the container was never started.
    public var startedAt: Int64
    public var finishedAt: Int64

    public init(code: Int32, startedAt: Int64, finishedAt: Int64) {
        self.code = code; self.startedAt = startedAt; self.finishedAt = finishedAt
    }

    public static func read(stateDir: String) -> ExitRecord? {
        guard let text = try? String(contentsOfFile: stateDir + "/exit", encoding: .utf8) else { return nil }
        let f = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard f.count >= 3, let c = Int32(f[0]), let s = Int64(f[1]), let e = Int64(f[2]) else { return nil }
        return ExitRecord(code: c, startedAt: s, finishedAt: e)
    }

    /// When the running container was started (`<state-dir>/started`), unix ns.
    public static func startedAt(stateDir: String) -> Int64? {
        guard let text = try? String(contentsOfFile: stateDir + "/started", encoding: .utf8) else { return nil }
        return Int64(text.trimmingCharacters(in: " \n"))
    }
}

/// Talks to a container's shim over `<state-dir>/shim.sock`. Stateless (a connection per
/// call), so a restarted daemon adopts a running container with just `init(stateDir:)`.
public final class ShimClient: Sendable {
    public let stateDir: String
    /// The container's init process as the launch reported it (nil for an adopted shim).
    public let createdPid: Int32?

    public init(stateDir: String, createdPid: Int32? = nil) { self.stateDir = stateDir; self.createdPid = createdPid }

    public var socketPath: String { stateDir + "/shim.sock" }

    /// The shim answers on its socket.
    public func isAlive() -> Bool {
        guard let c = try? UnixConnection.connect(socketPath) else { return false }
        c.close()
        return true
    }

    /// Runs the container's process (`runtime start`).
    public func start() async throws {
        try Self.checkStarted(try await request("START"))
    }

    /// Runs the container's process and watches for its exit on the same connection (one
    /// connection and one thread, where `watchExit()` then `start()` took two of each).
    public func startWatchingExit() async throws -> ExitWatch {
        let path = socketPath
        let (answer, watch): (String, ExitWatch?) = try await withCheckedThrowingContinuation { cont in
            Blocking.detach {
                let unreachable = HoistError.conflict("container is not running (its hoist-shim does not answer)")
                guard let c = try? UnixConnection.connect(path) else { cont.resume(throwing: unreachable); return }
                guard c.write(Array("STARTWAIT\n".utf8)), let answer = c.readLine() else {
                    c.close()
                    cont.resume(throwing: unreachable)
                    return
                }
                guard answer == "OK" else {
                    c.close()
                    cont.resume(returning: (answer, nil))
                    return
                }
                let watch = ExitWatch(c, reading: false)
                cont.resume(returning: (answer, watch))
                // This thread reads on: the exit is the connection's next line.
                watch.readAnswer()
            }
        }
        try Self.checkStarted(answer)
        guard let watch else { throw HoistError.internal("unexpected answer from hoist-shim: \(answer)") }
        return watch
    }

    private static func checkStarted(_ answer: String) throws {
        guard answer == "OK" else {
            let msg = answer.hasPrefix("ERR ") ? String(answer.dropFirst(4)) : answer
            if msg.contains("already running") { throw HoistError(.notModified, msg) }
            if msg.contains("has exited") { throw HoistError.conflict(msg) }
            throw ShimLauncher.runtimeError("OCI runtime start failed: " + msg)
        }
    }

    /// Sends a signal to the container's init process.
    public func kill(signal: Int32) async throws {
        let answer = try await request("KILL \(signal)")
        guard answer == "OK" else { throw HoistError.conflict(answer.hasPrefix("ERR ") ? String(answer.dropFirst(4)) : answer) }
    }

    /// Sets the pty size (no-op without a tty).
    public func resize(height: Int, width: Int) async throws {
        guard height >= 0, width >= 0, height <= 65535, width <= 65535 else {
            throw HoistError.invalid("invalid terminal size \(height)x\(width)")
        }
        let answer = try await request("RESIZE \(height) \(width)")
        guard answer == "OK" else { throw HoistError.internal(String(answer.dropFirst(4))) }
    }

    public func state() async throws -> ShimState {
        let answer: String
        do {
            answer = try await request("STATE")
        } catch {
            if let r = ExitRecord.read(stateDir: stateDir) { return .exited(code: r.code) }
            throw error
        }
        let f = answer.split(separator: " ")
        if f.count == 2, let n = Int32(f[1]) {
            switch f[0] {
            case "CREATED": return .created(pid: n)
            case "RUNNING": return .running(pid: n)
            case "EXITED": return .exited(code: n)
            default: break
            }
        }
        throw HoistError.internal("unexpected answer from hoist-shim: \(answer)")
    }

    /// Sends the shim a WAIT now, to be awaited with `waitExit(_:)`: the shim answers it
    /// with the exit status before it deletes the runtime's state. A WAIT sent only after
    /// `start` found a short-lived container already gone and was answered only once that
    /// delete had run (the shim exits, the connection ends: 4.5 ms later, traced). Nil when
    /// the shim does not answer (`waitExit` then reads the exit file).
    public func watchExit() -> ExitWatch? {
        guard let conn = try? UnixConnection.connect(socketPath) else { return nil }
        guard conn.write(Array("WAIT\n".utf8)) else {
            conn.close()
            return nil
        }
        return ExitWatch(conn)
    }

    /// Waits until the container has exited; returns the exit code. `watch` is a WAIT sent
    /// earlier (`watchExit()`); without one it is sent now. Cancelling the task abandons
    /// the wait.
    public func waitExit(_ watch: ExitWatch? = nil) async throws -> Int32 {
        let dir = stateDir
        guard let watch = watch ?? watchExit() else {
            if let r = ExitRecord.read(stateDir: dir) { return r.code }
            throw HoistError(.unavailable, "hoist-shim of \(dir) is not running and recorded no exit")
        }
        let answer = await withTaskCancellationHandler {
            await watch.answer()
        } onCancel: {
            watch.cancel()
        }
        try Task.checkCancellation()
        if let answer, answer.hasPrefix("EXIT "), let code = Int32(answer.dropFirst(5)) { return code }
        // The shim went away without answering: it may have just finished.
        if let r = ExitRecord.read(stateDir: dir) { return r.code }
        throw HoistError(.unavailable, "hoist-shim of \(dir) exited without reporting the container's exit")
    }

    /// Attaches to the container's streams. With stdin, bytes written go to the
    /// container's stdin. Attach before `start()` to see all output.
    public func attach(stdin: Bool, stdout: Bool, stderr: Bool) async throws -> ShimAttachment {
        var want: [String] = []
        if stdin { want.append("stdin") }
        if stdout { want.append("stdout") }
        if stderr { want.append("stderr") }
        let path = socketPath
        let request = "ATTACH \(want.joined(separator: ","))\n"
        let conn = try await Blocking.run { () throws -> UnixConnection in
            let c: UnixConnection
            do { c = try UnixConnection.connect(path) } catch {
                throw HoistError.conflict("container is not running")
            }
            guard c.write(Array(request.utf8)), c.readLine() == "OK" else {
                c.close()
                throw HoistError.conflict("container is not running")
            }
            return c
        }
        return ShimAttachment(conn)
    }

    private func request(_ line: String) async throws -> String {
        let path = socketPath
        return try await Blocking.run {
            do {
                return try UnixConnection.request(path, line)
            } catch {
                throw HoistError.conflict("container is not running (its hoist-shim does not answer)")
            }
        }
    }
}

/// A WAIT already sent to a shim (`ShimClient.watchExit()`). Its reader thread starts at
/// once, so the answer is taken the moment the shim sends it: a thread started only when
/// someone awaits it came after the start's bookkeeping (traced: 1–2 ms on `run`'s exit).
public final class ExitWatch: Sendable {
    let conn: UnixConnection
    private let line = OnceValue<String?>()

    /// `reading`: a thread of its own reads the answer; else the caller's `readAnswer()`.
    init(_ conn: UnixConnection, reading: Bool = true) {
        self.conn = conn
        if reading { Blocking.detach { [self] in readAnswer() } }
    }

    /// Blocks until the shim answers (or goes away), then hands the answer to the waiters.
    func readAnswer() {
        let l = conn.readLine()
        conn.close()
        line.set(l)
    }

    /// The shim's answer line (`EXIT <code>`), or nil if the connection ended without one.
    func answer() async -> String? {
        await line.value()
    }

    /// Abandons the wait (a start that failed, a cancelled waiter): the reader wakes with nil.
    public func cancel() { conn.close() }
}
