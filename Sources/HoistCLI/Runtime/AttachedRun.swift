import HoistClient

/// What `start -a` and `attach` share: attach and register the wait (both in flight before
/// anything starts), take the terminal, run `start` if given, pump stdio until the output
/// ends, restore the terminal, and exit with the container's status.
enum AttachedRun {
    /// A detach by the user ends `start -a` quietly with status 0; `attach` reports it as an
    /// error, as the docker CLI does (`detachIsError`).
    static func run(client: EngineClient, id: String, stdin: Bool, tty: Bool, condition: String, detachKeys: String?,
                    signals: SignalForwarding, detachIsError: Bool = false,
                    start: (@Sendable () async throws -> Void)? = nil) async throws {
        var q = QueryString()
        q.set("condition", condition)
        async let sessionTask = AttachSession.open(client: client, id: id, stdin: stdin, stdout: true, stderr: true, tty: tty,
                                                   detachKeys: detachKeys)
        async let waitTask = client.sendHeadFirst(EngineRequest(.POST, "/containers/\(id)/wait", query: q))
        let session = try await sessionTask
        let wait = try await waitTask
        let saved = session.prepareTerminal()
        if let start {
            do {
                try await start()
            } catch {
                session.close()
                if let s = saved { Terminal.restore(0, s) }
                // An auto-removed container is gone once the wait answers: let it.
                if condition == "removed" { _ = try? await wait.body() }
                throw error
            }
        }
        if tty && Terminal.isTerminal(1) { await signals.monitorTTYSize(client: client, id: id) }
        session.beginInput()
        let streamError = await session.finish()
        if let s = saved { Terminal.restore(0, s) }
        if session.userDetached {
            if detachIsError { throw CLIMessage("read escape sequence") }
            return
        }
        if let e = streamError { Out.error(e) }
        let status = await WaitResult.status(of: wait)
        if status != 0 { throw ExitError(Int32(truncatingIfNeeded: status)) }
    }
}
