#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistOCI
import NIOHTTP1

/// The distribution API (OCI distribution spec 1.1, with Docker's headers) over
/// `RegistryStorage`. Transport-free: requests in, responses out.
struct RegistryHandler: Sendable {
    let storage: RegistryStorage
    let auth: RegistryServerAuth?
    let scheme: String

    func handle(_ req: RegistryServerRequest) async -> RegistryServerResponse {
        do {
            return try await dispatch(req)
        } catch let e as DistributionError {
            return .error(e)
        } catch {
            return .error(DistributionError(.unknown, "\(error)"))
        }
    }

    private func dispatch(_ req: RegistryServerRequest) async throws -> RegistryServerResponse {
        guard let route = RegistryRoute(path: req.target.path) else {
            return RegistryServerResponse(.notFound, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Array("404 page not found\n".utf8)))
        }
        if route == .token {
            guard let auth, auth.mode == .token else {
                return RegistryServerResponse(.notFound, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Array("404 page not found\n".utf8)))
            }
            return try await auth.issueToken(req)
        }
        if let auth, let challenge = auth.check(req, route: route, scheme: scheme) { return challenge }
        if let name = route.repository, !RegistryName.isValidRepository(name) {
            throw DistributionError(.nameInvalid, "invalid repository name", detail: name)
        }
        let m = req.method
        switch route {
        case .base where m == .GET || m == .HEAD:
            return .json(.ok, Array("{}".utf8))
        case .catalog where m == .GET:
            let page = try paginate(storage.repositories(), req, path: "/v2/_catalog")
            return .json(.ok, try json(["repositories": page.items]), headers: page.link)
        case .tagsList(let name) where m == .GET:
            guard storage.repositoryExists(name) else { throw nameUnknown(name) }
            let page = try paginate(storage.tags(name), req, path: "/v2/\(name)/tags/list")
            return .json(.ok, try json(["name": name, "tags": page.items]), headers: page.link)
        case .manifest(let name, let ref) where m == .GET || m == .HEAD:
            return try getManifest(name, ref, head: m == .HEAD)
        case .manifest(let name, let ref) where m == .PUT:
            return try await putManifest(req, name, ref)
        case .manifest(let name, let ref) where m == .DELETE:
            return try deleteManifest(name, ref)
        case .blob(let name, let digest) where m == .GET || m == .HEAD:
            return try getBlob(req, name, try parseDigest(digest), head: m == .HEAD)
        case .blob(let name, let digest) where m == .DELETE:
            guard storage.deleteBlob(name, try parseDigest(digest)) else { throw DistributionError(.blobUnknown, "blob unknown to registry", detail: digest) }
            return RegistryServerResponse(.accepted)
        case .uploads(let name) where m == .POST:
            return try await startUpload(req, name)
        case .upload(let name, let id) where m == .GET:
            let status = try storage.uploadStatus(name, id)
            return RegistryServerResponse(.noContent, headers: uploadHeaders(name, status))
        case .upload(let name, let id) where m == .PATCH:
            return try await patchUpload(req, name, id)
        case .upload(let name, let id) where m == .PUT:
            return try await finishUpload(req, name, id)
        case .upload(let name, let id) where m == .DELETE:
            try storage.deleteUpload(name, id)
            return RegistryServerResponse(.noContent)
        case .referrers(let name, let digest) where m == .GET:
            return try referrers(req, name, try parseDigest(digest))
        default:
            throw DistributionError(.unsupported, "the operation is unsupported")
        }
    }

    // MARK: manifests

    private func getManifest(_ name: String, _ ref: String, head: Bool) throws -> RegistryServerResponse {
        guard let r = RegistryManifestReference(ref), let stored = storage.manifest(name, r) else {
            if !storage.repositoryExists(name) { throw nameUnknown(name) }
            throw DistributionError(.manifestUnknown, "manifest unknown", detail: ref)
        }
        var headers = [("Content-Type", stored.mediaType), ("Docker-Content-Digest", stored.digest.description),
                       ("ETag", "\"\(stored.digest)\"")]
        if head {
            headers.append(("Content-Length", String(stored.bytes.count)))
            return RegistryServerResponse(.ok, headers: headers)
        }
        return RegistryServerResponse(.ok, headers: headers, body: .bytes(stored.bytes))
    }

    /// Content types that say nothing about the manifest: the body's own `mediaType` decides.
    private static let genericTypes: Set<String> = ["application/json", "application/octet-stream", "text/plain"]

    private func putManifest(_ req: RegistryServerRequest, _ name: String, _ ref: String) async throws -> RegistryServerResponse {
        guard let reference = RegistryManifestReference(ref) else {
            throw DistributionError(.manifestInvalid, "manifest invalid", detail: "invalid tag or digest \"\(ref)\"")
        }
        let bytes = try await req.readBody(limit: PushedManifest.maxSize)
        var contentType = PushedManifest.baseType(req.header("Content-Type"))
        if let c = contentType, Self.genericTypes.contains(c) { contentType = nil }
        let manifest = try PushedManifest(bytes: bytes, contentType: contentType)
        let digest = Digest.sha256(of: bytes)
        if case .digest(let expected) = reference, expected != digest {
            throw DistributionError(.digestInvalid, "provided digest did not match uploaded content", detail: "expected \(expected), got \(digest)")
        }
        for blob in manifest.blobs where storage.blobSize(name, blob) == nil {
            throw DistributionError(.manifestBlobUnknown, "blob unknown to registry", detail: blob.description)
        }
        for child in manifest.manifests where storage.resolve(name, .digest(child)) == nil {
            throw DistributionError(.manifestBlobUnknown, "manifest unknown to registry", detail: child.description)
        }
        var tag: String?
        if case .tag(let t) = reference { tag = t }
        let referrer = manifest.subject.map { (subject: $0, descriptor: manifest.referrerDescriptor(digest: digest, size: bytes.count)) }
        try storage.putManifest(name, bytes: bytes, digest: digest, mediaType: manifest.mediaType, tag: tag, referrer: referrer)
        var headers = [("Location", "/v2/\(name)/manifests/\(digest)"), ("Docker-Content-Digest", digest.description)]
        if let subject = manifest.subject { headers.append(("OCI-Subject", subject.description)) }
        return RegistryServerResponse(.created, headers: headers)
    }

    private func deleteManifest(_ name: String, _ ref: String) throws -> RegistryServerResponse {
        switch RegistryManifestReference(ref) {
        case .tag(let tag)?:
            // OCI 1.1: deleting by tag removes the tag only.
            guard storage.deleteTag(name, tag) else { throw DistributionError(.manifestUnknown, "manifest unknown", detail: ref) }
            return RegistryServerResponse(.accepted)
        case .digest(let d)?:
            let subject = storage.manifest(name, .digest(d)).flatMap { try? PushedManifest(bytes: $0.bytes, contentType: $0.mediaType) }?.subject
            guard storage.deleteManifest(name, d, subject: subject) else { throw DistributionError(.manifestUnknown, "manifest unknown", detail: ref) }
            return RegistryServerResponse(.accepted)
        case nil:
            throw DistributionError(.manifestUnknown, "manifest unknown", detail: ref)
        }
    }

    private func referrers(_ req: RegistryServerRequest, _ name: String, _ subject: Digest) throws -> RegistryServerResponse {
        var list = storage.referrers(name, subject).compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        var headers: [(String, String)] = []
        if let type = req.target.first("artifactType") {
            list = list.filter { $0["artifactType"] as? String == type }
            headers.append(("OCI-Filters-Applied", "artifactType"))
        }
        let index: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": list]
        return .json(.ok, try json(index), contentType: MediaType.ociIndex, headers: headers)
    }

    // MARK: blobs

    private func getBlob(_ req: RegistryServerRequest, _ name: String, _ d: Digest, head: Bool) throws -> RegistryServerResponse {
        guard let size = storage.blobSize(name, d) else { throw DistributionError(.blobUnknown, "blob unknown to registry", detail: d.description) }
        var headers = [("Content-Type", "application/octet-stream"), ("Docker-Content-Digest", d.description),
                       ("ETag", "\"\(d)\""), ("Accept-Ranges", "bytes")]
        if head {
            headers.append(("Content-Length", String(size)))
            return RegistryServerResponse(.ok, headers: headers)
        }
        let range = ByteRange(header: req.header("Range"), length: size)
        if range == .unsatisfiable {
            return RegistryServerResponse(.rangeNotSatisfiable, headers: [("Content-Range", "bytes */\(size)")])
        }
        let fd = open(storage.blobPath(d), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DistributionError(.blobUnknown, "blob unknown to registry", detail: d.description) }
        if case .satisfiable(let start, let end) = range {
            headers.append(("Content-Range", "bytes \(start)-\(end)/\(size)"))
            return RegistryServerResponse(.partialContent, headers: headers, body: .file(fd: fd, offset: start, length: end - start + 1))
        }
        return RegistryServerResponse(.ok, headers: headers, body: .file(fd: fd, offset: 0, length: size))
    }

    // MARK: uploads

    private func uploadHeaders(_ name: String, _ s: RegistryStorage.UploadStatus) -> [(String, String)] {
        [("Location", "/v2/\(name)/blobs/uploads/\(s.id)"), ("Range", "0-\(max(0, s.offset - 1))"),
         ("Docker-Upload-UUID", s.id)]
    }

    private func blobCreated(_ name: String, _ d: Digest) -> RegistryServerResponse {
        RegistryServerResponse(.created, headers: [("Location", "/v2/\(name)/blobs/\(d)"), ("Docker-Content-Digest", d.description)])
    }

    private func startUpload(_ req: RegistryServerRequest, _ name: String) async throws -> RegistryServerResponse {
        if let mount = req.target.first("mount"), let from = req.target.first("from") {
            if RegistryName.isValidRepository(from), let d = try? Digest(parsing: mount), try storage.mount(d, from: from, into: name) {
                return blobCreated(name, d)
            }
            // Not mountable: an ordinary upload session, as the spec says.
        }
        if let digest = req.target.first("digest") {
            // Monolithic upload: the body is the whole blob.
            let expected = try parseDigest(digest)
            let session = try storage.startUpload(name)
            var writer = try storage.openUpload(name, session.id)
            do {
                try await req.readBody(into: &writer)
            } catch {
                _ = storage.closeUpload(writer)
                storage.cancelUpload(session.id)
                throw error
            }
            _ = try storage.finishUpload(name, writer, expected: expected)
            return blobCreated(name, expected)
        }
        let session = try storage.startUpload(name)
        return RegistryServerResponse(.accepted, headers: uploadHeaders(name, session))
    }

    /// Opens the session and checks a `Content-Range` against what it holds: a chunk must
    /// start where the previous one ended (416 otherwise, with the current `Range`).
    private func openChecked(_ req: RegistryServerRequest, _ name: String, _ id: String) throws -> UploadWriter {
        let writer = try storage.openUpload(name, id)
        guard let header = req.header("Content-Range") else { return writer }
        guard let range = UploadChunkRange(header: header), range.start == writer.offset,
              req.contentLength.map({ $0 == range.end - range.start + 1 }) ?? true else {
            let status = storage.closeUpload(writer)
            throw RangeRefused(headers: uploadHeaders(name, status))
        }
        return writer
    }

    private struct RangeRefused: Error { var headers: [(String, String)] }

    private func patchUpload(_ req: RegistryServerRequest, _ name: String, _ id: String) async throws -> RegistryServerResponse {
        var writer: UploadWriter
        do { writer = try openChecked(req, name, id) } catch let r as RangeRefused {
            return .error(DistributionError(.blobUploadInvalid, "content range does not follow the uploaded data", status: 416), headers: r.headers)
        }
        do {
            try await req.readBody(into: &writer)
        } catch {
            _ = storage.closeUpload(writer)
            throw error
        }
        let status = storage.closeUpload(writer)
        return RegistryServerResponse(.accepted, headers: uploadHeaders(name, status))
    }

    private func finishUpload(_ req: RegistryServerRequest, _ name: String, _ id: String) async throws -> RegistryServerResponse {
        guard let digest = req.target.first("digest") else {
            throw DistributionError(.digestInvalid, "digest parameter is required to finish an upload")
        }
        let expected = try parseDigest(digest)
        var writer: UploadWriter
        do { writer = try openChecked(req, name, id) } catch let r as RangeRefused {
            return .error(DistributionError(.blobUploadInvalid, "content range does not follow the uploaded data", status: 416), headers: r.headers)
        }
        do {
            try await req.readBody(into: &writer)
        } catch {
            _ = storage.closeUpload(writer)
            throw error
        }
        _ = try storage.finishUpload(name, writer, expected: expected)
        return blobCreated(name, expected)
    }

    // MARK: helpers

    private func parseDigest(_ s: String) throws -> Digest {
        guard let d = try? Digest(parsing: s) else { throw DistributionError(.digestInvalid, "invalid digest", detail: s) }
        return d
    }

    private func nameUnknown(_ name: String) -> DistributionError {
        DistributionError(.nameUnknown, "repository name not known to registry", detail: name)
    }

    private func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// `n` and `last` pagination; a `Link` header to the next page when one remains.
    private func paginate(_ all: [String], _ req: RegistryServerRequest, path: String) throws -> (items: [String], link: [(String, String)]) {
        var items = all
        if let last = req.target.first("last"), !last.isEmpty { items = items.filter { $0 > last } }
        guard let nText = req.target.first("n") else { return (items, []) }
        guard let n = Int(nText), n >= 0 else {
            throw DistributionError(.paginationNumberInvalid, "invalid number of results requested", detail: nText)
        }
        guard items.count > n else { return (items, []) }
        let page = Array(items.prefix(n))
        guard let lastItem = page.last else { return (page, []) }
        return (page, [("Link", "<\(path)?last=\(lastItem)&n=\(n)>; rel=\"next\"")])
    }
}
