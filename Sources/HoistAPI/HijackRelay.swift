import HoistAPIModels
import HoistEngine
import NIOCore
import Synchronization

/// Relays an attach session over a hijacked connection: output to the client (framed
/// without a TTY), the client's bytes to stdin. The client's half-close (the docker CLI
/// closes its write side at stdin EOF and keeps reading) closes stdin; the end of the
/// output flushes and closes the connection; a client that goes away, or a server
/// shutting down, detaches (the container keeps running), and so does the detach key
/// sequence typed on stdin (moby closes the stream then; stdin stays open).
enum HijackRelay {
    static func run(_ session: AttachSession, on connection: Connection, multiplexed: Bool, stdin: Bool,
                    detachKeys: [UInt8] = DetachKeys.default) async {
        let outbound = connection.outbound
        let channel = connection.channel
        let outputEnded = Flag()
        let detached = Flag()
        let detach = { @Sendable in
            if !outputEnded.isSet && detached.setOnce() { session.detach() }
        }
        // Closed before the output ended: the client is gone, not the container. Detaching
        // also ends the output stream the pump below may be waiting on.
        connection.onClose(detach)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var clientGone = false
                for await chunk in session.output {
                    var bytes = channel.allocator.buffer(capacity: chunk.bytes.count + 8)
                    StreamFraming.appendOutput(chunk, multiplexed: multiplexed, to: &bytes)
                    do {
                        try await outbound.write(.raw(bytes))
                    } catch {
                        clientGone = true
                        break
                    }
                }
                guard !clientGone && !Task.isCancelled else { return }
                outputEnded.set()
                // Everything written reaches the client before the close that tells it the end.
                try? await channel.writeAndFlush(ServerOutbound.drain).get()
                try? await channel.close()
            }
            // Input: until the client half-closes, the connection closes, or the detach keys.
            var keys = DetachKeyMatcher(keys: detachKeys)
            var userDetached = false
            while let part = try? await connection.next() {
                if stdin, case .raw(let bytes) = part, bytes.readableBytes > 0 {
                    let (pass, detachNow) = keys.feed(Array(bytes.readableBytesView))
                    if !pass.isEmpty { await session.writeStdin(pass) }
                    if detachNow {
                        userDetached = true
                        break
                    }
                }
            }
            if userDetached {
                detach()
                try? await channel.close()
            } else if stdin && multiplexed && !outputEnded.isSet {
                // As moby: a client's EOF closes the container's stdin only without a TTY;
                // a terminal session (and a detach) leaves it open for the next attach.
                await session.closeStdin()
            } else if stdin && !outputEnded.isSet {
                // A terminal client's EOF ends its attach (moby closes its output streams),
                // the container and its stdin carry on.
                detach()
                try? await channel.writeAndFlush(ServerOutbound.drain).get()
                try? await channel.close()
            }
        }
        detach()
    }
}

/// A flag shared between the relay's tasks and the close callback.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
    /// Sets the flag; true when it was not set before.
    func setOnce() -> Bool { value.withLock { was in defer { was = true }; return !was } }
}
