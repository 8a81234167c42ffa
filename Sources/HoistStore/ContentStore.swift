#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistOCI
import HoistSys

/// Blobs by digest: `<root>/sha256/<hex>`. A blob is written elsewhere (the ingest dir,
/// same file system), checked against its digest and size, fsynced, made read-only and
/// renamed into place: there is never a partial blob under a valid name.
public final class ContentStore: Sendable {
    public let root: String
    /// Where partial blobs are written (`<dataRoot>/ingest`).
    public let ingestDir: String

    public init(root: String, ingestDir: String) throws {
        self.root = root
        self.ingestDir = ingestDir
        try FileSystem.mkdirAll(root + "/sha256", mode: 0o700)
        try FileSystem.mkdirAll(ingestDir, mode: 0o700)
    }

    public func path(of digest: Digest) -> String { "\(root)/\(digest.algorithm)/\(digest.hex)" }

    public func exists(_ digest: Digest) -> Bool { FileSystem.exists(path(of: digest)) }

    /// A small blob (config, manifest) read whole and checked against its digest.
    public func read(_ digest: Digest) throws -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path(of: digest)) } catch let e as HoistError where e.code == .notFound {
            throw HoistError.notFound("blob \(digest) not found")
        }
        guard Digest.sha256(of: bytes) == digest else { throw HoistError.internal("blob \(digest) is corrupt") }
        return bytes
    }

    /// Moves a finished file into place as `digest`. `digest` and `size` are what the writer
    /// computed while writing (or what the source announced): the file must have `size` bytes.
    /// Returns false (and removes `tempPath`) when the blob was already there.
    @discardableResult
    public func commit(tempPath: String, digest: Digest, size: Int64) throws -> Bool {
        let fd = Sys.retry { open(tempPath, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Sys.error("open", tempPath) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Sys.error("stat", tempPath) }
        guard Int64(st.st_size) == size else {
            throw HoistError.invalid("blob \(digest): size \(st.st_size), expected \(size)")
        }
        guard fsync(fd) == 0 else { throw Sys.error("fsync", tempPath) }
        let final = path(of: digest)
        if FileSystem.exists(final) {
            unlink(tempPath)
            return false
        }
        guard fchmod(fd, 0o444) == 0 else { throw Sys.error("chmod", tempPath) }
        try FileSystem.rename(tempPath, final)
        try FileSystem.fsyncDir(FileSystem.parent(of: final))
        return true
    }

    /// Writes `bytes` as a blob; returns its digest and whether it was new.
    @discardableResult
    public func write(_ bytes: [UInt8], expected: Digest? = nil) throws -> (digest: Digest, created: Bool) {
        let w = try BlobWriter(store: self)
        try w.write(bytes)
        return try w.commit(expected: expected, expectedSize: nil)
    }

    /// Removes a blob (missing is fine).
    public func delete(_ digest: Digest) throws {
        guard unlink(path(of: digest)) == 0 || errno == ENOENT else { throw Sys.error("unlink", path(of: digest)) }
    }

    /// Every digest present (for garbage collection and checks).
    public func all() throws -> [Digest] {
        try FileSystem.listDirectory(root + "/sha256").compactMap { try? Digest(parsing: "sha256:\($0)") }
    }
}

/// Streams a blob into the ingest dir, hashing as it goes; `commit` verifies and places it.
public final class BlobWriter {
    public let tempPath: String
    private let store: ContentStore
    private var fd: Int32
    private var hasher = DigestHasher()

    public init(store: ContentStore) throws {
        self.store = store
        let path = "\(store.ingestDir)/blob-\(Identifiers.random().prefix(16))"
        tempPath = path
        let fd = Sys.retry { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw Sys.error("create", path) }
        self.fd = fd
    }

    deinit { abort() }

    public var count: Int64 { hasher.count }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw HoistError.internal("blob writer closed") }
        try FileSystem.writeAll(fd: fd, bytes, display: tempPath)
        hasher.update(bytes)
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Verifies the digest (and size) against what was expected, then places the blob.
    public func commit(expected: Digest?, expectedSize: Int64?) throws -> (digest: Digest, created: Bool) {
        guard fd >= 0 else { throw HoistError.internal("blob writer closed") }
        let digest = hasher.finalize()
        do {
            if let expected, expected != digest {
                throw HoistError.invalid("digest mismatch: expected \(expected), got \(digest)")
            }
            if let expectedSize, expectedSize != hasher.count {
                throw HoistError.invalid("size mismatch for \(digest): expected \(expectedSize), got \(hasher.count)")
            }
            close(fd)
            fd = -1
            let created = try store.commit(tempPath: tempPath, digest: digest, size: hasher.count)
            return (digest, created)
        } catch {
            abort()
            throw error
        }
    }

    /// Drops the partial blob.
    public func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(tempPath)
    }
}
