#if canImport(Glibc)
import HoistCore
import Glibc
#endif
import HoistAPIModels

/// `--cidfile`: refused when the file exists (docker's newCIDFile), created before the
/// container, filled with its ID once created, removed again when the create fails.
enum CIDFile {
    static func creating(_ path: String?, _ create: () async throws -> String) async throws -> String {
        guard let path, !path.isEmpty else { return try await create() }
        var st = stat()
        if stat(path, &st) == 0 {
            throw CLIMessage("container ID file found, make sure the other container isn't running or delete \(path)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CLIMessage("failed to create the container ID file: open \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        defer { close(fd) }
        let id: String
        do {
            id = try await create()
        } catch {
            unlink(path)
            throw error
        }
        let bytes = Array(id.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CLIMessage("failed to write the container ID to the file: \(String(cString: strerror(errno)).lowercased())")
        }
        return id
    }
}

/// `--label-file`: `key=value` lines; blank lines and `#` comments skipped (docker's ReadKVStrings).
enum LabelFile {
    static func read(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for p in paths {
            guard let data = readFile(p) else { throw CLIMessage("open \(p): no such file or directory") }
            for raw in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
                var line = Substring(raw)
                if line.hasSuffix("\r") { line.removeLast() }
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                out.append(String(trimmed))
            }
        }
        return out
    }
}

/// `--ulimit name=soft[:hard]`, as go-units ParseUlimit.
enum UlimitFlag {
    static let names: Set<String> = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
                                     "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]

    static func parse(_ value: String) throws -> Ulimit {
        let parts = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw CLIMessage("invalid ulimit argument: \(value)") }
        guard names.contains(parts[0]) else { throw CLIMessage("invalid ulimit type: \(parts[0])") }
        let limits = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard limits.count <= 2 else {
            throw CLIMessage("too many limit value arguments - \(parts[1]), can only have up to two, `soft[:hard]`")
        }
        func int(_ s: String) throws -> Int64 {
            guard let n = Int64(s) else { throw CLIMessage("strconv.ParseInt: parsing \(goQuote(s)): invalid syntax") }
            return n
        }
        let soft = try int(limits[0])
        let hard = limits.count == 2 ? try int(limits[1]) : soft
        if hard != -1 && soft > hard {
            throw CLIMessage("ulimit soft limit must be less than or equal to hard limit: \(soft) > \(hard)")
        }
        return Ulimit(Name: parts[0], Soft: soft, Hard: hard)
    }
}
