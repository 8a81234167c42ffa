#if canImport(Glibc)
import Glibc
#endif

/// Reads a container log while the shim may still be appending to it. Offsets are
/// file offsets of record boundaries; `endOffset` values feed `readNew` for follow.
/// Only `pread` is used, so one reader may serve several threads.
public final class LogReader: @unchecked Sendable {
    private let file: LogFile
    public let path: String

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogError("open \(path)", errno: errno) }
        self.path = path
        file = LogFile(fd: fd, path: path)
        try file.checkHeader()
    }

    /// The writer rotated: `path` now names another file than the one this reader has open.
    /// What was written to the open file before the rotation can still be read.
    public func isReplaced() -> Bool {
        var mine = stat(), now = stat()
        guard fstat(file.fd, &mine) == 0 else { return false }
        guard stat(path, &now) == 0 else { return true }
        return mine.st_ino != now.st_ino || mine.st_dev != now.st_dev
    }

    /// The rotated files of the log at `path` that exist, oldest first (`PATH.2`, `PATH.1`),
    /// as the writer's max-file rotation names them.
    public static func rotatedFiles(of path: String) -> [String] {
        var out: [String] = []
        var n = 1
        var st = stat()
        while stat("\(path).\(n)", &st) == 0 {
            out.insert("\(path).\(n)", at: 0)
            n += 1
        }
        return out
    }

    deinit { file.closeFD() }

    /// Records with since <= timestamp <= until (unix ns, nil = unbounded); with `tail`,
    /// only the last N of those (as `docker logs --tail` counts after filtering);
    /// `tail` nil or negative = all. `endOffset` is the end of the last complete record.
    public func read(since: Int64?, until: Int64?, tail: Int?) throws -> (records: [LogRecord], endOffset: Int64) {
        let end = try file.validEnd(size: file.size())
        let start = try startOffset(since: since, until: until, tail: tail, end: end)
        var out: [LogRecord] = []
        _ = file.scan(from: start, limit: end, maxBytes: Int.max) { stream, flags, time, payload in
            if let since, time < since { return }
            if let until, time > until { return }
            out.append(LogRecord(stream: stream, timestamp: time, partial: flags & LogFormat.flagPartial != 0,
                                 payload: Array(payload)))
        }
        return (out, end)
    }

    /// Records appended after `offset` (an `endOffset` from an earlier call). Stops before
    /// a record that is still being written.
    public func readNew(from offset: Int64) throws -> (records: [LogRecord], endOffset: Int64) {
        try readNew(from: offset, maxBytes: Int.max)
    }

    /// As `readNew(from:)`, returning after about `maxBytes` of payload, so a large log
    /// can be streamed in batches without holding it all in memory.
    public func readNew(from offset: Int64, maxBytes: Int) throws -> (records: [LogRecord], endOffset: Int64) {
        var out: [LogRecord] = []
        let limit = try file.size()
        let end = file.scan(from: offset, limit: limit, maxBytes: maxBytes) { stream, flags, time, payload in
            out.append(LogRecord(stream: stream, timestamp: time, partial: flags & LogFormat.flagPartial != 0,
                                 payload: Array(payload)))
        }
        return (out, end)
    }

    /// Offset of the first record `read(since:until:tail:)` would return; stream from it
    /// with `readNew(from:maxBytes:)`, filtering since/until on each record.
    public func startOffset(since: Int64?, until: Int64?, tail: Int?) throws -> Int64 {
        try startOffset(since: since, until: until, tail: tail, end: file.validEnd(size: file.size()))
    }

    private func startOffset(since: Int64?, until: Int64?, tail: Int?, end: Int64) throws -> Int64 {
        guard let tail, tail >= 0 else { return Int64(LogFormat.headerSize) }
        return file.tailStart(end: end, since: since, until: until, tail: tail)
    }
}
