import HoistCore

/// A mount request after parsing and validation: one `-v` string (`HostConfig.Binds`), a
/// `Config.Volumes` key, a `HostConfig.Mounts` element or a `HostConfig.Tmpfs` entry.
public struct ParsedMount: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case bind, volume, tmpfs }
    public var type: Kind
    /// Host path (bind), volume name (volume; empty = anonymous), empty (tmpfs).
    public var source: String
    /// Clean absolute path in the container.
    public var destination: String
    public var readOnly: Bool
    /// The mode string as given with `-v` (`ro`, `rw,z`...), empty for `--mount`.
    public var mode: String
    /// Bind propagation (`rprivate` when not given); empty for volumes and tmpfs.
    public var propagation: String
    /// Fill an empty volume from the image's content at the destination (not `nocopy`).
    public var copyData: Bool
    /// A missing bind source is created (`-v`), or refused (`--mount`).
    public var createSource: Bool
    public var driver: String
    public var driverOptions: [String: String]
    public var volumeLabels: [String: String]
    /// tmpfs mount data and flags (`size=64m`, `mode=1777`, `exec`...).
    public var tmpfsOptions: [String]

    public init(type: Kind, source: String, destination: String, readOnly: Bool = false, mode: String = "",
                propagation: String = "", copyData: Bool = true, createSource: Bool = false, driver: String = "",
                driverOptions: [String: String] = [:], volumeLabels: [String: String] = [:], tmpfsOptions: [String] = []) {
        self.type = type; self.source = source; self.destination = destination; self.readOnly = readOnly; self.mode = mode
        self.propagation = propagation; self.copyData = copyData; self.createSource = createSource; self.driver = driver
        self.driverOptions = driverOptions; self.volumeLabels = volumeLabels; self.tmpfsOptions = tmpfsOptions
    }
}

/// Docker's (moby volume/mounts linux parser) rules and messages for mount specifications.
public enum MountSpec {
    static let rwModes: Set<String> = ["rw", "ro"]
    static let labelModes: Set<String> = ["z", "Z"]
    public static let propagationModes: Set<String> = ["private", "rprivate", "slave", "rslave", "shared", "rshared"]
    static let consistencyModes: Set<String> = ["consistent", "cached", "delegated"]
    public static let defaultPropagation = "rprivate"

    /// moby's linuxValidMountMode: comma-separated, at most one of each kind.
    public static func isValidMode(_ mode: String) -> Bool {
        if mode.isEmpty { return true }
        var rw = 0, label = 0, prop = 0, copy = 0, consistency = 0
        for o in mode.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if rwModes.contains(o) { rw += 1 } else if labelModes.contains(o) { label += 1 } else if propagationModes.contains(o) {
                prop += 1
            } else if o == "nocopy" { copy += 1 } else if consistencyModes.contains(o) { consistency += 1 } else { return false }
        }
        return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1 && consistency <= 1
    }

    static func modeOptions(_ mode: String) -> [String] { mode.split(separator: ",").map(String.init) }

    static func invalidSpec(_ raw: String) -> String { "invalid volume specification: '\(raw)'" }

    static func configError(_ type: String, _ why: String) -> String { "invalid mount config for type \"\(type)\": \(why)" }

    /// A `-v` value as the daemon receives it in `HostConfig.Binds` (or a `Config.Volumes` key).
    public static func parseBind(_ raw: String) throws -> ParsedMount {
        let arr = raw.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard let first = arr.first, !first.isEmpty else { throw HoistError.invalid(invalidSpec(raw)) }
        var source = "", target = "", mode = ""
        switch arr.count {
        case 1:
            target = arr[0]
        case 2:
            // `/foo:rw` is a destination with a mode, which a volume cannot be.
            if isValidMode(arr[1]) { throw HoistError.invalid(invalidSpec(raw)) }
            source = arr[0]; target = arr[1]
        case 3:
            source = arr[0]; target = arr[1]; mode = arr[2]
        default:
            throw HoistError.invalid(invalidSpec(raw))
        }
        guard isValidMode(mode) else { throw HoistError.invalid("invalid mode: \(mode)") }
        let opts = modeOptions(mode)
        let isBind = source.hasPrefix("/")
        let type = isBind ? "bind" : "volume"
        let propagation = opts.first { propagationModes.contains($0) }
        func fail(_ why: String) -> HoistError { HoistError.invalid(invalidSpec(raw) + ": " + configError(type, why)) }
        let readOnly = opts.contains("ro")
        try validateTarget(target, fail: fail)
        if isBind {
            return ParsedMount(type: .bind, source: clean(source), destination: clean(target), readOnly: readOnly, mode: mode,
                               propagation: propagation ?? defaultPropagation, copyData: false, createSource: true)
        }
        if propagation != nil { throw fail("field BindOptions must not be specified") }
        if readOnly && source.isEmpty { throw fail("must not set ReadOnly mode when using anonymous volumes") }
        return ParsedMount(type: .volume, source: source, destination: clean(target), readOnly: readOnly, mode: mode,
                           copyData: !opts.contains("nocopy"))
    }

    static func validateTarget(_ target: String, fail: (String) -> HoistError) throws {
        if target.isEmpty { throw fail("field Target must not be empty") }
        if clean(target) == "/" { throw fail("invalid specification: destination can't be '/'") }
        if !target.hasPrefix("/") { throw fail("invalid mount path: '\(target)' mount path must be absolute") }
    }

    /// A `HostConfig.Mounts` element (`--mount`). `exists` says whether a host path exists.
    public static func parseMount(_ m: Mount, exists: (String) -> Bool) throws -> ParsedMount {
        let type = m.Type ?? ""
        func fail(_ why: String) -> HoistError { HoistError.invalid(configError(type, why)) }
        let target = m.Target ?? ""
        let source = m.Source ?? ""
        try validateTarget(target, fail: fail)
        switch type {
        case "bind":
            if source.isEmpty { throw fail("field Source must not be empty") }
            let propagation = m.BindOptions?.Propagation ?? ""
            if !propagation.isEmpty && !propagationModes.contains(propagation) { throw fail("invalid propagation mode: \(propagation)") }
            if m.VolumeOptions != nil { throw fail("field VolumeOptions must not be specified") }
            if m.TmpfsOptions != nil { throw fail("field TmpfsOptions must not be specified") }
            if !source.hasPrefix("/") { throw fail("invalid mount path: '\(source)' mount path must be absolute") }
            let create = m.BindOptions?.CreateMountpoint ?? false
            if !create && !exists(source) { throw fail("bind source path does not exist: \(source)") }
            return ParsedMount(type: .bind, source: clean(source), destination: clean(target), readOnly: m.ReadOnly ?? false,
                               propagation: propagation.isEmpty ? defaultPropagation : propagation, copyData: false, createSource: create)
        case "volume":
            if m.BindOptions != nil { throw fail("field BindOptions must not be specified") }
            if m.TmpfsOptions != nil { throw fail("field TmpfsOptions must not be specified") }
            if (m.ReadOnly ?? false) && source.isEmpty { throw fail("must not set ReadOnly mode when using anonymous volumes") }
            if let sub = m.VolumeOptions?.Subpath, !sub.isEmpty {
                throw HoistError(.notImplemented, configError(type, "volume subpaths are not supported by Hoist yet"))
            }
            let opts = m.VolumeOptions
            return ParsedMount(type: .volume, source: source, destination: clean(target), readOnly: m.ReadOnly ?? false,
                               copyData: !(opts?.NoCopy ?? false), driver: opts?.DriverConfig?.Name ?? "",
                               driverOptions: opts?.DriverConfig?.Options ?? [:], volumeLabels: opts?.Labels ?? [:])
        case "tmpfs":
            if m.BindOptions != nil { throw fail("field BindOptions must not be specified") }
            if m.VolumeOptions != nil { throw fail("field VolumeOptions must not be specified") }
            if !source.isEmpty { throw fail("field Source must not be specified") }
            var opts: [String] = []
            if m.ReadOnly ?? false { opts.append("ro") }
            if let mode = m.TmpfsOptions?.Mode, mode != 0 { opts.append("mode=" + String(mode, radix: 8)) }
            if let size = m.TmpfsOptions?.SizeBytes, size != 0 { opts.append("size=" + tmpfsSize(size)) }
            return ParsedMount(type: .tmpfs, source: "", destination: clean(target), readOnly: m.ReadOnly ?? false, copyData: false,
                               tmpfsOptions: opts)
        default:
            throw fail("mount type unknown")
        }
    }

    /// moby's ConvertTmpfsOptions: the largest unit that divides the size evenly.
    static func tmpfsSize(_ size: Int64) -> String {
        for (suffix, divisor) in [("g", Int64(1) << 30), ("m", Int64(1) << 20), ("k", Int64(1) << 10)] where size % divisor == 0 {
            return "\(size / divisor)\(suffix)"
        }
        return "\(size)"
    }

    static let tmpfsFlags: Set<String> = [
        "rw", "ro", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async", "dirsync", "atime", "noatime",
        "diratime", "nodiratime", "relatime", "norelatime", "strictatime", "nostrictatime", "mand", "nomand", "tmpcopyup",
    ]
    static let tmpfsData: Set<String> = ["size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", "huge"]

    /// A `HostConfig.Tmpfs` entry (`--tmpfs /run:size=64m,exec`).
    public static func parseTmpfs(destination: String, options: String) throws -> ParsedMount {
        func fail(_ why: String) -> HoistError { HoistError.invalid(why) }
        if destination.isEmpty || !destination.hasPrefix("/") {
            throw HoistError.invalid("invalid mount path: '\(destination)' mount path must be absolute")
        }
        if clean(destination) == "/" { throw HoistError.invalid("invalid specification: destination can't be '/'") }
        var opts: [String] = []
        for o in options.split(separator: ",").map(String.init) {
            let key = o.split(separator: "=", maxSplits: 1).first.map(String.init) ?? o
            guard o.contains("=") ? tmpfsData.contains(key) : tmpfsFlags.contains(o) else {
                throw HoistError.invalid("invalid tmpfs option \(goQuoteList([o]))")
            }
            opts.append(o)
        }
        return ParsedMount(type: .tmpfs, source: "", destination: clean(destination), readOnly: opts.contains("ro"),
                           copyData: false, tmpfsOptions: opts)
    }

    static func goQuoteList(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: " ") + "]" }

    /// `--volumes-from CONTAINER[:ro|rw]` → (container, "ro"/"rw"/mode).
    public static func parseVolumesFrom(_ spec: String) throws -> (container: String, mode: String) {
        if spec.isEmpty { throw HoistError.invalid("volumes-from specification cannot be an empty string") }
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let mode = parts.count > 1 ? parts[1] : ""
        if mode.isEmpty { return (parts[0], "rw") }
        let opts = modeOptions(mode)
        guard isValidMode(mode), !opts.contains(where: { propagationModes.contains($0) || $0 == "nocopy" }) else {
            throw HoistError.invalid("invalid mode: \(mode)")
        }
        return (parts[0], mode)
    }

    /// moby's local driver rule for volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    public static func volumeNameError(_ name: String) -> String? {
        if name.count == 1 { return "volume name is too short, names should be at least two alphanumeric characters" }
        func alnum(_ c: Unicode.Scalar) -> Bool { c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)) }
        let scalars = name.unicodeScalars
        if let f = scalars.first, alnum(f), scalars.allSatisfy({ alnum($0) || $0 == "_" || $0 == "." || $0 == "-" }) { return nil }
        return "\"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. "
            + "If you intended to pass a host directory, use absolute path"
    }

    /// Go's path.Clean for absolute and relative slash paths.
    public static func clean(_ p: String) -> String {
        if p.isEmpty { return "." }
        let rooted = p.hasPrefix("/")
        var parts: [Substring] = []
        for c in p.split(separator: "/") where c != "." {
            if c == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() } else if !rooted { parts.append(c) }
            } else {
                parts.append(c)
            }
        }
        let body = parts.joined(separator: "/")
        if rooted { return "/" + body }
        return body.isEmpty ? "." : body
    }
}
