/// Splits Docker's multiplexed attach/logs stream (no TTY): frames of an 8-byte header
/// `[stream, 0, 0, 0, size(4, big endian)]` then `size` bytes. Stream 1 is stdout, 2 stderr,
/// 3 an error from the daemon. Fed chunk by chunk; headers may straddle chunks.
public struct StreamDemuxer {
    public enum Stream: UInt8, Sendable { case stdin = 0, stdout = 1, stderr = 2, systemError = 3 }

    private var header: [UInt8] = []
    private var remaining = 0
    private var current: Stream = .stdout

    public init() {}

    /// Calls `emit` for each payload piece, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Stream, UnsafeRawBufferPointer) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            if remaining > 0 {
                let take = min(remaining, n - i)
                emit(current, UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                remaining -= take
                i += take
                continue
            }
            // Collect a header.
            let need = 8 - header.count
            let take = min(need, n - i)
            header.append(contentsOf: bytes[i..<(i + take)])
            i += take
            if header.count == 8 {
                current = Stream(rawValue: header[0]) ?? .stdout
                remaining = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
                header.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Convenience for tests: returns the pieces.
    public mutating func feed(_ bytes: [UInt8]) -> [(Stream, [UInt8])] {
        var out: [(Stream, [UInt8])] = []
        bytes.withUnsafeBytes { p in
            feed(p) { s, chunk in out.append((s, Array(chunk))) }
        }
        return out
    }
}
