/// Errors of the Engine API client, with the text the docker CLI prints for the same case.
public enum ClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Nothing listens on the socket (or it does not exist).
    case cannotConnect(host: String)
    /// The daemon answered with an error status; `message` is its `{"message": ...}`.
    case api(status: Int, message: String)
    /// `-H` or an environment variable names something we cannot use.
    case invalidHost(String)
    /// The connection broke or the daemon spoke something unexpected.
    case protocolError(String)

    public var description: String {
        switch self {
        case .cannotConnect(let host):
            return "Cannot connect to the Hoist daemon at \(host). Is the hoist daemon running?"
        case .api(_, let message):
            return "Error response from daemon: \(message)"
        case .invalidHost(let m):
            return m
        case .protocolError(let m):
            return "error during connect: \(m)"
        }
    }

    public var statusCode: Int? {
        if case .api(let s, _) = self { return s }
        return nil
    }

    public var isNotFound: Bool { statusCode == 404 }
}
