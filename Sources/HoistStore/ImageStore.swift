import Foundation
import GRDB
import HoistArchive
import HoistCore
import HoistOCI
import HoistSys
import Synchronization

/// Content store + snapshotter + image metadata. Thread-safe: reads go straight to the
/// database; operations that place or remove files and rows run under one lock, so an
/// import never sees a snapshot that a concurrent delete is about to remove.
///
/// Layout under the data root: `blobs/sha256/<hex>`, `snapshots/<hex>/fs`, `ingest/`
/// (partial blobs, layers being unpacked, trash; emptied at start).
public final class ImageStore: Sendable {
    public let dataRoot: String
    public let metadata: Metadata
    public let content: ContentStore
    public let snapshots: Snapshotter
    let ingestDir: String
    private let lock = NSLock()
    /// Decoded image records by ID. An image's rows are written once and only ever deleted,
    /// so a record read for an ID stays right until `deleteImage` drops it. `run` resolves its
    /// image at create and again at start; reading and decoding it took ~0.5 ms each time.
    private let records = Mutex(RecordCache())
    /// Tests make a step fail here (`"after-ingest"`, `"before-metadata"`) to check rollback.
    nonisolated(unsafe) var failPoint: (@Sendable (String) throws -> Void)?

    public init(dataRoot: String, metadata: Metadata) throws {
        self.dataRoot = dataRoot
        self.metadata = metadata
        ingestDir = dataRoot + "/ingest"
        content = try ContentStore(root: dataRoot + "/blobs", ingestDir: ingestDir)
        snapshots = try Snapshotter(root: dataRoot + "/snapshots", ingestDir: ingestDir)
        try recover()
    }

    // MARK: start-up

    /// Removes what interrupted operations left: the ingest dir's content, files listed in
    /// the journal (placed by an import that never committed, or dropped by a delete that
    /// did), and snapshot dirs no row knows.
    private func recover() throws {
        for name in try FileSystem.listDirectory(ingestDir) { try FileSystem.removeTree("\(ingestDir)/\(name)") }
        let journal = try metadata.read { db in try String.fetchAll(db, sql: "SELECT path FROM fs_journal") }
        for path in journal where path.hasPrefix(dataRoot + "/") && !path.contains("/../") {
            try FileSystem.removeTree(path)
        }
        if !journal.isEmpty { _ = try metadata.write { db in try db.execute(sql: "DELETE FROM fs_journal") } }
        let known = Set(try metadata.read { db in try String.fetchAll(db, sql: "SELECT chain_id FROM snapshots") }
            .compactMap { try? Digest(parsing: $0).hex })
        for name in try snapshots.all() where !known.contains(name) {
            try FileSystem.removeTree("\(snapshots.root)/\(name)")
        }
    }

    // MARK: import

    /// Imports a rootfs tar (plain or compressed) as a one-layer image, as `docker import`:
    /// `defaults` becomes config.config, `comment` goes in the history (default
    /// "Imported from -"), and `reference` is tagged (moved from any other image).
    /// All-or-nothing: on failure no blob, snapshot or row remains.
    public func importRootfs(tarPath: String, defaults: ContainerDefaults?, comment: String?, reference: Reference?) throws -> ImageRecord {
        let work = try FileSystem.makeTempDir(in: ingestDir, prefix: "import-")
        defer { try? FileSystem.removeTree(work) }
        try FileSystem.mkdirAll(work + "/snapshot/fs", mode: 0o755)
        let layer = try LayerIngest.ingest(inputPath: tarPath, tempDir: work, applyTo: work + "/snapshot/fs")
        try failPoint?("after-ingest")

        let now = Timestamp.now()
        let created = Timestamp.format(seconds: now.seconds, nanoseconds: now.nanoseconds)
        let config = ImageConfig(created: created, architecture: "amd64", os: "linux", config: defaults,
                                 rootfs: RootFS(diffIDs: [layer.diffID]),
                                 history: [History(created: created, comment: comment ?? "Imported from -")])
        let pending = PendingLayer(diffID: layer.diffID, snapshotDir: work + "/snapshot", unpackedSize: layer.unpackedSize,
                                   blob: Descriptor(mediaType: MediaType.ociLayerGzip, digest: layer.compressedDigest,
                                                    size: layer.compressedSize),
                                   blobPath: layer.compressedPath)
        return try commit(config: config, layers: [pending], reference: reference, work: work)
    }

    /// A layer ready to be committed: its blob written (or already in the store), its
    /// snapshot unpacked (or already there).
    struct PendingLayer {
        var diffID: Digest
        /// Directory holding `fs/`, to rename into place; nil when the snapshot exists.
        var snapshotDir: String?
        var unpackedSize: Int64
        var blob: Descriptor
        /// The blob file to place; nil when the blob is already in the store.
        var blobPath: String?
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Writes config + manifest blobs, places blobs and snapshots, then records everything
    /// in one transaction. Files placed before the transaction are listed in the journal
    /// first, so a crash in between leaves nothing behind after the next start.
    func commit(config: ImageConfig, layers: [PendingLayer], reference: Reference?, work: String) throws -> ImageRecord {
        let configBytes = Array(try ImageStore.encoder.encode(config))
        let configDigest = Digest.sha256(of: configBytes)
        let manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
                                layers: layers.map(\.blob))
        let manifestBytes = Array(try ImageStore.encoder.encode(manifest))
        return try commit(configBytes: configBytes, config: config, manifestBytes: manifestBytes, layers: layers,
                          references: reference.map { [$0] } ?? [], work: work)
    }

    /// `commit` with the config and manifest as bytes (a pulled or loaded image keeps the
    /// exact bytes its digests name); `references` are tags and digest references.
    func commit(configBytes: [UInt8], config: ImageConfig, manifestBytes: [UInt8], layers: [PendingLayer],
                references: [Reference], work: String) throws -> ImageRecord {
        let configDigest = Digest.sha256(of: configBytes)
        let manifestDigest = Digest.sha256(of: manifestBytes)
        let configPath = work + "/config.json", manifestPath = work + "/manifest.json"
        try FileSystem.atomicWrite(configPath, configBytes)
        try FileSystem.atomicWrite(manifestPath, manifestBytes)
        let chainIDs = ChainID.compute(layers.map(\.diffID))
        guard chainIDs.count == layers.count else { throw HoistError.internal("chain IDs") }

        lock.lock()
        defer { lock.unlock() }

        // What this import adds to the disk.
        enum Placement { case blob(temp: String, digest: Digest, size: Int64), snapshot(temp: String, chainID: Digest) }
        var plan: [(placement: Placement, final: String)] = []
        var blobs: [(String, Digest, Int64)] = [(configPath, configDigest, Int64(configBytes.count)),
                                                (manifestPath, manifestDigest, Int64(manifestBytes.count))]
        for l in layers { if let p = l.blobPath { blobs.append((p, l.blob.digest, l.blob.size)) } }
        var seen = Set<Digest>()
        for (temp, digest, size) in blobs where !content.exists(digest) && seen.insert(digest).inserted {
            plan.append((.blob(temp: temp, digest: digest, size: size), content.path(of: digest)))
        }
        for (i, l) in layers.enumerated() where !snapshots.exists(chainIDs[i]) {
            guard let dir = l.snapshotDir else { throw HoistError.internal("layer \(l.diffID) has no snapshot") }
            plan.append((.snapshot(temp: dir, chainID: chainIDs[i]), snapshots.directory(of: chainIDs[i])))
        }
        let journal = plan.map(\.final)
        if !journal.isEmpty {
            try metadata.write { db in
                for p in journal { try db.execute(sql: "INSERT OR IGNORE INTO fs_journal(path) VALUES (?)", arguments: [p]) }
            }
        }
        var placed: [String] = []
        do {
            for (placement, final) in plan {
                switch placement {
                case let .blob(temp, digest, size):
                    if try content.commit(tempPath: temp, digest: digest, size: size) { placed.append(final) }
                case let .snapshot(temp, chainID):
                    if try snapshots.commit(directory: temp, chainID: chainID) { placed.append(final) }
                }
            }
            try failPoint?("before-metadata")
            let now = Timestamp.now().seconds
            let created = config.created.flatMap(Timestamp.parse) ?? now
            let size = layers.reduce(Int64(0)) { $0 + $1.unpackedSize }
            let id = configDigest.description
            return try metadata.write { db in
                for (i, l) in layers.enumerated() {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO snapshots(chain_id, diff_id, parent, size, created) VALUES (?, ?, ?, ?, ?)
                        """, arguments: [chainIDs[i].description, l.diffID.description, i > 0 ? chainIDs[i - 1].description : nil,
                                         l.unpackedSize, now])
                }
                let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM images WHERE id = ?)", arguments: [id]) ?? false
                if !exists {
                    try db.execute(sql: "INSERT INTO images(id, manifest_digest, config, created, size) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [id, manifestDigest.description, Data(configBytes), created, size])
                    for (i, l) in layers.enumerated() {
                        try db.execute(sql: """
                            INSERT INTO image_layers(image_id, position, chain_id, blob_digest, blob_size, media_type)
                            VALUES (?, ?, ?, ?, ?, ?)
                            """, arguments: [id, i, chainIDs[i].description, l.blob.digest.description, l.blob.size, l.blob.mediaType])
                    }
                }
                for reference in references { try ImageStore.setTag(db, reference, id) }
                for p in journal { try db.execute(sql: "DELETE FROM fs_journal WHERE path = ?", arguments: [p]) }
                guard let rec = try ImageStore.fetchImage(db, id: id) else { throw HoistError.internal("image \(id) vanished") }
                return rec
            }
        } catch {
            for path in placed.reversed() { try? FileSystem.removeTree(path) }
            if !journal.isEmpty {
                _ = try? metadata.write { db in
                    for p in journal { try db.execute(sql: "DELETE FROM fs_journal WHERE path = ?", arguments: [p]) }
                }
            }
            throw error
        }
    }

    // MARK: lookup

    /// Finds an image by name (`busybox`, `busybox:latest`, `docker.io/library/busybox:latest`,
    /// `name@sha256:...`) or ID (`sha256:<hex>`, `<hex>`, or a unique prefix of either), in
    /// Docker's order: a full 64-hex ID, then the tag, then an ID prefix.
    public func resolve(_ nameOrID: String) throws -> ImageRecord {
        let input = nameOrID
        if let hex = ImageStore.fullHexID(input) {
            if let rec = try image(id: "sha256:" + hex) { return rec }
            throw HoistError.notFound("No such image: \(input)")
        }
        var notFound = "No such image: \(input)"
        var parseError: (any Error)?
        do {
            let ref = try Reference(parsing: input)
            notFound = "No such image: \(ref.familiarString)"
            let id = try metadata.read { db in
                try String.fetchOne(db, sql: "SELECT image_id FROM tags WHERE reference = ?", arguments: [ref.description])
            }
            if let id, let hit = try image(id: id) { return hit }
        } catch let e as HoistError where e.code == .invalidArgument {
            parseError = e
        }
        guard let prefix = ImageStore.hexPrefix(input) else {
            // Neither a name nor an ID: the reference's own error (e.g. uppercase).
            throw parseError ?? HoistError.notFound(notFound)
        }
        let ids = try metadata.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM images WHERE id LIKE ? LIMIT 2", arguments: ["sha256:\(prefix)%"])
        }
        // An ambiguous prefix is "no such image", as in Docker.
        if ids.count == 1, let rec = try image(id: ids[0]) { return rec }
        throw HoistError.notFound(notFound)
    }

    private struct RecordCache {
        var byID: [String: ImageRecord] = [:]
        /// Counts deletions: a record read while one happened is not kept (it may be gone).
        var deletions = 0
    }

    /// The image with this full ID (`sha256:<hex>`), from the cache or the database.
    private func image(id: String) throws -> ImageRecord? {
        let (cached, deletions) = records.withLock { ($0.byID[id], $0.deletions) }
        if let cached { return cached }
        guard let rec = try metadata.read({ db in try ImageStore.fetchImage(db, id: id) }) else { return nil }
        records.withLock { c in if c.deletions == deletions { c.byID[id] = rec } }
        return rec
    }

    /// Every image with its tags, newest first.
    public func list() throws -> [(image: ImageRecord, tags: [Reference])] {
        try metadata.read { db in
            var layers: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT image_id, chain_id FROM image_layers ORDER BY image_id, position") {
                layers[row["image_id"], default: []].append(row["chain_id"])
            }
            var tags: [String: [Reference]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT reference, image_id FROM tags ORDER BY reference") {
                if let ref = try? Reference(parsing: row["reference"] as String) { tags[row["image_id"], default: []].append(ref) }
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM images ORDER BY created DESC, rowid DESC").map { row in
                let rec = try ImageStore.record(row, chainIDs: layers[row["id"]] ?? [])
                return (rec, tags[rec.id] ?? [])
            }
        }
    }

    /// Tags (and digest references) pointing at `imageID`, sorted.
    public func tags(of imageID: String) throws -> [Reference] {
        let id = ImageStore.normalizedID(imageID)
        return try metadata.read { db in
            try String.fetchAll(db, sql: "SELECT reference FROM tags WHERE image_id = ? ORDER BY reference", arguments: [id])
        }.compactMap { try? Reference(parsing: $0) }
    }

    /// Points `ref` at the image, moving it from any other image.
    public func tag(imageID: String, as ref: Reference) throws {
        let id = ImageStore.normalizedID(imageID)
        try metadata.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM images WHERE id = ?)", arguments: [id]) == true else {
                throw HoistError.notFound("No such image: \(imageID)")
            }
            try ImageStore.setTag(db, ref, id)
        }
    }

    /// Removes a tag; `.notFound` when there is no such tag.
    public func untag(_ ref: Reference) throws {
        try metadata.write { db in
            try db.execute(sql: "DELETE FROM tags WHERE reference = ?", arguments: [ref.description])
            guard db.changesCount > 0 else { throw HoistError.notFound("No such image: \(ref.familiarString)") }
        }
    }

    /// Removes the image row (and its tags), its config and manifest blobs, and the layer
    /// blobs and snapshots no other image uses. The caller checks tags/containers first.
    /// Returns the layers whose snapshot went (those another image shares stay), base
    /// first, with their unpacked sizes: what `rmi` lists and prune reports as reclaimed.
    @discardableResult
    public func deleteImage(id imageID: String) throws -> [RemovedLayer] {
        let id = ImageStore.normalizedID(imageID)
        // Before and after: a resolve between the two neither finds nor keeps the record.
        records.withLock { $0.deletions += 1; $0.byID[id] = nil }
        defer { records.withLock { $0.deletions += 1; $0.byID[id] = nil } }
        var trash: [String] = []
        defer { for t in trash { try? FileSystem.removeTree(t) } }
        lock.lock()
        defer { lock.unlock() }
        let (blobs, chains, removed) = try metadata.write { db -> ([Digest], [Digest], [RemovedLayer]) in
            guard let manifest = try String.fetchOne(db, sql: "SELECT manifest_digest FROM images WHERE id = ?", arguments: [id]) else {
                throw HoistError.notFound("No such image: \(imageID)")
            }
            let rows = try Row.fetchAll(db, sql: "SELECT chain_id, blob_digest FROM image_layers WHERE image_id = ? ORDER BY position", arguments: [id])
            try db.execute(sql: "DELETE FROM images WHERE id = ?", arguments: [id])
            var blobs: [Digest] = []
            for d in Set([id, manifest] + rows.map { $0["blob_digest"] as String }) {
                let used = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS(SELECT 1 FROM images WHERE id = ?1 OR manifest_digest = ?1)
                        OR EXISTS(SELECT 1 FROM image_layers WHERE blob_digest = ?1)
                    """, arguments: [d]) ?? true
                if !used, let digest = try? Digest(parsing: d) { blobs.append(digest) }
            }
            var chains: [Digest] = []
            var removed: [RemovedLayer] = []
            var seen = Set<String>()
            for c in rows.map({ $0["chain_id"] as String }) where seen.insert(c).inserted {
                let used = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM image_layers WHERE chain_id = ?)", arguments: [c]) ?? true
                if !used, let digest = try? Digest(parsing: c) {
                    let size = try Int64.fetchOne(db, sql: "SELECT size FROM snapshots WHERE chain_id = ?", arguments: [c]) ?? 0
                    try db.execute(sql: "DELETE FROM snapshots WHERE chain_id = ?", arguments: [c])
                    chains.append(digest)
                    removed.append(RemovedLayer(chainID: c, size: size))
                }
            }
            // If we crash before the files go, the next start removes them.
            for p in blobs.map(content.path(of:)) + chains.map(snapshots.directory(of:)) {
                try db.execute(sql: "INSERT OR IGNORE INTO fs_journal(path) VALUES (?)", arguments: [p])
            }
            return (blobs, chains, removed)
        }
        for c in chains { if let t = try snapshots.detach(c) { trash.append(t) } }
        for b in blobs { try content.delete(b) }
        let paths = blobs.map(content.path(of:)) + chains.map(snapshots.directory(of:))
        if !paths.isEmpty {
            try metadata.write { db in
                for p in paths { try db.execute(sql: "DELETE FROM fs_journal WHERE path = ?", arguments: [p]) }
            }
        }
        return removed
    }

    /// Snapshot dirs (`…/snapshots/<hex>/fs`) top-most first, for overlay's lowerdir.
    public func lowerDirs(of image: ImageRecord) -> [String] {
        image.chainIDs.reversed().map { id in
            let hex = id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id
            return "\(snapshots.root)/\(hex)/fs"
        }
    }

    /// The manifest of an image, as stored.
    public func manifest(of image: ImageRecord) throws -> Manifest {
        let bytes = try content.read(try Digest(parsing: image.manifestDigest))
        return try JSONDecoder().decode(Manifest.self, from: Data(bytes))
    }

    // MARK: rows

    static func setTag(_ db: Database, _ ref: Reference, _ id: String) throws {
        try db.execute(sql: """
            INSERT INTO tags(reference, image_id) VALUES (?, ?)
            ON CONFLICT(reference) DO UPDATE SET image_id = excluded.image_id
            """, arguments: [ref.description, id])
    }

    static func fetchImage(_ db: Database, id: String) throws -> ImageRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM images WHERE id = ?", arguments: [id]) else { return nil }
        let chains = try String.fetchAll(db, sql: "SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position", arguments: [id])
        return try record(row, chainIDs: chains)
    }

    static func record(_ row: Row, chainIDs: [String]) throws -> ImageRecord {
        let data: Data = row["config"]
        let config: ImageConfig
        do { config = try JSONDecoder().decode(ImageConfig.self, from: data) } catch {
            throw HoistError.internal("image \(row["id"] as String): bad config", cause: error)
        }
        return ImageRecord(id: row["id"], manifestDigest: row["manifest_digest"], config: config,
                           created: row["created"], size: row["size"], chainIDs: chainIDs)
    }

    /// `sha256:<64 hex>` or `<64 hex>` → the 64 hex.
    static func fullHexID(_ s: String) -> String? {
        let hex = s.hasPrefix("sha256:") ? String(s.dropFirst(7)) : s
        return hex.utf8.count == 64 && isHex(hex) ? hex : nil
    }

    /// `<hex prefix>` or `sha256:<hex prefix>` → the prefix (1...64 lowercase hex).
    static func hexPrefix(_ s: String) -> String? {
        let hex = s.hasPrefix("sha256:") ? String(s.dropFirst(7)) : s
        return !hex.isEmpty && hex.utf8.count <= 64 && isHex(hex) ? hex : nil
    }

    static func isHex(_ s: String) -> Bool { s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) } }

    static func normalizedID(_ s: String) -> String { s.hasPrefix("sha256:") ? s : "sha256:" + s }
}

/// A layer snapshot `deleteImage` removed: no image uses it any more.
public struct RemovedLayer: Sendable, Equatable {
    public var chainID: String
    /// Unpacked bytes, as counted in the image's size.
    public var size: Int64
}
