import Foundation
import HoistOCI

/// Where a repository's registry answers: `docker.io` is served by `registry-1.docker.io`;
/// plain HTTP only for loopback registries and those named insecure, as Docker decides.
public struct RegistryHost: Sendable, Hashable {
    /// The reference's domain (`docker.io`, `127.0.0.1:5000`): the key of credentials.
    public var domain: String
    /// `https://registry-1.docker.io` or `http://127.0.0.1:5000`.
    public var baseURL: String
    public var plainHTTP: Bool

    public init(domain: String, insecureRegistries: [String] = []) {
        self.domain = domain
        let host = domain == Reference.defaultDomain ? "registry-1.docker.io" : domain
        plainHTTP = RegistryHost.allowsPlainHTTP(domain, insecureRegistries: insecureRegistries)
        baseURL = (plainHTTP ? "http://" : "https://") + host
    }

    /// A pull-through mirror of Docker Hub (`--registry-mirror https://mirror.example:5000`):
    /// docker.io references, served from `url`. nil unless `url` is an http(s) URL with a host
    /// and no path, as dockerd's ValidateMirror requires.
    public init?(mirror url: String) {
        guard let u = URL(string: url), let scheme = u.scheme, scheme == "http" || scheme == "https",
              let host = u.host, !host.isEmpty, u.path.isEmpty || u.path == "/", u.query == nil else { return nil }
        domain = Reference.defaultDomain
        plainHTTP = scheme == "http"
        baseURL = "\(scheme)://\(u.port.map { "\(host):\($0)" } ?? host)"
    }

    /// Loopback (`localhost`, 127.0.0.0/8, `[::1]`) and `--insecure-registry` entries.
    public static func allowsPlainHTTP(_ domain: String, insecureRegistries: [String]) -> Bool {
        if insecureRegistries.contains(domain) { return true }
        var host = domain
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { host = String(host[host.index(after: host.startIndex)..<end]) }
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        if insecureRegistries.contains(host) { return true }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in UInt8(p) != nil }
    }
}

extension RegistryHost {
    /// `login [SERVER]`'s address → a reference domain: scheme and path dropped, Docker
    /// Hub's names (`https://index.docker.io/v1/`, empty) → `docker.io`.
    public static func domain(ofServer server: String) -> String {
        var s = server
        for p in ["https://", "http://"] where s.hasPrefix(p) { s.removeFirst(p.count) }
        if let slash = s.firstIndex(of: "/") { s = String(s[..<slash]) }
        if s.isEmpty || s == "index.docker.io" || s == "registry-1.docker.io" { return Reference.defaultDomain }
        return s
    }
}
