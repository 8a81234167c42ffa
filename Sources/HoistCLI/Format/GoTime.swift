#if canImport(Glibc)
import Glibc
#endif

/// Go time formatting the docker CLI output relies on.
public enum GoTime {
    /// Now, in nanoseconds since the epoch.
    public static func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// `time.Unix(sec, 0).String()`: `2006-01-02 15:04:05 -0700 MST` in local time.
    public static func string(unixSeconds: Int64) -> String {
        var t = time_t(unixSeconds)
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 96)
        let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S %z %Z", &tmv)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `2 minutes ago` from a Unix timestamp (go-units HumanDuration + " ago").
    public static func ago(unixSeconds: Int64, now: Int64 = nowNanos()) -> String {
        Units.humanDuration(nanoseconds: now - unixSeconds * 1_000_000_000) + " ago"
    }
}
