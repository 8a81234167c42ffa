import Crypto
import HoistCore

/// A content digest, `sha256:<64 hex>`.
public struct Digest: Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
    public let algorithm: String
    public let hex: String

    public init(parsing s: String) throws {
        guard let colon = s.firstIndex(of: ":") else { throw HoistError.invalid("invalid digest \"\(s)\": missing algorithm") }
        let alg = String(s[..<colon]), hex = String(s[s.index(after: colon)...])
        guard alg == "sha256" else { throw HoistError.invalid("unsupported digest algorithm \"\(alg)\"") }
        guard hex.count == 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw HoistError.invalid("invalid digest \"\(s)\"")
        }
        algorithm = alg
        self.hex = hex
    }

    public init(sha256Hex hex: String) { algorithm = "sha256"; self.hex = hex }

    public static func sha256<D: Sequence>(of bytes: D) -> Digest where D.Element == UInt8 {
        Digest(sha256Hex: SHA256.hash(data: Array(bytes)).hexString)
    }

    public var description: String { "\(algorithm):\(hex)" }
    public var encoded: String { description }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        try self.init(parsing: try c.decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
    public static func < (a: Digest, b: Digest) -> Bool { a.description < b.description }
}

/// Streaming SHA-256, for hashing while bytes flow past. A value type (swift-crypto's
/// state is copy-on-write), so sending a copy to another task is safe.
public struct DigestHasher: @unchecked Sendable {
    private var h = SHA256()
    public private(set) var count: Int64 = 0
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { h.update(bufferPointer: bytes); count += Int64(bytes.count) }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    public func finalize() -> Digest { Digest(sha256Hex: h.finalize().hexString) }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in self { out.append(table[Int(b >> 4)]); out.append(table[Int(b & 0xf)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
