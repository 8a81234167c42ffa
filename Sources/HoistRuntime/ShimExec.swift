#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistCore
import HoistOCI

/// What an exec changes of the container's own process (`config.json`'s `process`):
/// everything else (capabilities, rlimits, no-new-privileges, apparmor) is inherited, as
/// with Docker.
public struct ExecProcessSpec: Sendable, Equatable {
    public var args: [String]
    /// `KEY=value`, over the container's environment.
    public var env: [String]
    /// nil = the container's working directory.
    public var cwd: String?
    /// nil = the container's user.
    public var user: (uid: UInt32, gid: UInt32, additionalGids: [UInt32], home: String)?
    public var tty: Bool
    public var privileged: Bool

    public init(args: [String], env: [String] = [], cwd: String? = nil, tty: Bool = false, privileged: Bool = false) {
        self.args = args; self.env = env; self.cwd = cwd; self.tty = tty; self.privileged = privileged
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.args == b.args && a.env == b.env && a.cwd == b.cwd && a.tty == b.tty && a.privileged == b.privileged
            && a.user?.uid == b.user?.uid && a.user?.gid == b.user?.gid && a.user?.additionalGids == b.user?.additionalGids
            && a.user?.home == b.user?.home
    }

    /// The runtime's `process.json` for `runtime exec --process`, from the bundle's config.
    public func makeProcess(bundleDir: String) throws -> RuntimeSpec.Process {
        guard !args.isEmpty else { throw HoistError.invalid("No exec command specified") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: bundleDir + "/config.json")) } catch {
            throw HoistError.conflict("the container's runtime configuration is missing")
        }
        guard var p = try JSONDecoder().decode(RuntimeSpec.self, from: data).process else {
            throw HoistError.internal("config.json of \(bundleDir) has no process")
        }
        p.args = args
        p.terminal = tty
        p.consoleSize = nil
        var e = p.env ?? []
        func set(_ kv: String) {
            let key = kv.split(separator: "=", maxSplits: 1).first.map(String.init) ?? kv
            e.removeAll { $0 == key || $0.hasPrefix(key + "=") }
            e.append(kv)
        }
        if let u = user {
            p.user = RuntimeSpec.User(uid: u.uid, gid: u.gid, umask: p.user.umask, additionalGids: u.additionalGids.isEmpty ? nil : u.additionalGids)
            set("HOME=\(u.home)")
        }
        if tty && !e.contains(where: { $0.hasPrefix("TERM=") }) { e.append("TERM=xterm") }
        for kv in env { set(kv) }
        p.env = e
        if let cwd, !cwd.isEmpty { p.cwd = cwd }
        if privileged {
            let all = BundleWriter.availableCapabilities
            p.capabilities = RuntimeSpec.Capabilities(bounding: all, effective: all, inheritable: nil, permitted: all, ambient: nil)
        }
        return p
    }

    /// Writes the process file (mode 0600: it holds the environment).
    public func write(bundleDir: String, to path: String) throws {
        let p = try makeProcess(bundleDir: bundleDir)
        let enc = JSONEncoder()
        enc.outputFormatting = [.withoutEscapingSlashes]
        do {
            let bytes = try enc.encode(p)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw HoistError.internal("open \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 { if errno == EINTR { continue }; throw HoistError.internal("write \(path): \(String(cString: strerror(errno)))") }
                    off += n
                }
            }
        } catch let e as HoistError { throw e } catch {
            throw HoistError.internal("encode process.json", cause: error)
        }
    }
}

/// A running exec, as its shim connection delivers it: output frames (1 stdout, 2 stderr;
/// 1 only with a tty), then its exit code.
public final class ShimExec: Sendable {
    public let pid: Int32
    public let attachment: ShimAttachment

    init(pid: Int32, attachment: ShimAttachment) { self.pid = pid; self.attachment = attachment }

    /// Stream id of the exit frame (payload: the decimal exit code).
    public static let exitStream: UInt8 = 3

    public static func exitCode(of frame: (stream: UInt8, bytes: [UInt8])) -> Int32? {
        guard frame.stream == exitStream else { return nil }
        return Int32(String(decoding: frame.bytes, as: UTF8.self)) ?? 255
    }
}

extension ShimClient {
    /// Starts `process.json` in the running container (every namespace and the cgroup of
    /// the container, through `runtime exec` from the shim's mount namespace). The process
    /// lives as long as the returned connection is read or not; closing it only stops the
    /// relay. Throws `conflict` when the container is not running.
    public func exec(execID: String, processFile: String, tty: Bool, stdin: Bool) async throws -> ShimExec {
        var flags: [String] = []
        if tty { flags.append("tty") }
        if stdin { flags.append("stdin") }
        let request = "EXEC \(execID) \(processFile) \(flags.isEmpty ? "-" : flags.joined(separator: ","))\n"
        let path = socketPath
        let (conn, pid) = try await Blocking.run { () throws -> (UnixConnection, Int32) in
            let c: UnixConnection
            do { c = try UnixConnection.connect(path) } catch {
                throw HoistError.conflict("container is not running")
            }
            guard c.write(Array(request.utf8)), let answer = c.readLine() else {
                c.close()
                throw HoistError.conflict("container is not running")
            }
            if answer.hasPrefix("OK "), let pid = Int32(answer.dropFirst(3)) { return (c, pid) }
            c.close()
            let msg = answer.hasPrefix("ERR ") ? String(answer.dropFirst(4)) : answer
            if msg.contains("is not running") { throw HoistError.conflict(msg) }
            throw ShimLauncher.runtimeError("OCI runtime exec failed: exec failed: unable to start container process: " + msg + ": unknown")
        }
        return ShimExec(pid: pid, attachment: ShimAttachment(conn))
    }

    /// Sets an exec's pty size (no-op without a tty).
    public func resizeExec(execID: String, height: Int, width: Int) async throws {
        guard height >= 0, width >= 0, height <= 65535, width <= 65535 else {
            throw HoistError.invalid("invalid terminal size \(height)x\(width)")
        }
        let path = socketPath
        let answer = try await Blocking.run { () throws -> String in
            do { return try UnixConnection.request(path, "RESIZE \(height) \(width) \(execID)") } catch {
                throw HoistError.conflict("container is not running")
            }
        }
        guard answer == "OK" else { throw HoistError.conflict(answer.hasPrefix("ERR ") ? String(answer.dropFirst(4)) : answer) }
    }
}
