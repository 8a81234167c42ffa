import HoistCore
import NIOCore

/// Docker's JSON message stream (`POST /images/create`, later pull and build): one JSON
/// object per line, each ended by `\r\n`. The 200 head goes out with the first message,
/// so a failure before any output is still a plain HTTP error, as moby's write-flusher does.
final class JSONMessageStream {
    private let exchange: Exchange
    private var stream: ResponseStream?

    init(_ exchange: Exchange) {
        self.exchange = exchange
    }

    private struct Status: Encodable { var status: String }
    private struct Failure: Encodable {
        struct Detail: Encodable { var message: String }
        var errorDetail: Detail
        var error: String
    }

    func status(_ text: String) async throws {
        try await send(Status(status: text))
    }

    /// Before any message: rethrows (the router answers with the error's status). After:
    /// an `errorDetail` message ends the stream.
    func fail(_ error: any Error) async throws {
        guard stream != nil else { throw error }
        let message = ErrorMapping.hoistError(error).message
        try await send(Failure(errorDetail: .init(message: message), error: message))
    }

    func end() async throws {
        if stream != nil { try await exchange.endStream() }
    }

    func send<T: Encodable>(_ message: T) async throws {
        if stream == nil { stream = try await exchange.startStream(contentType: "application/json") }
        var line = try APIJSON.encode(message)
        line.moveWriterIndex(to: line.writerIndex - 1)  // Go's "\n" → the stream's "\r\n"
        line.writeString("\r\n")
        try await stream?.write(line)
    }
}
