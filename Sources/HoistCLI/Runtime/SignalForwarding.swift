import Dispatch
import Synchronization
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// Signal handling while attached: forward signals to the container (`--sig-proxy`, no TTY),
/// and resize the container's TTY on SIGWINCH.
final class SignalForwarding: @unchecked Sendable {
    /// Sources live until the process exits. Released with the command's `SignalForwarding`,
    /// each was unregistered through Dispatch's manager thread, one wake-up after another:
    /// `run`'s last response to its exit took 0.5 ms median (up to 2 ms), 0.26 ms without.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let sourcesLock = Mutex<Void>(())
    private static func keep(_ s: DispatchSourceSignal) { sourcesLock.withLock { _ in sources.append(s) } }
    private let queue = DispatchQueue(label: "hoist.signals")

    /// docker's signal.SignalMap names, sent as `kill?signal=NAME`.
    static let proxied: [(Int32, String)] = [
        (SIGINT, "INT"), (SIGTERM, "TERM"), (SIGHUP, "HUP"), (SIGQUIT, "QUIT"), (SIGUSR1, "USR1"), (SIGUSR2, "USR2"),
    ]

    func proxySignals(client: EngineClient, id: String) {
        for (sig, name) in SignalForwarding.proxied {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler {
                Task {
                    var q = QueryString()
                    q.set("signal", name)
                    _ = try? await client.post("/containers/\(id)/kill", query: q)
                }
            }
            s.resume()
            Self.keep(s)
        }
    }

    /// Sends the terminal size now and whenever it changes.
    func monitorTTYSize(client: EngineClient, id: String, exec: Bool = false) async {
        await SignalForwarding.resize(client: client, id: id)
        signal(SIGWINCH, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: queue)
        s.setEventHandler {
            Task { await SignalForwarding.resize(client: client, id: id) }
        }
        s.resume()
        Self.keep(s)
    }

    static func resize(client: EngineClient, id: String) async {
        guard let (h, w) = Terminal.size(1) ?? Terminal.size(0), h > 0 || w > 0 else { return }
        var q = QueryString()
        q.set("h", String(h))
        q.set("w", String(w))
        _ = try? await client.post("/containers/\(id)/resize", query: q)
    }
}
