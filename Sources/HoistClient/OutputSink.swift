import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes all bytes to a file descriptor, retrying on EINTR/EAGAIN. Errors (EPIPE when the
/// reader went away) stop the write silently: there is nobody left to tell.
public enum FDWriter {
    @discardableResult
    public static func writeAll(_ fd: Int32, _ p: UnsafeRawBufferPointer) -> Bool {
        guard var base = p.baseAddress else { return true }
        var left = p.count
        while left > 0 {
            let n = write(fd, base, left)
            if n > 0 {
                base += n
                left -= n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, -1)
                continue
            }
            return false
        }
        return true
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }
}

/// How a container's output arrives: raw (TTY) or in Docker's 8-byte framed multiplex.
public enum StreamFormat: Sendable {
    case raw
    case multiplexed
}

/// Copies a stream of container output to stdout/stderr descriptors, on the event loop.
/// Frames of stream 3 (a daemon error) are kept as `systemError`.
final class OutputCopier: @unchecked Sendable {
    // Only touched on the client's single event loop thread.
    private var demuxer = StreamDemuxer()
    private let format: StreamFormat
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private(set) var systemError: [UInt8] = []

    init(format: StreamFormat, stdoutFD: Int32, stderrFD: Int32) {
        self.format = format
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
    }

    func consume(_ buf: ByteBuffer) {
        buf.withUnsafeReadableBytes { p in
            switch format {
            case .raw:
                FDWriter.writeAll(stdoutFD, p)
            case .multiplexed:
                demuxer.feed(p) { stream, chunk in
                    switch stream {
                    case .stdout, .stdin: FDWriter.writeAll(stdoutFD, chunk)
                    case .stderr: FDWriter.writeAll(stderrFD, chunk)
                    case .systemError: systemError.append(contentsOf: chunk)
                    }
                }
            }
        }
    }
}

/// Splits a body of concatenated JSON values (progress messages of pull, import, build).
final class JSONMessageSplitter: @unchecked Sendable {
    // Only touched on the event loop.
    private var pending: [UInt8] = []
    private let onMessage: @Sendable (JSON) -> Void

    init(onMessage: @escaping @Sendable (JSON) -> Void) { self.onMessage = onMessage }

    func consume(_ buf: ByteBuffer) {
        pending.append(contentsOf: buf.readableBytesView)
        guard let (values, consumed) = try? JSONParser.parseSequence(pending) else { return }
        pending.removeFirst(consumed)
        for v in values { onMessage(v) }
    }
}
