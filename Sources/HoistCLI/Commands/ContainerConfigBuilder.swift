import HoistCore
import FoundationEssentials
import HoistAPIModels
import HoistClient
import HoistOCI

/// Turns `run`/`create` flags into the create request, with docker's validation messages.
struct ContainerConfigBuilder {
    struct Result {
        var request: ContainerCreateRequest
        var name: String?
        var image: String
        var attachStdin: Bool
        var attachStdout: Bool
        var attachStderr: Bool
    }

    static func validAttachStream(_ s: String) -> String? {
        switch s.lowercased() {
        case "stdin", "stdout", "stderr": return s.lowercased()
        default: return nil
        }
    }

    /// `-e VAR` takes VAR's value from our environment; unset stays `VAR` as docker sends it.
    static func expandEnv(_ e: String, _ environment: [String: String]) -> String {
        if e.contains("=") { return e }
        if let v = environment[e] { return "\(e)=\(v)" }
        return e
    }

    // Resource flags of run, create and update, with docker's messages for bad values.

    static func memoryBytes(_ m: String, path: CommandPath) throws -> Int64 {
        do { return try Units.ramInBytes(m) } catch { throw path.invalidFlagValue(m, flag: "-m, --memory", "\(error)") }
    }

    /// `--memory-swap`: a size, or -1 for unlimited swap.
    static func memorySwapBytes(_ s: String, path: CommandPath) throws -> Int64 {
        if s == "-1" { return -1 }
        do { return try Units.ramInBytes(s) } catch { throw path.invalidFlagValue(s, flag: "--memory-swap", "\(error)") }
    }

    static func nanoCPUs(_ c: String, path: CommandPath) throws -> Int64 {
        do { return try Units.parseCPUs(c) } catch { throw path.invalidFlagValue(c, flag: "--cpus", "\(error)") }
    }

    static func int64Flag(_ v: String, flag: String, path: CommandPath) throws -> Int64 {
        guard let n = Int64(v) else { throw path.invalidFlagValue(v, flag: flag, "strconv.ParseInt: parsing \(goQuote(v)): invalid syntax") }
        return n
    }

    /// `--restart no|always|unless-stopped|on-failure[:N]` (run, create, update).
    static func restartPolicy(_ r: String, path: CommandPath) throws -> RestartPolicy {
        let parts = r.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "no":
            return RestartPolicy(Name: "no")
        case "always", "unless-stopped":
            if parts.count == 2 {
                throw path.invalidFlagValue(r, flag: "--restart", "maximum retry count cannot be used with restart policy '\(parts[0])'")
            }
            return RestartPolicy(Name: parts[0])
        case "on-failure":
            var n = 0
            if parts.count == 2 {
                guard let v = Int(parts[1]) else {
                    throw path.invalidFlagValue(r, flag: "--restart", "strconv.Atoi: parsing \(goQuote(parts[1])): invalid syntax")
                }
                n = v
            }
            return RestartPolicy(Name: "on-failure", MaximumRetryCount: n)
        default:
            throw path.invalidFlagValue(r, flag: "--restart", "invalid restart policy '\(parts[0])'")
        }
    }

    static func build(_ o: ContainerOptions, path: CommandPath, environment: [String: String], detach: Bool) throws -> Result {
        guard let image = o.imageAndCommand.first else {
            throw path.argError("requires at least 1 argument")
        }
        if image.hasPrefix("-") {
            throw path.flagError(image.hasPrefix("--") ? "unknown flag: \(image.split(separator: "=").first ?? "")" : "unknown shorthand flag: '\(image.dropFirst().prefix(1))' in \(image)")
        }
        var config = ContainerConfig()
        var host = HostConfig()

        var attach: Set<String> = []
        for a in o.attach {
            guard let s = validAttachStream(a) else {
                throw path.invalidFlagValue(a, flag: "-a, --attach", "valid streams are STDIN, STDOUT and STDERR")
            }
            attach.insert(s)
        }
        var attachStdin = attach.contains("stdin"), attachStdout = attach.contains("stdout"), attachStderr = attach.contains("stderr")
        if o.attach.isEmpty {
            attachStdout = true
            attachStderr = true
            if o.interactive { attachStdin = true }
        }

        if let m = o.memory { host.Memory = try memoryBytes(m, path: path) }
        if let s = o.memorySwap { host.MemorySwap = try memorySwapBytes(s, path: path) }
        if let p = o.pidsLimit { host.PidsLimit = try int64Flag(p, flag: "--pids-limit", path: path) }
        if let c = o.cpus { host.NanoCpus = try nanoCPUs(c, path: path) }
        if let c = o.cpuShares { host.CpuShares = try int64Flag(c, flag: "-c, --cpu-shares", path: path) }
        if let t = o.stopTimeout {
            guard let v = Int(t) else {
                throw path.invalidFlagValue(t, flag: "--stop-timeout", "strconv.ParseInt: parsing \(goQuote(t)): invalid syntax")
            }
            config.StopTimeout = v
        }
        var env: [String] = []
        for file in o.envFile {
            env.append(contentsOf: try EnvFile.read(file, environment: environment))
        }
        env.append(contentsOf: o.env.map { expandEnv($0, environment) })
        if !env.isEmpty { config.Env = env }

        for u in o.ulimits {
            do { host.Ulimits = (host.Ulimits ?? []) + [try UlimitFlag.parse(u)] } catch {
                throw path.invalidFlagValue(u, flag: "--ulimit", ErrorReporting.text(error))
            }
        }
        // Label files first, `-l` after (and winning), as docker's ReadKVStrings.
        let allLabels = try LabelFile.read(o.labelFiles) + o.labels
        if !allLabels.isEmpty {
            var l: [String: String] = [:]
            for kv in allLabels {
                if let eq = kv.firstIndex(of: "=") { l[String(kv[..<eq])] = String(kv[kv.index(after: eq)...]) } else { l[kv] = "" }
            }
            config.Labels = l
        }

        if let r = o.restart, !r.isEmpty { host.RestartPolicy = try restartPolicy(r, path: path) }
        if o.autoRemove, let rp = host.RestartPolicy?.Name, rp != "no" {
            throw ExitError(125, ErrorReporting.report("Conflicting options: --restart and --rm", command: path.display, withHelp: true))
        }
        switch o.pull {
        case "always", "missing", "never": break
        default:
            throw ExitError(125, ErrorReporting.report("invalid pull option: '\(o.pull)': must be one of \"always\", \"missing\" or \"never\"", command: path.display, withHelp: true))
        }

        var binds: [String] = []
        var volumes: [String: EmptyObject] = [:]
        for v in o.volumes {
            guard let colon = v.firstIndex(of: ":") else { volumes[v] = EmptyObject(); continue }
            // As the docker CLI: `./x` and `.` are made absolute; other relative paths go to the
            // daemon as they are (and are refused there as volume names).
            let host = String(v[..<colon])
            if host == "." || host.hasPrefix("./") {
                binds.append(MountSpec.clean(MountFlag.cwd() + "/" + host) + String(v[colon...]))
            } else {
                binds.append(v)
            }
        }
        if !binds.isEmpty { host.Binds = binds }
        if !volumes.isEmpty { config.Volumes = volumes }
        var mounts: [Mount] = []
        for m in o.mounts {
            do { mounts.append(try MountFlag.parse(m, cwd: MountFlag.cwd())) } catch let e as MountFlag.Failure {
                throw path.invalidFlagValue(m, flag: "--mount", e.reason)
            }
        }
        if !mounts.isEmpty { host.Mounts = mounts }
        var tmpfs: [String: String] = [:]
        for t in o.tmpfs {
            let parts = t.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            tmpfs[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        if !tmpfs.isEmpty { host.Tmpfs = tmpfs }
        if !o.volumesFrom.isEmpty { host.VolumesFrom = o.volumesFrom }

        // `--log-opt` alone configures the default driver, as in docker.
        if o.logDriver != nil || !o.logOpts.isEmpty {
            let d = o.logDriver ?? ""
            var opts: [String: String] = [:]
            for kv in o.logOpts {
                guard let eq = kv.firstIndex(of: "=") else {
                    throw path.invalidFlagValue(kv, flag: "--log-opt", "invalid key value pair format in driver options")
                }
                opts[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
            }
            host.LogConfig = LogConfig(Type: d, Config: opts.isEmpty ? nil : opts)
        }

        config.Image = image
        let cmd = Array(o.imageAndCommand.dropFirst())
        if !cmd.isEmpty { config.Cmd = cmd }
        if let e = o.entrypoint { config.Entrypoint = [e] }
        config.Hostname = o.hostname
        config.Domainname = o.domainname
        config.User = o.user
        config.WorkingDir = o.workdir
        config.Tty = o.tty
        config.OpenStdin = o.interactive
        config.StopSignal = o.stopSignal
        if detach {
            attachStdin = false; attachStdout = false; attachStderr = false
        }
        config.AttachStdin = attachStdin
        config.AttachStdout = attachStdout
        config.AttachStderr = attachStderr
        // When stdin is attached, the container's stdin closes when the client's does.
        config.StdinOnce = o.interactive && attachStdin

        host.AutoRemove = o.autoRemove
        if o.privileged { host.Privileged = true }
        if o.readOnly { host.ReadonlyRootfs = true }
        if o.initProcess { host.Init = true }
        if !o.capAdd.isEmpty { host.CapAdd = o.capAdd }
        if !o.capDrop.isEmpty { host.CapDrop = o.capDrop }
        if !o.securityOpt.isEmpty { host.SecurityOpt = try securityOptions(o.securityOpt, path: path) }
        host.Runtime = o.runtime
        host.NetworkMode = o.network ?? "default"
        try applyNetworkOptions(o, path: path, config: &config, host: &host)

        return Result(request: ContainerCreateRequest(config: config, hostConfig: host, networkingConfig: networkingConfig(o)), name: o.name, image: image,
                      attachStdin: attachStdin, attachStdout: attachStdout, attachStderr: attachStderr)
    }
}

extension ContainerConfigBuilder {
    /// docker/cli's parseSecurityOpts: every option but `no-new-privileges` needs a value, and
    /// `seccomp=FILE` sends the file's JSON (compacted), not its path.
    static func securityOptions(_ opts: [String], path: CommandPath) throws -> [String] {
        try opts.map { opt in
            var sep = opt.firstIndex(of: "=")
            if sep == nil && opt != "no-new-privileges" { sep = opt.firstIndex(of: ":") }
            let key = sep.map { String(opt[..<$0]) } ?? opt
            let value = sep.map { String(opt[opt.index(after: $0)...]) } ?? ""
            if value.isEmpty && key != "no-new-privileges" {
                throw ExitError(125, ErrorReporting.report("Invalid --security-opt: \(goQuote(opt))", command: path.display, withHelp: true))
            }
            guard key == "seccomp", value != "unconfined", value != "builtin" else { return opt }
            guard let data = FileManager.default.contents(atPath: value) else {
                throw ExitError(125, ErrorReporting.report("opening seccomp profile (\(value)) failed: open \(value): no such file or directory",
                                                           command: path.display, withHelp: true))
            }
            // Keys stay in the file's order, numbers as written (json.Compact).
            guard let object = try? JSONParser.parse(Array(data)) else {
                throw ExitError(125, ErrorReporting.report("compacting json for seccomp profile (\(value)) failed: invalid JSON",
                                                           command: path.display, withHelp: true))
            }
            return "seccomp=" + JSONWriter.compact(object)
        }
    }
}

/// `--env-file`: `VAR=value` lines, `#` comments; a bare `VAR` takes our environment's value.
enum EnvFile {
    static func read(_ path: String, environment: [String: String]) throws -> [String] {
        guard let data = readFile(path) else {
            throw CLIMessage("open \(path): no such file or directory")
        }
        var out: [String] = []
        for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            while let f = line.first, f == " " || f == "\t" { line.removeFirst() }
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let eq = line.firstIndex(of: "=") {
                let name = line[..<eq]
                if name.isEmpty { throw CLIMessage("invalid environment variable: \(line)") }
                out.append(String(line))
            } else if let v = environment[String(line)] {
                out.append("\(line)=\(v)")
            }
        }
        return out
    }
}
