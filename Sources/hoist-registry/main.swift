// `hoist-registry`: the OCI distribution registry that `hoist registry serve` execs after it
// has checked the flags. A separate executable so that `hoist` does not link the HTTP client
// and TLS stacks the server needs.
import Dispatch
import HoistDistribution
#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `text` to `fd` (stdio's FILE streams are shared mutable state to Swift 6).
func emit(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}

func fail(_ message: String) -> Never {
    emit(2, message + "\n")
    exit(1)
}

/// `--name value` pairs, as `hoist registry serve` passes them.
func parseFlags(_ args: ArraySlice<String>) -> [String: String] {
    let known: Set<String> = ["--addr", "--root", "--htpasswd", "--auth", "--tls-cert", "--tls-key"]
    var flags: [String: String] = [:]
    var i = args.startIndex
    while i < args.endIndex {
        let name = args[i]
        guard known.contains(name) else { fail("hoist-registry: unknown flag: \(name) (run it through `hoist registry serve`)") }
        guard i + 1 < args.endIndex else { fail("hoist-registry: flag needs an argument: \(name)") }
        flags[name] = args[i + 1]
        i += 2
    }
    return flags
}

/// SIGINT/SIGTERM call `action` once (Dispatch signal sources; the default handlers are ignored).
final class ShutdownSignals: @unchecked Sendable {
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

let flags = parseFlags(CommandLine.arguments.dropFirst())
let addr = flags["--addr"] ?? "127.0.0.1:5000"
let root = flags["--root"] ?? "/var/lib/hoist-registry"
guard let colon = addr.lastIndex(of: ":"), let port = Int(addr[addr.index(after: colon)...]), (0...65535).contains(port) else {
    fail("invalid --addr \"\(addr)\": expected HOST:PORT")
}
var host = String(addr[..<colon])
if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
if host.isEmpty { host = "0.0.0.0" }
guard let mode = RegistryServerAuth.Mode(rawValue: flags["--auth"] ?? "basic") else {
    fail("invalid --auth \"\(flags["--auth"] ?? "")\": expected \"basic\" or \"token\"")
}
let tlsCert = flags["--tls-cert"], tlsKey = flags["--tls-key"]
if (tlsCert == nil) != (tlsKey == nil) { fail("--tls-cert and --tls-key must be given together") }

var registryAuth: RegistryServerAuth?
if let htpasswd = flags["--htpasswd"] {
    let users: Htpasswd
    do { users = try Htpasswd(path: htpasswd) } catch { fail("\(error)") }
    for u in users.unsupported {
        emit(2, "warning: htpasswd user \"\(u.user)\": unsupported hash \(u.scheme); use htpasswd -B (bcrypt)\n")
    }
    registryAuth = RegistryServerAuth(users: users, mode: mode)
}
let storage: RegistryStorage
do { storage = try RegistryStorage(root: root) } catch { fail("\(error)") }
let server: RegistryServer
do {
    server = try RegistryServer(storage: storage, auth: registryAuth, tls: tlsCert.flatMap { c in tlsKey.map { (certificate: c, key: $0) } })
} catch { fail("\(error)") }
let bound: String
do {
    let address = try await server.start(host: host, port: port)
    bound = address.host.contains(":") ? "[\(address.host)]:\(address.port)" : "\(address.host):\(address.port)"
} catch {
    fail("\(error)")
}
let stop = ShutdownSignals { Task { await server.shutdown() } }
emit(1, "hoist registry listening on \(server.scheme)://\(bound) (root \(root))\n")
do { try await server.waitUntilClosed() } catch { fail("\(error)") }
stop.cancel()
