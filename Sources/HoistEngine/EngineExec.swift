import Foundation
import HoistAPIModels
import HoistCore
import HoistRuntime

/// Execs of all containers. The process runs under the container's shim (`EXEC`); the
/// engine keeps the shim connection until the exit frame, whether a client is attached
/// (start without Detach) or not, so the exit code is always known.
actor ExecRegistry {
    struct Record: Sendable {
        let id: String
        let containerID: String
        let config: ExecCreateRequest
        var started = false
        var running = false
        var exitCode: Int?
        var pid = 0
        var finishedAt: Int64 = 0
    }

    private var records: [String: Record] = [:]
    private var live: [String: ShimExec] = [:]
    /// Finished execs kept for `inspect`, at most this many (oldest dropped first).
    static let keepFinished = 256

    func add(_ r: Record) { records[r.id] = r }

    func get(_ id: String) throws -> Record {
        guard let r = records[id] else { throw HoistError.notFound("No such exec instance: \(id)") }
        return r
    }

    /// Claims the exec for starting; throws if it already started.
    func claim(_ id: String) throws -> Record {
        var r = try get(id)
        if r.running { throw HoistError.conflict("Error: Exec command \(id) is already running") }
        if r.started { throw HoistError.conflict("Error: Exec command \(id) has already run") }
        r.started = true
        records[id] = r
        return r
    }

    func started(_ id: String, exec: ShimExec) {
        records[id]?.running = true
        records[id]?.pid = Int(exec.pid)
        live[id] = exec
    }

    func finished(_ id: String, code: Int) {
        records[id]?.running = false
        records[id]?.exitCode = code
        records[id]?.finishedAt = Timestamps.nowNanos()
        live[id] = nil
        prune()
    }

    func shimExec(_ id: String) -> ShimExec? { live[id] }

    /// Execs of a removed container go with it.
    func removeAll(containerID: String) {
        records = records.filter { $0.value.containerID != containerID }
    }

    private func prune() {
        let done = records.values.filter { !$0.running && $0.exitCode != nil }
        guard done.count > Self.keepFinished else { return }
        for r in done.sorted(by: { $0.finishedAt < $1.finishedAt }).prefix(done.count - Self.keepFinished) {
            records[r.id] = nil
        }
    }
}

extension Engine {
    // MARK: exec

    /// `POST /containers/{id}/exec`.
    public func createExec(_ idOrName: String, request: ExecCreateRequest) async throws -> ExecCreateResponse {
        let rec = try lookup(idOrName)
        guard rec.isRunning, shims[rec.id] != nil else { throw HoistError.conflict("Container \(rec.id) is not running") }
        if rec.status == .paused {
            throw HoistError.conflict("Container \(rec.id) is paused, unpause the container before exec")
        }
        guard let cmd = request.Cmd, !cmd.isEmpty else { throw HoistError.invalid("No exec command specified") }
        if let keys = request.DetachKeys, !keys.isEmpty, DetachKeys.parse(keys) == nil {
            throw HoistError.invalid("Invalid escape keys (\(keys)) provided")
        }
        let id = Identifiers.random()
        await execs.add(ExecRegistry.Record(id: id, containerID: rec.id, config: request))
        // moby's action names carry the command line.
        emit("exec_create: " + cmd.joined(separator: " "), rec, extra: ["execID": id])
        return ExecCreateResponse(Id: id)
    }

    /// Validates an exec start before the connection is hijacked (404, 409 as plain HTTP);
    /// returns whether the exec has a tty and the keys that detach from it (its
    /// `DetachKeys`, else Ctrl-P Ctrl-Q).
    public func checkExecStart(_ execID: String) async throws -> (tty: Bool, detachKeys: [UInt8]) {
        let r = try await execs.get(execID)
        if r.running { throw HoistError.conflict("Error: Exec command \(execID) is already running") }
        if r.started { throw HoistError.conflict("Error: Exec command \(execID) has already run") }
        guard let c = containers[r.containerID], c.isRunning, shims[c.id] != nil else {
            throw HoistError.conflict("Container \(r.containerID) is not running")
        }
        let keys = r.config.DetachKeys.flatMap { DetachKeys.parse($0) } ?? DetachKeys.default
        return (r.config.Tty ?? false, keys)
    }

    /// `POST /exec/{id}/start`. Detached: runs it and returns nil (errors are thrown).
    /// Attached: returns the session; a failure to start the process is reported on its
    /// output (as moby does once the connection is hijacked) with exit code 126.
    public func startExec(_ execID: String, detach: Bool) async throws -> AttachSession? {
        let r = try await execs.claim(execID)
        let cfg = r.config
        let tty = cfg.Tty ?? false
        let wantStdin = !detach && (cfg.AttachStdin ?? false)
        let wantStdout = cfg.AttachStdout ?? true, wantStderr = cfg.AttachStderr ?? true
        let (stream, cont) = AsyncStream<OutputChunk>.makeStream(bufferingPolicy: .unbounded)

        let shimExec: ShimExec
        do {
            shimExec = try await launchExec(r, tty: tty, stdin: wantStdin)
        } catch {
            let e = Engine.runtimeError(error)
            let notRunning = e.code == .conflict
            // As moby's translateContainerdStartErr: 127 for a missing command, else 126.
            let missing = e.message.contains("not found") || e.message.contains("no such file or directory")
            await execs.finished(execID, code: missing ? 127 : 126)
            if detach || notRunning { throw e }
            cont.yield(OutputChunk(stream: 1, bytes: Array((e.message + "\r\n").utf8)))
            cont.finish()
            return AttachSession(tty: tty, output: stream, writeStdin: { _ in }, closeStdin: {}, detach: {})
        }
        await execs.started(execID, exec: shimExec)
        emit("exec_start: " + (cfg.Cmd ?? []).joined(separator: " "), containerID: r.containerID, extra: ["execID": execID])
        let containerID = r.containerID

        let registry = execs
        let attached = ExecAttachFlag()
        if !detach { attached.set() }
        // Drains the exec's connection to its end (its exit frame), relaying output while a
        // client is attached.
        Task {
            var code: Int32?
            for await frame in shimExec.attachment.output {
                if let c = ShimExec.exitCode(of: frame) { code = c; continue }
                guard attached.isSet else { continue }
                if (frame.stream == 1 && wantStdout) || (frame.stream == 2 && wantStderr) || tty {
                    cont.yield(OutputChunk(stream: frame.stream, bytes: frame.bytes))
                }
            }
            // Recorded before the output ends: a client inspecting right after sees it.
            await registry.finished(execID, code: Int(code ?? 137))
            await self.emit("exec_die", containerID: containerID, extra: ["execID": execID, "exitCode": "\(code ?? 137)"])
            cont.finish()
        }
        if detach { return nil }
        let attachment = shimExec.attachment
        return AttachSession(tty: tty, output: stream,
                             writeStdin: { bytes in if wantStdin { await attachment.write(bytes) } },
                             closeStdin: { if wantStdin { await attachment.closeStdin() } },
                             detach: { attached.clear(); cont.finish() })
    }

    private func launchExec(_ r: ExecRegistry.Record, tty: Bool, stdin: Bool) async throws -> ShimExec {
        guard let c = containers[r.containerID], c.isRunning, let shim = shims[c.id] else {
            throw HoistError.conflict("Container \(r.containerID) is not running")
        }
        let cfg = r.config
        var spec = ExecProcessSpec(args: cfg.Cmd ?? [], env: cfg.Env ?? [], cwd: cfg.WorkingDir, tty: tty,
                                   privileged: cfg.Privileged ?? false)
        if let u = cfg.User, !u.isEmpty {
            let res = try UserResolver.resolve(u, rootfs: paths.rootfs(c.id))
            spec.user = (res.uid, res.gid, res.additionalGids, res.home)
        }
        let processFile = paths.stateDir(c.id) + "/exec-\(r.id.prefix(16)).json"
        try spec.write(bundleDir: paths.containerDir(c.id), to: processFile)
        defer { unlink(processFile) }
        return try await shim.exec(execID: r.id, processFile: processFile, tty: tty, stdin: stdin)
    }

    /// `POST /exec/{id}/resize`.
    public func resizeExec(_ execID: String, height: Int, width: Int) async throws {
        let r = try await execs.get(execID)
        guard let shim = shims[r.containerID], await execs.shimExec(execID) != nil else {
            throw HoistError.conflict("Exec \(execID) is not running")
        }
        try await shim.resizeExec(execID: execID, height: height, width: width)
    }

    /// `GET /exec/{id}/json`.
    public func inspectExec(_ execID: String) async throws -> ExecInspect {
        let r = try await execs.get(execID)
        let cfg = r.config
        let cmd = cfg.Cmd ?? []
        return ExecInspect(
            ID: r.id, Running: r.running, ExitCode: r.exitCode,
            ProcessConfig: .init(entrypoint: cmd.first ?? "", arguments: Array(cmd.dropFirst()), tty: cfg.Tty ?? false,
                                 privileged: cfg.Privileged ?? false, user: cfg.User ?? ""),
            OpenStdin: cfg.AttachStdin ?? false, OpenStderr: cfg.AttachStderr ?? false, OpenStdout: cfg.AttachStdout ?? false,
            ContainerID: r.containerID, DetachKeys: cfg.DetachKeys ?? "", Pid: r.pid)
    }
}

/// Set while a client is attached to an exec.
final class ExecAttachFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
    func clear() { lock.lock(); value = false; lock.unlock() }
}
