import Glibc

/// Runs the OCI runtime's CLI (`crun`/`runc`) for one container. Every invocation for
/// the container happens from the shim, so all of them see the shim's mount namespace.
/// The runtime writes its own errors as JSON lines to `<state-dir>/runtime.log`, apart
/// from the container's stderr.
struct RuntimeCommand {
    let path: String
    let name: String
    let id: String
    let logFile: String
    /// The runtime's state directory (`--root`); nil: its default.
    let root: String?

    private var globalArgs: [String] { (root.map { ["--root=\($0)"] } ?? []) + ["--log=\(logFile)", "--log-format=json"] }

    /// Runs `runtime <global> <args>` and waits; returns nil on success, else the error.
    func run(_ args: [String], stdio: (Int32, Int32, Int32) = (-1, -1, -1)) -> String? {
        // A fresh log per invocation, so the error read back is this call's.
        let t = open(logFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if t >= 0 { close(t) }
        guard let pid = spawn(path, [name] + globalArgs + args, stdio: stdio) else {
            return "\(path): \(Sys.errorString())"
        }
        let status = waitChild(pid)
        if status == 0 { return nil }
        if let msg = lastError() { return msg }
        return "\(name) \(args.first ?? "") failed with exit status \(exitCode(fromWaitStatus: status))"
    }

    /// Starts a container crun has created, as `crun start` does, without running crun.
    ///
    /// A created crun container waits in its init for one byte on `<state root>/<id>/exec.fifo`;
    /// `crun start` opens the fifo for writing, unlinks it (crun then reports the container as
    /// running) and writes the byte. For Hoist's bundles that is all it does (they have no
    /// poststart hooks and no notify socket), and executing crun for it took 2.5-3.5 ms of every
    /// start (loading its libraries, parsing the bundle again). False when this is not possible,
    /// the caller then runs `start`: another runtime, no such fifo (another crun layout), or no
    /// reader on it (the init is gone; crun words that error).
    func releaseCreated() -> Bool {
        guard name == "crun" else { return false }
        let fifo = "\(crunStateRoot)/\(id)/exec.fifo"
        // Non-blocking: with no reader the open fails (ENXIO) instead of waiting for one.
        let fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard unlink(fifo) == 0 else { return false }
        var byte: UInt8 = 0
        return write(fd, &byte, 1) == 1
    }

    /// Deletes a stopped crun container as `crun delete` does, without running crun: its
    /// cgroup directories, then its state directory. For Hoist's bundles that is all `delete`
    /// does (they have no poststop hooks and no Intel RDT), and executing crun for it cost
    /// ~2.5 ms of CPU at every exit, beside that container's `run --rm` on two cores. False
    /// when this is not possible; the caller then runs `delete`: another runtime, no state
    /// where crun keeps it, a systemd-managed cgroup, or a cgroup directory that cannot be
    /// removed (a process still in it, a sub-cgroup: crun kills and removes those).
    func deleteStopped() -> Bool {
        guard name == "crun" else { return false }
        let dir = "\(crunStateRoot)/\(id)"
        guard let bytes = Sys.readFile(dir + "/status") else { return false }
        let status = String(decoding: bytes, as: UTF8.self)
        guard jsonLiteralField(status, "systemd-cgroup") == "false",
              let cgroup = jsonStringField(status, "cgroup-path") else { return false }
        if !cgroup.isEmpty {
            guard cgroup.hasPrefix("/"), !cgroup.split(separator: "/").contains("..") else { return false }
            for hierarchy in Self.cgroupHierarchies() where rmdir(hierarchy + cgroup) != 0 && errno != ENOENT {
                return false
            }
        }
        // What crun keeps there is files only (status, config.json, seccomp.bpf, the fifo).
        guard let names = Sys.directoryEntries(dir) else { return false }
        for n in names where unlink(dir + "/" + n) != 0 && errno != ENOENT { return false }
        return rmdir(dir) == 0 || errno == ENOENT
    }

    /// Where cgroup directories live: /sys/fs/cgroup itself on a cgroup v2 host, else each
    /// hierarchy mounted below it, as this mount namespace sees them. The tmpfs covering the
    /// unified hierarchy in the shim's namespace is not one: what crun made there goes with
    /// the namespace.
    static func cgroupHierarchies() -> [String] {
        let root = "/sys/fs/cgroup"
        guard let bytes = Sys.readFile("/proc/self/mountinfo") else { return [] }
        // Mount point -> type of the mount on top there (later lines are mounted over earlier ones).
        var type: [String: String] = [:]
        var points: [String] = []
        for line in bytes.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = fields[4]
            guard point == root || point.hasPrefix(root + "/") else { continue }
            if type[point] == nil { points.append(point) }
            type[point] = fields[dash + 1]
        }
        if type[root] == "cgroup2" { return [root] }
        return points.filter { type[$0] == "cgroup" || type[$0] == "cgroup2" }
    }

    /// crun's state directory: `--root`, else its default when it runs as root.
    var crunStateRoot: String { root ?? "/run/crun" }

    /// The last `"msg"` of an error line in the runtime's JSON log.
    func lastError() -> String? {
        guard let bytes = Sys.readFile(logFile) else { return nil }
        var result: String?
        var fallback: String?
        for line in bytes.split(separator: 0x0A) {
            let s = String(decoding: line, as: UTF8.self)
            guard let msg = jsonStringField(s, "msg") else { continue }
            let level = jsonStringField(s, "level") ?? "error"
            if level == "error" || level == "fatal" { result = msg } else if level == "warning" { fallback = msg }
        }
        return (result ?? fallback).map { normalize($0) }
    }

    /// crun words a missing executable differently from runc and Docker; the Docker CLI
    /// picks the exit status (127/126) from the message text, so say it their way.
    func normalize(_ msg: String) -> String {
        // crun: "executable file `nosuch` not found in $PATH: No such file or directory"
        if let r = msg.firstRange(of: "executable file `"),
           let end = msg[r.upperBound...].firstIndex(of: "`"),
           msg[end...].hasPrefix("` not found") {
            let exe = String(msg[r.upperBound..<end])
            if exe.contains("/") {
                return "exec: \"\(exe)\": stat \(exe): no such file or directory"
            }
            return "exec: \"\(exe)\": executable file not found in $PATH"
        }
        // crun: "open executable: Permission denied" / "Operation not permitted" (a directory)
        if msg.hasPrefix("open executable: ") {
            return "exec: open executable: permission denied"
        }
        return msg
    }
}

/// Where the value of the first `"key":` in a JSON text starts (enough for runtime logs and
/// crun's state file; the shim has no JSON library).
private func jsonValueStart(_ u: [UInt8], _ key: String) -> Int? {
    let pat = Array("\"\(key)\":".utf8)
    guard u.count > pat.count else { return nil }
    var i = 0
    while i + pat.count <= u.count {
        if Array(u[i..<(i + pat.count)]) == pat { break }
        i += 1
    }
    guard i + pat.count <= u.count else { return nil }
    i += pat.count
    while i < u.count, u[i] == 0x20 || u[i] == 0x0A || u[i] == 0x09 { i += 1 }
    return i
}

/// The value of `"key": true` (or false, null, a number) as written.
func jsonLiteralField(_ text: String, _ key: String) -> String? {
    let u = Array(text.utf8)
    guard var i = jsonValueStart(u, key) else { return nil }
    let start = i
    while i < u.count, u[i] != 0x2C, u[i] != 0x7D, u[i] != 0x20, u[i] != 0x0A { i += 1 }
    return i > start ? String(decoding: u[start..<i], as: UTF8.self) : nil
}

/// The value of `"key":"..."`.
func jsonStringField(_ line: String, _ key: String) -> String? {
    let u = Array(line.utf8)
    guard var i = jsonValueStart(u, key) else { return nil }
    guard i < u.count, u[i] == 0x22 else { return nil }
    i += 1
    var out: [UInt8] = []
    while i < u.count {
        let c = u[i]
        if c == 0x22 { return String(decoding: out, as: UTF8.self) }
        if c == 0x5C, i + 1 < u.count {
            i += 1
            switch u[i] {
            case 0x6E: out.append(0x0A)  // \n
            case 0x74: out.append(0x09)  // \t
            case 0x72: out.append(0x0D)  // \r
            case 0x75:  // \uXXXX
                if i + 4 < u.count, let v = UInt32(String(decoding: u[(i + 1)...(i + 4)], as: UTF8.self), radix: 16),
                   let scalar = Unicode.Scalar(v) {
                    out += Array(String(Character(scalar)).utf8)
                    i += 4
                }
            default: out.append(u[i])  // \" \\ \/
            }
        } else {
            out.append(c)
        }
        i += 1
    }
    return nil
}
