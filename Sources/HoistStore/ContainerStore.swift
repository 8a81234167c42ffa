import Foundation
import GRDB
import HoistCore

/// Stored containers. The Engine keeps its own record (JSON) in `data`; names are unique.
///
/// Every `run` inserts, updates and deletes a row on its critical path. Each is one
/// statement, atomic by itself, so it runs without a BEGIN/COMMIT around it, and from
/// GRDB's statement cache: no SQL is parsed again (measured: SQLite's parser was most
/// of the daemon's SQLite time per `run --rm`).
public final class ContainerStore: Sendable {
    public let metadata: Metadata

    public init(metadata: Metadata) { self.metadata = metadata }

    /// `.conflict` (Docker's message) when the name is taken.
    public func insert(_ row: ContainerRow) throws {
        do {
            try metadata.pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "INSERT INTO containers(id, name, image_id, data) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [row.id, row.name, row.imageID, Data(row.data)])
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw try conflict(row, e)
        } catch { throw Metadata.wrap(error) }
    }

    /// Replaces the row with the same id (a rename included); `.notFound` when absent.
    public func update(_ row: ContainerRow) throws {
        do {
            try metadata.pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "UPDATE containers SET name = ?, image_id = ?, data = ? WHERE id = ?")
                    .execute(arguments: [row.name, row.imageID, Data(row.data), row.id])
                guard db.changesCount > 0 else { throw HoistError.notFound("No such container: \(row.id)") }
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw try conflict(row, e)
        } catch { throw Metadata.wrap(error) }
    }

    /// Removes the row; absent is not an error.
    public func delete(id: String) throws {
        do {
            try metadata.pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "DELETE FROM containers WHERE id = ?").execute(arguments: [id])
            }
        } catch { throw Metadata.wrap(error) }
    }

    public func get(id: String) throws -> ContainerRow? {
        try metadata.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM containers WHERE id = ?", arguments: [id]).map(ContainerStore.row)
        }
    }

    /// Every container, in insertion order.
    public func all() throws -> [ContainerRow] {
        try metadata.read { db in try Row.fetchAll(db, sql: "SELECT * FROM containers ORDER BY rowid").map(ContainerStore.row) }
    }

    static func row(_ r: Row) -> ContainerRow {
        let data: Data = r["data"]
        return ContainerRow(id: r["id"], name: r["name"], imageID: r["image_id"], data: Array(data))
    }

    private func conflict(_ row: ContainerRow, _ e: DatabaseError) throws -> HoistError {
        let other = try metadata.read { db in
            try String.fetchOne(db, sql: "SELECT id FROM containers WHERE name = ? AND id != ?", arguments: [row.name, row.id])
        }
        if let other {
            let name = row.name.hasPrefix("/") ? row.name : "/" + row.name
            return HoistError.conflict("Conflict. The container name \"\(name)\" is already in use by container \"\(other)\". "
                + "You have to remove (or rename) that container to be able to reuse that name.")
        }
        return HoistError(.conflict, "container \(row.id) already exists", cause: e)
    }
}
