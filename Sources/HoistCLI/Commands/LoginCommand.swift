import ArgumentParser
import HoistClient
import HoistOCI
#if canImport(Glibc)
import Glibc
#endif

/// `hoist login [-u USER] [-p PASS | --password-stdin] [SERVER]`: the daemon checks the
/// credentials against the registry (`POST /auth`), then they are stored as docker stores
/// them (`auths` in config.json, see RegistryAuthConfig).
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", _superCommandName: "hoist", abstract: "Authenticate to a registry")

    @Option(name: [.customShort("u"), .customLong("username")], help: "Username")
    var username: String?

    @Option(name: [.customShort("p"), .customLong("password")], help: "Password or Personal Access Token (PAT)")
    var password: String?

    @Flag(name: .customLong("password-stdin"), help: "Take the Password or Personal Access Token (PAT) from stdin")
    var passwordStdin = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 0, 1)
        if password != nil && passwordStdin { throw CLIMessage("--password and --password-stdin are mutually exclusive") }
        if passwordStdin && (username ?? "").isEmpty { throw CLIMessage("Must provide --username with --password-stdin") }
        if password != nil { Out.error("WARNING! Using --password via the CLI is insecure. Use --password-stdin.") }
        let server = args.first ?? RegistryAuthConfig.dockerHubKey
        let domain = RegistryAuthConfig.domain(ofServer: server)
        var user = username ?? ""
        var pass = password ?? ""
        if passwordStdin {
            let bytes = readAll(fd: 0)
            pass = String(decoding: bytes, as: UTF8.self)
            while pass.hasSuffix("\n") || pass.hasSuffix("\r") { pass.removeLast() }
        }
        if user.isEmpty || (pass.isEmpty && !passwordStdin) {
            guard isatty(0) == 1 else { throw CLIMessage("Error: Cannot perform an interactive login from a non TTY device") }
            if user.isEmpty {
                Out.write("Username: ")
                user = readLine() ?? ""
            }
            if pass.isEmpty {
                pass = String(cString: getpass("Password: "))
            }
        }
        if user.isEmpty { throw CLIMessage("Error: Non-null Username Required") }
        if pass.isEmpty { throw CLIMessage("Error: Password Required") }
        let key = RegistryAuthConfig.key(forDomain: domain)
        let body = JSON.object(JSONObject([("username", .string(user)), ("password", .string(pass)), ("serveraddress", .string(key))]))
        do {
            _ = try await env.client.send(EngineRequest(.POST, "/auth", headers: [("Content-Type", "application/json")],
                                                        body: Array(JSONWriter.compact(body).utf8)))
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
        try RegistryAuthConfig.store(domain: domain, user: user, password: pass)
        Out.error("WARNING! Your credentials are stored unencrypted in '\(RegistryAuthConfig.path)'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n")
        Out.print("Login Succeeded")
    }

    private func readAll(fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
}

/// `hoist logout [SERVER]`: forgets the stored credentials.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", _superCommandName: "hoist", abstract: "Log out from a registry")

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireRange(args, 0, 1)
        let domain = RegistryAuthConfig.domain(ofServer: args.first ?? RegistryAuthConfig.dockerHubKey)
        let key = RegistryAuthConfig.key(forDomain: domain)
        guard RegistryAuthConfig.credentials(forDomain: domain) != nil else {
            Out.print("Not logged in to \(key)")
            return
        }
        Out.print("Removing login credentials for \(key)")
        try RegistryAuthConfig.store(domain: domain, user: nil, password: nil)
    }
}
