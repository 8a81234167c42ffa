import Foundation
import HoistCore
import NIOCore

/// JSON as the Engine API speaks it (Go's encoding/json, as moby configures it): fields in
/// declaration order, a newline after each value, and decoding errors reported as 400s a
/// user can act on.
enum APIJSON {
    static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        var bytes = try OrderedJSONEncoder().encode(value)
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }

    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        let bytes = body.readableBytesView
        guard bytes.contains(where: { !isJSONWhitespace($0) }) else {
            throw HoistError.invalid("invalid JSON: got EOF while reading request body")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw HoistError(.invalidArgument, describe(error), cause: error)
        }
    }

    private static func isJSONWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// `invalid JSON: HostConfig.Memory: expected a number` rather than Foundation's dump.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return out
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is Bool.Type: return "a boolean"
            case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type, is UInt32.Type, is Double.Type: return "a number"
            default:
                let name = String(describing: type)
                if name.hasPrefix("Array<") { return "an array" }
                if name.hasPrefix("Dictionary<") { return "an object" }
                return "an object"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            let at = path(context.codingPath)
            return "invalid JSON: \(at.isEmpty ? "request body" : at): expected \(kind(type))"
        case .valueNotFound(let type, let context):
            let at = path(context.codingPath)
            return "invalid JSON: \(at.isEmpty ? "request body" : at): expected \(kind(type)), got null"
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath + [key])
            return "invalid JSON: missing field \(at)"
        case .dataCorrupted(let context):
            let at = path(context.codingPath)
            if at.isEmpty { return "invalid JSON: the request body is not valid JSON" }
            return "invalid JSON: \(at): \(context.debugDescription)"
        @unknown default:
            return "invalid JSON: \(error)"
        }
    }
}
