import Foundation
import GRDB
import HoistArchive
import HoistCore
import HoistOCI
import HoistSys

/// An image whose blobs are already verified in the content store (pulled, loaded): its
/// layers are unpacked (each once, checked against the config's diff IDs) and the image is
/// recorded with the exact config and manifest bytes its digests name.
extension ImageStore {
    /// What happens to each layer while an image is recorded (for progress displays).
    public enum LayerEvent: Sendable { case extracting(Int), extracted(Int), alreadyUnpacked(Int) }

    /// Whether the layer stack up to `diffIDs.last` is unpacked already.
    public func hasSnapshot(diffIDs: [Digest]) -> Bool {
        guard let chain = ChainID.compute(diffIDs).last else { return true }
        return snapshots.exists(chain)
    }

    /// Records the image described by `manifestBytes` (a Docker schema2 or OCI manifest)
    /// and its config. Every layer blob and the config must be in the content store.
    /// All-or-nothing: on a failure (a layer whose tar does not match its diff ID, an
    /// unsafe layer) no snapshot, row or reference is left; the verified blobs stay for a
    /// later pull. `references` (tags, `repo@digest`) are pointed at the image.
    public func recordImage(manifestBytes: [UInt8], configBytes: [UInt8], references: [Reference],
                            onLayer: (LayerEvent) -> Void = { _ in }) throws -> ImageRecord {
        let manifest: Manifest
        let config: ImageConfig
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestBytes)) } catch {
            throw HoistError.invalid("invalid image manifest: \(error)")
        }
        do { config = try JSONDecoder().decode(ImageConfig.self, from: Data(configBytes)) } catch {
            throw HoistError.invalid("invalid image config: \(error)")
        }
        guard Digest.sha256(of: configBytes) == manifest.config.digest else {
            throw HoistError.invalid("image config does not match the manifest's digest \(manifest.config.digest)")
        }
        let diffIDs = config.rootfs.diff_ids
        guard diffIDs.count == manifest.layers.count else {
            throw HoistError.invalid("image has \(manifest.layers.count) layers but its config lists \(diffIDs.count) diff IDs")
        }
        let chainIDs = ChainID.compute(diffIDs)
        let work = try FileSystem.makeTempDir(in: ingestDir, prefix: "record-")
        defer { try? FileSystem.removeTree(work) }
        let known = try snapshotSizes(chainIDs.map(\.description))
        var pending: [PendingLayer] = []
        for (i, layer) in manifest.layers.enumerated() {
            guard content.exists(layer.digest) else { throw HoistError.notFound("blob \(layer.digest) not found") }
            if snapshots.exists(chainIDs[i]) {
                onLayer(.alreadyUnpacked(i))
                pending.append(PendingLayer(diffID: diffIDs[i], snapshotDir: nil, unpackedSize: known[i], blob: layer, blobPath: nil))
                continue
            }
            onLayer(.extracting(i))
            let dir = "\(work)/snapshot-\(i)"
            try FileSystem.mkdirAll(dir + "/fs", mode: 0o755)
            let (diffID, unpacked) = try LayerUnpack.apply(blobPath: content.path(of: layer.digest), to: dir + "/fs")
            guard diffID == diffIDs[i] else {
                throw HoistError.invalid("failed to register layer: layer \(layer.digest) has diff ID \(diffID), the image config expects \(diffIDs[i])")
            }
            onLayer(.extracted(i))
            pending.append(PendingLayer(diffID: diffID, snapshotDir: dir, unpackedSize: unpacked, blob: layer, blobPath: nil))
        }
        return try commit(configBytes: configBytes, config: config, manifestBytes: manifestBytes, layers: pending,
                          references: references, work: work)
    }

    /// The image a reference (tag or digest) points at, if any.
    public func imageID(for ref: Reference) throws -> String? {
        try metadata.read { db in try String.fetchOne(db, sql: "SELECT image_id FROM tags WHERE reference = ?", arguments: [ref.description]) }
    }

    /// Points more references at an existing image (a pull that found everything present).
    public func addReferences(_ refs: [Reference], imageID: String) throws {
        for r in refs { try tag(imageID: imageID, as: r) }
    }

    /// The stored manifest bytes of an image (exactly what its manifest digest names).
    public func manifestBytes(of image: ImageRecord) throws -> [UInt8] {
        try content.read(try Digest(parsing: image.manifestDigest))
    }
}
