import HoistAPIModels
import HoistCore

/// An Engine API version such as 1.41, compared numerically part by part (as moby's
/// `versions.compare`: 1.9 < 1.10).
struct APIVersionNumber: Comparable, Sendable, CustomStringConvertible {
    let text: String
    private let parts: [Int]

    init(_ text: String) {
        self.text = text
        self.parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
    }

    static let current = APIVersionNumber(APIVersion.current)
    static let minimum = APIVersionNumber(APIVersion.minimum)

    var description: String { text }

    static func == (a: Self, b: Self) -> Bool { compare(a, b) == 0 }
    static func < (a: Self, b: Self) -> Bool { compare(a, b) < 0 }

    private static func compare(_ a: Self, _ b: Self) -> Int {
        for i in 0..<max(a.parts.count, b.parts.count) {
            let x = i < a.parts.count ? a.parts[i] : 0
            let y = i < b.parts.count ? b.parts[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}

enum APIVersionCheck {
    /// Splits `/v1.41/containers/json` into `("1.41", "/containers/json")`; paths without a
    /// version prefix are returned unchanged.
    static func splitPrefix(_ path: String) -> (version: String?, rest: String) {
        guard path.hasPrefix("/v") else { return (nil, path) }
        let afterV = path.dropFirst(2)
        let end = afterV.firstIndex(of: "/") ?? afterV.endIndex
        let candidate = afterV[afterV.startIndex..<end]
        guard !candidate.isEmpty, candidate.allSatisfy({ $0 == "." || ($0 >= "0" && $0 <= "9") }) else { return (nil, path) }
        let rest = String(afterV[end...])
        return (String(candidate), rest.isEmpty ? "/" : rest)
    }

    /// The version a request asked for (the current one when it named none), or the
    /// error moby answers for versions out of range.
    static func negotiate(_ requested: String?) throws -> APIVersionNumber {
        guard let requested else { return .current }
        let v = APIVersionNumber(requested)
        if v < .minimum {
            throw HoistError.invalid("client version \(requested) is too old. Minimum supported API version is \(APIVersion.minimum), please upgrade your client to a newer version")
        }
        if v > .current {
            throw HoistError.invalid("client version \(requested) is too new. Maximum supported API version is \(APIVersion.current)")
        }
        return v
    }
}
