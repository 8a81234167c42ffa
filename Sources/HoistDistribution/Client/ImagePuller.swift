import AsyncHTTPClient
import Foundation
import HoistCore
import HoistOCI
import HoistStore
import NIOCore

/// `docker pull`: manifest (an index resolved for linux/amd64), config, then the layer
/// blobs, several at once, each streamed into the content store and checked against its
/// digest and size on the way. The image is recorded only once every blob is verified
/// and every layer unpacked to its diff ID: a failed pull leaves no image or reference,
/// and the blobs it verified are reused by the next pull.
public struct ImagePuller: Sendable {
    public let client: RegistryClient
    public let store: ImageStore
    /// Docker's max-concurrent-downloads default.
    public var concurrency = 3
    /// Which image of a multi-platform index (`--platform`).
    public var platform = PullPlatform.host

    public init(client: RegistryClient, store: ImageStore) {
        self.client = client
        self.store = store
    }

    public struct Result: Sendable {
        public var image: ImageRecord
        /// The digest of the top-level manifest (an index's when there is one), as RepoDigests shows it.
        public var digest: Digest
        /// False when the reference already pointed at this image ("Image is up to date").
        public var changed: Bool
    }

    static let layerTypes: Set<String> = [
        MediaType.ociLayer, MediaType.ociLayerGzip, MediaType.ociLayerZstd, MediaType.dockerLayerGzip,
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    ]

    public func pull(_ ref: Reference, progress: @escaping ProgressSink) async throws -> Result {
        let repo = ref.path
        let refString = ref.digest?.description ?? ref.tag ?? "latest"
        let top = try await client.fetchManifest(repository: repo, reference: refString, display: ref)
        // After the manifest, as moby: an unknown tag is a plain 404 before any progress.
        progress(ProgressMessage(id: refString, status: "Pulling from \(repo)"))
        var manifestData = top
        if top.isIndex {
            let index: Index
            do { index = try JSONDecoder().decode(Index.self, from: Data(top.bytes)) } catch {
                throw HoistError.invalid("invalid manifest list for \(ref.familiarString): \(error)")
            }
            guard let chosen = PlatformSelection.select(index, platform: platform) else {
                throw HoistError.notFound("no matching manifest for \(platform) in the manifest list entries")
            }
            manifestData = try await client.fetchManifest(repository: repo, reference: chosen.digest.description, display: ref)
            guard !manifestData.isIndex else { throw HoistError.invalid("manifest list \(chosen.digest) nests another list") }
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestData.bytes)) } catch {
            throw HoistError.invalid("invalid image manifest for \(ref.familiarString): \(error)")
        }
        for l in manifest.layers where !ImagePuller.layerTypes.contains(l.mediaType) {
            throw HoistError.invalid("unsupported layer media type \(l.mediaType) in \(ref.familiarString)")
        }

        var references: [Reference] = [Reference(domain: ref.domain, path: ref.path, tag: nil, digest: top.digest)]
        if ref.digest == nil, let tag = ref.tag { references.append(Reference(domain: ref.domain, path: ref.path, tag: tag, digest: nil)) }

        // Config: small, fetched whole and verified; then kept as a blob (the image's ID).
        let configBytes: [UInt8]
        if store.content.exists(manifest.config.digest) {
            configBytes = try store.content.read(manifest.config.digest)
        } else {
            configBytes = try await client.fetchSmallBlob(repository: repo, digest: manifest.config.digest)
        }
        let config: ImageConfig
        do { config = try JSONDecoder().decode(ImageConfig.self, from: Data(configBytes)) } catch {
            throw HoistError.invalid("invalid image config \(manifest.config.digest): \(error)")
        }
        let imageID = manifest.config.digest.description
        // Everything is here already: just (re)point the references.
        if let existing = try? store.resolve(imageID), existing.id == imageID {
            let before = try references.map { try store.imageID(for: $0) }
            try store.addReferences(references, imageID: imageID)
            progress(ProgressMessage(id: nil, status: "Digest: \(top.digest)"))
            return Result(image: existing, digest: top.digest, changed: before.contains { $0 != imageID })
        }
        try store.content.write(configBytes, expected: manifest.config.digest)

        let diffIDs = config.rootfs.diff_ids
        guard diffIDs.count == manifest.layers.count else {
            throw HoistError.invalid("image \(ref.familiarString) has \(manifest.layers.count) layers but its config lists \(diffIDs.count)")
        }
        // Which layers need their blob: every one the content store lacks (an unpacked layer
        // is not enough: push sends the blob the manifest names).
        var toFetch: [Int] = []
        var present = Set<Int>()
        for (i, l) in manifest.layers.enumerated() {
            let id = ImagePuller.shortID(l.digest)
            let have = store.content.exists(l.digest)
            if have && store.hasSnapshot(diffIDs: Array(diffIDs[...i])) {
                progress(.layer(id, "Already exists"))
                present.insert(i)
            } else if have {
                progress(.layer(id, "Pulling fs layer"))
                progress(.layer(id, "Download complete"))
            } else {
                progress(.layer(id, "Pulling fs layer"))
                toFetch.append(i)
            }
        }
        // After a failure no new download starts, but those under way finish: each verified
        // blob stays in the content store, so the next pull resumes from it.
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            var next = 0
            var failure: (any Error)?
            func startOne() {
                guard failure == nil, next < toFetch.count else { return }
                let layer = manifest.layers[toFetch[next]]
                next += 1
                group.addTask {
                    do { try await self.download(repository: repo, layer, progress: progress); return nil } catch { return error }
                }
            }
            for _ in 0..<concurrency { startOne() }
            while let result = await group.next() {
                if let error = result, failure == nil { failure = error }
                startOne()
            }
            return failure
        }
        if let failure { throw failure }

        let image = try store.recordImage(manifestBytes: manifestData.bytes, configBytes: configBytes, references: references) { event in
            switch event {
            case .extracting(let i): progress(.layer(ImagePuller.shortID(manifest.layers[i].digest), "Extracting"))
            case .extracted(let i): progress(.layer(ImagePuller.shortID(manifest.layers[i].digest), "Pull complete"))
            case .alreadyUnpacked(let i):
                // Fetched for the content store, unpacked already by another image.
                if !present.contains(i) { progress(.layer(ImagePuller.shortID(manifest.layers[i].digest), "Pull complete")) }
            }
        }
        progress(ProgressMessage(id: nil, status: "Digest: \(top.digest)"))
        return Result(image: image, digest: top.digest, changed: true)
    }

    /// Streams one blob into the content store: hashed as it arrives, refused when it runs
    /// past its size, placed under its digest only when digest and size match.
    func download(repository: String, _ layer: Descriptor, progress: @escaping ProgressSink) async throws {
        let id = ImagePuller.shortID(layer.digest)
        let path = "/v2/\(repository)/blobs/\(layer.digest)"
        let resp = try await client.send(.GET, path, scopes: ["repository:\(repository):pull"])
        guard resp.status == .ok else {
            let body = try? await resp.body.collect(upTo: 1 << 16)
            throw RegistryError.from(status: resp.status, body: body, fallback: "error pulling blob \(layer.digest): status \(resp.status.code)")
        }
        let writer = try BlobWriter(store: store.content)
        var reported: Int64 = 0
        do {
            for try await chunk in resp.body {
                try chunk.withUnsafeReadableBytes { try writer.write($0) }
                if writer.count > layer.size {
                    throw HoistError.invalid("error pulling blob \(layer.digest): the registry sent more than its \(layer.size) bytes")
                }
                if writer.count - reported >= 512 << 10 {
                    reported = writer.count
                    progress(.layer(id, "Downloading", current: writer.count, total: layer.size))
                }
            }
        } catch let e as HoistError {
            writer.abort()
            throw e
        } catch {
            writer.abort()
            throw RegistryClient.transportError(error, method: .GET, url: client.url(path))
        }
        if writer.count < layer.size {
            writer.abort()
            throw HoistError(.unavailable, "error pulling blob \(layer.digest): unexpected EOF after \(writer.count) of \(layer.size) bytes")
        }
        progress(.layer(id, "Verifying Checksum"))
        do {
            _ = try writer.commit(expected: layer.digest, expectedSize: layer.size)
        } catch {
            throw HoistError.invalid("filesystem layer verification failed for digest \(layer.digest)")
        }
        progress(.layer(id, "Download complete"))
    }

    /// Docker's 12-hex short form of a digest (the layer lines' ID).
    public static func shortID(_ d: Digest) -> String { String(d.hex.prefix(12)) }
}
