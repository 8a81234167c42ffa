import AsyncHTTPClient
import Foundation
import HoistCore
import HoistOCI
import NIOCore
import NIOHTTP1
import Synchronization

/// One registry, spoken to per the OCI distribution spec over async-http-client. Answers a
/// 401 as Docker does: a Bearer challenge fetches a token for the scopes asked (with the
/// user's password when there is one), a Basic challenge sends the user's password; the
/// request is then sent once more. Tokens are kept per scope set for this client's life.
public final class RegistryClient: Sendable {
    public let host: RegistryHost
    let credentials: RegistryCredentials?
    let http: HTTPClient
    private let authorizations = Mutex<[String: String]>([:])

    /// `http` belongs to the caller (one per operation; see `RegistryClient.withHTTPClient`).
    public init(host: RegistryHost, credentials: RegistryCredentials?, http: HTTPClient) {
        self.host = host
        self.credentials = credentials
        self.http = http
    }

    /// Runs `body` with an HTTP client that is shut down afterwards, whatever happens.
    public static func withHTTPClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .follow(max: 5, allowCycles: false)
        config.timeout = .init(connect: .seconds(15), read: .seconds(120))
        // A registry that does not resolve or refuses connections fails at once, as in Docker;
        // retrying until the connect timeout made `pull` of an unreachable name hang 15 s.
        config.connectionPool.retryConnectionEstablishment = false
        config.decompression = .disabled
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        do {
            let out = try await body(http)
            try? await http.shutdown()
            return out
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Sends a request to `path` (`/v2/...`, or a full URL from a `Location` header),
    /// authenticating for `scopes` (`repository:library/busybox:pull`) on a 401.
    /// `body` is called again for the retry, so it must give a fresh body each time.
    public func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], scopes: [String],
                     body: (@Sendable () -> HTTPClientRequest.Body)? = nil, timeout: TimeAmount = .seconds(3600)) async throws -> HTTPClientResponse {
        let key = scopes.sorted().joined(separator: " ")
        var retried = false
        while true {
            var req = HTTPClientRequest(url: url(path))
            req.method = method
            for (k, v) in headers { req.headers.add(name: k, value: v) }
            if let a = authorizations.withLock({ $0[key] ?? $0["basic"] }) { req.headers.replaceOrAdd(name: "Authorization", value: a) }
            req.body = body?()
            let resp: HTTPClientResponse
            do {
                resp = try await http.execute(req, timeout: timeout)
            } catch {
                throw RegistryClient.transportError(error, method: method, url: req.url)
            }
            guard resp.status == .unauthorized, !retried else { return resp }
            let challengeHeader = resp.headers.first(name: "WWW-Authenticate")
            let errorBody = try? await resp.body.collect(upTo: 1 << 16)
            guard let header = challengeHeader, let challenge = AuthChallenge(header: header) else {
                throw RegistryError.from(status: resp.status, body: errorBody, fallback: "unauthorized: authentication required")
            }
            retried = true
            switch challenge.scheme {
            case "bearer":
                let token = try await fetchToken(challenge, scopes: scopes)
                authorizations.withLock { $0[key] = "Bearer \(token)" }
            case "basic":
                guard let basic = credentials?.basic else {
                    throw HoistError(.unauthorized, "\(method.rawValue) \"\(req.url)\": no basic auth credentials")
                }
                let encoded = Data("\(basic.user):\(basic.password)".utf8).base64EncodedString()
                authorizations.withLock { $0["basic"] = "Basic \(encoded)" }
            default:
                throw HoistError(.unauthorized, "unsupported authentication scheme \"\(challenge.scheme)\" from \(host.domain)")
            }
        }
    }

    /// The distribution token protocol: `GET realm?service=...&scope=...`, with the user's
    /// password as Basic auth when there is one; the answer's `token` (or `access_token`).
    func fetchToken(_ challenge: AuthChallenge, scopes: [String]) async throws -> String {
        if let t = credentials?.registrytoken, !t.isEmpty { return t }
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
            throw HoistError(.unauthorized, "\(host.domain): a Bearer challenge without a realm")
        }
        var items = components.queryItems ?? []
        if let service = challenge.parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        let wanted = scopes.isEmpty ? (challenge.parameters["scope"].map { [$0] } ?? []) : scopes
        for s in wanted { items.append(URLQueryItem(name: "scope", value: s)) }
        if let u = credentials?.basic?.user { items.append(URLQueryItem(name: "account", value: u)) }
        components.queryItems = items.isEmpty ? nil : items
        guard let tokenURL = components.string else { throw HoistError(.unauthorized, "\(host.domain): bad token realm \(realm)") }
        var req = HTTPClientRequest(url: tokenURL)
        if let basic = credentials?.basic {
            req.headers.add(name: "Authorization", value: "Basic " + Data("\(basic.user):\(basic.password)".utf8).base64EncodedString())
        }
        let resp: HTTPClientResponse
        do { resp = try await http.execute(req, timeout: .seconds(60)) } catch {
            throw RegistryClient.transportError(error, method: .GET, url: tokenURL)
        }
        let body = try await resp.body.collect(upTo: 1 << 20)
        guard resp.status == .ok else {
            if resp.status == .unauthorized || resp.status == .forbidden {
                throw HoistError(.unauthorized, "unauthorized: incorrect username or password")
            }
            throw RegistryError.from(status: resp.status, body: body, fallback: "token service answered \(resp.status.code)")
        }
        struct TokenAnswer: Decodable { var token: String?; var access_token: String? }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(body.readableBytesView)),
              let token = answer.token ?? answer.access_token, !token.isEmpty else {
            throw HoistError(.unauthorized, "\(host.domain): the token service sent no token")
        }
        return token
    }

    func url(_ path: String) -> String {
        path.hasPrefix("http://") || path.hasPrefix("https://") ? path : host.baseURL + path
    }

    /// A `Location` header, made absolute against the registry's base URL.
    func absolute(location: String) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        return host.baseURL + (location.hasPrefix("/") ? location : "/" + location)
    }

    static func transportError(_ error: any Error, method: HTTPMethod, url: String) -> HoistError {
        if let e = error as? HoistError { return e }
        var what = "\(error)"
        if let h = error as? HTTPClientError {
            switch h {
            case .remoteConnectionClosed: what = "connection closed by the registry"
            case .readTimeout: what = "read timeout"
            case .connectTimeout: what = "connect timeout"
            default: what = "\(h)"
            }
        }
        // Go's net errors, as dockerd words them.
        if let u = URL(string: url), let hostName = u.host {
            let port = u.port ?? (u.scheme == "https" ? 443 : 80)
            if what.contains("UnknownHost") || what.contains("Name or service not known") {
                what = "dial tcp: lookup \(hostName): no such host"
            } else if what.contains("Connection refused") || what.contains("connection refused") {
                what = "dial tcp \(hostName):\(port): connect: connection refused"
            }
        }
        // Go's url.Error names the method as `Get`, `Head`...
        let op = method.rawValue.prefix(1) + method.rawValue.dropFirst().lowercased()
        return HoistError(.unavailable, "\(op) \"\(url)\": \(what)", cause: error)
    }
}

/// A registry's error answer: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}`,
/// formatted as Docker's errcode (`manifest unknown: manifest unknown`).
public struct RegistryError: Error, Sendable {
    public var status: UInt
    public var code: String
    public var message: String

    public var description: String {
        code.isEmpty ? message : "\(code.lowercased().replacingOccurrences(of: "_", with: " ")): \(message)"
    }

    static func parse(status: HTTPResponseStatus, body: ByteBuffer?) -> RegistryError? {
        struct Answer: Decodable { struct E: Decodable { var code: String?; var message: String? }; var errors: [E]? }
        guard let body, let a = try? JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView)), let e = a.errors?.first else { return nil }
        return RegistryError(status: status.code, code: e.code ?? "", message: e.message ?? "")
    }

    /// A HoistError whose code follows the HTTP status.
    static func from(status: HTTPResponseStatus, body: ByteBuffer?, fallback: String) -> HoistError {
        let text = parse(status: status, body: body)?.description ?? fallback
        switch status.code {
        case 401, 403: return HoistError(.unauthorized, text)
        case 404: return HoistError.notFound(text)
        case 400..<500: return HoistError.invalid(text)
        default: return HoistError(.unavailable, text)
        }
    }
}

/// Just the status of an answer whose body does not matter.
public struct HTTPClientResponseStatusOnly: Sendable {
    public var code: UInt
    public var reason: String
}

extension RegistryClient {
    /// `GET /v2/`, authenticated when the registry asks (login's check).
    public func ping() async throws -> HTTPClientResponseStatusOnly {
        let resp = try await send(.GET, "/v2/", scopes: [], timeout: .seconds(60))
        _ = try? await resp.body.collect(upTo: 1 << 16)
        return HTTPClientResponseStatusOnly(code: resp.status.code, reason: resp.status.reasonPhrase)
    }
}
