import ArgumentParser
import HoistClient
#if canImport(Glibc)
import Glibc
#endif

/// `hoist registry serve`: runs an OCI distribution registry (no daemon needed) until SIGINT
/// or SIGTERM. The server is its own executable, `hoist-registry`, which this command execs
/// with the parsed flags (it checks their values): the registry links the HTTP client and TLS
/// stacks, and keeping them out of `hoist` halves the start time of every other command.
struct RegistryServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", _superCommandName: "hoist registry", abstract: "Run an OCI image registry")

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
        let env = CLIEnvironment.current?.environment ?? ProcessEnvironment.current()
        guard let exe = DaemonLauncher.locateExecutable("hoist-registry", environment: env) else {
            throw CLIMessage("hoist registry serve: the hoist-registry executable is neither beside hoist nor on $PATH")
        }
        var argv = [exe, "--addr", addr, "--root", root, "--auth", auth]
        if let htpasswd { argv += ["--htpasswd", htpasswd] }
        if let tlsCert { argv += ["--tls-cert", tlsCert] }
        if let tlsKey { argv += ["--tls-key", tlsKey] }
        // exec keeps the PID: whoever started `hoist registry serve` signals the registry itself.
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(exe, &cargs)
        let reason = String(cString: strerror(errno))
        cargs.forEach { free($0) }
        throw CLIMessage("hoist registry serve: cannot run \(exe): \(reason)")
    }
}
