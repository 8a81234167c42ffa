import NIOCore
import NIOHTTP1

/// Receives one response at a time on a connection. Lives on the channel's event loop; every
/// property is touched only there.
final class ResponseSink {
    let head: EventLoopPromise<HTTPResponseHead>
    let end: EventLoopPromise<Void>
    /// Called on the event loop for each body chunk.
    let onBody: (ByteBuffer) -> Void
    /// Called on the event loop with the head, before any body chunk.
    var onHead: ((HTTPResponseHead) -> Void)?
    /// For a hijack request: installed in place of the HTTP handlers when the daemon answers 101.
    let upgradeHandler: RawStreamHandler?

    init(eventLoop: EventLoop, onBody: @escaping (ByteBuffer) -> Void, upgradeHandler: RawStreamHandler? = nil) {
        self.head = eventLoop.makePromise()
        self.end = eventLoop.makePromise()
        self.onBody = onBody
        self.upgradeHandler = upgradeHandler
    }

    func fail(_ error: Error) {
        head.fail(error)
        end.fail(error)
    }
}

/// The HTTP/1.1 client side of one connection: hands response parts to the current sink,
/// and on `101 Switching Protocols` (attach) removes the HTTP codec so raw bytes flow.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let encoder: HTTPRequestEncoder
    private let decoder: ByteToMessageHandler<HTTPResponseDecoder>
    private var sink: ResponseSink?
    private var responseHead: HTTPResponseHead?
    /// Called on the event loop when a response ended and the connection may carry another.
    var onIdle: ((Bool) -> Void)?

    init(encoder: HTTPRequestEncoder, decoder: ByteToMessageHandler<HTTPResponseDecoder>) {
        self.encoder = encoder
        self.decoder = decoder
    }

    /// Must be called on the event loop, before the request is written.
    func expect(_ sink: ResponseSink) {
        if let old = self.sink { old.fail(ClientError.protocolError("request overlapped a pending response")) }
        self.sink = sink
        self.responseHead = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let sink else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            responseHead = h
            if h.status == .switchingProtocols && sink.upgradeHandler != nil { return }  // finish at .end
            sink.onHead?(h)
            sink.head.succeed(h)
        case .body(let b):
            sink.onBody(b)
        case .end:
            if let h = responseHead, h.status == .switchingProtocols, let raw = sink.upgradeHandler {
                upgrade(context: context, to: raw)
                self.sink = nil
                sink.head.succeed(h)
                sink.end.succeed(())
                return
            }
            let keepAlive = responseHead?.isKeepAlive ?? false
            self.sink = nil
            self.responseHead = nil
            sink.end.succeed(())
            onIdle?(keepAlive)
        }
    }

    /// Leaves the pipeline as `[raw]`: this handler goes first, then the codec, so the bytes
    /// the decoder still holds (container output that came with the 101) reach `raw`.
    private func upgrade(context: ChannelHandlerContext, to raw: RawStreamHandler) {
        let pipeline = context.pipeline
        do {
            try pipeline.syncOperations.addHandler(raw, position: .last)
        } catch {
            sink?.fail(error)
            context.close(promise: nil)
            return
        }
        pipeline.syncOperations.removeHandler(context: context, promise: nil)
        pipeline.syncOperations.removeHandler(encoder, promise: nil)
        pipeline.syncOperations.removeHandler(decoder, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            // The daemon closed its side: no more responses on this connection.
            sink?.fail(ClientError.protocolError("the daemon closed the connection"))
            sink = nil
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink?.fail(ClientError.protocolError("the daemon closed the connection"))
        sink = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        sink?.fail(ClientError.protocolError("\(error)"))
        sink = nil
        context.close(promise: nil)
    }
}

/// After a hijack: raw bytes from the daemon go to `onData`; EOF (the daemon closed its write
/// side, i.e. the container's output ended) completes `eof`.
final class RawStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let onData: (ByteBuffer) -> Void
    let eof: EventLoopPromise<Void>
    private var done = false

    init(eventLoop: EventLoop, onData: @escaping (ByteBuffer) -> Void) {
        self.onData = onData
        self.eof = eventLoop.makePromise()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onData(unwrapInboundIn(data))
    }

    private func finish() {
        guard !done else { return }
        done = true
        eof.succeed(())
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed { finish(); return }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset after the container exited is the same as EOF for the user.
        finish()
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }
}
