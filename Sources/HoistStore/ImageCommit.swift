#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import HoistArchive
import HoistCore
import HoistOCI
import HoistSys

/// `commit`: a new image from a parent image plus one layer (a container's changes).
extension ImageStore {
    /// Diffs a directory (an overlay upper dir) into a layer blob in the store's ingest dir.
    /// Nil when nothing changed (Docker's empty layer). The blob belongs to the caller until
    /// it is given to `commit` (which always removes it).
    public func diffLayer(directory: String, exclude: Set<String> = []) throws -> IngestedLayer? {
        let layer = try LayerDiff.ingest(directory: directory, tempDir: ingestDir, exclude: exclude)
        if layer.entries == 0 {
            unlink(layer.compressedPath)
            return nil
        }
        return layer
    }

    /// What the history entry and config of a committed image say.
    public struct CommitInfo: Sendable {
        /// The new image's config.config (the container's config with changes applied).
        public var defaults: ContainerDefaults?
        public var author: String?
        public var comment: String?
        /// The history's `created_by` (Docker: the container's Cmd joined by spaces).
        public var createdBy: String?
        public init(defaults: ContainerDefaults?, author: String? = nil, comment: String? = nil, createdBy: String? = nil) {
            self.defaults = defaults; self.author = author; self.comment = comment; self.createdBy = createdBy
        }
    }

    /// Commits `parent`'s layers plus `layer` (nil: an empty layer, recorded in the history
    /// only) as a new image, tagged `reference` when given. The layer's blob goes into the
    /// content store and is unpacked into its snapshot (the same path as a pulled layer, so
    /// the snapshot matches the diff ID). All-or-nothing, as `importRootfs`; `layer`'s temp
    /// blob is gone afterwards either way.
    public func commit(parent: ImageRecord?, layer: IngestedLayer?, info: CommitInfo, reference: Reference?) throws -> ImageRecord {
        defer { if let layer { unlink(layer.compressedPath) } }
        let work = try FileSystem.makeTempDir(in: ingestDir, prefix: "commit-")
        defer { try? FileSystem.removeTree(work) }

        var pending: [PendingLayer] = []
        var diffIDs: [Digest] = []
        if let parent {
            let manifest = try self.manifest(of: parent)
            diffIDs = parent.config.rootfs.diff_ids
            guard manifest.layers.count == diffIDs.count, parent.chainIDs.count == diffIDs.count else {
                throw HoistError.internal("image \(parent.id): layers, diff IDs and snapshots disagree")
            }
            let sizes = try snapshotSizes(parent.chainIDs)
            for (i, d) in diffIDs.enumerated() {
                pending.append(PendingLayer(diffID: d, snapshotDir: nil, unpackedSize: sizes[i], blob: manifest.layers[i], blobPath: nil))
            }
        }
        if let layer {
            let chain = ChainID.compute(diffIDs + [layer.diffID]).last ?? layer.diffID
            var snapshotDir: String?
            var unpacked: Int64
            if snapshots.exists(chain) {
                unpacked = try snapshotSizes([chain.description]).first ?? layer.unpackedSize
            } else {
                snapshotDir = work + "/snapshot"
                try FileSystem.mkdirAll(work + "/snapshot/fs", mode: 0o755)
                unpacked = try LayerApplier.apply(tarPath: layer.compressedPath, to: work + "/snapshot/fs")
            }
            try failPoint?("after-apply")
            pending.append(PendingLayer(diffID: layer.diffID, snapshotDir: snapshotDir, unpackedSize: unpacked,
                                        blob: Descriptor(mediaType: MediaType.ociLayerGzip, digest: layer.compressedDigest,
                                                         size: layer.compressedSize),
                                        blobPath: layer.compressedPath))
            diffIDs.append(layer.diffID)
        }

        let now = Timestamp.now()
        let created = Timestamp.format(seconds: now.seconds, nanoseconds: now.nanoseconds)
        var history = parent?.config.history ?? []
        history.append(History(created: created, created_by: info.createdBy,
                               author: info.author.flatMap { $0.isEmpty ? nil : $0 },
                               comment: info.comment.flatMap { $0.isEmpty ? nil : $0 },
                               empty_layer: layer == nil ? true : nil))
        let config = ImageConfig(created: created, author: info.author.flatMap { $0.isEmpty ? nil : $0 },
                                 architecture: parent?.config.architecture ?? "amd64", os: parent?.config.os ?? "linux",
                                 config: info.defaults, rootfs: RootFS(diffIDs: diffIDs), history: history)
        return try commit(config: config, layers: pending, reference: reference, work: work)
    }

    /// An image's history, oldest first, each entry with its layer's unpacked size (0 for
    /// an empty layer), as Docker pairs them: non-empty entries take the layers in order.
    public func history(of image: ImageRecord) throws -> [(entry: History, size: Int64)] {
        let sizes = try snapshotSizes(image.chainIDs)
        var out: [(History, Int64)] = []
        var layer = 0
        for h in image.config.history ?? [] {
            var size: Int64 = 0
            if h.empty_layer != true {
                guard layer < sizes.count else { throw HoistError.internal("too many non-empty layers in History section") }
                size = sizes[layer]
                layer += 1
            }
            out.append((h, size))
        }
        return out
    }

    /// Unpacked sizes of snapshots by chain ID (0 when unknown).
    func snapshotSizes(_ chainIDs: [String]) throws -> [Int64] {
        try metadata.read { db in
            try chainIDs.map { c in
                try Int64.fetchOne(db, sql: "SELECT size FROM snapshots WHERE chain_id = ?", arguments: [c]) ?? 0
            }
        }
    }
}
