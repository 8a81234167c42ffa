#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore
import HoistOCI
import HoistSys

/// A layer made from a tar: its diffID and its gzip blob, ready for the content store.
public struct IngestedLayer: Sendable, Equatable {
    /// sha256 of the uncompressed tar stream.
    public var diffID: Digest
    /// Bytes of the uncompressed tar stream.
    public var uncompressedSize: Int64
    /// The gzip blob, in the `tempDir` given to `ingest` (the caller moves or removes it).
    public var compressedPath: String
    public var compressedDigest: Digest
    public var compressedSize: Int64
    /// File content bytes written when the layer was also applied (`applyTo`), else 0.
    public var unpackedSize: Int64
    /// Entries written by `LayerDiff` (0: no change at all); not counted by `LayerIngest`.
    public var entries: Int64 = 0
}

/// Turns a tar (plain or compressed) into a layer in one streaming pass: decompress once,
/// hash the tar stream (diffID), gzip it into a blob (hashing that too), check it is a tar
/// and, when asked, apply it to a directory at the same time. Never holds the layer in memory.
public enum LayerIngest {
    /// - Parameters:
    ///   - inputPath: the tar, plain or gzip/bzip2/xz/zstd compressed.
    ///   - tempDir: where the gzip blob is written (same file system as the content store).
    ///   - applyTo: an empty directory to unpack the layer into (see `LayerApplier.apply`),
    ///     or nil to only validate the tar structure.
    ///   - compressionLevel: gzip level 1...9 (nil: zlib's default, 6).
    /// - Throws: `.invalidArgument` "invalid tar archive: ..." when the input is not a tar
    ///   (or is corrupt), "invalid layer: ..." for an unsafe entry. Nothing is left in
    ///   `tempDir` on error; `applyTo` may hold a partial tree (the caller removes it).
    public static func ingest(inputPath: String, tempDir: String, applyTo root: String? = nil,
                              compressionLevel: Int? = nil) throws -> IngestedLayer {
        try LA.withUTF8Locale {
            guard let outer = archive_read_new() else { throw HoistError.internal("libarchive: out of memory") }
            defer { archive_read_free(outer) }
            LA.addFilters(outer)
            archive_read_support_format_raw(outer)
            archive_read_support_format_empty(outer)
            guard archive_read_open_filename(outer, inputPath, 1 << 20) == ARCHIVE_OK else {
                throw LayerApplier.openError(outer, inputPath)
            }
            var rawEntry: OpaquePointer?
            let h = archive_read_next_header(outer, &rawEntry)
            guard h == ARCHIVE_OK || h == ARCHIVE_WARN else {
                if h == ARCHIVE_EOF { throw HoistError.invalid("invalid tar archive: the input is empty") }
                throw HoistError.invalid("invalid tar archive: \(LA.errorString(outer))")
            }

            let compressedPath = "\(tempDir)/layer-\(Identifiers.random().prefix(16)).tar.gz"
            let sink = try GzipSink(path: compressedPath, level: compressionLevel)
            do {
                let source = TeeSource(outer: outer, sink: sink)
                let unpacked = try source.withInnerTarReader { inner in
                    if let root {
                        let extractor = try LayerExtractor(root: root)
                        try extractor.run(inner, readError: { source.error })
                        return extractor.unpacked
                    }
                    try validate(inner, readError: { source.error })
                    return 0
                }
                try source.drain()
                let (digest, size) = try sink.finish()
                return IngestedLayer(diffID: source.hasher.finalize(), uncompressedSize: source.hasher.count,
                                     compressedPath: compressedPath, compressedDigest: digest, compressedSize: size,
                                     unpackedSize: unpacked)
            } catch {
                sink.abort()
                throw error
            }
        }
    }

    /// Walks every header and skips every body: the whole stream is read (and hashed) and
    /// its tar structure checked, without writing anything. Names are checked as `apply` would.
    private static func validate(_ inner: OpaquePointer, readError: () -> HoistError?) throws {
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(inner, &entry)
            if r == ARCHIVE_EOF { return }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let e = entry else {
                throw readError() ?? LayerExtractor.tarError(inner)
            }
            if let c = archive_entry_pathname(e) {
                let raw = LA.bytes(c)
                let p = LayerPath(raw)
                if p.hasDotDot { throw HoistError.invalid("invalid layer: path \"\(LayerPath.display(raw))\" escapes the root") }
                if p.absolute { throw HoistError.invalid("invalid layer: path \"\(LayerPath.display(raw))\" is absolute") }
            }
            guard archive_read_data_skip(inner) >= ARCHIVE_WARN else { throw readError() ?? LayerExtractor.tarError(inner) }
        }
    }
}

/// Pulls decompressed bytes from the outer (raw format) reader and feeds them to the inner
/// tar reader, hashing and gzipping every byte exactly once on the way.
final class TeeSource {
    let outer: OpaquePointer
    let sink: GzipSink
    var hasher = DigestHasher()
    var error: HoistError?
    private var eof = false

    init(outer: OpaquePointer, sink: GzipSink) { self.outer = outer; self.sink = sink }

    /// Next block of the decompressed stream, already teed; nil at the end; throws on error.
    func next() throws -> UnsafeRawBufferPointer? {
        if eof { return nil }
        var buf: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        let r = archive_read_data_block(outer, &buf, &size, &offset)
        if r == ARCHIVE_EOF { eof = true; return nil }
        guard r >= ARCHIVE_WARN else {
            let e = HoistError.invalid("invalid tar archive: \(LA.errorString(outer))")
            error = e
            throw e
        }
        let block = UnsafeRawBufferPointer(start: buf, count: size)
        hasher.update(block)
        do { try sink.write(block) } catch let e as HoistError { error = e; throw e }
        return block
    }

    /// Reads what the tar reader left (padding after the end-of-archive blocks), so the
    /// diffID and the blob cover the whole stream.
    func drain() throws { while try next() != nil {} }

    func withInnerTarReader<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        guard let inner = archive_read_new() else { throw HoistError.internal("libarchive: out of memory") }
        defer { archive_read_free(inner) }
        archive_read_support_format_tar(inner)
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        let r = archive_read_open(inner, ctx, nil, { _, ctx, out in
            guard let ctx, let out else { return -1 }
            let src = Unmanaged<TeeSource>.fromOpaque(ctx).takeUnretainedValue()
            do {
                guard let block = try src.next() else { return 0 }
                out.pointee = block.baseAddress
                return block.count
            } catch {
                return -1
            }
        }, nil)
        guard r == ARCHIVE_OK else { throw error ?? LayerExtractor.tarError(inner) }
        return try withExtendedLifetime(self) { try body(inner) }
    }
}

/// A gzip file written through libarchive (raw format + gzip filter), hashed as it goes.
/// The gzip header carries no timestamp, so the same tar gives the same blob digest.
final class GzipSink {
    let path: String
    private var fd: Int32
    private var writer: OpaquePointer?
    private var hasher = DigestHasher()
    private var failure: Int32 = 0

    init(path: String, level: Int?) throws {
        self.path = path
        fd = Sys.retry { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw Sys.error("create", path) }
        guard let w = archive_write_new() else { close(fd); unlink(path); throw HoistError.internal("libarchive: out of memory") }
        writer = w
        do {
            try check(archive_write_add_filter_gzip(w))
            try check(archive_write_set_filter_option(w, "gzip", "timestamp", nil))
            if let level { try check(archive_write_set_filter_option(w, "gzip", "compression-level", String(level))) }
            try check(archive_write_set_format_raw(w))
            // Unblocked output: no padding after the gzip stream.
            try check(archive_write_set_bytes_per_block(w, 0))
            let ctx = Unmanaged.passUnretained(self).toOpaque()
            try check(archive_write_open2(w, ctx, nil, { _, ctx, buf, n in
                guard let ctx, let buf else { return -1 }
                let sink = Unmanaged<GzipSink>.fromOpaque(ctx).takeUnretainedValue()
                return sink.output(UnsafeRawBufferPointer(start: buf, count: n))
            }, nil, nil))
            guard let entry = archive_entry_new() else { throw HoistError.internal("libarchive: out of memory") }
            defer { archive_entry_free(entry) }
            archive_entry_set_filetype(entry, LA.ifreg)
            archive_entry_set_pathname(entry, "layer.tar")
            try check(archive_write_header(w, entry))
        } catch {
            abort()
            throw error
        }
    }

    deinit { if let writer { archive_write_free(writer) } }

    private func check(_ r: Int32) throws {
        guard r >= ARCHIVE_WARN else { throw HoistError.internal("gzip \(path): \(LA.errorString(writer))") }
    }

    /// libarchive's write callback: to the file and the hasher.
    private func output(_ buf: UnsafeRawBufferPointer) -> Int {
        do {
            try FileSystem.writeAll(fd: fd, buf, display: path)
        } catch {
            failure = errno
            return -1
        }
        hasher.update(buf)
        return buf.count
    }

    func write(_ block: UnsafeRawBufferPointer) throws {
        guard block.count > 0 else { return }
        guard let writer else { throw HoistError.internal("gzip \(path): closed") }
        let n = archive_write_data(writer, block.baseAddress, block.count)
        guard n == block.count else {
            throw failure != 0 ? Sys.error("write", path, errno: failure) : HoistError.internal("gzip \(path): \(LA.errorString(writer))")
        }
    }

    /// Flushes, fsyncs and closes; returns the blob digest and size.
    func finish() throws -> (Digest, Int64) {
        guard let w = writer else { throw HoistError.internal("gzip \(path): closed") }
        try check(archive_write_close(w))
        guard fsync(fd) == 0 else { throw Sys.error("fsync", path) }
        close(fd)
        fd = -1
        archive_write_free(w)
        writer = nil
        return (hasher.finalize(), hasher.count)
    }

    /// Drops the partial blob.
    func abort() {
        if let w = writer { archive_write_free(w); writer = nil }
        if fd >= 0 { close(fd); fd = -1 }
        unlink(path)
    }
}
