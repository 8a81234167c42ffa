import Foundation

/// Docker's AuthConfig: what `X-Registry-Auth` carries (base64url JSON) and what `login`
/// checks. `auth` is base64 `user:password`, as in config.json.
public struct RegistryCredentials: Codable, Sendable, Equatable {
    public var username: String?
    public var password: String?
    public var auth: String?
    public var email: String?
    public var serveraddress: String?
    public var identitytoken: String?
    public var registrytoken: String?

    public init(username: String? = nil, password: String? = nil, serveraddress: String? = nil) {
        self.username = username; self.password = password; self.serveraddress = serveraddress
    }

    /// The user and password, from the fields or from `auth`; nil when there are none.
    public var basic: (user: String, password: String)? {
        if let u = username, !u.isEmpty { return (u, password ?? "") }
        guard let a = auth, let data = Data(base64Encoded: a), let s = String(data: data, encoding: .utf8),
              let colon = s.firstIndex(of: ":") else { return nil }
        return (String(s[..<colon]), String(s[s.index(after: colon)...]))
    }

    public var isEmpty: Bool { basic == nil && (identitytoken ?? "").isEmpty && (registrytoken ?? "").isEmpty }

    /// Decodes an `X-Registry-Auth` header: base64url (docker CLI) or standard base64 JSON.
    /// An empty or undecodable header means no credentials, as the daemon treats it.
    public static func fromHeader(_ header: String?) -> RegistryCredentials? {
        guard let data = headerJSON(header),
              let creds = try? JSONDecoder().decode(RegistryCredentials.self, from: data), !creds.isEmpty else { return nil }
        return creds
    }

    /// `X-Registry-Config` (build): credentials keyed by server (`https://index.docker.io/v1/`,
    /// `127.0.0.1:5000`); those for `domain`, or nil.
    public static func fromConfigHeader(_ header: String?, domain: String) -> RegistryCredentials? {
        guard let data = headerJSON(header),
              let all = try? JSONDecoder().decode([String: RegistryCredentials].self, from: data) else { return nil }
        return all.first { RegistryHost.domain(ofServer: $0.key) == domain && !$0.value.isEmpty }?.value
    }

    /// The JSON inside a base64url (docker CLI) or standard base64 header.
    static func headerJSON(_ header: String?) -> Data? {
        guard var s = header?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        s = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}

/// A `WWW-Authenticate` challenge: `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.
public struct AuthChallenge: Sendable, Equatable {
    public var scheme: String
    public var parameters: [String: String]

    /// The first challenge in the header (registries send one).
    public init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else { return nil }
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = Substring(trimmed[space...])
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var end = rest.endIndex
                for i in rest.indices {
                    let c = rest[i]
                    if escaped { value.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { end = i; break }
                    value.append(c)
                }
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[key] = value
        }
    }
}
