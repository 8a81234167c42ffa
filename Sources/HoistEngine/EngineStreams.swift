import Foundation
import HoistCore
import HoistLogs

extension Engine {
    // MARK: attach

    public func attachContainer(_ idOrName: String, options: AttachOptions) async throws -> AttachSession {
        let rec = try lookup(idOrName)
        let wantStdin = options.stdin && (rec.config.OpenStdin ?? false)
        let relay = AttachRelay(tty: rec.tty, stdin: wantStdin, stdout: options.stdout, stderr: options.stderr)
        if rec.isRunning, let shim = shims[rec.id] {
            try await relay.connect(shim)
        } else if !rec.isRunning && (rec.status == .created || rec.status == .exited) {
            // Connected when the container starts (docker run attaches before start).
            pendingAttaches[rec.id, default: []].append(relay)
        } else {
            throw HoistError.conflict("You cannot attach to a stopped container, start it first")
        }
        emit("attach", rec)
        return relay.session()
    }

    // MARK: logs

    public func containerLogs(_ idOrName: String, options: LogOptions) async throws -> (tty: Bool, entries: AsyncThrowingStream<LogEntry, any Error>) {
        let rec = try lookup(idOrName)
        if LogRotation.isNone(rec.hostConfig) {
            throw HoistError(.notImplemented, "configured logging driver does not support reading")
        }
        let path = paths.logPath(rec.id)
        guard FileManager.default.fileExists(atPath: path) else {
            // Never started: no output yet.
            return (rec.tty, AsyncThrowingStream { $0.finish() })
        }
        let cursor = try LogCursor(reader: LogReader(path: path), rotated: LogReader.rotatedFiles(of: path), options: options,
                                   engine: self, id: rec.id)
        // Pull-based: the reader advances only as fast as the client consumes (no 200 MB in memory).
        return (rec.tty, AsyncThrowingStream(unfolding: { try await cursor.next() }))
    }

    func isRunning(_ id: String) -> Bool { containers[id]?.isRunning ?? false }
}

/// Reads a container log in batches for one consumer, following it while the container runs.
/// With `--log-opt max-size` the rotated files (`container.log.2`, `.1`) come first, and a
/// follow moves on to the new file when the writer rotates.
final class LogCursor: @unchecked Sendable {
    private var reader: LogReader
    private let since: Int64?
    private let until: Int64?
    private let wantOut: Bool
    private let wantErr: Bool
    private let follow: Bool
    private let engine: Engine
    private let id: String
    private var offset: Int64
    private var buffer: [LogRecord] = []
    private var index = 0
    private var done = false

    init(reader: LogReader, rotated: [String] = [], options: LogOptions, engine: Engine, id: String) throws {
        self.reader = reader
        since = options.since.map { Int64($0 * 1e9) }
        until = options.until.map { Int64($0 * 1e9) }
        wantOut = options.stdout
        wantErr = options.stderr
        follow = options.follow
        self.engine = engine
        self.id = id
        offset = try reader.startOffset(since: since, until: until, tail: options.tail)
        if !rotated.isEmpty { buffer = try Self.olderRecords(rotated, current: reader, since: since, until: until, tail: options.tail) }
    }

    /// The records of the rotated files that come before the current file's: all of them, or
    /// with `tail` only as many as the current file does not already give.
    private static func olderRecords(_ files: [String], current: LogReader, since: Int64?, until: Int64?, tail: Int?) throws -> [LogRecord] {
        var wanted = Int.max
        if let tail, tail >= 0 {
            wanted = tail - (try current.read(since: since, until: until, tail: tail).records.count)
        }
        var out: [LogRecord] = []
        for f in files.reversed() where wanted > 0 {
            guard let r = try? LogReader(path: f) else { continue }
            let recs = try r.read(since: since, until: until, tail: wanted == Int.max ? nil : wanted).records
            out.insert(contentsOf: recs, at: 0)
            if wanted != Int.max { wanted -= recs.count }
        }
        return out
    }

    func next() async throws -> LogEntry? {
        while !done {
            while index < buffer.count {
                let r = buffer[index]
                index += 1
                if let u = until, r.timestamp > u { done = true; return nil }
                if let s = since, r.timestamp < s { continue }
                if (r.stream == 1 && !wantOut) || (r.stream == 2 && !wantErr) { continue }
                return LogEntry(stream: r.stream, timestamp: r.timestamp, bytes: r.payload)
            }
            // Ask before reading: output written before the exit is then never missed.
            let running = follow ? await engine.isRunning(id) : false
            let (recs, end) = try reader.readNew(from: offset, maxBytes: 256 << 10)
            offset = end
            buffer = recs
            index = 0
            if recs.isEmpty && reader.isReplaced(), let next = try? LogReader(path: reader.path) {
                // Rotated: the old file is complete (the writer flushes before renaming it).
                let (rest, _) = try reader.readNew(from: offset, maxBytes: Int.max)
                reader = next
                offset = Int64(LogFormat.headerSize)
                buffer = rest
                index = 0
                continue
            }
            if recs.isEmpty {
                guard running else { done = true; return nil }
                do { try await Task.sleep(nanoseconds: 50_000_000) } catch { done = true; return nil }
            }
        }
        return nil
    }
}
