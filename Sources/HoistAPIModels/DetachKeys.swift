/// Detach keys (`--detach-keys`, the `detachKeys` query of attach): a comma-separated
/// list of `ctrl-X` or single characters, as moby/term's ToBytes reads it. Ctrl-P Ctrl-Q
/// by default.
public enum DetachKeys {
    public static let `default`: [UInt8] = [16, 17]

    /// `ctrl-@` is 0, `ctrl-a`..`ctrl-z` 1...26, then `ctrl-[`, `ctrl-\`, `ctrl-]`, `ctrl-^`, `ctrl-_`.
    private static let controlNames: [String] = ["ctrl-@"] + (UInt8(ascii: "a")...UInt8(ascii: "z")).map { "ctrl-" + String(UnicodeScalar($0)) }
        + ["ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_"]

    /// The byte sequence, or nil when a key is not understood.
    public static func parse(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for key in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if key.utf8.count == 1, let b = key.utf8.first {
                out.append(b)
                continue
            }
            guard let code = controlNames.firstIndex(of: key) else { return nil }
            out.append(UInt8(code))
        }
        return out.isEmpty ? nil : out
    }
}

/// Finds the detach sequence in input as moby/term's EscapeProxy does: a key counts only
/// when it arrives alone in one read (a key press on a terminal), so a pasted or piped
/// stream that happens to hold the bytes passes through. Keys held back while a sequence
/// may be starting are given back when it does not complete.
public struct DetachKeyMatcher: Sendable {
    public let keys: [UInt8]
    private var matched = 0

    public init(keys: [UInt8]) { self.keys = keys }

    /// The bytes to pass on for this read, and whether the sequence is now complete.
    public mutating func feed(_ chunk: [UInt8]) -> (pass: [UInt8], detach: Bool) {
        guard !keys.isEmpty else { return (chunk, false) }
        if chunk.count != 1 || chunk[0] != keys[matched] {
            let held = Array(keys[0..<matched])
            matched = 0
            return (held + chunk, false)
        }
        if matched == keys.count - 1 {
            matched = 0
            return ([], true)
        }
        matched += 1
        return ([], false)
    }
}
