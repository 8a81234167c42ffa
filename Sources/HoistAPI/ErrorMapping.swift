import HoistCore
import NIOHTTP1

/// The one place where error kinds become HTTP statuses (as moby's errdefs mapping).
enum ErrorMapping {
    static func status(for code: HoistError.Code) -> HTTPResponseStatus {
        switch code {
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .invalidArgument: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notModified: return .notModified
        case .notImplemented: return .notImplemented
        case .unavailable: return .serviceUnavailable
        case .internal: return .internalServerError
        }
    }

    /// Any error as the HoistError the client sees; what is not a HoistError is a 500
    /// (a bad JSON body is already a HoistError by the time it gets here).
    static func hoistError(_ error: any Error) -> HoistError {
        if let e = error as? HoistError { return e }
        if error is CancellationError { return HoistError(.unavailable, "the request was cancelled", cause: error) }
        return HoistError(.internal, "\(error)", cause: error)
    }
}
