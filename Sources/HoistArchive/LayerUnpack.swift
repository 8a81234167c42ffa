#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore
import HoistOCI

/// Unpacks a layer blob (a pulled or loaded one) and computes its diffID in the same pass:
/// the image config names each layer by the sha256 of its uncompressed tar, and a layer
/// whose tar does not hash to that is refused, as Docker refuses it.
public enum LayerUnpack {
    /// - Returns: the diffID (sha256 of the decompressed stream) and the bytes of file
    ///   content unpacked into `root` (see `LayerApplier.apply` for what is refused).
    public static func apply(blobPath: String, to root: String) throws -> (diffID: Digest, unpacked: Int64) {
        try LA.withUTF8Locale {
            guard let outer = archive_read_new() else { throw HoistError.internal("libarchive: out of memory") }
            defer { archive_read_free(outer) }
            LA.addFilters(outer)
            archive_read_support_format_raw(outer)
            archive_read_support_format_empty(outer)
            guard archive_read_open_filename(outer, blobPath, 1 << 20) == ARCHIVE_OK else {
                throw LayerApplier.openError(outer, blobPath)
            }
            var rawEntry: OpaquePointer?
            let h = archive_read_next_header(outer, &rawEntry)
            let source = HashingSource(outer: outer)
            if h == ARCHIVE_EOF {
                // An empty blob is an empty layer (a zero-length tar stream).
                return (source.hasher.finalize(), 0)
            }
            guard h == ARCHIVE_OK || h == ARCHIVE_WARN else {
                throw HoistError.invalid("invalid tar archive: \(LA.errorString(outer))")
            }
            guard let inner = archive_read_new() else { throw HoistError.internal("libarchive: out of memory") }
            defer { archive_read_free(inner) }
            archive_read_support_format_tar(inner)
            archive_read_support_format_empty(inner)
            let ctx = Unmanaged.passUnretained(source).toOpaque()
            let r = archive_read_open(inner, ctx, nil, { _, ctx, out in
                guard let ctx, let out else { return -1 }
                let src = Unmanaged<HashingSource>.fromOpaque(ctx).takeUnretainedValue()
                do {
                    guard let block = try src.next() else { return 0 }
                    out.pointee = block.baseAddress
                    return block.count
                } catch {
                    return -1
                }
            }, nil)
            guard r == ARCHIVE_OK else { throw source.error ?? LayerExtractor.tarError(inner) }
            let unpacked = try withExtendedLifetime(source) { () throws -> Int64 in
                let extractor = try LayerExtractor(root: root)
                try extractor.run(inner, readError: { source.error })
                return extractor.unpacked
            }
            // The padding after the end-of-archive blocks belongs to the diffID too.
            while try source.next() != nil {}
            return (source.hasher.finalize(), unpacked)
        }
    }
}

/// The decompressed stream of the outer (raw format) reader, hashed block by block.
private final class HashingSource {
    let outer: OpaquePointer
    var hasher = DigestHasher()
    var error: HoistError?
    private var eof = false

    init(outer: OpaquePointer) { self.outer = outer }

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
        return block
    }
}
