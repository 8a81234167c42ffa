import AsyncHTTPClient
import Foundation
import HoistCore
import HoistOCI
import HoistStore
import NIOCore
import NIOHTTP1
import Synchronization

/// `docker push`: each blob the registry lacks (HEAD first) is mounted from another
/// repository of the same registry when the image came from there, else uploaded
/// monolithically (POST then PUT with the digest) from the content store, exactly the
/// bytes the stored manifest names; the manifest goes last, under the tag.
public struct ImagePusher: Sendable {
    public let client: RegistryClient
    public let store: ImageStore
    /// Docker's max-concurrent-uploads default.
    public var concurrency = 5
    /// Blobs larger than this go up in PATCH chunks of this size (the distribution spec's
    /// chunked upload); smaller ones in one PUT.
    public var chunkSize: Int64 = 32 << 20

    public init(client: RegistryClient, store: ImageStore) {
        self.client = client
        self.store = store
    }

    /// Pushes `image` as `ref` (which has a tag); returns the manifest digest.
    public func push(_ image: ImageRecord, as ref: Reference, progress: @escaping ProgressSink) async throws -> Digest {
        let repo = ref.path
        let manifestBytes = try store.manifestBytes(of: image)
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestBytes)) } catch {
            throw HoistError.internal("image \(image.id): unreadable manifest", cause: error)
        }
        // Other repositories of this registry the image came from: blobs can be mounted from there.
        let sources = try store.tags(of: image.id)
            .filter { $0.domain == ref.domain && $0.path != repo }
            .map(\.path)
        let mountFrom = Array(Set(sources)).sorted()
        let scopes = ["repository:\(repo):pull,push"] + mountFrom.prefix(1).map { "repository:\($0):pull" }

        for layer in manifest.layers.reversed() { progress(.layer(ImagePuller.shortID(layer.digest), "Preparing")) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            let layers = Array(manifest.layers.reversed())
            func startOne() {
                guard next < layers.count else { return }
                let layer = layers[next]
                next += 1
                group.addTask {
                    try await self.pushBlob(layer, repository: repo, mountFrom: mountFrom.first, scopes: scopes, progress: progress, quiet: false)
                }
            }
            for _ in 0..<concurrency { startOne() }
            while try await group.next() != nil { startOne() }
        }
        try await pushBlob(manifest.config, repository: repo, mountFrom: mountFrom.first, scopes: scopes, progress: progress, quiet: true)

        let tag = ref.tag ?? "latest"
        let mediaType = manifest.mediaType ?? MediaType.ociManifest
        let bytes = manifestBytes
        let resp = try await client.send(.PUT, "/v2/\(repo)/manifests/\(tag)", headers: [("Content-Type", mediaType)], scopes: scopes,
                                         body: { .bytes(ByteBuffer(bytes: bytes)) }, timeout: .seconds(300))
        let body = try? await resp.body.collect(upTo: 1 << 16)
        guard resp.status == .created || resp.status == .ok || resp.status == .accepted else {
            throw RegistryError.from(status: resp.status, body: body, fallback: "error pushing manifest: status \(resp.status.code)")
        }
        let digest = Digest.sha256(of: manifestBytes)
        progress(ProgressMessage(id: nil, status: "\(tag): digest: \(digest) size: \(manifestBytes.count)"))
        return digest
    }

    /// HEAD, then a mount, then a monolithic or chunked upload.
    func pushBlob(_ blob: Descriptor, repository repo: String, mountFrom: String?, scopes: [String],
                  progress: @escaping ProgressSink, quiet: Bool) async throws {
        let id = ImagePuller.shortID(blob.digest)
        let head = try await client.send(.HEAD, "/v2/\(repo)/blobs/\(blob.digest)", scopes: scopes, timeout: .seconds(120))
        _ = try? await head.body.collect(upTo: 1 << 16)
        if head.status == .ok {
            if !quiet { progress(.layer(id, "Layer already exists")) }
            return
        }
        guard store.content.exists(blob.digest) else {
            throw HoistError.notFound("blob \(blob.digest) is not in the content store: cannot push it")
        }
        var start = "/v2/\(repo)/blobs/uploads/"
        if let from = mountFrom { start += "?mount=\(blob.digest)&from=\(from)" }
        let post = try await client.send(.POST, start, headers: [("Content-Length", "0")], scopes: scopes, timeout: .seconds(120))
        let postBody = try? await post.body.collect(upTo: 1 << 16)
        if post.status == .created {
            if !quiet { progress(.layer(id, "Mounted from \(mountFrom ?? repo)")) }
            return
        }
        guard post.status == .accepted, let location = post.headers.first(name: "Location") else {
            throw RegistryError.from(status: post.status, body: postBody, fallback: "error starting the upload of \(blob.digest): status \(post.status.code)")
        }
        let path = store.content.path(of: blob.digest)
        let size = blob.size
        let reported = Mutex<Int64>(0)
        let onRead: @Sendable (Int64) -> Void = { n in
            let due = reported.withLock { last -> Bool in
                guard n - last >= 512 << 10 else { return false }
                last = n
                return true
            }
            if !quiet && due { progress(.layer(id, "Pushing", current: n, total: size)) }
        }
        var url = client.absolute(location: location)
        var body: (@Sendable () -> HTTPClientRequest.Body)? = { .stream(FileChunks(path: path, onRead: onRead), length: .known(size)) }
        if size > chunkSize {
            var offset: Int64 = 0
            while offset < size {
                let start = offset, n = min(chunkSize, size - offset)
                let patch = try await client.send(.PATCH, url, headers: [
                    ("Content-Type", "application/octet-stream"), ("Content-Range", "\(start)-\(start + n - 1)"),
                ], scopes: scopes, body: { .stream(FileChunks(path: path, offset: start, length: n, onRead: onRead), length: .known(n)) })
                let patchBody = try? await patch.body.collect(upTo: 1 << 16)
                guard patch.status == .accepted, let next = patch.headers.first(name: "Location") else {
                    throw RegistryError.from(status: patch.status, body: patchBody,
                                             fallback: "error uploading blob \(blob.digest) at \(start): status \(patch.status.code)")
                }
                url = client.absolute(location: next)
                offset += n
            }
            body = nil
        }
        url += (url.contains("?") ? "&" : "?") + "digest=\(blob.digest)"
        let put = try await client.send(.PUT, url, headers: [("Content-Type", "application/octet-stream")] + (body == nil ? [("Content-Length", "0")] : []),
                                        scopes: scopes, body: body)
        let putBody = try? await put.body.collect(upTo: 1 << 16)
        guard put.status == .created else {
            throw RegistryError.from(status: put.status, body: putBody, fallback: "error uploading blob \(blob.digest): status \(put.status.code)")
        }
        if !quiet { progress(.layer(id, "Pushed")) }
    }
}
