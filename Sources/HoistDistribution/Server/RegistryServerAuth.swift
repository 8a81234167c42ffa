import Foundation
import NIOHTTP1
import Synchronization

/// Who may use the registry: users from an htpasswd file, by HTTP Basic auth on every
/// request (`.basic`), or by Bearer tokens that `/token` issues after Basic auth (`.token`,
/// the flow Docker Hub uses). Every authenticated user may pull, push and delete
/// everywhere, as with distribution's htpasswd backend.
public final class RegistryServerAuth: Sendable {
    public enum Mode: String, Sendable { case basic, token }

    public static let realm = "Hoist Registry"
    public static let service = "hoist-registry"
    static let tokenLifetime: TimeInterval = 3600

    public let users: Htpasswd
    public let mode: Mode
    private let tokens = Mutex<[String: (user: String, expires: Date)]>([:])

    public init(users: Htpasswd, mode: Mode) {
        self.users = users
        self.mode = mode
    }

    /// nil when the request may proceed; otherwise the 401 to send.
    func check(_ request: RegistryServerRequest, route: RegistryRoute, scheme: String) -> RegistryServerResponse? {
        if let auth = request.header("Authorization") {
            if let (user, password) = Self.basicCredentials(auth), users.verify(user: user, password: password) {
                return nil
            }
            if let token = Self.bearerToken(auth), valid(token) { return nil }
        }
        let error = DistributionError(.unauthorized, "authentication required",
                                  detail: request.header("Authorization") == nil ? nil : "invalid credentials")
        return .error(error, headers: [("WWW-Authenticate", challenge(request, route: route, scheme: scheme))])
    }

    func challenge(_ request: RegistryServerRequest, route: RegistryRoute, scheme: String) -> String {
        switch mode {
        case .basic:
            return "Basic realm=\"\(Self.realm)\""
        case .token:
            let host = request.header("Host") ?? "localhost"
            var c = "Bearer realm=\"\(scheme)://\(host)/token\",service=\"\(Self.service)\""
            if let scope = Self.scope(route, method: request.method) { c += ",scope=\"\(scope)\"" }
            return c
        }
    }

    static func scope(_ route: RegistryRoute, method: HTTPMethod) -> String? {
        if route == .catalog { return "registry:catalog:*" }
        guard let name = route.repository else { return nil }
        switch method {
        case .GET, .HEAD: return "repository:\(name):pull"
        case .DELETE: return "repository:\(name):delete"
        default: return "repository:\(name):pull,push"
        }
    }

    /// `GET /token?service=…&scope=…` with Basic credentials, or `POST /token` with an
    /// OAuth2 password-grant form: a Bearer token for the user.
    func issueToken(_ request: RegistryServerRequest) async throws -> RegistryServerResponse {
        var credentials: (String, String)?
        if let auth = request.header("Authorization") { credentials = Self.basicCredentials(auth) }
        if request.method == .POST {
            let form = RequestTarget(uri: "?" + String(decoding: try await request.readBody(limit: 64 << 10), as: UTF8.self))
            if let u = form.first("username"), let p = form.first("password") { credentials = (u, p) }
        }
        guard let (user, password) = credentials, users.verify(user: user, password: password) else {
            let e = DistributionError(.unauthorized, "authentication required",
                                  detail: credentials == nil ? nil : "invalid username or password")
            return .error(e, headers: [("WWW-Authenticate", "Basic realm=\"\(Self.realm)\"")])
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let now = Date()
        tokens.withLock { t in
            t = t.filter { $0.value.expires > now }
            t[token] = (user, now.addingTimeInterval(Self.tokenLifetime))
        }
        let issued = ISO8601DateFormatter().string(from: now)
        let body: [String: Any] = ["token": token, "access_token": token, "expires_in": Int(Self.tokenLifetime), "issued_at": issued]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return .json(.ok, Array(data))
    }

    private func valid(_ token: String) -> Bool {
        let now = Date()
        return tokens.withLock { t in
            guard let e = t[token] else { return false }
            return e.expires > now
        }
    }

    static func basicCredentials(_ header: String) -> (String, String)? {
        let h = header.registryTrimmed()
        guard h.lowercased().hasPrefix("basic ") else { return nil }
        guard let data = Data(base64Encoded: String(h.dropFirst(6)).registryTrimmed()) else { return nil }
        let s = String(decoding: data, as: UTF8.self)
        guard let colon = s.firstIndex(of: ":") else { return nil }
        return (String(s[..<colon]), String(s[s.index(after: colon)...]))
    }

    static func bearerToken(_ header: String) -> String? {
        let h = header.registryTrimmed()
        guard h.lowercased().hasPrefix("bearer ") else { return nil }
        return String(h.dropFirst(7)).registryTrimmed()
    }
}
