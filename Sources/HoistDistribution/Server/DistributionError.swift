import Foundation

/// An error the distribution API reports: `{"errors":[{"code":…,"message":…,"detail":…}]}`
/// with the status the spec gives each code.
public struct DistributionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case rangeInvalid = "RANGE_INVALID"
        case paginationNumberInvalid = "PAGINATION_NUMBER_INVALID"
        case unknown = "UNKNOWN"
    }

    public var code: Code
    public var message: String
    public var detail: String?
    /// Overrides the code's usual status (416 for an out-of-order chunk, 413 for a huge manifest).
    public var statusOverride: Int?

    public init(_ code: Code, _ message: String, detail: String? = nil, status: Int? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
        self.statusOverride = status
    }

    public var description: String { detail.map { "\(message): \($0)" } ?? message }

    public var status: Int {
        if let statusOverride { return statusOverride }
        switch code {
        case .blobUnknown, .blobUploadUnknown, .manifestUnknown, .nameUnknown: return 404
        case .unauthorized: return 401
        case .denied: return 403
        case .unsupported: return 405
        case .rangeInvalid: return 416
        case .unknown: return 500
        default: return 400
        }
    }

    /// The JSON error body.
    public var body: [UInt8] {
        var entry: [String: Any] = ["code": code.rawValue, "message": message]
        if let detail { entry["detail"] = detail }
        let data = (try? JSONSerialization.data(withJSONObject: ["errors": [entry]], options: [.sortedKeys])) ?? Data()
        return Array(data)
    }
}
