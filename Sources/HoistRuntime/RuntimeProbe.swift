#if canImport(Glibc)
import Glibc
#endif
import HoistCore
import HoistSys

/// The OCI runtime binary Hoist drives.
public struct RuntimeInfo: Sendable, Equatable {
    /// `crun` or `runc` (how the shim adapts to it).
    public var name: String
    public var path: String
    public var version: String
    /// A sealed in-memory copy of the runtime (see `SealedRuntime`), or -1: the shims run
    /// this one. crun and runc copy and re-execute themselves on every invocation unless
    /// /proc/self/exe already is such a copy (their defence against a container overwriting
    /// the host's binary, CVE-2019-5736); that cost about 2 ms per create, start and delete.
    public var sealedCopyFD: Int32 = -1
    public init(name: String, path: String, version: String, sealedCopyFD: Int32 = -1) {
        self.name = name; self.path = path; self.version = version; self.sealedCopyFD = sealedCopyFD
    }

    /// The same runtime, whichever copy of it is open.
    public static func == (a: RuntimeInfo, b: RuntimeInfo) -> Bool {
        a.name == b.name && a.path == b.path && a.version == b.version
    }
}

public enum RuntimeProbe {
    /// Where runtimes live; sbin too, since runc is /usr/sbin/runc on Debian and a
    /// daemon's PATH may lack it.
    static let searchDirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// `preferred`: a name (`crun`, `runc`) or a path; nil = crun if installed, else runc.
    public static func find(preferred: String?) throws -> RuntimeInfo {
        let wanted = preferred.flatMap { $0.isEmpty ? nil : $0 }
        if let wanted, wanted.contains("/") {
            guard access(wanted, X_OK) == 0 else {
                throw HoistError.invalid("OCI runtime \(wanted) not found or not executable")
            }
            return try describe(path: wanted)
        }
        let names = wanted.map { [$0] } ?? ["crun", "runc"]
        for n in names {
            if let p = lookup(n) { return try describe(path: p) }
        }
        if let wanted {
            throw HoistError.invalid("OCI runtime \(wanted) not found in \(searchPath().joined(separator: ":"))")
        }
        throw HoistError(.unavailable, "no OCI runtime found: install crun or runc (apt-get install crun)")
    }

    static func searchPath() -> [String] {
        var dirs: [String] = []
        if let p = getenv("PATH") {
            dirs = String(cString: p).split(separator: ":").map(String.init)
        }
        for d in searchDirs where !dirs.contains(d) { dirs.append(d) }
        return dirs
    }

    static func lookup(_ name: String) -> String? {
        for d in searchPath() {
            let p = d + "/" + name
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    static func describe(path: String) throws -> RuntimeInfo {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let name: String
        if base.contains("crun") { name = "crun" } else if base.contains("runc") { name = "runc" } else {
            throw HoistError.invalid("unsupported OCI runtime \(path): Hoist drives crun or runc")
        }
        let (status, out) = try Subprocess.capture(path, [base, "--version"])
        guard status == 0, let first = out.split(separator: "\n").first else {
            throw HoistError.invalid("OCI runtime \(path) does not run (\(path) --version failed)")
        }
        // "crun version 1.8.1" / "runc version 1.1.5+ds1"
        let version = first.split(separator: " ").last.map(String.init) ?? ""
        return RuntimeInfo(name: name, path: path, version: version, sealedCopyFD: FileSystem.sealedCopy(of: path) ?? -1)
    }
}
