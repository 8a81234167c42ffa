#if canImport(Glibc)
import Glibc
#endif

/// Container and exec IDs: 64 lowercase hex characters, as Docker's.
public enum Identifiers {
    public static func random() -> String {
        var g = SystemRandomNumberGenerator()
        var s = ""
        s.reserveCapacity(64)
        let hex = Array("0123456789abcdef")
        for _ in 0..<32 {
            let b = UInt8.random(in: 0...255, using: &g)
            s.append(hex[Int(b >> 4)])
            s.append(hex[Int(b & 0xf)])
        }
        return s
    }

    /// `docker ps` shows the first 12 characters.
    public static func short(_ id: String) -> String {
        let hex = id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id
        return String(hex.prefix(12))
    }

    /// Container names as Docker accepts them: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    public static func isValidName(_ name: String) -> Bool {
        let n = name.hasPrefix("/") ? String(name.dropFirst()) : name
        guard let first = n.unicodeScalars.first, isAlnum(first) else { return false }
        return n.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    private static func isAlnum(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
    }
}
