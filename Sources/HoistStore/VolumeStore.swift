import Foundation
import GRDB
import HoistCore

/// A named volume as stored: the `local` driver keeps its data at `<dataRoot>/volumes/<name>/_data`.
public struct VolumeRow: Sendable, Equatable {
    public var name: String
    public var driver: String
    public var labels: [String: String]
    public var options: [String: String]
    /// Unix nanoseconds.
    public var created: Int64
    /// Made for one container (`-v /path`, an image VOLUME) rather than by name.
    public var anonymous: Bool
    public init(name: String, driver: String, labels: [String: String], options: [String: String], created: Int64, anonymous: Bool) {
        self.name = name; self.driver = driver; self.labels = labels; self.options = options
        self.created = created; self.anonymous = anonymous
    }
}

/// The `volumes` table. The Engine decides what a volume is; this only keeps rows.
public final class VolumeStore: Sendable {
    public let metadata: Metadata

    public init(metadata: Metadata) { self.metadata = metadata }

    static func registerMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("volumes-v1") { db in
            try db.execute(sql: """
                CREATE TABLE volumes (
                    name TEXT PRIMARY KEY NOT NULL,
                    driver TEXT NOT NULL,
                    labels TEXT NOT NULL,      -- JSON object
                    options TEXT NOT NULL,     -- JSON object
                    created INTEGER NOT NULL,  -- unix nanoseconds
                    anonymous INTEGER NOT NULL
                );
                """)
        }
    }

    /// `.conflict` when the name is taken.
    public func insert(_ row: VolumeRow) throws {
        do {
            try metadata.pool.write { db in
                try db.execute(sql: "INSERT INTO volumes(name, driver, labels, options, created, anonymous) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [row.name, row.driver, VolumeStore.json(row.labels), VolumeStore.json(row.options),
                                           row.created, row.anonymous ? 1 : 0])
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw HoistError(.conflict, "volume \(row.name) already exists", cause: e)
        } catch { throw Metadata.wrap(error) }
    }

    public func delete(name: String) throws {
        try metadata.write { db in try db.execute(sql: "DELETE FROM volumes WHERE name = ?", arguments: [name]) }
    }

    public func get(name: String) throws -> VolumeRow? {
        try metadata.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM volumes WHERE name = ?", arguments: [name]).map(VolumeStore.row)
        }
    }

    public func all() throws -> [VolumeRow] {
        try metadata.read { db in try Row.fetchAll(db, sql: "SELECT * FROM volumes ORDER BY name").map(VolumeStore.row) }
    }

    static func json(_ m: [String: String]) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        return (try? enc.encode(m)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func map(_ s: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(s.utf8))) ?? [:]
    }

    static func row(_ r: Row) -> VolumeRow {
        VolumeRow(name: r["name"], driver: r["driver"], labels: map(r["labels"]), options: map(r["options"]),
                  created: r["created"], anonymous: (r["anonymous"] as Int64) != 0)
    }
}
