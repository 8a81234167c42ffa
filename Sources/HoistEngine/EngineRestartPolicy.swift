import Foundation
import HoistCore
import HoistRuntime
import Synchronization

/// Restart policies (`--restart no|on-failure[:N]|always|unless-stopped`), as moby's
/// restartmanager applies them:
/// - when the process exits: `always` restarts, `unless-stopped` unless the user stopped or
///   killed it, `on-failure` on a non-zero status while RestartCount < MaximumRetryCount
///   (0 = no limit);
/// - a user `stop` or `kill` marks the container manually stopped (kept on disk) and, as
///   moby's killWithSignal does, cancels the policy until the next user `start` when the
///   signal is SIGKILL, the container's stop signal, or any signal if it has none; a
///   `kill -s` of another signal leaves `always` and `on-failure` in force;
/// - the delay starts at 100 ms and doubles on each restart, up to a minute, and goes back
///   to 100 ms after a run of 10 s or more;
/// - at daemon start (a fresh, uncanceled policy, as moby's restore): containers that had
///   been started come back when `always`, `unless-stopped` unless the user stopped them,
///   `on-failure` when their last exit was non-zero and retries are left.
/// Between exit and restart the container is `restarting` (Running and Restarting true).
enum RestartManagers {
    struct State {
        /// The current backoff delay (ns); 0 before the first restart.
        var delay: UInt64 = 0
        /// Bumped by each scheduled restart, so an outdated one does nothing.
        var generation = 0
        /// Set while the policy itself starts the container (keeps RestartCount).
        var autoStarting = false
        /// A user stop/kill cancelled the policy until the next user start (moby's
        /// restartManager.Cancel, which is not persisted either).
        var canceled = false
    }

    static let initialDelay: UInt64 = 100_000_000
    static let maxDelay: UInt64 = 60_000_000_000

    /// In memory only, as in moby: a new daemon starts with fresh backoffs.
    static let states = Mutex<[String: State]>([:])

    static func isAutoStarting(_ id: String) -> Bool { states.withLock { $0[id]?.autoStarting ?? false } }
    static func isCanceled(_ id: String) -> Bool { states.withLock { $0[id]?.canceled ?? false } }
}

extension Engine {
    /// The delay before the policy restarts a container whose process just exited with
    /// `code`, or nil when it stays down. Advances the backoff as moby's ShouldRestart does.
    func restartDelay(for rec: ContainerRecord, code: Int) -> UInt64? {
        let policy = rec.hostConfig.RestartPolicy
        let name = policy?.Name ?? "no"
        guard !name.isEmpty, name != "no", rec.hostConfig.AutoRemove != true else { return nil }
        let ranFor = rec.finishedAt - rec.startedAt
        let delay = RestartManagers.states.withLock { all -> UInt64 in
            var s = all[rec.id] ?? RestartManagers.State()
            if ranFor >= 10_000_000_000 { s.delay = 0 }
            if s.delay == 0 {
                s.delay = RestartManagers.initialDelay
            } else if s.delay < RestartManagers.maxDelay {
                s.delay = min(s.delay * 2, RestartManagers.maxDelay)
            }
            all[rec.id] = s
            return s.delay
        }
        if RestartManagers.isCanceled(rec.id) { return nil }
        switch name {
        case "always":
            return delay
        case "unless-stopped":
            return rec.manuallyStopped == true ? nil : delay
        case "on-failure":
            let max = policy?.MaximumRetryCount ?? 0
            guard code != 0, max <= 0 || rec.restartCount < max else { return nil }
            return delay
        default:
            return nil
        }
    }

    /// Starts the container again after `delay`, unless something else happened to it
    /// meanwhile (a stop, a removal, a start by the user, a newer restart).
    func scheduleRestart(_ id: String, after delay: UInt64) {
        let generation = RestartManagers.states.withLock { all -> Int in
            var s = all[id] ?? RestartManagers.State()
            s.generation += 1
            all[id] = s
            return s.generation
        }
        Task {
            try? await Task.sleep(nanoseconds: delay)
            await self.performRestart(id, generation: generation)
        }
    }

    private func performRestart(_ id: String, generation: Int) async {
        let current = RestartManagers.states.withLock { $0[id]?.generation }
        guard current == generation, let rec = containers[id], rec.status == .restarting, !RestartManagers.isCanceled(id) else { return }
        RestartManagers.states.withLock { $0[id]?.autoStarting = true }
        defer { RestartManagers.states.withLock { $0[id]?.autoStarting = false } }
        do {
            try await startContainer(id)
            // A user stop that came while the restart was under way wins: stop it again.
            if RestartManagers.isCanceled(id) { try? await stopContainer(id, timeout: 1, signal: nil) }
        } catch {
            logger.error("restart of container \(id.prefix(12)) failed: \(error)")
            guard var now = containers[id], now.status == .restarting else { return }
            now.status = .exited
            save(now)
        }
    }

    /// Called by `startContainer` when the container is up: a start by the user resets
    /// RestartCount and the backoff, as moby's ResetRestartManager does; any start clears
    /// the user's stop. Returns whether it changed the record.
    @discardableResult
    func noteStarted(_ rec: inout ContainerRecord) -> Bool {
        let auto = RestartManagers.states.withLock { all -> Bool in
            guard var s = all[rec.id] else { return false }
            if s.autoStarting { return true }
            s.delay = 0
            s.generation += 1
            s.canceled = false
            all[rec.id] = s
            return false
        }
        // A policy restart keeps a user stop that arrived meanwhile (performRestart acts on it).
        guard !auto, rec.restartCount != 0 || rec.manuallyStopped != nil else { return false }
        rec.restartCount = 0
        rec.manuallyStopped = nil
        return true
    }

    /// A user `stop` or `kill` sending `signal`: marks the container manually stopped and
    /// cancels the policy when moby's killWithSignal would (`cancels` forces it, for `stop`,
    /// whose SIGKILL would cancel it anyway). Returns true when the container was waiting
    /// to be restarted: no process gets the signal then; it stays down if the policy was
    /// cancelled, else the pending restart goes ahead.
    func noteUserSignal(_ id: String, signal: Int32, cancels: Bool = false) -> Bool {
        guard var rec = containers[id], rec.isRunning else { return false }
        let stopSignal = rec.config.StopSignal.flatMap { $0.isEmpty ? nil : Signals.parse($0) }
        let cancel = cancels || signal == SIGKILL || stopSignal == nil || stopSignal == signal
        if cancel { RestartManagers.states.withLock { $0[id, default: RestartManagers.State()].canceled = true } }
        rec.manuallyStopped = true
        let wasRestarting = rec.status == .restarting
        if wasRestarting && cancel { rec.status = .exited }
        save(rec)
        return wasRestarting
    }

    /// May the policy's own start go ahead although the container counts as running?
    func isPendingRestart(_ rec: ContainerRecord) -> Bool {
        rec.status == .restarting && RestartManagers.isAutoStarting(rec.id)
    }

    /// At daemon start, after adoption: `always` brings back every container that had been
    /// started, `unless-stopped` those the user did not stop.
    func applyRestartPoliciesAtStartup() async {
        let candidates = containers.values.filter { rec in
            guard rec.status == .exited, rec.hasBeenStarted else { return false }
            switch rec.hostConfig.RestartPolicy?.Name ?? "no" {
            case "always": return true
            case "unless-stopped": return rec.manuallyStopped != true
            case "on-failure":
                let max = rec.hostConfig.RestartPolicy?.MaximumRetryCount ?? 0
                return rec.exitCode != 0 && (max <= 0 || rec.restartCount < max)
            default: return false
            }
        }
        for rec in candidates.sorted(by: { $0.created < $1.created }) {
            do {
                try await startContainer(rec.id)
                logger.info("restarted container \(rec.id.prefix(12)) (restart policy \(rec.hostConfig.RestartPolicy?.Name ?? ""))")
            } catch {
                logger.error("restart policy: cannot start container \(rec.id.prefix(12)): \(error)")
            }
        }
    }

}
