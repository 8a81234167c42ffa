import Foundation
import HoistCore
import HoistStore
import HoistSys

/// `GET /containers/{id}/top`.
public struct ContainerTopResponse: Codable, Sendable {
    public var Titles: [String]
    public var Processes: [[String]]
}

/// One entry of `GET /containers/{id}/changes`; Kind 0 = modified, 1 = added, 2 = deleted.
public struct ContainerChange: Codable, Sendable, Equatable {
    public var Path: String
    public var Kind: Int
}

/// Where the runtime put a container in the cgroup v1 hierarchies (cgroupsPath `/hoist/<id>`).
enum ContainerCgroup {
    static let root = "/sys/fs/cgroup"
    static func dir(_ controller: String, _ id: String) -> String { "\(root)/\(controller)/hoist/\(id)" }

    static func read(_ controller: String, _ id: String, _ file: String) -> String? {
        try? String(contentsOfFile: dir(controller, id) + "/" + file, encoding: .utf8)
    }

    static func int(_ controller: String, _ id: String, _ file: String) -> UInt64? {
        read(controller, id, file).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `key value` lines (memory.stat, cpu.stat, cpuacct.stat).
    static func keyValues(_ controller: String, _ id: String, _ file: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in (read(controller, id, file) ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let v = UInt64(f[1]) { out[String(f[0])] = v }
        }
        return out
    }

    /// The container's processes: every cgroup.procs of its subtree.
    static func pids(_ id: String) -> [Int] {
        for controller in ["pids", "freezer", "memory", "cpuacct"] {
            let d = dir(controller, id)
            guard FileManager.default.fileExists(atPath: d) else { continue }
            var out: [Int] = []
            let sub = FileManager.default.enumerator(atPath: d)
            var files = [d + "/cgroup.procs"]
            while let p = sub?.nextObject() as? String {
                if p.hasSuffix("/cgroup.procs") { files.append(d + "/" + p) }
            }
            for f in files {
                let text = (try? String(contentsOfFile: f, encoding: .utf8)) ?? ""
                out += text.split(separator: "\n").compactMap { Int($0) }
            }
            return out
        }
        return []
    }

    static func write(_ controller: String, _ id: String, _ file: String, _ value: String) throws {
        let path = dir(controller, id) + "/" + file
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HoistError.internal("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw HoistError.internal("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}

extension Engine {
    // MARK: pause / unpause

    public func pauseContainer(_ idOrName: String) async throws {
        var rec = try lookup(idOrName)
        if rec.status == .paused { throw HoistError.conflict("Container \(rec.id) is already paused") }
        if rec.status == .restarting { throw HoistError.conflict("Container \(rec.id) is restarting, wait until the container is running") }
        guard rec.status == .running, shims[rec.id] != nil else { throw HoistError.conflict("Container \(rec.id) is not running") }
        // Written directly: crun's own `pause` trips over the hybrid v1 + unified hierarchy.
        try ContainerCgroup.write("freezer", rec.id, "freezer.state", "FROZEN")
        var frozen = false
        for _ in 0..<500 {
            let s = ContainerCgroup.read("freezer", rec.id, "freezer.state")?.trimmingCharacters(in: .whitespacesAndNewlines)
            if s == "FROZEN" { frozen = true; break }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        guard frozen else {
            try? ContainerCgroup.write("freezer", rec.id, "freezer.state", "THAWED")
            throw HoistError.internal("Cannot pause container \(rec.id): the freezer cgroup did not reach FROZEN")
        }
        rec = containers[rec.id] ?? rec
        guard rec.status == .running else { return }
        rec.status = .paused
        save(rec)
        emit("pause", rec)
    }

    public func unpauseContainer(_ idOrName: String) async throws {
        var rec = try lookup(idOrName)
        guard rec.status == .paused else { throw HoistError.conflict("Container \(rec.id) is not paused") }
        try ContainerCgroup.write("freezer", rec.id, "freezer.state", "THAWED")
        rec.status = .running
        save(rec)
        emit("unpause", rec)
    }

    /// Lets a signal reach a paused container: moby resumes it right after signalling.
    /// Called before stop/kill/rm -f; a no-op unless the container is paused.
    public func thawForSignal(_ idOrName: String) async {
        guard var rec = try? lookup(idOrName), rec.status == .paused else { return }
        try? ContainerCgroup.write("freezer", rec.id, "freezer.state", "THAWED")
        rec.status = .running
        save(rec)
        emit("unpause", rec)
    }

    // MARK: rename

    public func renameContainer(_ idOrName: String, newName: String) async throws {
        let bare = newName.hasPrefix("/") ? String(newName.dropFirst()) : newName
        guard !idOrName.isEmpty, !bare.isEmpty else { throw HoistError.invalid("Neither old nor new names may be empty") }
        var rec = try lookup(idOrName)
        guard Identifiers.isValidName(bare) else {
            throw HoistError.invalid("Invalid container name (\(bare)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        if rec.name == bare { throw HoistError.invalid("Renaming a container with the same name as its current name") }
        if let other = containers.values.first(where: { $0.name == bare }) {
            throw HoistError.conflict("Error when allocating new name: Conflict. The container name \"/\(bare)\" is already in use by container \"\(other.id)\". You have to remove (or rename) that container to be able to reuse that name.")
        }
        let old = rec.name
        rec.name = bare
        save(rec)
        emit("rename", rec, extra: ["oldName": "/" + old])
    }

    // MARK: top

    public func topContainer(_ idOrName: String, psArgs: String?) async throws -> ContainerTopResponse {
        let rec = try lookup(idOrName)
        guard rec.isRunning else { throw HoistError.conflict("Container \(rec.id) is not running") }
        let args = (psArgs?.isEmpty ?? true) ? ["-ef"] : (psArgs ?? "").split(separator: " ").map(String.init)
        let pids = ContainerCgroup.pids(rec.id)
        let output = try await Task.detached { try ProcessTop.runPS(args) }.value
        let top = try ProcessTop.parse(output, pids: Set(pids))
        emit("top", rec)
        return top
    }

    // MARK: diff

    public func containerChanges(_ idOrName: String) async throws -> [ContainerChange] {
        let rec = try lookup(idOrName)
        let image = try images.resolve(rec.imageID)
        let lowers = images.lowerDirs(of: image)
        let upper = paths.containerDir(rec.id) + "/upper"
        return await Task.detached { OverlayChanges.changes(upper: upper, lowers: lowers) }.value
    }
}

/// `top`: the host's `ps`, filtered to the container's pids, as moby's parsePSOutput.
enum ProcessTop {
    static func runPS(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/bin/ps") ? "/bin/ps" : "/usr/bin/ps")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            // moby keeps the first line of ps's complaint (the usage text follows it).
            let msg = String(decoding: errData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            throw HoistError.internal("ps: \(msg.isEmpty ? "exit status \(p.terminationStatus)" : msg)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func parse(_ output: String, pids: Set<Int>) throws -> ContainerTopResponse {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: true)
        guard let head = lines.first else { return ContainerTopResponse(Titles: [], Processes: []) }
        let titles = head.split(separator: " ").map(String.init)
        guard let pidIndex = titles.firstIndex(of: "PID") else { throw HoistError.internal("Couldn't find PID field in ps output") }
        var procs: [[String]] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count > pidIndex, let pid = Int(fields[pidIndex]), pids.contains(pid) else { continue }
            // The last column (CMD) keeps its spaces.
            var row = Array(fields.prefix(titles.count - 1))
            row.append(fields.dropFirst(titles.count - 1).joined(separator: " "))
            procs.append(row)
        }
        return ContainerTopResponse(Titles: titles, Processes: procs)
    }
}

/// The container layer's changes from its overlay upper dir, as moby's OverlayChanges:
/// whiteouts (char 0:0) are deletions, opaque or lower-existing paths modifications.
enum OverlayChanges {
    /// What the runtime creates as mount points (Docker keeps these in its init layer, so
    /// they never show in `diff`).
    static let initPaths: Set<String> = ["/dev", "/dev/pts", "/dev/shm", "/dev/console", "/dev/mqueue", "/proc", "/sys",
                                         "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab", "/.dockerenv"]

    static func changes(upper: String, lowers: [String]) -> [ContainerChange] {
        var out: [ContainerChange] = []
        walk(upper: upper, rel: "", lowers: lowers, into: &out)
        return out.sorted { $0.Path < $1.Path }
    }

    private static func lstatOK(_ p: String, _ st: inout stat) -> Bool { lstat(p, &st) == 0 }

    private static func inLower(_ rel: String, _ lowers: [String]) -> Bool {
        var st = stat()
        return lowers.contains { lstatOK($0 + rel, &st) }
    }

    /// Returns whether anything under `rel` was reported.
    @discardableResult
    private static func walk(upper: String, rel: String, lowers: [String], into out: inout [ContainerChange]) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: upper + (rel.isEmpty ? "/" : rel)) else { return false }
        var reported = false
        for name in names.sorted() {
            let r = rel + "/" + name
            let full = upper + r
            var st = stat()
            guard lstatOK(full, &st) else { continue }
            let type = st.st_mode & S_IFMT
            if type == S_IFCHR && st.st_rdev == 0 {
                // A whiteout: deleted from a lower layer.
                out.append(ContainerChange(Path: r, Kind: 2))
                reported = true
                continue
            }
            if type == S_IFDIR {
                let existed = inLower(r, lowers)
                let before = out.count
                let inner = walk(upper: upper, rel: r, lowers: lowers, into: &out)
                if initPaths.contains(r) && !inner { continue }
                let opaque = isOpaque(full)
                if !existed {
                    if !initPaths.contains(r) { out.insert(ContainerChange(Path: r, Kind: 1), at: before) }
                    reported = true
                } else if inner || opaque {
                    out.insert(ContainerChange(Path: r, Kind: 0), at: before)
                    reported = true
                }
                continue
            }
            if initPaths.contains(r) { continue }
            out.append(ContainerChange(Path: r, Kind: inLower(r, lowers) ? 0 : 1))
            reported = true
        }
        return reported
    }

    private static func isOpaque(_ path: String) -> Bool {
        ["trusted.overlay.opaque", "user.overlay.opaque"].contains { FileSystem.getXattr(path, name: $0) == [UInt8(ascii: "y")] }
    }
}
