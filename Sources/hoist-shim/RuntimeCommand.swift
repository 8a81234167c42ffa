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

    private var globalArgs: [String] { ["--log=\(logFile)", "--log-format=json"] }

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
        let fifo = "\(Self.crunStateRoot)/\(id)/exec.fifo"
        // Non-blocking: with no reader the open fails (ENXIO) instead of waiting for one.
        let fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard unlink(fifo) == 0 else { return false }
        var byte: UInt8 = 0
        return write(fd, &byte, 1) == 1
    }

    /// crun's state directory when it runs as root (no `--root` is given).
    static let crunStateRoot = "/run/crun"

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

/// The value of `"key":"..."` in a one-line JSON object (enough for runtime logs; the shim
/// has no JSON library).
func jsonStringField(_ line: String, _ key: String) -> String? {
    let u = Array(line.utf8)
    let pat = Array("\"\(key)\":".utf8)
    guard u.count > pat.count else { return nil }
    var i = 0
    while i + pat.count <= u.count {
        if Array(u[i..<(i + pat.count)]) == pat { break }
        i += 1
    }
    guard i + pat.count <= u.count else { return nil }
    i += pat.count
    while i < u.count, u[i] == 0x20 { i += 1 }
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
