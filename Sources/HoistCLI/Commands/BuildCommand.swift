#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import HoistClient
import HoistOCI

/// `hoist build [OPTIONS] PATH|-`: docker's classic build. The context directory goes as
/// a tar (honouring `.dockerignore`) to `POST /build`; the daemon's stream (`Step 1/4 :
/// ...`, RUN output, `Successfully built ...`) is printed as it comes. A failing RUN ends
/// the command with the RUN's exit code, as docker does.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", _superCommandName: "hoist", abstract: "Build an image from a Dockerfile")

    @Option(name: [.customShort("t"), .customLong("tag")], help: "Name and optionally a tag in the \"name:tag\" format")
    var tags: [String] = []

    @Option(name: [.customShort("f"), .customLong("file")], help: "Name of the Dockerfile (Default is \"PATH/Dockerfile\")")
    var file: String?

    @Option(name: .customLong("build-arg"), help: "Set build-time variables")
    var buildArgs: [String] = []

    @Option(name: .customLong("label"), help: "Set metadata for an image")
    var labels: [String] = []

    @Option(name: .customLong("target"), help: "Set the target build stage to build.")
    var target: String?

    @Flag(name: .customLong("no-cache"), help: "Do not use cache when building the image")
    var noCache = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Suppress the build output and print image ID on success")
    var quiet = false

    @Flag(name: .customLong("pull"), help: "Always attempt to pull a newer version of the image")
    var pull = false

    @Option(name: .customLong("iidfile"), help: "Write the image ID to the file")
    var iidfile: String?

    @Option(name: .customLong("network"), help: "Set the networking mode for the RUN instructions during build (default \"default\")")
    var network: String?

    @Flag(name: .customLong("rm"), help: "Remove intermediate containers after a successful build (default true)")
    var rm = false

    @Flag(name: .customLong("force-rm"), help: "Always remove intermediate containers")
    var forceRm = false

    @Argument var args: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(args, 1)
        var q = QueryString()
        for t in tags {
            do { _ = try Reference(parsing: t) } catch {
                throw CLIMessage("invalid argument \"\(t)\" for \"-t, --tag\" flag: invalid reference format")
            }
            q.add("t", t)
        }
        var argsJSON: [(String, String?)] = []
        for a in buildArgs {
            let parts = a.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            if parts.count > 1 {
                argsJSON.append((key, String(parts[1])))
            } else {
                argsJSON.append((key, getenv(key).map { String(cString: $0) }))
            }
        }
        if !argsJSON.isEmpty { q.set("buildargs", Self.jsonObject(argsJSON)) }
        if !labels.isEmpty {
            q.set("labels", Self.jsonObject(labels.map { l in
                let parts = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }))
        }
        if let t = target, !t.isEmpty { q.set("target", t) }
        if noCache { q.set("nocache", "1") }
        if quiet { q.set("q", "1") }
        if pull { q.set("pull", "1") }
        if let n = network, !n.isEmpty { q.set("networkmode", n) }
        // Default true (pflag): only `--rm=false` (rewritten away by the parser) turns it off.
        q.set("rm", CLIBoolFlag.explicitlyFalse(["--rm"]) ? "0" : "1")
        if forceRm { q.set("forcerm", "1") }

        // The body: a tar of the context directory, or stdin as it is (a tar or a Dockerfile).
        let source = args[0]
        var bodyFD: Int32 = 0
        var tempPath: String?
        defer {
            if bodyFD > 0 { close(bodyFD) }
            if let t = tempPath { unlink(t) }
        }
        if source != "-" {
            var st = stat()
            guard stat(source, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw CLIMessage("unable to prepare context: path \"\(source)\" not found")
            }
            let contextAbs = Self.absolute(source)
            var dockerfileRel: String?
            var outside: [UInt8]?
            if let f = file, !f.isEmpty {
                let abs = Self.absolute(f)
                guard let bytes = BuildContextArchive.readFile(abs) else {
                    throw CLIMessage("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat \(abs): no such file or directory")
                }
                if abs.hasPrefix(contextAbs + "/") {
                    dockerfileRel = String(abs.dropFirst(contextAbs.count + 1))
                } else {
                    outside = bytes
                }
            } else if BuildContextArchive.readFile(contextAbs + "/Dockerfile") == nil
                        && BuildContextArchive.readFile(contextAbs + "/dockerfile") == nil {
                throw CLIMessage("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat \(contextAbs)/Dockerfile: no such file or directory")
            }
            let tmpDir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            let path = "\(tmpDir)/hoist-build-context-\(UInt64.random(in: 0...UInt64.max)).tar"
            tempPath = path
            let tar = try BuildContextArchive.write(contextDir: contextAbs, dockerfileRel: dockerfileRel, outsideDockerfile: outside, to: path)
            if dockerfileRel != nil || outside != nil { q.set("dockerfile", tar.dockerfileName) }
            bodyFD = open(path, O_RDONLY | O_CLOEXEC)
            if bodyFD < 0 { throw CLIMessage(openErrorText(path, errno)) }
            if !quiet { Out.write("Sending build context to Docker daemon  \(Units.humanSize(Double(tar.size), precision: 4))\n\n") }
        } else if let f = file, !f.isEmpty, f != "-" {
            q.set("dockerfile", f)
        }

        let state = BuildStreamState(quiet: quiet)
        let req = EngineRequest(.POST, "/build", query: q, headers: [("Content-Type", "application/x-tar"),
                                                                     ("X-Registry-Config", RegistryAuthConfig.configHeader())])
        let s: StreamingResponse
        do {
            s = try await env.client.uploadMessages(req, fromFD: bodyFD) { state.handle($0) }
            try await s.finished()
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
        if let e = state.error { throw ExitError(Int32(state.errorCode == 0 ? 1 : state.errorCode), e) }
        if quiet { Out.write(state.quietOutput) }
        if let path = iidfile, let id = state.imageID {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw CLIMessage("failed to write image ID to file: \(openErrorText(path, errno))") }
            FDWriter.writeAll(fd, id)
            close(fd)
        }
    }

    static func absolute(_ path: String) -> String {
        var p = path
        if !p.hasPrefix("/") {
            var buf = [CChar](repeating: 0, count: 4097)
            let cwd = getcwd(&buf, 4096).map { String(cString: $0) } ?? "/"
            p = cwd + "/" + p
        }
        var out: [Substring] = []
        for c in p.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(c)
        }
        return "/" + out.joined(separator: "/")
    }

    static func jsonObject(_ pairs: [(String, String?)]) -> String {
        func quote(_ s: String) -> String {
            var o = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case "\n": o += "\\n"
                case "\r": o += "\\r"
                case "\t": o += "\\t"
                default:
                    if c.value < 0x20 {
                        let hex = String(c.value, radix: 16)
                        o += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        o.unicodeScalars.append(c)
                    }
                }
            }
            return o + "\""
        }
        return "{" + pairs.map { "\(quote($0.0)):\($0.1.map(quote) ?? "null")" }.joined(separator: ",") + "}"
    }
}

/// The build's message stream as the CLI consumes it (on the client's event loop, then
/// read after the stream ended).
final class BuildStreamState: @unchecked Sendable {
    let quiet: Bool
    private(set) var error: String?
    private(set) var errorCode = 1
    private(set) var imageID: String?
    private(set) var quietOutput = ""

    init(quiet: Bool) { self.quiet = quiet }

    func handle(_ m: JSON) {
        guard error == nil else { return }
        if let e = JSONMessages.error(m) {
            error = e
            errorCode = Int(m["errorDetail"]?["code"]?.int64Value ?? 1)
            return
        }
        if let id = m["aux"]?["ID"]?.stringValue { imageID = id; return }
        if let s = m["stream"]?.stringValue {
            if quiet { quietOutput += s } else { FDWriter.writeAll(1, s) }
        } else if !quiet, let line = JSONMessages.render(m) {
            FDWriter.writeAll(1, line)
        }
    }
}
