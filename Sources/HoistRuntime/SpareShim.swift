#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistSys
import Synchronization

/// One shim started ahead of need (`hoist-shim --standby`), parked on its status socket.
///
/// A container start used to pay for exec'ing the shim and its detaching fork before the
/// runtime could even be spawned (about 2.5 ms of the launch). The spare has done both
/// already; the launch sends it the container's arguments and goes on exactly as with a
/// fresh shim, and a new spare is started in the background. Only one is kept: a spare for
/// another shim binary or runtime replaces it. The spare exits by itself when the daemon's
/// end of the socket closes (the daemon exited or replaced it).
enum SpareShim {
    private struct Parked {
        var key: String
        var fd: Int32
    }
    private static let parked = Mutex<Parked?>(nil)
    private static let preparer = BackgroundPreparer()

    static func key(_ shimPath: String, _ runtime: RuntimeInfo) -> String {
        "\(shimPath)\u{0}\(runtime.path)\u{0}\(runtime.sealedCopyFD)"
    }

    /// The parked spare for this shim and runtime, if any (the caller owns the socket).
    static func take(shimPath: String, runtime: RuntimeInfo) -> Int32? {
        let k = key(shimPath, runtime)
        return parked.withLock { p -> Int32? in
            guard let spare = p, spare.key == k else { return nil }
            p = nil
            return spare.fd
        }
    }

    /// Parks a spare's socket (replacing, and so ending, any other).
    static func park(_ fd: Int32, shimPath: String, runtime: RuntimeInfo) {
        let replaced = parked.withLock { p -> Int32? in
            let old = p?.fd
            p = Parked(key: key(shimPath, runtime), fd: fd)
            return old
        }
        if let replaced { close(replaced) }
    }

    /// Hands the container's arguments to a spare; false if it is gone.
    static func send(_ args: [String], to fd: Int32) -> Bool {
        var payload: [UInt8] = []
        for a in args { payload += Array(a.utf8); payload.append(0) }
        let message = Array("\(payload.count)\n".utf8) + payload
        var off = 0
        while off < message.count {
            let n = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    /// Starts a spare in the background unless one is parked or on its way. It starts niced
    /// (`BackgroundPreparer`) and returns to the daemon's nice (`--nice`) when it gets a
    /// container.
    static func prepare(shimPath: String, runtime: RuntimeInfo) {
        if parked.withLock({ $0?.key == key(shimPath, runtime) }) { return }
        preparer.start { niceBefore in
            var args = ["--standby"]
            if runtime.sealedCopyFD >= 0 { args += ["--runtime-fd", String(ShimLauncher.runtimeFD)] }
            if let niceBefore { args += ["--nice", String(niceBefore)] }
            guard let fd = try? ShimLauncher.spawn(shimPath: shimPath, runtime: runtime, args: args) else { return }
            park(fd, shimPath: shimPath, runtime: runtime)
        }
    }
}
