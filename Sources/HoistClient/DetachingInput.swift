import HoistAPIModels
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set once the user typed the detach keys.
public final class DetachSignal: Sendable {
    private let flag = Mutex(false)
    public var detached: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

extension HijackedStream {
    /// Like `pumpInput`, for a terminal: the detach keys (read alone, as key presses arrive)
    /// are not sent; they close the connection instead, as the docker CLI does with a TTY.
    /// The container keeps running.
    public func pumpInput(fromFD fd: Int32, detachKeys: [UInt8]) -> DetachSignal {
        let signal = DetachSignal()
        let channel = self.channel
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        pool.submit { _ in
            var keys = DetachKeyMatcher(keys: detachKeys)
            var raw = [UInt8](repeating: 0, count: 32 * 1024)
            while true {
                let n = raw.withUnsafeMutableBytes { ptr -> Int in
                    while true {
                        let n = read(fd, ptr.baseAddress, ptr.count)
                        if n >= 0 { return n }
                        if errno == EINTR { continue }
                        return 0
                    }
                }
                if n == 0 { break }
                let (pass, detach) = keys.feed(Array(raw[0..<n]))
                if !pass.isEmpty {
                    do { try channel.writeAndFlush(ByteBuffer(bytes: pass)).wait() } catch { return }
                }
                if detach {
                    signal.set()
                    try? channel.close().wait()
                    return
                }
            }
            try? channel.close(mode: .output).wait()
        }
        return signal
    }
}
