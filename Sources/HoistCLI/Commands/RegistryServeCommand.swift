import ArgumentParser
import Dispatch
import HoistDistribution
#if canImport(Glibc)
import Glibc
#endif

/// `hoist registry serve`: runs an OCI distribution registry in this process (no daemon
/// needed) until SIGINT or SIGTERM.
struct RegistryServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run an OCI image registry")

    @Option(name: .customLong("addr"), help: "Address to listen on (HOST:PORT; port 0 picks a free port)")
    var addr = "127.0.0.1:5000"
    @Option(name: .customLong("root"), help: "Directory holding the registry's content")
    var root = "/var/lib/hoist-registry"
    @Option(name: .customLong("htpasswd"), help: "Require users from this htpasswd file (bcrypt entries, htpasswd -B)")
    var htpasswd: String?
    @Option(name: .customLong("auth"), help: "With --htpasswd: \"basic\" (credentials on every request) or \"token\" (Bearer tokens from /token)")
    var auth = "basic"
    @Option(name: .customLong("tls-cert"), help: "TLS certificate file")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "TLS key file")
    var tlsKey: String?

    func run() async throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw CLIMessage("--tls-cert and --tls-key must be given together") }
        guard let colon = addr.lastIndex(of: ":"), let port = Int(addr[addr.index(after: colon)...]), (0...65535).contains(port) else {
            throw CLIMessage("invalid --addr \"\(addr)\": expected HOST:PORT")
        }
        var host = String(addr[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard let mode = RegistryServerAuth.Mode(rawValue: auth) else {
            throw CLIMessage("invalid --auth \"\(auth)\": expected \"basic\" or \"token\"")
        }

        var registryAuth: RegistryServerAuth?
        if let htpasswd {
            let users: Htpasswd
            do { users = try Htpasswd(path: htpasswd) } catch { throw CLIMessage("\(error)") }
            for u in users.unsupported {
                Out.error("warning: htpasswd user \"\(u.user)\": unsupported hash \(u.scheme); use htpasswd -B (bcrypt)")
            }
            registryAuth = RegistryServerAuth(users: users, mode: mode)
        }
        let storage: RegistryStorage
        do { storage = try RegistryStorage(root: root) } catch { throw CLIMessage("\(error)") }
        let server: RegistryServer
        do {
            server = try RegistryServer(storage: storage, auth: registryAuth, tls: tlsCert.flatMap { c in tlsKey.map { (certificate: c, key: $0) } })
        } catch { throw CLIMessage("\(error)") }
        let bound: String
        do {
            let address = try await server.start(host: host, port: port)
            bound = address.host.contains(":") ? "[\(address.host)]:\(address.port)" : "\(address.host):\(address.port)"
        } catch {
            throw CLIMessage("\(error)")
        }
        let stop = ShutdownSignals { Task { await server.shutdown() } }
        Out.print("hoist registry listening on \(server.scheme)://\(bound) (root \(root))")
        try await server.waitUntilClosed()
        stop.cancel()
    }
}

/// SIGINT/SIGTERM call `action` once (Dispatch signal sources; the default handlers are ignored).
private final class ShutdownSignals: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "hoist.registry.signals")

    init(_ action: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler(handler: action)
            s.resume()
            sources.append(s)
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
