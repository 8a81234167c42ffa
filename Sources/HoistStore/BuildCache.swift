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

    /// Forgets every cached step; returns the images the cache referred to (the caller
    /// removes those nothing else uses) and how many entries went.
    public func clearBuildCache() throws -> (entries: Int, imageIDs: [String]) {
        try metadata.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT DISTINCT image_id FROM build_cache")
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM build_cache") ?? 0
            try db.execute(sql: "DELETE FROM build_cache")
            return (count, ids)
        }
    }
}

extension ImageStore {
    /// Bytes held by every unpacked layer, for `builder prune`'s "reclaimed space".
    public func totalSnapshotSize() throws -> Int64 {
        try metadata.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM snapshots") ?? 0 }
    }
}
