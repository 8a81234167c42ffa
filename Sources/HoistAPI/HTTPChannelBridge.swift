import NIOCore
import NIOHTTP1

/// What a connection's request loop reads: HTTP request parts, then raw bytes once the
/// connection has been hijacked (attach).
enum ServerInbound: Sendable {
    case http(HTTPServerRequestPart)
    case raw(ByteBuffer)
}

/// What a connection's request loop writes.
enum ServerOutbound: Sendable {
    case http(HTTPServerResponsePart)
    /// Leave HTTP: drop the response encoder, write `head` (a response head made by hand,
    /// as moby writes it on the hijacked connection) and relay raw bytes from now on.
    /// `takeInput`: also drop the request decoder and deliver the client's bytes as `.raw`.
    /// Only valid when the request was an HTTP upgrade, because only then has the decoder
    /// stopped parsing after the request (what it buffered is forwarded, not parsed).
    case hijack(head: ByteBuffer, takeInput: Bool)
    case raw(ByteBuffer)
    /// A no-op write whose completion means every earlier write reached the socket.
    case drain
}

enum HTTPChannelSetup {
    /// Per-connection pipeline: encoder, decoder, bridge, then the async channel the request
    /// loop iterates (with backpressure: it stops reading the socket while a request body
    /// waits to be consumed).
    static func configure(_ channel: any Channel) throws -> NIOAsyncChannel<ServerInbound, ServerOutbound> {
        let encoder = HTTPResponseEncoder()
        // `.forwardBytes`: after an upgrade the bytes that followed the request are stdin.
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let bridge = HTTPBridgeHandler(encoder: encoder, decoder: decoder)
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(encoder)
        try ops.addHandler(decoder)
        try ops.addHandler(bridge)
        return try NIOAsyncChannel<ServerInbound, ServerOutbound>(wrappingChannelSynchronously: channel)
    }
}

/// Adapts the HTTP codec to the loop's message types and performs the switch to raw bytes.
/// The switch happens here, on the event loop, in order with the writes before it, so the
/// 101 head cannot overtake or trail the response bytes around it.
final class HTTPBridgeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = ServerInbound
    typealias OutboundIn = ServerOutbound
    typealias OutboundOut = HTTPServerResponsePart

    private let encoder: HTTPResponseEncoder
    private let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    private var encoderRemoved = false
    private var inputIsRaw = false

    init(encoder: HTTPResponseEncoder, decoder: ByteToMessageHandler<HTTPRequestDecoder>) {
        self.encoder = encoder
        self.decoder = decoder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.inputIsRaw {
            // Raw ByteBuffers (the decoder's leftovers, then socket reads): RawInputHandler wraps them.
            context.fireChannelRead(data)
            return
        }
        context.fireChannelRead(self.wrapInboundOut(.http(self.unwrapInboundIn(data))))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .http(let part):
            guard !self.encoderRemoved else {
                promise?.fail(ChannelError.inappropriateOperationForState)
                return
            }
            context.write(self.wrapOutboundOut(part), promise: promise)
        case .raw(let bytes):
            guard self.encoderRemoved else {
                promise?.fail(ChannelError.inappropriateOperationForState)
                return
            }
            context.write(NIOAny(bytes), promise: promise)
        case .drain:
            if self.encoderRemoved {
                context.write(NIOAny(context.channel.allocator.buffer(capacity: 0)), promise: promise)
            } else {
                // An empty body part is passed through unframed by the encoder.
                let empty = context.channel.allocator.buffer(capacity: 0)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(empty))), promise: promise)
            }
        case .hijack(let head, let takeInput):
            guard !self.encoderRemoved else {
                promise?.fail(ChannelError.inappropriateOperationForState)
                return
            }
            let ops = context.pipeline.syncOperations
            // The default removal of the encoder is synchronous: the head below bypasses it.
            ops.removeHandler(self.encoder, promise: nil)
            self.encoderRemoved = true
            context.write(NIOAny(head), promise: promise)
            if takeInput {
                do {
                    try ops.addHandler(RawInputHandler(), position: .after(self))
                } catch {
                    context.fireErrorCaught(error)
                    return
                }
                self.inputIsRaw = true
                // Runs on a later tick; forwards what the decoder buffered after the request.
                // Its leftovers are fired outside a socket read: end that "read" so the
                // async channel hands them to the loop now, not at the next socket read.
                let removed = context.eventLoop.makePromise(of: Void.self)
                removed.futureResult.assumeIsolated().whenComplete { _ in context.fireChannelReadComplete() }
                ops.removeHandler(self.decoder, promise: removed)
            }
        }
    }
}

/// After a hijack: the client's bytes as `.raw` for the request loop.
final class RawInputHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ServerInbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(self.wrapInboundOut(.raw(self.unwrapInboundIn(data))))
    }
}
