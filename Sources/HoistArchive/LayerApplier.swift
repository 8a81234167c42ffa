#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore

/// Applies a layer tar to a directory that becomes an overlay lower dir.
public enum LayerApplier {
    /// Reads the layer at `tarPath` (plain, gzip, bzip2, xz or zstd: detected) and writes it
    /// into `root`: OCI whiteouts become overlay whiteouts, ownership, modes, times, xattrs,
    /// hardlinks, symlinks and devices are kept. Returns the bytes of file content unpacked.
    ///
    /// An unsafe entry (`..`, absolute name, hardlink out of the root, a path through a
    /// symlink) refuses the layer with `.invalidArgument`. `root` may then hold part of the
    /// layer: extract into a fresh directory and remove it (`FileSystem.removeTree`) on error.
    public static func apply(tarPath: String, to root: String) throws -> Int64 {
        try LA.withUTF8Locale {
            guard let reader = archive_read_new() else { throw HoistError.internal("libarchive: out of memory") }
            defer { archive_read_free(reader) }
            LA.addFilters(reader)
            archive_read_support_format_tar(reader)
            archive_read_support_format_empty(reader)
            guard archive_read_open_filename(reader, tarPath, 1 << 20) == ARCHIVE_OK else {
                throw openError(reader, tarPath)
            }
            let extractor = try LayerExtractor(root: root)
            try extractor.run(reader)
            return extractor.unpacked
        }
    }

    static func openError(_ reader: OpaquePointer, _ path: String) -> HoistError {
        let e = archive_errno(reader)
        if e == ENOENT { return HoistError.notFound("open \(path): no such file") }
        return LayerExtractor.tarError(reader)
    }
}
