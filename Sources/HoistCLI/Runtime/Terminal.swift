#if canImport(Glibc)
import Glibc
#endif

/// The controlling terminal: raw mode for `-it` and its window size for resize.
enum Terminal {
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// moby/term's MakeRaw (cfmakeraw); returns the state to restore.
    static func makeRaw(_ fd: Int32) -> termios? {
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var t = old
        t.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON)
        t.c_oflag &= ~tcflag_t(OPOST)
        t.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
        t.c_cflag &= ~tcflag_t(CSIZE | PARENB)
        t.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &t) == 0 else { return nil }
        return old
    }

    static func restore(_ fd: Int32, _ state: termios) {
        var s = state
        _ = tcsetattr(fd, TCSANOW, &s)
    }

    /// (rows, columns), or nil when `fd` is not a terminal.
    static func size(_ fd: Int32) -> (Int, Int)? {
        var ws = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 else { return nil }
        return (Int(ws.ws_row), Int(ws.ws_col))
    }
}
