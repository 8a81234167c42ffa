import HoistEngine
import NIOCore

/// Docker's stream formats: multiplexed frames (`[stream, 0, 0, 0, size BE u32] + payload`,
/// stream 0 stdin, 1 stdout, 2 stderr) when the container has no TTY, raw bytes when it has.
enum StreamFraming {
    static let rawStream = "application/vnd.docker.raw-stream"
    static let multiplexedStream = "application/vnd.docker.multiplexed-stream"

    /// The content type moby announces: the multiplexed one exists from API 1.42.
    static func contentType(multiplexed: Bool, version: APIVersionNumber) -> String {
        multiplexed && version >= APIVersionNumber("1.42") ? multiplexedStream : rawStream
    }

    static func appendFrameHeader(stream: UInt8, length: Int, to buffer: inout ByteBuffer) {
        buffer.writeInteger(stream)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt32(truncatingIfNeeded: length), endianness: .big)
    }

    static func appendOutput(_ chunk: OutputChunk, multiplexed: Bool, to buffer: inout ByteBuffer) {
        if multiplexed { appendFrameHeader(stream: chunk.stream, length: chunk.bytes.count, to: &buffer) }
        buffer.writeBytes(chunk.bytes)
    }

    /// RFC 3339 with exactly nine fractional digits, in UTC, as Docker's `RFC3339NanoFixed`:
    /// `2026-11-23T11:13:09.123456789Z`.
    static func timestamp(nanoseconds: Int64) -> String {
        let (seconds, nanos) = floorDivide(nanoseconds, 1_000_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var s = ""
        s.reserveCapacity(30)
        s += pad(year, 4); s += "-"; s += pad(month, 2); s += "-"; s += pad(day, 2); s += "T"
        s += pad(secondOfDay / 3600, 2); s += ":"; s += pad(secondOfDay / 60 % 60, 2); s += ":"; s += pad(secondOfDay % 60, 2)
        s += "."; s += pad(nanos, 9); s += "Z"
        return s
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Proleptic Gregorian date of a day count (H. Hinnant's `civil_from_days`).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// How a log record goes on the wire: optional timestamp prefix, then a frame (no TTY) or
/// the bare bytes (TTY), as moby's logs handler writes them.
struct LogRecordEncoder: Sendable {
    let multiplexed: Bool
    let timestamps: Bool

    func append(_ entry: LogEntry, to buffer: inout ByteBuffer) {
        let prefix = timestamps ? StreamFraming.timestamp(nanoseconds: entry.timestamp) + " " : ""
        if multiplexed {
            StreamFraming.appendFrameHeader(stream: entry.stream, length: prefix.utf8.count + entry.bytes.count, to: &buffer)
        }
        if timestamps { buffer.writeString(prefix) }
        buffer.writeBytes(entry.bytes)
    }
}
