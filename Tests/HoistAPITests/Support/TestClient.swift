#if canImport(Glibc)
import Glibc
#endif
import Foundation

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs blocking client I/O on its own thread: the server's tasks share the small
/// cooperative pool, which a blocked test must not occupy.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        let thread = Thread { c.resume(with: Result { try body() }) }
        thread.start()
    }
}

struct HTTPResponse: Sendable {
    var status: Int
    var reason: String
    var headers: [(String, String)]
    var body: [UInt8]
    /// Number of chunks when the body was chunked.
    var chunks = 0

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { throw TestFailure("not a JSON object: \(text)") }
        return o
    }
}

/// A deliberately plain HTTP/1.1 client over a unix socket (blocking, with timeouts), so
/// tests see exactly the bytes the server sends: heads, chunks, hijacked streams.
final class RawClient: @unchecked Sendable {
    let fd: Int32
    private var pending: [UInt8] = []

    init(path: String, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
            raw[path.utf8.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { close(fd); throw TestFailure("connect \(path): errno \(errno)") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send failed: errno \(errno)") }
            off += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes into the buffer; false at EOF. Throws on timeout.
    @discardableResult
    private func fill() throws -> Bool {
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw TestFailure(errno == EAGAIN ? "read timed out" : "recv failed: errno \(errno)") }
        if n == 0 { return false }
        pending.append(contentsOf: buf[0..<n])
        return true
    }

    func readExactly(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard try fill() else { throw TestFailure("EOF after \(pending.count) of \(count) bytes") }
        }
        let out = Array(pending[0..<count])
        pending.removeFirst(count)
        return out
    }

    func readLine() throws -> String {
        while true {
            if let i = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[0..<i])
                pending.removeFirst(i + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw TestFailure("EOF in a line") }
        }
    }

    /// Everything until the server closes.
    func readToEOF() throws -> [UInt8] {
        while try fill() {}
        defer { pending = [] }
        return pending
    }

    /// True when the server closed the connection (no more bytes) within the timeout.
    func isAtEOF() throws -> Bool {
        if !pending.isEmpty { return false }
        return try !fill()
    }

    func readHead() throws -> HTTPResponse {
        var line = try readLine()
        // Skip interim 100 Continue heads.
        while true {
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("bad status line: \(line)") }
            var headers: [(String, String)] = []
            while true {
                let h = try readLine()
                if h.isEmpty { break }
                guard let colon = h.firstIndex(of: ":") else { throw TestFailure("bad header: \(h)") }
                headers.append((String(h[..<colon]), h[h.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            if status == 100 { line = try readLine(); continue }
            return HTTPResponse(status: status, reason: parts.count > 2 ? parts[2] : "", headers: headers, body: [])
        }
    }

    func readBody(of head: HTTPResponse, method: String = "GET") throws -> HTTPResponse {
        var r = head
        if method == "HEAD" || r.status == 204 || r.status == 304 || r.status / 100 == 1 { return r }
        if r.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw TestFailure("bad chunk size \(sizeLine)") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                r.body += try readExactly(size)
                r.chunks += 1
                guard try readLine().isEmpty else { throw TestFailure("chunk not followed by CRLF") }
            }
        } else if let length = r.header("Content-Length").flatMap({ Int($0) }) {
            r.body = try readExactly(length)
        } else {
            r.body = try readToEOF()
        }
        return r
    }

    func readResponse(method: String = "GET") throws -> HTTPResponse {
        try readBody(of: try readHead(), method: method)
    }

    static func requestText(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: docker\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if let body { text += "Content-Length: \(body.count)\r\n" }
        return text + "\r\n"
    }

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> HTTPResponse {
        try send(Array(Self.requestText(method, path, headers: headers, body: body).utf8) + (body ?? []))
        return try readResponse(method: method)
    }
}
