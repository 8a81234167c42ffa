import HoistAPIModels
import HoistCore
import HoistEngine

extension ContainerRouter {
    /// `POST /containers/{name}/wait`. The wait is registered before anything is written (so
    /// a missing container is a real 404), then the 200 head is flushed at once: the docker
    /// CLI sends `start` only once this response has begun. The body follows on exit.
    func wait(_ x: Exchange) async throws {
        var condition = WaitCondition.notRunning
        if let text = x.query.nonEmpty("condition") {
            guard let c = WaitCondition(rawValue: text) else { throw HoistError.invalid("invalid condition: \"\(text)\"") }
            condition = c
        }
        let waiter = try await backend.prepareWait(x.parameter("name"), condition: condition)
        // The head goes out now; the body, one chunk, goes with the end.
        _ = try await x.startStream(contentType: "application/json")
        // A client that goes away stops the wait; the connection then just closes.
        guard let result = try await x.connection.untilClosed({ await waiter.wait() }) else { return }
        try await x.endStream(last: try APIJSON.encode(WaitResponseBody(result)))
    }
}

/// moby's wait body: `{"StatusCode":0,"Error":null}` (the model's synthesized encoding
/// would leave a nil `Error` out).
struct WaitResponseBody: Encodable {
    let response: ContainerWaitResponse
    init(_ response: ContainerWaitResponse) { self.response = response }

    private enum Keys: String, CodingKey { case StatusCode, Error }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(response.StatusCode, forKey: .StatusCode)
        if let error = response.Error {
            try c.encode(error, forKey: .Error)
        } else {
            try c.encodeNil(forKey: .Error)
        }
    }
}
