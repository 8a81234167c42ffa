#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole (small) file; nil when it cannot be opened.
func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

/// Go's os error text for an open failure: `open x: no such file or directory`.
func openErrorText(_ path: String, _ err: Int32) -> String {
    "open \(path): \(String(cString: strerror(err)).lowercased())"
}
