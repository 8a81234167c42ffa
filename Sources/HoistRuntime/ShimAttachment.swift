#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A live attach connection to a shim: demultiplexed output, and stdin.
///
/// Output is read by a thread of its own into a small bounded queue that the stream pulls
/// from, so a slow consumer slows the reader (and, past the shim's limit, gets this
/// attachment dropped by the shim) instead of growing the daemon's memory.
public final class ShimAttachment: Sendable {
    public let output: AsyncStream<(stream: UInt8, bytes: [UInt8])>
    private let conn: UnixConnection
    private let queue: FrameQueue

    init(_ conn: UnixConnection) {
        self.conn = conn
        let q = FrameQueue()
        queue = q
        output = AsyncStream(unfolding: { await q.next() }, onCancel: { q.cancel(); conn.close() })
        Blocking.detach { ShimAttachment.readFrames(conn, q) }
    }

    /// Sends bytes to the container's stdin (dropped when the attach has no stdin).
    public func write(_ bytes: [UInt8]) async {
        var rest = bytes[...]
        // Usually the socket takes it all at once; block (on a thread) only when it is full.
        if let n = conn.writeNow(rest) {
            rest = rest.dropFirst(n)
        } else {
            return
        }
        if rest.isEmpty { return }
        let remaining = Array(rest)
        let c = conn
        _ = try? await Blocking.run { c.write(remaining) }
    }

    /// Half-closes: the shim sees stdin end (and with StdinOnce closes the container's).
    public func closeStdin() async {
        conn.shutdownWrite()
    }

    /// Stops relaying; the container keeps running.
    public func close() {
        queue.cancel()
        conn.close()
    }

    private static func readFrames(_ conn: UnixConnection, _ q: FrameQueue) {
        var buf: [UInt8] = []
        var off = 0
        reading: while true {
            // Parse whole frames: [stream, 0, 0, 0, len u32 BE] payload.
            while buf.count - off >= 8 {
                let len = Int(buf[off + 4]) << 24 | Int(buf[off + 5]) << 16 | Int(buf[off + 6]) << 8 | Int(buf[off + 7])
                guard buf.count - off >= 8 + len else { break }
                let frame = (stream: buf[off], bytes: Array(buf[(off + 8)..<(off + 8 + len)]))
                off += 8 + len
                if !q.push(frame) { break reading }
            }
            if off > 0 {
                buf.removeFirst(off)
                off = 0
            }
            let chunk = conn.read(max: 256 << 10)
            if chunk.isEmpty { break }
            buf += chunk
        }
        q.finish()
        conn.close()
    }
}

/// Frames between the reader thread (producer, may block) and the async consumer.
final class FrameQueue: @unchecked Sendable {
    typealias Frame = (stream: UInt8, bytes: [UInt8])
    private let cond = NSCondition()
    private var items: [Frame] = []
    private var head = 0
    private var bytes = 0
    private var eof = false
    private var cancelled = false
    private var waiter: CheckedContinuation<Frame?, Never>?
    static let maxBytes = 4 << 20

    /// Producer: blocks while the queue is full; false once the consumer is gone.
    func push(_ f: Frame) -> Bool {
        cond.lock()
        while bytes >= Self.maxBytes && !cancelled { cond.wait() }
        if cancelled { cond.unlock(); return false }
        if let w = waiter {
            waiter = nil
            cond.unlock()
            w.resume(returning: f)
            return true
        }
        items.append(f)
        bytes += f.bytes.count
        cond.unlock()
        return true
    }

    /// Producer: no more frames.
    func finish() {
        cond.lock()
        eof = true
        let w = waiter
        waiter = nil
        cond.unlock()
        w?.resume(returning: nil)
    }

    /// Consumer gone.
    func cancel() {
        cond.lock()
        cancelled = true
        let w = waiter
        waiter = nil
        cond.broadcast()
        cond.unlock()
        w?.resume(returning: nil)
    }

    func next() async -> Frame? {
        await withCheckedContinuation { (c: CheckedContinuation<Frame?, Never>) in
            cond.lock()
            if head < items.count {
                let f = items[head]
                head += 1
                bytes -= f.bytes.count
                if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
                cond.signal()
                cond.unlock()
                c.resume(returning: f)
            } else if eof || cancelled {
                cond.unlock()
                c.resume(returning: nil)
            } else {
                waiter = c
                cond.unlock()
            }
        }
    }
}
