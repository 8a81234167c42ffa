#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// errno → HoistError, and EINTR retry for syscalls.
public enum Sys {
    /// A HoistError for a failed syscall: `op path: strerror`. ENOENT maps to notFound,
    /// EEXIST to conflict, EINVAL to invalidArgument, anything else to internal.
    public static func error(_ op: String, _ path: String? = nil, errno e: Int32 = errno) -> HoistError {
        let what = path.map { "\(op) \($0)" } ?? op
        let msg = "\(what): \(String(cString: strerror(e)))"
        switch e {
        case ENOENT: return HoistError(.notFound, msg)
        case EEXIST: return HoistError(.conflict, msg)
        case EINVAL: return HoistError(.invalidArgument, msg)
        default: return HoistError(.internal, msg)
        }
    }

    /// Runs `body` again while it fails with EINTR (result -1 and errno EINTR).
    @inline(__always)
    public static func retry<T: BinaryInteger>(_ body: () -> T) -> T {
        while true {
            let r = body()
            if r == -1 && errno == EINTR { continue }
            return r
        }
    }
}
