import Dispatch
import Foundation
import HoistCore
import HoistStore
import Logging

/// Writes container records to the store, one at a time and in the order asked, on a queue
/// of its own. `insert` and `write` wait for the row (what the engine always did);
/// `writeSoon` returns at once, so a row can be stored while the engine waits for something
/// else (`crun start`), and `PendingRow.stored()` waits for it later; `deleteSoon` does not
/// wait at all. All share the queue: a later write never lands before an earlier one (a
/// name freed by a deletion is free for the next insert).
final class ContainerRows: Sendable {
    private let store: ContainerStore
    private let logger: Logger
    private let queue = DispatchQueue(label: "hoist.container-rows")

    init(store: ContainerStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Stores a new container's row (waits for it; a taken name throws `.conflict`).
    func insert(_ rec: ContainerRecord) throws {
        let data = try JSONEncoder().encode(rec)
        try queue.sync {
            try store.insert(ContainerRow(id: rec.id, name: rec.name, imageID: rec.imageID, data: Array(data)))
        }
    }

    func write(_ rec: ContainerRecord) {
        queue.sync { update(rec) }
    }

    func writeSoon(_ rec: ContainerRecord) -> PendingRow {
        let pending = PendingRow()
        queue.async { [self] in
            update(rec)
            pending.finish()
        }
        return pending
    }

    /// Deletes the row without waiting (absent is not an error).
    func deleteSoon(id: String) {
        queue.async { [store, logger] in
            do { try store.delete(id: id) } catch { logger.error("cannot delete container \(id): \(error)") }
        }
    }

    /// Waits until every row asked for so far is written (daemon shutdown).
    func drain() {
        queue.sync {}
    }

    private func update(_ rec: ContainerRecord) {
        do {
            let data = try JSONEncoder().encode(rec)
            try store.update(ContainerRow(id: rec.id, name: rec.name, imageID: rec.imageID, data: Array(data)))
        } catch {
            logger.error("cannot persist container \(rec.id): \(error)")
        }
    }
}

/// A row being written by `ContainerRows.writeSoon`.
final class PendingRow: Sendable {
    private let done = OnceValue<Void>()

    fileprivate func finish() { done.set(()) }

    func stored() async { await done.value() }
}
