import HoistAPIModels
import HoistCore
import HoistEngine

extension ContainerRouter {
    /// `POST /containers/{name}/attach`: resolve the container and attach first (errors are
    /// still plain HTTP), then hijack the connection and relay.
    func attach(_ x: Exchange) async throws {
        var options = AttachOptions()
        options.stdin = x.query.bool("stdin")
        options.stdout = x.query.bool("stdout")
        options.stderr = x.query.bool("stderr")
        options.logs = x.query.bool("logs")
        options.stream = x.query.bool("stream")
        var detachKeys = DetachKeys.default
        if let text = x.query.nonEmpty("detachKeys") {
            guard let keys = DetachKeys.parse(text) else { throw HoistError.invalid("Invalid detach keys (\(text)) provided") }
            detachKeys = keys
        }
        let session = try await backend.attachContainer(x.parameter("name"), options: options)
        // An attach request has no body; read its end so that only raw bytes follow.
        do {
            while try await x.nextBodyChunk() != nil {}
        } catch {
            session.detach()
            throw error
        }
        let takeInput: Bool
        do {
            takeInput = try await x.hijack(contentType: StreamFraming.contentType(multiplexed: !session.tty, version: x.apiVersion))
        } catch {
            session.detach()
            throw error
        }
        await HijackRelay.run(session, on: x.connection, multiplexed: !session.tty, stdin: options.stdin && takeInput,
                              detachKeys: detachKeys)
    }
}
