/// Where the daemon listens. Only `unix://` for now.
public struct DaemonHost: Sendable, Equatable, CustomStringConvertible {
    public static let defaultHost = "unix:///run/hoist.sock"

    /// The host as the user wrote it (or the default), e.g. `unix:///run/hoist.sock`.
    public var url: String
    public var socketPath: String
    /// True when neither `-H` nor an environment variable chose the host: only then may the
    /// CLI start a daemon by itself.
    public var isDefault: Bool

    public var description: String { url }

    public init(url: String, socketPath: String, isDefault: Bool) {
        self.url = url
        self.socketPath = socketPath
        self.isDefault = isDefault
    }

    /// `-H` > `HOIST_HOST` > `DOCKER_HOST` > `unix:///run/hoist.sock`.
    public static func resolve(flag: String?, environment: [String: String]) throws -> DaemonHost {
        if let f = flag, !f.isEmpty { return try parse(f, isDefault: false) }
        if let h = environment["HOIST_HOST"], !h.isEmpty { return try parse(h, isDefault: false) }
        if let h = environment["DOCKER_HOST"], !h.isEmpty { return try parse(h, isDefault: false) }
        return try parse(defaultHost, isDefault: true)
    }

    public static func parse(_ s: String, isDefault: Bool = false) throws -> DaemonHost {
        let trimmed = s.trimmingSpaces()
        if trimmed.hasPrefix("unix://") {
            let path = String(trimmed.dropFirst("unix://".count))
            guard !path.isEmpty else { throw ClientError.invalidHost("invalid bind address (\(s)): empty unix socket path") }
            return DaemonHost(url: trimmed, socketPath: path, isDefault: isDefault)
        }
        if trimmed.hasPrefix("/") {
            // dockerd accepts a bare path as a unix socket.
            return DaemonHost(url: "unix://" + trimmed, socketPath: trimmed, isDefault: isDefault)
        }
        if let r = trimmed.firstRange(of: "://") {
            let proto = trimmed[..<r.lowerBound]
            throw ClientError.invalidHost("unsupported host protocol \"\(proto)\" in \(s): only unix:// sockets are supported")
        }
        throw ClientError.invalidHost("unsupported host \(s): only unix:// sockets are supported")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
