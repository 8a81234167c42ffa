import HoistCore
import HoistEngine
import NIOCore

extension ContainerRouter {
    /// `GET /containers/{name}/logs`: a chunked stream of the log records, framed when the
    /// container has no TTY. Records are read by a producer task into a bounded pipe and
    /// written in batches; `follow` streams until the container stops or the client leaves.
    func logs(_ x: Exchange) async throws {
        var options = LogOptions()
        options.follow = x.query.bool("follow")
        options.stdout = x.query.bool("stdout")
        options.stderr = x.query.bool("stderr")
        options.timestamps = x.query.bool("timestamps")
        options.since = try Self.timeParameter(x, "since")
        options.until = try Self.timeParameter(x, "until")
        // moby: `all`, or anything that is not a number, means the whole log.
        if let tail = x.query.nonEmpty("tail"), let n = Int(tail), n >= 0 { options.tail = n }
        guard options.stdout || options.stderr else {
            throw HoistError.invalid("Bad parameters: you must choose at least one stream")
        }

        let (tty, entries) = try await backend.containerLogs(x.parameter("name"), options: options)
        let encoder = LogRecordEncoder(multiplexed: !tty, timestamps: options.timestamps)
        let stream = try await x.startStream(contentType: StreamFraming.contentType(multiplexed: !tty, version: x.apiVersion))
        let pipe = BytePipe()
        x.connection.onClose { pipe.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await entry in entries {
                        guard await pipe.append({ encoder.append(entry, to: &$0) }) else { return }
                    }
                    pipe.finish()
                } catch {
                    pipe.finish(throwing: error)
                }
            }
            do {
                while let batch = try await pipe.next() {
                    try await stream.write(batch)
                }
            } catch {
                pipe.close()
                throw error
            }
            // The client left (pipe closed early): stop reading the log.
            group.cancelAll()
        }
        guard x.connection.channel.isActive else { return }
        try await x.endStream()
    }

    /// `since`/`until`: Unix seconds with an optional fraction (the docker CLI sends
    /// `1700000000.000000000`); 0 means no bound.
    static func timeParameter(_ x: Exchange, _ key: String) throws -> Double? {
        guard let text = x.query.nonEmpty(key) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw HoistError.invalid("invalid value for \(key): \"\(text)\" is not a Unix timestamp")
        }
        return value == 0 ? nil : value
    }
}
