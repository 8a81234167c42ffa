import GRDB
import HoistCore
import HoistSys

/// The daemon's SQLite database, `<dataRoot>/hoist.db` (WAL, through GRDB): images, tags,
/// layers, containers. Schema changes are migrations appended below, never edits of old ones.
public final class Metadata: Sendable {
    /// GRDB's pool: one writer, concurrent readers. Other stores use it through `read`/`write`.
    public let pool: DatabasePool

    public init(path: String) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Another process (a second hoistd by mistake, the sqlite3 CLI) may hold the lock briefly.
        config.busyMode = .timeout(5)
        config.label = "hoist"
        // WAL + NORMAL: a commit survives a crash of hoistd without an fsync each time (container
        // state changes are on the run hot path); blobs and snapshots are fsynced on their own.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            try FileSystem.mkdirAll(FileSystem.parent(of: path), mode: 0o700)
            pool = try DatabasePool(path: path, configuration: config)
            try Metadata.migrator.migrate(pool)
        } catch {
            throw HoistError(.internal, "open database \(path): \(error)", cause: error)
        }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw Metadata.wrap(error) }
    }

    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw Metadata.wrap(error) }
    }

    /// HoistErrors thrown inside a transaction pass through; database errors become internal.
    static func wrap(_ error: any Error) -> any Error {
        if error is HoistError { return error }
        return HoistError(.internal, "database: \(error)", cause: error)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-images-containers") { db in
            // Each layer unpacked once: snapshots/<hex of chain_id>/fs.
            try db.execute(sql: """
                CREATE TABLE snapshots (
                    chain_id TEXT PRIMARY KEY NOT NULL,
                    diff_id TEXT NOT NULL,
                    parent TEXT,
                    size INTEGER NOT NULL,
                    created INTEGER NOT NULL
                );
                CREATE TABLE images (
                    id TEXT PRIMARY KEY NOT NULL,          -- sha256:<hex> of the config blob
                    manifest_digest TEXT NOT NULL,
                    config BLOB NOT NULL,                  -- the config blob's bytes
                    created INTEGER NOT NULL,
                    size INTEGER NOT NULL
                );
                CREATE TABLE image_layers (
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,             -- 0 = bottom-most
                    chain_id TEXT NOT NULL REFERENCES snapshots(chain_id),
                    blob_digest TEXT NOT NULL,
                    blob_size INTEGER NOT NULL,
                    media_type TEXT NOT NULL,
                    PRIMARY KEY (image_id, position)
                );
                CREATE INDEX image_layers_chain ON image_layers(chain_id);
                CREATE INDEX image_layers_blob ON image_layers(blob_digest);
                CREATE INDEX images_manifest ON images(manifest_digest);
                CREATE TABLE tags (
                    reference TEXT PRIMARY KEY NOT NULL,   -- docker.io/library/busybox:latest
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
                );
                CREATE INDEX tags_image ON tags(image_id);
                CREATE TABLE containers (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    image_id TEXT NOT NULL,
                    data BLOB NOT NULL
                );
                -- Files placed by an operation that has not committed yet (or removed by one
                -- that has): deleted at start-up, so a crash never leaves orphans.
                CREATE TABLE fs_journal (
                    path TEXT PRIMARY KEY NOT NULL
                );
                """)
        }
        m.registerMigration("v2-build-cache") { db in
            // The builder's step cache: key (parent + instruction + content checksum) → the
            // image that step made. Rows go with their image.
            try db.execute(sql: """
                CREATE TABLE build_cache (
                    key TEXT PRIMARY KEY NOT NULL,
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    parent_id TEXT,
                    created INTEGER NOT NULL
                );
                CREATE INDEX build_cache_image ON build_cache(image_id);
                CREATE INDEX build_cache_parent ON build_cache(parent_id);
                """)
        }
        VolumeStore.registerMigrations(&m)
        return m
    }
}
