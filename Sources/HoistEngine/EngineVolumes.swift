import Foundation
import HoistAPIModels
import HoistCore
import HoistRuntime
import HoistStore
import HoistSys

/// A container's mount, resolved at create and kept in its record: volumes are named
/// (anonymous ones get a random name), bind sources are clean absolute paths.
struct ContainerMountPoint: Codable, Sendable, Equatable {
    var spec: ParsedMount
    /// A volume made for this container (`-v /path`, an image VOLUME): `rm -v` removes it.
    var anonymous: Bool
}

/// Named volumes (the `local` driver: a directory under `<dataRoot>/volumes`) and the mounts
/// of containers. A volume referenced by any container, running or not, is in use.
extension Engine {
    static let anonymousLabel = "com.docker.volume.anonymous"

    var volumeStore: VolumeStore { VolumeStore(metadata: images.metadata) }
    var volumesRoot: String { paths.dataRoot + "/volumes" }
    func volumeDir(_ name: String) -> String { volumesRoot + "/" + name }
    func volumeDataPath(_ name: String) -> String { volumeDir(name) + "/_data" }

    // MARK: API

    public func createVolume(_ req: VolumeCreateRequest) async throws -> Volume {
        let (row, _) = try ensureVolume(name: req.Name ?? "", anonymous: false, driver: req.Driver ?? "",
                                        options: req.DriverOpts ?? [:], labels: req.Labels ?? [:])
        return volumeModel(row)
    }

    public func inspectVolume(_ name: String) async throws -> Volume {
        volumeModel(try getVolume(name))
    }

    public func listVolumes(filters: [String: [String]]) async throws -> VolumeListResponse {
        for key in filters.keys where !["dangling", "name", "label", "driver"].contains(key) {
            throw HoistError.invalid("invalid filter '\(key)'")
        }
        var dangling: Bool?
        for v in filters["dangling"] ?? [] {
            switch v.lowercased() {
            case "true", "1": dangling = true
            case "false", "0": dangling = false
            default: throw HoistError.invalid("invalid filter 'dangling=\(v)'")
            }
        }
        let used = usedVolumeNames()
        let rows = try volumeStore.all().filter { row in
            if let d = dangling, d == used.contains(row.name) { return false }
            if let names = filters["name"], !names.contains(where: { row.name.contains($0) }) { return false }
            if let drivers = filters["driver"], !drivers.contains(row.driver) { return false }
            if let labels = filters["label"], !Engine.labelsMatch(row.labels, labels) { return false }
            return true
        }
        return VolumeListResponse(Volumes: rows.map { volumeModel($0) }, Warnings: nil)
    }

    /// `force` only makes a missing volume not an error; a volume in use is never removed.
    public func removeVolume(_ name: String, force: Bool) async throws {
        guard let row = try volumeStore.get(name: name) else {
            if force { return }
            throw HoistError.notFound("get \(name): no such volume")
        }
        let users = volumeUsers(row.name)
        if !users.isEmpty {
            throw HoistError.conflict("remove \(row.name): volume is in use - [\(users.joined(separator: ", "))]")
        }
        try destroyVolume(row.name)
    }

    /// `all`: named volumes too (API < 1.42 always; since 1.42 only with the `all` filter).
    public func pruneVolumes(filters: [String: [String]], all: Bool) async throws -> VolumePruneResponse {
        for key in filters.keys where !["label", "label!", "all"].contains(key) {
            throw HoistError.invalid("invalid filter '\(key)'")
        }
        var pruneAll = all
        for v in filters["all"] ?? [] {
            switch v.lowercased() {
            case "true", "1": pruneAll = true
            case "false", "0": break
            default: throw HoistError.invalid("invalid filter 'all=\(v)': invalid boolean value")
            }
        }
        let used = usedVolumeNames()
        var deleted: [String] = []
        var reclaimed: Int64 = 0
        for row in try volumeStore.all() where !used.contains(row.name) {
            if !pruneAll && !row.anonymous { continue }
            if let l = filters["label"], !Engine.labelsMatch(row.labels, l) { continue }
            if let l = filters["label!"], l.contains(where: { Engine.labelsMatch(row.labels, [$0]) }) { continue }
            let size = Engine.treeSize(volumeDataPath(row.name))
            do {
                try destroyVolume(row.name)
                deleted.append(row.name)
                reclaimed += size
            } catch {
                logger.error("prune volume \(row.name): \(error)")
            }
        }
        return VolumePruneResponse(VolumesDeleted: deleted, SpaceReclaimed: reclaimed)
    }

    // MARK: store

    func getVolume(_ name: String) throws -> VolumeRow {
        guard let row = try volumeStore.get(name: name) else { throw HoistError.notFound("get \(name): no such volume") }
        return row
    }

    /// Creates the volume unless it exists (then returns it, `created` false), as Docker does.
    /// An empty name makes an anonymous-style random 64-hex name.
    func ensureVolume(name: String, anonymous: Bool, driver: String, options: [String: String],
                      labels: [String: String]) throws -> (VolumeRow, created: Bool) {
        let finalName = name.isEmpty ? Identifiers.random() : name
        if let why = MountSpec.volumeNameError(finalName) { throw HoistError.invalid("create \(finalName): \(why)") }
        let drv = driver.isEmpty ? "local" : driver
        if let existing = try volumeStore.get(name: finalName) {
            if drv != existing.driver {
                throw HoistError.conflict("create \(finalName): volume name must be unique")
            }
            return (existing, false)
        }
        guard drv == "local" else {
            throw HoistError.notFound("create \(finalName): error looking up volume plugin \(drv): plugin \"\(drv)\" not found")
        }
        if let key = options.keys.sorted().first {
            if ["type", "device", "o", "size"].contains(key) {
                throw HoistError(.notImplemented, "create \(finalName): local volume options (\(options.keys.sorted().joined(separator: ", "))) are not supported by Hoist yet")
            }
            throw HoistError.invalid("create \(finalName): invalid option: \"\(key)\"")
        }
        var allLabels = labels
        if anonymous { allLabels[Engine.anonymousLabel] = "" }
        let row = VolumeRow(name: finalName, driver: "local", labels: allLabels, options: options,
                            created: Timestamps.nowNanos(), anonymous: anonymous)
        try FileSystem.mkdirAll(volumesRoot, mode: 0o701)
        // A directory left by a crash between mkdir and insert is reused: it has no row.
        try FileSystem.mkdirAll(volumeDataPath(finalName), mode: 0o755)
        do {
            try volumeStore.insert(row)
        } catch {
            try? FileSystem.removeTree(volumeDir(finalName))
            throw error
        }
        events.publish(EngineEvent(type: "volume", action: "create", actorID: finalName, attributes: ["driver": "local"]))
        return (row, true)
    }

    /// Removes the row first, then the data: a crash in between leaves an orphan directory,
    /// never a row whose data is half gone.
    func destroyVolume(_ name: String) throws {
        try volumeStore.delete(name: name)
        try FileSystem.removeTree(volumeDir(name))
        events.publish(EngineEvent(type: "volume", action: "destroy", actorID: name, attributes: ["driver": "local"]))
    }

    func volumeModel(_ row: VolumeRow) -> Volume {
        Volume(CreatedAt: Timestamps.rfc3339Nano(row.created / 1_000_000_000 * 1_000_000_000), Driver: row.driver,
               Labels: row.labels, Mountpoint: volumeDataPath(row.name), Name: row.name, Options: row.options)
    }

    /// IDs of the containers whose mounts use the volume, oldest first.
    func volumeUsers(_ name: String) -> [String] {
        containers.values.filter { rec in (rec.mounts ?? []).contains { $0.spec.type == .volume && $0.spec.source == name } }
            .sorted { $0.created < $1.created }.map(\.id)
    }

    func usedVolumeNames() -> Set<String> {
        var s = Set<String>()
        for rec in containers.values { for m in rec.mounts ?? [] where m.spec.type == .volume { s.insert(m.spec.source) } }
        return s
    }

    /// moby's label filter: `key` or `key=value`, all must match.
    static func labelsMatch(_ labels: [String: String], _ wanted: [String]) -> Bool {
        wanted.allSatisfy { w in
            if let eq = w.firstIndex(of: "=") {
                return labels[String(w[..<eq])] == String(w[w.index(after: eq)...])
            }
            return labels[w] != nil
        }
    }

    static func treeSize(_ path: String) -> Int64 {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        while let rel = e.nextObject() as? String {
            if let a = e.fileAttributes, (a[.type] as? FileAttributeType) == .typeRegular { total += (a[.size] as? Int64) ?? 0 }
            _ = rel
        }
        return total
    }

    // MARK: container mounts

    /// Docker's order (registerMountPoints): `--volumes-from`, then binds (`-v`), then
    /// `--mount`, then `--tmpfs`; `Config.Volumes` (`-v /path`, the image's VOLUMEs) only where
    /// nothing else is mounted. Volumes are created here; on error, the ones made are removed.
    func resolveMounts(config: ContainerConfig, hostConfig: HostConfig) throws -> (mounts: [ContainerMountPoint], created: [String]) {
        var result: [ContainerMountPoint] = []
        var created: [String] = []
        do {
            var userDests = Set<String>()
            var fromDests: [String: Int] = [:]
            for spec in hostConfig.VolumesFrom ?? [] {
                let (ref, mode) = try MountSpec.parseVolumesFrom(spec)
                // A 400, not lookup's 404: a 404 on create makes clients pull the image.
                let source: ContainerRecord
                do { source = try lookup(ref) } catch let e as HoistError where e.code == .notFound { throw HoistError.invalid(e.message) }
                let ro = mode.split(separator: ",").contains("ro")
                for m in source.mounts ?? [] where m.spec.type != .tmpfs {
                    var copy = m.spec
                    copy.readOnly = copy.readOnly || ro
                    copy.copyData = false
                    if let i = fromDests[copy.destination] { result[i] = ContainerMountPoint(spec: copy, anonymous: false); continue }
                    fromDests[copy.destination] = result.count
                    result.append(ContainerMountPoint(spec: copy, anonymous: false))
                }
            }
            func add(_ p: ParsedMount, bindString: Bool = false) throws {
                if userDests.contains(p.destination) { throw HoistError.invalid("Duplicate mount point: \(p.destination)") }
                userDests.insert(p.destination)
                var spec = p
                var anonymous = false
                if spec.type == .volume {
                    anonymous = spec.source.isEmpty
                    let (row, made) = try ensureVolume(name: spec.source, anonymous: anonymous, driver: spec.driver,
                                                       options: spec.driverOptions, labels: spec.volumeLabels)
                    if made { created.append(row.name) }
                    spec.source = row.name
                    spec.driver = row.driver
                    // Docker shows `z` as the mode of a local volume given with `-v` without one.
                    if spec.mode.isEmpty && bindString { spec.mode = "z" }
                }
                let mp = ContainerMountPoint(spec: spec, anonymous: anonymous)
                if let i = fromDests[spec.destination] { result[i] = mp } else { result.append(mp) }
            }
            for raw in hostConfig.Binds ?? [] { try add(try MountSpec.parseBind(raw), bindString: true) }
            for m in hostConfig.Mounts ?? [] { try add(try MountSpec.parseMount(m, exists: FileSystem.exists)) }
            for (dest, opts) in (hostConfig.Tmpfs ?? [:]).sorted(by: { $0.key < $1.key }) {
                try add(try MountSpec.parseTmpfs(destination: dest, options: opts))
            }
            for dest in (config.Volumes ?? [:]).keys.sorted() {
                let clean = MountSpec.clean(dest)
                if userDests.contains(clean) || fromDests[clean] != nil { continue }
                var p = try MountSpec.parseBind(dest)
                if p.type == .bind { throw HoistError.invalid("invalid volume specification: '\(dest)'") }
                try add(p)
            }
        } catch {
            for name in created { try? destroyVolume(name) }
            throw error
        }
        return (result, created)
    }

    /// The runtime mounts of a container about to start: bind sources given with `-v` are
    /// created when missing; empty volumes are filled from the image first.
    func prepareMounts(_ rec: ContainerRecord, rootfs: String) async throws -> [ContainerMount] {
        try await fillVolumesFromImage(rec.id, rootfs: rootfs)
        var out: [ContainerMount] = []
        for m in rec.mounts ?? [] {
            let s = m.spec
            switch s.type {
            case .bind:
                if !FileSystem.exists(s.source) {
                    guard s.createSource else {
                        throw HoistError.invalid("invalid mount config for type \"bind\": bind source path does not exist: \(s.source)")
                    }
                    try FileSystem.mkdirAll(s.source)
                }
                out.append(.bind(s.source, at: s.destination, readOnly: s.readOnly, propagation: s.propagation))
            case .volume:
                _ = try getVolume(s.source)
                out.append(.bind(volumeDataPath(s.source), at: s.destination, readOnly: s.readOnly))
            case .tmpfs:
                out.append(.tmpfs(at: s.destination, options: s.tmpfsOptions))
            }
        }
        return out
    }

    /// Fills each empty volume of the container from the image's content at its destination
    /// (owners and modes kept), once per container: before its first start, or before `cp`
    /// reaches a container never started, so the volume looks as docker's (filled at create).
    func fillVolumesFromImage(_ id: String, rootfs: String) async throws {
        guard var mounts = containers[id]?.mounts, mounts.contains(where: { $0.spec.type == .volume && $0.spec.copyData }) else { return }
        for i in mounts.indices where mounts[i].spec.type == .volume && mounts[i].spec.copyData {
            let s = mounts[i].spec
            _ = try getVolume(s.source)
            try await Engine.fillVolume(data: volumeDataPath(s.source), volumeDir: volumeDir(s.source), rootfs: rootfs, destination: s.destination)
            mounts[i].spec.copyData = false
        }
        if var now = containers[id] {
            now.mounts = mounts
            save(now)
        }
    }

    /// Copies the image's directory at `destination` into an empty volume: into a temporary
    /// directory beside `_data`, then swapped in, so a failure leaves the volume as it was.
    nonisolated static func fillVolume(data: String, volumeDir: String, rootfs: String, destination: String) async throws {
        guard let entries = try? FileSystem.listDirectory(data), entries.isEmpty,
              let source = TreeCopy.pathInRoot(rootfs, destination), FileSystem.isDirectory(source) else { return }
        try await Task.detached {
            let tmp = volumeDir + "/_data.fill-" + String(Identifiers.random().prefix(12))
            do {
                try TreeCopy.copyDirectory(from: source, to: tmp)
                try FileSystem.removeTree(data)
                try FileSystem.rename(tmp, data)
            } catch {
                try? FileSystem.removeTree(tmp)
                if !FileSystem.exists(data) { try? FileSystem.mkdirAll(data) }
                throw HoistError.internal("filling volume \(volumeDir) from the image: \(error)", cause: error)
            }
        }.value
    }

    /// `rm -v` and `run --rm`: the container's anonymous volumes, unless another container uses them.
    func removeAnonymousVolumes(of rec: ContainerRecord) {
        for m in rec.mounts ?? [] where m.anonymous && m.spec.type == .volume {
            guard volumeUsers(m.spec.source).isEmpty else { continue }
            do { try destroyVolume(m.spec.source) } catch {
                logger.error("removing volume \(m.spec.source) of container \(rec.id): \(error)")
            }
        }
    }

    /// `Mounts` of `inspect`, as Docker prints them.
    func inspectMounts(_ rec: ContainerRecord) -> [MountPoint] {
        // `--tmpfs` mounts are not listed (Docker lists `--mount type=tmpfs` only).
        let flagTmpfs = Set((rec.hostConfig.Tmpfs ?? [:]).keys.map(MountSpec.clean))
        return (rec.mounts ?? []).filter { !($0.spec.type == .tmpfs && flagTmpfs.contains($0.spec.destination)) }.map { m in
            let s = m.spec
            switch s.type {
            case .volume:
                return MountPoint(Type: "volume", Name: s.source, Source: volumeDataPath(s.source), Destination: s.destination,
                                  Driver: s.driver.isEmpty ? "local" : s.driver, Mode: s.mode, RW: !s.readOnly, Propagation: "")
            case .bind:
                return MountPoint(Type: "bind", Name: nil, Source: s.source, Destination: s.destination, Driver: nil,
                                  Mode: s.mode, RW: !s.readOnly, Propagation: s.propagation)
            case .tmpfs:
                return MountPoint(Type: "tmpfs", Name: nil, Source: "", Destination: s.destination, Driver: nil,
                                  Mode: "", RW: !s.readOnly, Propagation: "")
            }
        }
    }
}
