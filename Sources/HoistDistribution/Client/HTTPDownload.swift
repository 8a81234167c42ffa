#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import Foundation
import HoistCore
import HoistOCI
import NIOCore
import NIOHTTP1

/// A plain HTTP(S) GET into a file, for the builder's `ADD <url>` (moby's remote source):
/// the body streamed to disk and hashed on the way, the file 0600 with the mtime of
/// `Last-Modified` (the epoch without one), named after the URL's last path element or
/// the `Content-Disposition` file name.
public enum HTTPDownload {
    public struct Result: Sendable {
        public var path: String
        public var name: String
        public var digest: Digest
    }

    /// Downloads `url` into `directory` (which must exist), reporting `Downloading` progress
    /// (no id, as moby's remote source does).
    public static func fetch(_ url: String, into directory: String, progress: ProgressSink? = nil) async throws -> Result {
        try await RegistryClient.withHTTPClient { http in
            let resp: HTTPClientResponse
            do {
                resp = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(3600))
            } catch {
                throw RegistryClient.transportError(error, method: .GET, url: url)
            }
            guard (200..<300).contains(resp.status.code) else {
                let body = (try? await resp.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
                let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
                throw HoistError.invalid("failed to GET \(url) with status \(resp.status.code) \(resp.status.reasonPhrase)"
                                         + (trimmed.isEmpty ? "" : ": \(trimmed)"))
            }
            guard let name = fileName(url: url, contentDisposition: resp.headers.first(name: "Content-Disposition")) else {
                throw HoistError.invalid("cannot determine filename from url: \(url)")
            }
            let path = directory + "/" + name
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw HoistError.internal("create \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var hasher = DigestHasher()
            let total = resp.headers.first(name: "Content-Length").flatMap { Int64($0) }
            var reported: Int64 = 0
            do {
                for try await chunk in resp.body {
                    try chunk.withUnsafeReadableBytes { bytes in
                        hasher.update(bytes)
                        try writeAll(fd, bytes, path: path)
                    }
                    if hasher.count - reported >= 512 << 10 {
                        reported = hasher.count
                        progress?(ProgressMessage(id: nil, status: "Downloading", current: hasher.count, total: total))
                    }
                }
                progress?(ProgressMessage(id: nil, status: "Downloading", current: hasher.count, total: total ?? hasher.count))
            } catch let e as HoistError {
                throw e
            } catch {
                throw RegistryClient.transportError(error, method: .GET, url: url)
            }
            guard fchmod(fd, 0o600) == 0 else { throw HoistError.internal("chmod \(path): \(String(cString: strerror(errno)))") }
            let mtime = resp.headers.first(name: "Last-Modified").flatMap(httpDate) ?? 0
            var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
            _ = futimens(fd, &times)
            return Result(path: path, name: name, digest: hasher.finalize())
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var off = 0
        while off < bytes.count {
            let n = write(fd, base + off, bytes.count - off)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HoistError.internal("write \(path): \(String(cString: strerror(errno)))") }
            off += n
        }
    }

    /// moby's getFilenameForDownload: the URL path's last element, else the
    /// Content-Disposition `filename`; nil when neither names a file.
    static func fileName(url: String, contentDisposition: String?) -> String? {
        if let u = URL(string: url) {
            let last = u.path.split(separator: "/").last.map(String.init) ?? ""
            if !last.isEmpty && u.path.hasSuffix(last) { return last }
        }
        guard let cd = contentDisposition else { return nil }
        for part in cd.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[0].lowercased() == "filename" else { continue }
            let name = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let base = name.split(separator: "/").last.map(String.init) ?? ""
            if !base.isEmpty && base != "." && base != ".." { return base }
        }
        return nil
    }

    /// An HTTP date (RFC 1123, as `Last-Modified` carries it) in Unix seconds.
    static func httpDate(_ s: String) -> Int? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            f.dateFormat = format
            if let d = f.date(from: s) { return Int(d.timeIntervalSince1970) }
        }
        return nil
    }
}
