/// The one error type of Hoist. `message` is what the user sees; `code` picks the
/// HTTP status in the API and the exit code in the CLI.
public struct HoistError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case notFound, conflict, invalidArgument, unauthorized, forbidden, unavailable
        case notModified, notImplemented, `internal`
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public static func notFound(_ m: String) -> HoistError { .init(.notFound, m) }
    public static func conflict(_ m: String) -> HoistError { .init(.conflict, m) }
    public static func invalid(_ m: String) -> HoistError { .init(.invalidArgument, m) }
    public static func `internal`(_ m: String, cause: (any Error)? = nil) -> HoistError { .init(.internal, m, cause: cause) }
}
