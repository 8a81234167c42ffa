#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HoistClient
import HoistOCI
#if canImport(Glibc)
import Glibc
#endif

/// Registry credentials as Docker keeps them: `<dir>/config.json` with `auths` keyed by
/// registry (`https://index.docker.io/v1/` for Docker Hub), each an `auth` of base64
/// `user:password`. The directory is `~/.hoist`, or `$HOIST_CONFIG`. Other keys of the
/// file are kept as they are.
enum RegistryAuthConfig {
    static let dockerHubKey = "https://index.docker.io/v1/"

    static var directory: String {
        if let d = getenv("HOIST_CONFIG").map({ String(cString: $0) }), !d.isEmpty { return d }
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return home + "/.hoist"
    }
    static var path: String { directory + "/config.json" }

    /// `docker.io` → Docker Hub's key; other registries by their host[:port].
    static func key(forDomain domain: String) -> String {
        domain == Reference.defaultDomain || domain == "index.docker.io" || domain == "registry-1.docker.io" ? dockerHubKey : domain
    }

    /// `login [SERVER]`'s argument → the registry's domain (scheme and path dropped).
    static func domain(ofServer server: String) -> String {
        var s = server
        for p in ["https://", "http://"] where s.hasPrefix(p) { s.removeFirst(p.count) }
        if let slash = s.firstIndex(of: "/") { s = String(s[..<slash]) }
        if s == "index.docker.io" || s == "registry-1.docker.io" { return Reference.defaultDomain }
        return s
    }

    static func load() -> JSONObject {
        guard let bytes = readFile(path), let j = try? JSONParser.parse(bytes), let o = j.objectValue else { return JSONObject() }
        return o
    }

    /// The stored user and password for a registry domain.
    static func credentials(forDomain domain: String) -> (user: String, password: String)? {
        let k = key(forDomain: domain)
        guard let auth = load()["auths"]?[k]?["auth"]?.stringValue, let data = Data(base64Encoded: auth),
              let s = String(data: data, encoding: .utf8), let colon = s.firstIndex(of: ":") else { return nil }
        return (String(s[..<colon]), String(s[s.index(after: colon)...]))
    }

    /// `X-Registry-Auth` for an image reference: base64url JSON of the stored credentials,
    /// or `e30=` (`{}`) when there are none, as the docker CLI sends.
    static func header(forImage image: String) -> String {
        guard let ref = try? Reference(parsing: image, defaultTag: false) else { return "e30=" }
        return header(forDomain: ref.domain)
    }

    static func header(forDomain domain: String) -> String {
        guard let c = credentials(forDomain: domain) else { return "e30=" }
        return encode(user: c.user, password: c.password, server: key(forDomain: domain))
    }

    static func encode(user: String, password: String, server: String) -> String {
        base64url(JSON.object(credentialObject(user: user, password: password, server: server)))
    }

    /// `X-Registry-Config` for `build`: every stored credential keyed by its registry, as the
    /// docker CLI sends them (the daemon picks those of the registries it pulls from).
    static func configHeader() -> String {
        var all = JSONObject()
        for server in load()["auths"]?.objectValue?.keys ?? [] {
            if let c = credentials(forDomain: domain(ofServer: server)) {
                all[server] = .object(credentialObject(user: c.user, password: c.password, server: server))
            }
        }
        return base64url(.object(all))
    }

    private static func credentialObject(user: String, password: String, server: String) -> JSONObject {
        JSONObject([("username", .string(user)), ("password", .string(password)), ("serveraddress", .string(server))])
    }

    /// base64url, as the docker CLI encodes these headers.
    private static func base64url(_ json: JSON) -> String {
        String(Data(JSONWriter.compact(json).utf8).base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Stores (or, with nil, removes) a registry's credentials; the file is 0600.
    static func store(domain: String, user: String?, password: String?) throws {
        var root = load()
        var auths = root["auths"]?.objectValue ?? JSONObject()
        let k = key(forDomain: domain)
        if let user, let password {
            let auth = Data("\(user):\(password)".utf8).base64EncodedString()
            auths[k] = .object(JSONObject([("auth", .string(auth))]))
        } else {
            auths[k] = nil
        }
        root["auths"] = .object(auths)
        let text = String(decoding: JSONWriter.indent(Array(JSONWriter.compact(.object(root)).utf8), indent: "\t"), as: UTF8.self)
        try writeAtomically(Array((text + "\n").utf8))
    }

    /// Temp file (0600) in the same directory, then rename: never a half-written config.
    private static func writeAtomically(_ bytes: [UInt8]) throws {
        let dir = directory
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw CLIMessage(openErrorText(dir, errno)) }
        let tmp = path + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIMessage(openErrorText(tmp, errno)) }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(fd); unlink(tmp); throw CLIMessage("write \(tmp): \(String(cString: strerror(errno)))") }
            off += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else { unlink(tmp); throw CLIMessage("rename \(tmp): \(String(cString: strerror(errno)))") }
    }
}
