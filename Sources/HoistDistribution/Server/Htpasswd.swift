#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import Synchronization

/// Users from an Apache htpasswd file (`user:hash` per line).
///
/// Hashes are checked with libxcrypt's `crypt_rn` (Debian's libcrypt1, loaded at run time),
/// which knows bcrypt (`$2y$`, `$2b$`, `$2a$` — what `htpasswd -B` writes), SHA-crypt
/// (`$5$`, `$6$`: `htpasswd -2`/`-5`), yescrypt (`$y$`), MD5-crypt (`$1$`) and DES crypt
/// (`htpasswd -d`); `{SHA}` entries (`htpasswd -s`)
/// are checked with swift-crypto. Apache's own MD5 variant (`$apr1$`, htpasswd's default
/// without `-B`) and plain-text entries are refused: no library here implements apr1.
public final class Htpasswd: Sendable {
    public struct Unsupported: Sendable, Equatable {
        public var user: String
        public var scheme: String
    }

    let entries: [String: String]
    /// Users whose hash scheme cannot be checked (they can never log in).
    public let unsupported: [Unsupported]
    /// Verified (user, SHA-256 of password) pairs: bcrypt is slow by design and a push
    /// sends credentials on every request.
    private let verified = Mutex<Set<String>>([])

    public init(contents: String) {
        var entries: [String: String] = [:]
        var unsupported: [Unsupported] = []
        for raw in contents.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = String(raw).registryTrimmed()
            guard !line.isEmpty, !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            let user = String(line[..<colon]), hash = String(line[line.index(after: colon)...])
            entries[user] = hash
            if let scheme = Self.unsupportedScheme(hash) { unsupported.append(Unsupported(user: user, scheme: scheme)) }
        }
        self.entries = entries
        self.unsupported = unsupported
    }

    public convenience init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DistributionError(.unknown, "cannot read htpasswd file \(path)")
        }
        self.init(contents: String(decoding: data, as: UTF8.self))
    }

    static func unsupportedScheme(_ hash: String) -> String? {
        if hash.hasPrefix("{SHA}") { return nil }
        for p in ["$2y$", "$2b$", "$2a$", "$5$", "$6$", "$y$", "$1$"] where hash.hasPrefix(p) {
            return Crypt.available ? nil : "\(p) (libcrypt.so.1 not found)"
        }
        if hash.hasPrefix("$apr1$") { return "$apr1$ (Apache MD5)" }
        // Traditional DES crypt (`htpasswd -d`): 13 characters of crypt's alphabet.
        if hash.utf8.count == 13, hash.utf8.allSatisfy({ Self.cryptAlphabet.contains($0) }) {
            return Crypt.available ? nil : "DES crypt (libcrypt.so.1 not found)"
        }
        return "unknown or plain text"
    }

    private static let cryptAlphabet = Set("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    public func verify(user: String, password: String) -> Bool {
        guard let hash = entries[user] else { return false }
        let key = user + "\u{0}" + SHA256.hash(data: Array(password.utf8)).description
        if verified.withLock({ $0.contains(key) }) { return true }
        let ok: Bool
        if hash.hasPrefix("{SHA}") {
            let sha1 = Data(Insecure.SHA1.hash(data: Array(password.utf8))).base64EncodedString()
            ok = constantTimeEqual(sha1, String(hash.dropFirst(5)))
        } else if Self.unsupportedScheme(hash) == nil, let out = Crypt.hash(password, setting: hash) {
            ok = constantTimeEqual(out, hash)
        } else {
            ok = false
        }
        if ok { verified.withLock { _ = $0.insert(key) } }
        return ok
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// libxcrypt's reentrant `crypt_rn`, looked up once. Loaded with dlopen so the build needs
/// no libcrypt headers and the binary no link-time dependency.
enum Crypt {
    private typealias CryptRN = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int32) -> UnsafeMutablePointer<CChar>?

    private static let function: CryptRN? = {
        guard let lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL), let sym = dlsym(lib, "crypt_rn") else { return nil }
        return unsafeBitCast(sym, to: CryptRN.self)
    }()

    static var available: Bool { function != nil }

    /// `crypt(phrase, setting)`, nil on failure (unknown scheme, malformed setting).
    static func hash(_ phrase: String, setting: String) -> String? {
        guard let function else { return nil }
        // Larger than libxcrypt's `struct crypt_data` (32 KiB); crypt_rn checks the size.
        let size = 64 << 10
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { data.deallocate() }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        guard let out = function(phrase, setting, data, Int32(size)), out.pointee != 0x2a /* "*": failure token */ else { return nil }
        return String(cString: out)
    }
}
