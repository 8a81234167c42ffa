#if canImport(Glibc)
import Glibc
#endif
import CArchive
import HoistCore

/// Thin helpers over libarchive's C API.
enum LA {
    // archive_entry.h defines these with a cast, which Swift does not import.
    static let ifmt: UInt32 = 0o170000
    static let ifreg: UInt32 = 0o100000
    static let iflnk: UInt32 = 0o120000
    static let ifdir: UInt32 = 0o040000
    static let ifchr: UInt32 = 0o020000
    static let ifblk: UInt32 = 0o060000
    static let ififo: UInt32 = 0o010000

    static func errorString(_ a: OpaquePointer?) -> String {
        guard let a, let s = archive_error_string(a) else { return "unknown error" }
        return String(cString: s)
    }

    /// Decompression in-process only: gzip, bzip2, xz/lzma, zstd (libarchive would otherwise
    /// run external programs for some formats, and the daemon never forks).
    static func addFilters(_ a: OpaquePointer) {
        archive_read_support_filter_none(a)
        archive_read_support_filter_gzip(a)
        archive_read_support_filter_bzip2(a)
        archive_read_support_filter_xz(a)
        archive_read_support_filter_lzma(a)
        archive_read_support_filter_zstd(a)
    }

    static func bytes(_ p: UnsafePointer<CChar>) -> [UInt8] {
        var out: [UInt8] = []
        var q = p
        while q.pointee != 0 { out.append(UInt8(bitPattern: q.pointee)); q += 1 }
        return out
    }

    static func cString(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    /// Runs `body` with this thread's LC_CTYPE set to C.UTF-8, so libarchive keeps UTF-8 names
    /// of pax headers as they are (in the C locale it fails to convert non-ASCII names).
    /// `uselocale` is per thread: the rest of the process is not affected.
    static func withUTF8Locale<T>(_ body: () throws -> T) rethrows -> T {
        guard let loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return try body() }
        let old = uselocale(loc)
        defer {
            uselocale(old)
            freelocale(loc)
        }
        return try body()
    }
}
