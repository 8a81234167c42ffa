import Foundation
import HoistCore
import Synchronization

/// Restart policies (`--restart no|on-failure[:N]|always|unless-stopped`), as moby's
/// restartmanager applies them:
/// - when the process exits: `always` and `unless-stopped` restart, `on-failure` restarts
///   on a non-zero status while RestartCount < MaximumRetryCount (0 = no limit); a `stop`
///   or `kill` by the user cancels that until the next user `start`;
/// - the delay starts at 100 ms and doubles on each restart, up to a minute, and goes back
///   to 100 ms after a run of 10 s or more;
/// - at daemon start: `always` containers that had been started come back, and
///   `unless-stopped` ones unless the user stopped them.
/// Between exit and restart the container is `restarting` (Running and Restarting true).
enum RestartManagers {
    struct State {
        /// The current backoff delay (ns); 0 before the first restart.
        var delay: UInt64 = 0
        /// Bumped by each scheduled restart, so an outdated one does nothing.
        var generation = 0
        /// Set while the policy itself starts the container (keeps RestartCount).
        var autoStarting = false
    }

    static let initialDelay: UInt64 = 100_000_000
    static let maxDelay: UInt64 = 60_000_000_000

    /// In memory only, as in moby: a new daemon starts with fresh backoffs.
    static let states = Mutex<[String: State]>([:])

    static func isAutoStarting(_ id: String) -> Bool { states.withLock { $0[id]?.autoStarting ?? false } }
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
        // A stop or kill by the user cancels the policy until the next start.
        if rec.manuallyStopped == true { return nil }
        switch name {
        case "always", "unless-stopped":
            return delay
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
        guard current == generation, let rec = containers[id], rec.status == .restarting, rec.manuallyStopped != true else { return }
        RestartManagers.states.withLock { $0[id]?.autoStarting = true }
        defer { RestartManagers.states.withLock { $0[id]?.autoStarting = false } }
        do {
            try await startContainer(id)
            // A user stop that came while the restart was under way wins: stop it again.
            if containers[id]?.manuallyStopped == true { try? await stopContainer(id, timeout: 1, signal: nil) }
        } catch {
            logger.error("restart of container \(id.prefix(12)) failed: \(error)")
            guard var now = containers[id], now.status == .restarting else { return }
            now.status = .exited
            save(now)
        }
    }

    /// Called by `startContainer` when the container is up: a start by the user resets
    /// RestartCount and the backoff, as moby's ResetRestartManager does; any start clears
    /// the user's stop.
    func noteStarted(_ rec: inout ContainerRecord) {
        let auto = RestartManagers.states.withLock { all -> Bool in
            guard var s = all[rec.id] else { return false }
            if s.autoStarting { return true }
            s.delay = 0
            s.generation += 1
            all[rec.id] = s
            return false
        }
        // A policy restart keeps a user stop that arrived meanwhile (performRestart acts on it).
        if !auto {
            rec.restartCount = 0
            rec.manuallyStopped = nil
        }
    }

    /// `stop` and `kill` by the user: the policy no longer restarts the container. A
    /// container waiting to be restarted just stays down; returns true in that case.
    func noteManualStop(_ id: String) -> Bool {
        guard var rec = containers[id], rec.isRunning else { return false }
        rec.manuallyStopped = true
        let wasRestarting = rec.status == .restarting
        if wasRestarting { rec.status = .exited }
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
