import HoistClient

/// docker's jsonmessage display without a terminal: status lines, `id: ` prefixes, progress
/// bars left out, an `error` ends the stream with that message.
enum JSONMessages {
    static func render(_ m: JSON) -> String? {
        if let detail = m["progressDetail"], ((detail["current"]?.int64Value ?? 0) > 0 || (detail["total"]?.int64Value ?? 0) > 0) {
            return nil
        }
        var out = ""
        if let id = m["id"]?.stringValue, !id.isEmpty { out += id + ": " }
        if let from = m["from"]?.stringValue, !from.isEmpty { out += "(from \(from)) " }
        let status = m["status"]?.stringValue ?? ""
        if let p = m["progress"]?.stringValue, !p.isEmpty {
            out += status + " " + p
        } else if let s = m["stream"]?.stringValue, !s.isEmpty {
            out += s
        } else {
            out += status + "\n"
        }
        return out
    }

    static func error(_ m: JSON) -> String? {
        if let e = m["errorDetail"]?["message"]?.stringValue, !e.isEmpty { return e }
        if let e = m["error"]?.stringValue, !e.isEmpty { return e }
        return nil
    }
}

/// Collects the first error of a message stream while printing the rest.
final class MessagePrinter: @unchecked Sendable {
    // Called only on the client's event loop thread, then read after the stream ended.
    private(set) var firstError: String?
    let fd: Int32
    let quiet: Bool

    init(fd: Int32, quiet: Bool = false) {
        self.fd = fd
        self.quiet = quiet
    }

    func handle(_ m: JSON) {
        guard firstError == nil else { return }
        if let e = JSONMessages.error(m) {
            firstError = e
            return
        }
        if !quiet, let line = JSONMessages.render(m) { FDWriter.writeAll(fd, line) }
    }
}
