import HoistOCI

/// Repository names and tags as the OCI distribution spec defines them.
public enum RegistryName {
    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, at most 255 bytes.
    public static func isValidRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { isValidComponent(Substring($0)) }
    }

    private static func isValidComponent(_ c: Substring) -> Bool {
        let bytes = Array(c.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if isAlnum(bytes[i]) { i += 1; continue }
            // A separator run: ".", "_", "__" or one or more "-", always followed by an alnum.
            let start = i
            let sep = bytes[i]
            switch sep {
            case UInt8(ascii: "."):
                i += 1
            case UInt8(ascii: "_"):
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "_") { i += 1 }
            case UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            default:
                return false
            }
            guard i > start, i < bytes.count, isAlnum(bytes[i]) else { return false }
        }
        return true
    }

    /// `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`
    public static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        guard isAlnum(first) || isUpper(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.dropFirst().allSatisfy {
            isAlnum($0) || isUpper($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
        }
    }

    private static func isAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }
    private static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5a }
}

/// A manifest reference: a tag or a digest.
public enum RegistryManifestReference: Hashable, Sendable {
    case tag(String)
    case digest(Digest)

    /// nil when it is neither a valid tag nor a valid digest.
    public init?(_ s: String) {
        if s.contains(":") {
            guard let d = try? Digest(parsing: s) else { return nil }
            self = .digest(d)
        } else {
            guard RegistryName.isValidTag(s) else { return nil }
            self = .tag(s)
        }
    }
}

/// The endpoints of the distribution API, from a request path (query removed).
/// Repository names have several components, so the path is read from its end.
public enum RegistryRoute: Equatable, Sendable {
    case base
    case catalog
    case token
    case tagsList(name: String)
    case manifest(name: String, reference: String)
    case blob(name: String, digest: String)
    case uploads(name: String)
    case upload(name: String, id: String)
    case referrers(name: String, digest: String)

    /// nil: not a distribution path (404). The name is returned as written; the caller
    /// validates it, so that a bad name answers NAME_INVALID rather than 404.
    public init?(path rawPath: String) {
        let path = RegistryRoute.percentDecode(rawPath)
        if path == "/token" { self = .token; return }
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        if path == "/v2" || path == "/v2/" { self = .base; return }
        if path == "/v2/_catalog" { self = .catalog; return }
        var parts = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // `…/blobs/uploads/` ends with an empty component.
        if parts.count >= 3, parts[parts.count - 1].isEmpty, parts[parts.count - 2] == "uploads", parts[parts.count - 3] == "blobs" {
            parts.removeLast()
        }
        func repo(dropping n: Int) -> String? {
            guard parts.count > n else { return nil }
            return parts.dropLast(n).joined(separator: "/")
        }
        let n = parts.count
        if n >= 3, parts[n - 2] == "blobs", parts[n - 1] == "uploads", let name = repo(dropping: 2) {
            self = .uploads(name: name)
        } else if n >= 4, parts[n - 3] == "blobs", parts[n - 2] == "uploads", let name = repo(dropping: 3), !parts[n - 1].isEmpty {
            self = .upload(name: name, id: parts[n - 1])
        } else if n >= 3, parts[n - 2] == "tags", parts[n - 1] == "list", let name = repo(dropping: 2) {
            self = .tagsList(name: name)
        } else if n >= 3, parts[n - 2] == "manifests", let name = repo(dropping: 2) {
            self = .manifest(name: name, reference: parts[n - 1])
        } else if n >= 3, parts[n - 2] == "blobs", let name = repo(dropping: 2) {
            self = .blob(name: name, digest: parts[n - 1])
        } else if n >= 3, parts[n - 2] == "referrers", let name = repo(dropping: 2) {
            self = .referrers(name: name, digest: parts[n - 1])
        } else {
            return nil
        }
    }

    /// The repository the route addresses, if any.
    public var repository: String? {
        switch self {
        case .base, .catalog, .token: return nil
        case .tagsList(let n), .manifest(let n, _), .blob(let n, _), .uploads(let n), .upload(let n, _), .referrers(let n, _):
            return n
        }
    }

    static func percentDecode(_ s: String) -> String {
        guard s.contains("%") || s.contains("+") else { return s }
        var out = [UInt8]()
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

/// A request URI split into its path and decoded query parameters.
public struct RequestTarget: Sendable {
    public var path: String
    public var query: [String: [String]]

    public init(uri: String) {
        guard let q = uri.firstIndex(of: "?") else { path = uri; query = [:]; return }
        path = String(uri[..<q])
        var query: [String: [String]] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = RequestTarget.decodeQuery(String(kv[0]))
            let value = kv.count > 1 ? RequestTarget.decodeQuery(String(kv[1])) : ""
            query[key, default: []].append(value)
        }
        self.query = query
    }

    public func first(_ key: String) -> String? { query[key]?.first }

    private static func decodeQuery(_ s: String) -> String {
        RegistryRoute.percentDecode(s.replacingPlus())
    }
}

extension String {
    fileprivate func replacingPlus() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}

/// A single byte range from a `Range: bytes=…` header, resolved against a length.
public enum ByteRange: Equatable, Sendable {
    /// `start...end` inclusive.
    case satisfiable(start: Int64, end: Int64)
    case unsatisfiable
    /// Missing, malformed or multi-range: serve the whole content.
    case whole

    public init(header: String?, length: Int64) {
        guard let header else { self = .whole; return }
        let h = header.registryTrimmed()
        guard h.hasPrefix("bytes="), !h.contains(",") else { self = .whole; return }
        let spec = h.dropFirst(6)
        guard let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let a = spec[..<dash], b = spec[spec.index(after: dash)...]
        if a.isEmpty {
            // Suffix: the last N bytes.
            guard let n = Int64(b), n >= 0 else { self = .whole; return }
            guard n > 0, length > 0 else { self = .unsatisfiable; return }
            self = .satisfiable(start: max(0, length - n), end: length - 1)
            return
        }
        guard let start = Int64(a), start >= 0 else { self = .whole; return }
        var end = length - 1
        if !b.isEmpty {
            guard let e = Int64(b), e >= start else { self = .whole; return }
            end = min(e, length - 1)
        }
        guard start < length else { self = .unsatisfiable; return }
        self = .satisfiable(start: start, end: end)
    }
}

/// `Content-Range` of an upload chunk: `<start>-<end>` (the distribution API's form,
/// without the `bytes ` unit; the unit and a `/total` are tolerated).
public struct UploadChunkRange: Equatable, Sendable {
    public var start: Int64
    public var end: Int64

    public init?(header: String) {
        var s = Substring(header.registryTrimmed())
        if s.hasPrefix("bytes ") { s = s.dropFirst(6) }
        if s.hasPrefix("bytes=") { s = s.dropFirst(6) }
        if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
        let kv = s.split(separator: "-", omittingEmptySubsequences: false)
        guard kv.count == 2, let a = Int64(kv[0]), let b = Int64(kv[1]), a >= 0, b >= a else { return nil }
        start = a
        end = b
    }
}

extension String {
    func registryTrimmed() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
