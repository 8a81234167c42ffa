import Foundation
import GRDB
import HoistCore

/// The builder's step cache, in the `build_cache` table: a step's key (its parent image,
/// its instruction after substitution, and for COPY/ADD a checksum of the sources) → the
/// image the step produced. Persisted, so the cache survives a daemon restart; a row
/// disappears with its image (ON DELETE CASCADE).
extension ImageStore {
    /// The image a step with this key made before, if it still exists.
    public func cachedBuildStep(key: String) throws -> ImageRecord? {
        try metadata.read { db in
            guard let id = try String.fetchOne(db, sql: "SELECT image_id FROM build_cache WHERE key = ?", arguments: [key]) else {
                return nil
            }
            return try ImageStore.fetchImage(db, id: id)
        }
    }

    /// Remembers that the step `key` on `parentID` made `imageID`.
    public func recordBuildStep(key: String, imageID: String, parentID: String?) throws {
        try metadata.write { db in
            try db.execute(sql: """
                INSERT INTO build_cache(key, image_id, parent_id, created) VALUES (?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET image_id = excluded.image_id, parent_id = excluded.parent_id
                """, arguments: [key, imageID, parentID, Timestamp.now().seconds])
        }
    }

    /// IDs of images a cached build step was built on: Docker's "images with children",
    /// hidden from `images` unless tagged.
    public func buildParentImageIDs() throws -> Set<String> {
        try metadata.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT parent_id FROM build_cache WHERE parent_id IS NOT NULL"))
        }
    }

    /// Every cached step with the image it made, oldest first; `size` is what the step's
    /// image adds to its parent (its own layer).
    public func buildCacheEntries() throws -> [BuildCacheEntry] {
        try metadata.read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.key, b.image_id, b.parent_id, b.created, MAX(0, i.size - COALESCE(p.size, 0)) AS own
                FROM build_cache b JOIN images i ON i.id = b.image_id LEFT JOIN images p ON p.id = b.parent_id
                ORDER BY b.created, b.rowid
                """).map { row in
                BuildCacheEntry(key: row["key"], imageID: row["image_id"], parentID: row["parent_id"],
                                created: row["created"], size: row["own"])
            }
        }
    }

    /// Forgets these cached steps.
    public func removeBuildCacheEntries(keys: [String]) throws {
        try metadata.write { db in
            for k in keys { try db.execute(sql: "DELETE FROM build_cache WHERE key = ?", arguments: [k]) }
        }
    }

    /// Whether a cached step still refers to the image (made it, or was built on it).
    public func buildCacheRefers(to imageID: String) throws -> Bool {
        try metadata.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM build_cache WHERE image_id = ? OR parent_id = ?)",
                              arguments: [imageID, imageID]) ?? false
        }
    }
}

/// One row of the step cache.
public struct BuildCacheEntry: Sendable, Equatable {
    public var key: String
    public var imageID: String
    public var parentID: String?
    /// Unix seconds when the step was recorded.
    public var created: Int64
    public var size: Int64
}

extension ImageStore {
    /// Bytes held by every unpacked layer, for `builder prune`'s "reclaimed space".
    public func totalSnapshotSize() throws -> Int64 {
        try metadata.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM snapshots") ?? 0 }
    }
}
