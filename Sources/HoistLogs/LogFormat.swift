#if canImport(Glibc)
import Glibc
#endif

/// The container log file format (shared by the shim, which writes it, and the daemon,
/// which reads it). Like Docker's `local` driver it is framed and timestamped, so
/// `--since`/`--tail` seek instead of decoding every line:
///
///     file   = header record*
///     header = "HOISTLOG" u32le(version = 1) u32le(0)                     (16 bytes)
///     record = u32le(len) u8(stream) u8(flags) i64le(unix ns) payload[len] u32le(len)
///
/// `flags` bit 0 marks a partial line (no trailing newline: split at `maxLine`, or the
/// output ended mid-line). Complete lines keep their `\n` in the payload, so replaying
/// the payloads reproduces the output byte for byte. The trailing length makes a
/// backward scan (`--tail N`) possible without an index.
public enum LogFormat {
    public static let magic: [UInt8] = Array("HOISTLOG".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 16
    /// Bytes around each payload: 4 (len) + 1 (stream) + 1 (flags) + 8 (time) + 4 (len).
    public static let recordOverhead = 18
    /// Longest payload of one record; longer lines are split, as Docker splits at 16 KiB.
    public static let maxLine = 16 * 1024
    public static let flagPartial: UInt8 = 1

    static func headerBytes() -> [UInt8] {
        var h = magic
        withUnsafeBytes(of: version.littleEndian) { h.append(contentsOf: $0) }
        h.append(contentsOf: [0, 0, 0, 0])
        return h
    }
}

/// One line (or piece of a long line) of container output.
public struct LogRecord: Sendable, Equatable {
    /// 1 = stdout, 2 = stderr (the multiplexed-stream numbering).
    public var stream: UInt8
    /// Nanoseconds since the Unix epoch.
    public var timestamp: Int64
    /// No trailing newline: a piece of a longer line, or output that ended mid-line.
    public var partial: Bool
    public var payload: [UInt8]

    public init(stream: UInt8, timestamp: Int64, partial: Bool, payload: [UInt8]) {
        self.stream = stream; self.timestamp = timestamp; self.partial = partial; self.payload = payload
    }
}

/// Errors of the log layer (HoistLogs has no dependencies, the shim links it).
public struct LogError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var errno: Int32
    public init(_ message: String, errno: Int32 = 0) { self.message = message; self.errno = errno }
    public var description: String {
        errno == 0 ? message : "\(message): \(String(cString: strerror(errno)))"
    }
}

/// The wall clock in Unix nanoseconds (what log timestamps use).
public func logClockNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
