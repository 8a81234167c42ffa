#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistOCI
import Synchronization

/// The registry's content on the file system:
///
/// ```
/// blobs/sha256/<hex>                                     content, write-once
/// uploads/<id>/data, uploads/<id>/repository             upload sessions
/// tmp/                                                   files being written (atomic writes)
/// repositories/<name>/_layers/sha256/<hex>               the repository links a blob
/// repositories/<name>/_manifests/revisions/sha256/<hex>  a manifest (file holds its media type)
/// repositories/<name>/_manifests/tags/<tag>              a tag (file holds the digest)
/// repositories/<name>/_referrers/sha256/<subject>/<hex>  a referrer's descriptor (JSON)
/// ```
///
/// Name components never start with `_`, so the `_` directories cannot clash with a
/// repository path. A blob reaches `blobs/` only after its digest was verified and the
/// file fsynced, by `rename`: nothing partial is ever under a valid name.
public final class RegistryStorage: Sendable {
    public let root: String

    /// Live state of upload sessions in this process: the running digest (so finishing does
    /// not re-read the data) and whether a request is writing to it now.
    private struct LiveUpload {
        var hasher: DigestHasher
        var offset: Int64
        var busy: Bool
    }
    private let live = Mutex<[String: LiveUpload]>([:])

    public init(root: String) throws {
        self.root = root
        for dir in ["blobs/sha256", "uploads", "tmp", "repositories"] {
            try RegistryFiles.makeDirectories("\(root)/\(dir)")
        }
        // Leftovers of writes a crash interrupted: never under a valid name, safe to drop.
        for f in RegistryFiles.list(tempDir) { RegistryFiles.remove("\(tempDir)/\(f)") }
    }

    var tempDir: String { "\(root)/tmp" }

    // MARK: paths

    public func blobPath(_ d: Digest) -> String { "\(root)/blobs/\(d.algorithm)/\(d.hex)" }
    func repoDir(_ name: String) -> String { "\(root)/repositories/\(name)" }
    func layerLink(_ name: String, _ d: Digest) -> String { "\(repoDir(name))/_layers/\(d.algorithm)/\(d.hex)" }
    func revisionLink(_ name: String, _ d: Digest) -> String { "\(repoDir(name))/_manifests/revisions/\(d.algorithm)/\(d.hex)" }
    func tagsDir(_ name: String) -> String { "\(repoDir(name))/_manifests/tags" }
    func referrersDir(_ name: String, _ subject: Digest) -> String { "\(repoDir(name))/_referrers/\(subject.algorithm)/\(subject.hex)" }
    func uploadDir(_ id: String) -> String { "\(root)/uploads/\(id)" }

    // MARK: repositories

    /// A repository exists once something was pushed to it.
    public func repositoryExists(_ name: String) -> Bool {
        RegistryFiles.isDirectory("\(repoDir(name))/_manifests") || RegistryFiles.isDirectory("\(repoDir(name))/_layers")
    }

    /// Every repository with at least one manifest, sorted.
    public func repositories() -> [String] {
        var out: [String] = []
        func walk(_ dir: String, _ prefix: String) {
            for entry in RegistryFiles.list(dir).sorted() where !entry.hasPrefix("_") {
                let path = "\(dir)/\(entry)"
                guard RegistryFiles.isDirectory(path) else { continue }
                let name = prefix.isEmpty ? entry : "\(prefix)/\(entry)"
                if RegistryFiles.isDirectory("\(path)/_manifests") { out.append(name) }
                walk(path, name)
            }
        }
        walk("\(root)/repositories", "")
        return out.sorted()
    }

    // MARK: blobs

    /// The blob's size when it exists and the repository links it (as a layer or a manifest).
    public func blobSize(_ name: String, _ d: Digest) -> Int64? {
        guard RegistryFiles.exists(layerLink(name, d)) || RegistryFiles.exists(revisionLink(name, d)) else { return nil }
        return RegistryFiles.size(blobPath(d))
    }

    public func link(_ name: String, _ d: Digest) throws {
        let path = layerLink(name, d)
        if RegistryFiles.exists(path) { return }
        try RegistryFiles.writeAtomically([], to: path, tempDir: tempDir)
    }

    /// Mounts a blob linked in `from` into `name`; false when `from` does not have it.
    public func mount(_ d: Digest, from: String, into name: String) throws -> Bool {
        guard blobSize(from, d) != nil else { return false }
        try link(name, d)
        return true
    }

    /// Unlinks the blob from the repository (the content stays for other repositories).
    public func deleteBlob(_ name: String, _ d: Digest) -> Bool {
        let path = layerLink(name, d)
        guard RegistryFiles.exists(path) else { return false }
        return unlink(path) == 0
    }

    // MARK: uploads

    public struct UploadStatus: Sendable {
        public var id: String
        public var offset: Int64
    }

    public func startUpload(_ name: String) throws -> UploadStatus {
        let id = UUID().uuidString.lowercased()
        let dir = uploadDir(id)
        try RegistryFiles.makeDirectories(dir)
        try RegistryFiles.writeAtomically(Array(name.utf8), to: "\(dir)/repository", tempDir: tempDir)
        let fd = open("\(dir)/data", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryFiles.errorText("cannot create", "\(dir)/data") }
        close(fd)
        live.withLock { $0[id] = LiveUpload(hasher: DigestHasher(), offset: 0, busy: false) }
        return UploadStatus(id: id, offset: 0)
    }

    /// The session's state; BLOB_UPLOAD_UNKNOWN when it does not exist or belongs to another repository.
    public func uploadStatus(_ name: String, _ id: String) throws -> UploadStatus {
        try checkUpload(name, id)
        if let off = live.withLock({ $0[id]?.offset }) { return UploadStatus(id: id, offset: off) }
        return UploadStatus(id: id, offset: RegistryFiles.size("\(uploadDir(id))/data") ?? 0)
    }

    private func checkUpload(_ name: String, _ id: String) throws {
        let safe = !id.isEmpty && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || $0 == UInt8(ascii: "-") }
        guard safe, RegistryFiles.readString("\(uploadDir(id))/repository") == name else {
            throw DistributionError(.blobUploadUnknown, "blob upload unknown to registry")
        }
    }

    /// Claims the session for one request's writes. A session another request is writing
    /// to answers BLOB_UPLOAD_INVALID (the client must wait for its previous chunk).
    public func openUpload(_ name: String, _ id: String) throws -> UploadWriter {
        try checkUpload(name, id)
        let dataPath = "\(uploadDir(id))/data"
        // Not live in this process (the server restarted): rebuild the digest from the data.
        if live.withLock({ $0[id] }) == nil {
            var hasher = DigestHasher()
            try Self.hashFile(dataPath, into: &hasher)
            live.withLock { if $0[id] == nil { $0[id] = LiveUpload(hasher: hasher, offset: hasher.count, busy: false) } }
        }
        let claimed: LiveUpload? = live.withLock { s in
            guard var u = s[id], !u.busy else { return nil }
            u.busy = true
            s[id] = u
            return u
        }
        guard let claimed else { throw DistributionError(.blobUploadInvalid, "upload is busy with another request", status: 416) }
        let fd = open(dataPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            release(id, hasher: claimed.hasher)
            throw DistributionError(.blobUploadUnknown, "blob upload unknown to registry")
        }
        return UploadWriter(id: id, path: dataPath, fd: fd, hasher: claimed.hasher)
    }

    /// Ends a request's writes: what was written stays (a resumable upload continues from it).
    public func closeUpload(_ writer: UploadWriter) -> UploadStatus {
        _ = close(writer.fd)
        release(writer.id, hasher: writer.hasher)
        return UploadStatus(id: writer.id, offset: writer.hasher.count)
    }

    private func release(_ id: String, hasher: DigestHasher) {
        live.withLock { $0[id] = LiveUpload(hasher: hasher, offset: hasher.count, busy: false) }
    }

    /// Verifies the data against `expected`, then moves it into the blob store and links it.
    /// On a mismatch the session is removed and nothing is stored.
    public func finishUpload(_ name: String, _ writer: UploadWriter, expected: Digest) throws -> Int64 {
        let actual = writer.hasher.finalize()
        let size = writer.hasher.count
        guard actual == expected else {
            _ = close(writer.fd)
            cancelUpload(writer.id)
            throw DistributionError(.digestInvalid, "provided digest did not match uploaded content",
                                detail: "expected \(expected), got \(actual)")
        }
        guard fsync(writer.fd) == 0 else {
            let e = errno
            _ = close(writer.fd)
            cancelUpload(writer.id)
            throw RegistryFiles.errorText("cannot fsync", writer.path, e)
        }
        _ = close(writer.fd)
        let final = blobPath(expected)
        do {
            if !RegistryFiles.exists(final) {
                try RegistryFiles.publish(writer.path, as: final)
            }
            try link(name, expected)
        } catch {
            cancelUpload(writer.id)
            throw error
        }
        cancelUpload(writer.id)
        return size
    }

    public func cancelUpload(_ id: String) {
        live.withLock { _ = $0.removeValue(forKey: id) }
        RegistryFiles.remove(uploadDir(id))
    }

    public func deleteUpload(_ name: String, _ id: String) throws {
        try checkUpload(name, id)
        cancelUpload(id)
    }

    static func hashFile(_ path: String, into hasher: inout DigestHasher) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DistributionError(.blobUploadUnknown, "blob upload unknown to registry") }
        defer { _ = close(fd) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw RegistryFiles.errorText("cannot read", path) }
            if n == 0 { break }
            buf.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    // MARK: manifests

    public struct StoredManifest: Sendable {
        public var digest: Digest
        public var mediaType: String
        public var bytes: [UInt8]
    }

    public func resolve(_ name: String, _ ref: RegistryManifestReference) -> Digest? {
        switch ref {
        case .digest(let d): return RegistryFiles.exists(revisionLink(name, d)) ? d : nil
        case .tag(let t):
            guard let s = RegistryFiles.readString("\(tagsDir(name))/\(t)") else { return nil }
            return try? Digest(parsing: s.registryTrimmed())
        }
    }

    public func manifest(_ name: String, _ ref: RegistryManifestReference) -> StoredManifest? {
        guard let d = resolve(name, ref),
              let mediaType = RegistryFiles.readString(revisionLink(name, d)),
              let bytes = RegistryFiles.read(blobPath(d)) else { return nil }
        return StoredManifest(digest: d, mediaType: mediaType, bytes: bytes)
    }

    /// Stores the manifest bytes as a blob, links the revision (recording its media type),
    /// indexes it under its subject and points the tag at it. The tag moves last.
    public func putManifest(_ name: String, bytes: [UInt8], digest: Digest, mediaType: String,
                            tag: String?, referrer: (subject: Digest, descriptor: [UInt8])?) throws {
        let path = blobPath(digest)
        if !RegistryFiles.exists(path) {
            try RegistryFiles.writeAtomically(bytes, to: path, tempDir: tempDir)
        }
        try RegistryFiles.writeAtomically(Array(mediaType.utf8), to: revisionLink(name, digest), tempDir: tempDir)
        if let referrer {
            try RegistryFiles.writeAtomically(referrer.descriptor, to: "\(referrersDir(name, referrer.subject))/\(digest.hex)", tempDir: tempDir)
        }
        if let tag {
            try RegistryFiles.writeAtomically(Array(digest.description.utf8), to: "\(tagsDir(name))/\(tag)", tempDir: tempDir)
        }
    }

    /// Removes the manifest from the repository: its revision, every tag that points at it
    /// and its referrer entry. False when the repository has no such manifest.
    public func deleteManifest(_ name: String, _ d: Digest, subject: Digest?) -> Bool {
        let link = revisionLink(name, d)
        guard RegistryFiles.exists(link) else { return false }
        for tag in tags(name) where resolve(name, .tag(tag)) == d {
            unlink("\(tagsDir(name))/\(tag)")
        }
        if let subject { unlink("\(referrersDir(name, subject))/\(d.hex)") }
        return unlink(link) == 0
    }

    public func deleteTag(_ name: String, _ tag: String) -> Bool {
        unlink("\(tagsDir(name))/\(tag)") == 0
    }

    public func tags(_ name: String) -> [String] {
        RegistryFiles.list(tagsDir(name)).filter { RegistryName.isValidTag($0) }.sorted()
    }

    /// Descriptors (JSON) of the manifests whose subject is `subject`, still present.
    public func referrers(_ name: String, _ subject: Digest) -> [[UInt8]] {
        let dir = referrersDir(name, subject)
        return RegistryFiles.list(dir).sorted().compactMap { hex in
            guard RegistryFiles.exists(revisionLink(name, Digest(sha256Hex: hex))) else { return nil }
            return RegistryFiles.read("\(dir)/\(hex)")
        }
    }
}

/// One request's append access to an upload session; the digest runs as bytes arrive.
public struct UploadWriter: Sendable {
    public let id: String
    let path: String
    let fd: Int32
    public fileprivate(set) var hasher: DigestHasher

    public var offset: Int64 { hasher.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try RegistryFiles.writeAll(fd, base, bytes.count, path: path)
        hasher.update(bytes)
    }
}


