/// Signal names and numbers as `docker kill -s` and `StopSignal` accept them:
/// `SIGTERM`, `TERM`, `term`, `15`, `SIGRTMIN+3`.
public enum Signals {
    static let table: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("IOT", 6), ("BUS", 7),
        ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14),
        ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20),
        ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27),
        ("WINCH", 28), ("IO", 29), ("POLL", 29), ("PWR", 30), ("SYS", 31), ("UNUSED", 31),
    ]
    static let rtMin: Int32 = 34
    static let rtMax: Int32 = 64

    /// The signal number, or nil if `s` names no signal.
    public static func parse(_ s: String) -> Int32? {
        let t = s.trimmingCharacters(in: " \t\n")
        if let n = Int32(t) { return (1...rtMax).contains(n) ? n : nil }
        var name = t.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        if let hit = table.first(where: { $0.0 == name }) { return hit.1 }
        if name == "RTMIN" { return rtMin }
        if name == "RTMAX" { return rtMax }
        if name.hasPrefix("RTMIN+"), let k = Int32(name.dropFirst(6)), rtMin + k <= rtMax, k >= 0 { return rtMin + k }
        if name.hasPrefix("RTMAX-"), let k = Int32(name.dropFirst(6)), rtMax - k >= rtMin, k >= 0 { return rtMax - k }
        return nil
    }

    /// `SIGTERM` for 15 (nil for numbers without a name).
    public static func name(_ n: Int32) -> String? {
        if let hit = table.first(where: { $0.1 == n }) { return "SIG" + hit.0 }
        if n == rtMin { return "SIGRTMIN" }
        if n == rtMax { return "SIGRTMAX" }
        if n > rtMin && n < rtMax { return "SIGRTMIN+\(n - rtMin)" }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
