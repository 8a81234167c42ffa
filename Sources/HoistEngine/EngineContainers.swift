import Foundation
import HoistCore
import HoistAPIModels
import HoistNetwork
import HoistOCI
import HoistRuntime
import HoistStore
import HoistSys

extension Engine {
    // MARK: create

    public func createContainer(name: String?, request: ContainerCreateRequest) async throws -> ContainerCreateResponse {
        guard let imageName = request.config.Image, !imageName.isEmpty else { throw HoistError.invalid("No image specified") }
        // `run` starts right after create: get the cgroup lock's wait out of the way now, and
        // have a shim and a network namespace ready.
        CgroupMigrationWarmup.begin()
        prepareSpares()
        let image = try images.resolve(imageName)
        try ContainerConfigMerger.validate(request.hostConfig)
        try LogRotation.validate(request.hostConfig.LogConfig)
        var hostConfig = try ContainerConfigMerger.normalise(request.hostConfig)
        // moby: a memory limit allows as much swap again, unless the kernel cannot limit swap.
        if let m = hostConfig.Memory, m > 0, (hostConfig.MemorySwap ?? 0) == 0 {
            hostConfig.MemorySwap = CgroupLimits.swapAccounting ? 2 * m : -1
        }
        var (config, path, args) = try ContainerConfigMerger.merge(request.config, image: image.config.config)
        config.Image = imageName

        let finalName: String
        if let n = name, !n.isEmpty {
            let bare = n.hasPrefix("/") ? String(n.dropFirst()) : n
            guard Identifiers.isValidName(bare) else {
                throw HoistError.invalid("Invalid container name (\(bare)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
            }
            if let other = containers.values.first(where: { $0.name == bare }) {
                throw HoistError.conflict("Conflict. The container name \"/\(bare)\" is already in use by container \"\(other.id)\". You have to remove (or rename) that container to be able to reuse that name.")
            }
            finalName = bare
        } else {
            var candidate = NameGenerator.random()
            var retry = 0
            while containers.values.contains(where: { $0.name == candidate }) { retry += 1; candidate = NameGenerator.random(retry: retry) }
            finalName = candidate
        }

        let id = Identifiers.random()
        if config.Hostname?.isEmpty ?? true { config.Hostname = String(id.prefix(12)) }
        var rec = ContainerRecord(id: id, name: finalName, imageID: image.id, imageName: imageName, created: Timestamps.nowNanos(),
                                  config: config, hostConfig: hostConfig, path: path, args: args)
        let endpoints = try validateNetworking(hostConfig, request.networkingConfig)
        rec.endpoints = endpoints.isEmpty ? nil : endpoints
        rec.hostConfig.Links = try normalizedLinks(hostConfig, name: finalName)
        let (mounts, madeVolumes) = try resolveMounts(config: config, hostConfig: hostConfig)
        rec.mounts = mounts
        // Published ports are exposed ones too (the docker CLI sends both; other clients may not).
        for k in (hostConfig.PortBindings ?? [:]).keys where rec.config.ExposedPorts?[k] == nil {
            rec.config.ExposedPorts = (rec.config.ExposedPorts ?? [:]).merging([k: EmptyObject()]) { a, _ in a }
        }
        let dir = paths.containerDir(id)
        do {
            try ContainerFiles.create(dir: dir, hostname: config.Hostname ?? String(id.prefix(12)))
            try rows.insert(rec)
        } catch {
            try? FileSystem.removeTree(dir)
            for name in madeVolumes { try? destroyVolume(name) }
            throw error
        }
        containers[id] = rec
        emit("create", rec)
        return ContainerCreateResponse(Id: id)
    }

    // MARK: start

    public func startContainer(_ idOrName: String) async throws {
        let rec = try lookup(idOrName)
        if (rec.isRunning && !isPendingRestart(rec)) || starting.contains(rec.id) { throw HoistError(.notModified, "container already started") }
        if rec.status == .removing || rec.status == .dead { throw HoistError.conflict("cannot start a container in state \(rec.status.rawValue)") }
        starting.insert(rec.id)
        defer { starting.remove(rec.id) }
        CgroupMigrationWarmup.begin()
        let id = rec.id
        let image = try images.resolve(rec.imageID)
        let rootfs = paths.rootfs(id)
        let dir = paths.containerDir(id)
        let stateDir = paths.stateDir(id)
        let unknownSeccompProfile: RuntimeSpec.Seccomp?
        var pendingNetwork: PendingNetwork?
        var wiring: NetworkWiring?
        do {
            // The kernel builds the network while the rootfs is mounted and the bundle written.
            let pending = try beginNetworkSetUp(id)
            pendingNetwork = pending
            try mountRootfs(id: id, image: image)
            let user = try UserResolver.resolve(rec.config.User, rootfs: rootfs)
            var spec = processSpec(rec, user: user, dir: dir)
            spec.mounts = try await prepareMounts(rec, rootfs: rootfs)
            spec.network = pending.ready ?? .path(network.netnsPath(id))
            spec.env = addingLinkEnvironment(spec.env, rec)
            unknownSeccompProfile = try BundleWriter.write(id: id, spec: spec, rootfs: rootfs, bundleDir: dir,
                                                           seccompFilters: runtime.name == "crun" ? seccompFilters : nil)
            // The runtime needs the namespace from here on (its links are wired meanwhile).
            if pending.ready == nil { wiring = try await finishNetworkSetUp(id, pending).1 }
            pendingNetwork = nil
            // The previous run's shim answers waits before it deletes the runtime state:
            // let it finish, so the runtime never sees the ID twice.
            await Engine.waitForShimExit(stateDir: stateDir)
            try FileSystem.removeTree(stateDir)
            try FileSystem.mkdirAll(stateDir)
        } catch {
            // A network still being built is finished first, so that releasing it frees all of it.
            if let t = pendingNetwork?.task { _ = try? await t.value }
            await wiring?.settle()
            // Waiters (`run`'s wait, `--rm`) learn of it as of any failed start.
            await startFailed(id, error: error)
            throw error
        }

        // The next container's shim and namespace are made once this one runs (or failed to).
        defer { prepareSparesSoon() }
        let shim: ShimClient
        do {
            shim = try await ShimLauncher.launch(ShimLaunchOptions(
                id: id, bundleDir: dir, stateDir: stateDir, logPath: LogRotation.isNone(rec.hostConfig) ? "/dev/null" : paths.logPath(id),
                tty: rec.tty,
                openStdin: rec.config.OpenStdin ?? false, stdinOnce: rec.config.StdinOnce ?? false,
                runtime: runtime, shimPath: config.shimPath,
                logMaxSize: LogRotation.maxSize(rec.hostConfig), logMaxFiles: LogRotation.maxFiles(rec.hostConfig),
                runtimeRoot: runtimeRoot))
        } catch {
            await wiring?.settle()
            await startFailed(id, error: error)
            throw Engine.runtimeError(error)
        }
        shims[id] = shim
        // Attach clients that came before start see all output: connect them, then start.
        for relay in pendingAttaches.removeValue(forKey: id) ?? [] {
            do { try await relay.connect(shim) } catch { await relay.finish() }
        }
        let pid: Int32
        // Watched from START on (one connection): a process that exits at once is reported
        // before the shim's clean-up, not after it.
        var exitWatch: ExitWatch?
        // Stored as running while the runtime starts it: the row is written off the actor
        // during `crun start` (it cost 0.3 ms on the actor after it, on `run`'s way to the
        // exit); the start answers only once it is stored. A failed start's row follows it.
        var pendingRow: PendingRow?
        var startedAt: Int64 = 0
        let savesBefore = saveCount
        do {
            // The launch reported the pid: no STATE round trip on the way to START.
            if let p = shim.createdPid { pid = p } else if case .created(let p) = try await shim.state() { pid = p } else { pid = 0 }
            if let unknownSeccompProfile { seccompFilters.learn(unknownSeccompProfile, containerID: id) }
            try await wiring?.done()
            startedAt = Timestamps.nowNanos()
            pendingRow = containers[id].map { rows.writeSoon(Self.startedRecord($0, pid: pid, at: startedAt)) }
            exitWatch = try await shim.startWatchingExit()
        } catch {
            exitWatch?.cancel()
            try? await shim.kill(signal: SIGKILL)
            await wiring?.settle()
            await pendingRow?.stored()
            shims[id] = nil
            await startFailed(id, error: error)
            throw Engine.runtimeError(error)
        }
        guard let current = containers[id], let pendingRow else { await pendingRow?.stored(); return }
        var now = Self.startedRecord(current, pid: pid, at: startedAt)
        let reset = noteStarted(&now)
        containers[id] = now
        await pendingRow.stored()
        // Saved meanwhile (a rename...), or changed by the restart bookkeeping: store it again.
        if reset || saveCount != savesBefore { save(now) }
        emit("start", now)
        monitor(id, shim, exitWatch)
    }

    /// The record of a container whose process runs from `at`.
    static func startedRecord(_ rec: ContainerRecord, pid: Int32, at: Int64) -> ContainerRecord {
        var now = rec
        now.status = .running
        now.pid = Int(pid)
        now.startedAt = at
        now.finishedAt = 0
        now.exitCode = 0
        now.error = ""
        now.hasBeenStarted = true
        return now
    }

    /// Docker reports exec failures on start as the runtime words them.
    static func runtimeError(_ error: any Error) -> HoistError {
        guard let e = error as? HoistError else { return HoistError.internal("\(error)") }
        return e
    }

    private func startFailed(_ id: String, error: any Error) async {
        unmountRootfs(id)
        releaseNetwork(id)
        for relay in pendingAttaches.removeValue(forKey: id) ?? [] { await relay.finish() }
        guard var rec = containers[id] else { return }
        let msg = (error as? HoistError)?.message ?? "\(error)"
        rec.exitCode = msg.contains("permission denied") ? 126 : (msg.contains("executable file not found") || msg.contains("no such file or directory")) ? 127 : 128
        rec.error = msg
        if rec.hasBeenStarted { rec.status = .exited; rec.finishedAt = Timestamps.nowNanos() }
        save(rec)
        emit("die", rec, extra: ["exitCode": String(rec.exitCode)])
        fireWaiters(id, kind: .exit, code: rec.exitCode, error: msg)
        if rec.hostConfig.AutoRemove == true { await removeRecord(id) }
    }

    func monitor(_ id: String, _ shim: ShimClient, _ watch: ExitWatch? = nil) {
        let stateDir = paths.stateDir(id)
        Task {
            var code: Int32
            do { code = try await shim.waitExit(watch) } catch {
                code = ExitRecord.read(stateDir: stateDir)?.code ?? 255
            }
            await self.containerExited(id, code: Int(code))
        }
    }

    func containerExited(_ id: String, code: Int) async {
        shims[id] = nil
        guard var rec = containers[id], rec.isRunning else { return }
        let exit = ExitRecord.read(stateDir: paths.stateDir(id))
        rec.status = .exited
        rec.exitCode = code
        rec.pid = 0
        rec.finishedAt = exit?.finishedAt ?? Timestamps.nowNanos()
        let restartIn = restartDelay(for: rec, code: code)
        if restartIn != nil {
            rec.status = .restarting
            rec.restartCount += 1
        }
        // `run --rm`: the record is deleted in a moment, so it is not written twice on the
        // way (a crash meanwhile leaves it running, and recovery finishes from the exit file).
        let removing = restartIn == nil && rec.hostConfig.AutoRemove == true
        if removing { containers[id] = rec } else { save(rec) }
        // moby 23+: how long the process ran, in whole seconds.
        let ranFor = max(0, rec.finishedAt - rec.startedAt) / 1_000_000_000
        emit("die", rec, extra: ["exitCode": String(code), "execDuration": String(ranFor)])
        // An auto-removed container's rootfs and network go after its waiters are answered
        // (removeRecord).
        if !removing {
            unmountRootfs(id)
            releaseNetwork(id)
        }
        fireWaiters(id, kind: .exit, code: code)
        if let delay = restartIn {
            scheduleRestart(id, after: delay)
            return
        }
        if rec.hostConfig.AutoRemove == true { await removeRecord(id, filesFirst: false) }
        prepareSpares()
    }

    // MARK: stop / kill

    public func stopContainer(_ idOrName: String, timeout: Int?, signal: String?) async throws {
        let rec = try lookup(idOrName)
        let sigName = signal ?? rec.config.StopSignal ?? "SIGTERM"
        guard let sig = Signals.parse(sigName) else { throw HoistError.invalid("Invalid signal: \(sigName)") }
        if noteUserSignal(rec.id, signal: sig, cancels: true) { emit("stop", rec); return }
        guard rec.isRunning, let shim = shims[rec.id] else { throw HoistError(.notModified, "container already stopped") }
        let t = timeout ?? rec.config.StopTimeout ?? 10
        let exited = registerWaiter(rec.id, kind: .exit)
        emit("kill", rec, extra: ["signal": String(sig)])
        try? await shim.kill(signal: sig)
        if await awaitExit(exited, timeout: t) { emit("stop", rec); return }
        let exited2 = registerWaiter(rec.id, kind: .exit)
        if containers[rec.id]?.isRunning != true { emit("stop", rec); return }
        emit("kill", rec, extra: ["signal": String(SIGKILL)])
        try? await shim.kill(signal: SIGKILL)
        _ = await awaitExit(exited2, timeout: -1)
        emit("stop", rec)
    }

    public func killContainer(_ idOrName: String, signal: String?) async throws {
        let rec = try lookup(idOrName)
        let sigName = (signal?.isEmpty ?? true) ? "SIGKILL" : signal ?? "SIGKILL"
        guard let sig = Signals.parse(sigName) else { throw HoistError.invalid("Invalid signal: \(sigName)") }
        if noteUserSignal(rec.id, signal: sig) { return }
        guard rec.isRunning, let shim = shims[rec.id] else {
            throw HoistError.conflict("Cannot kill container: \(idOrName): Container \(rec.id) is not running")
        }
        emit("kill", rec, extra: ["signal": String(sig)])
        if sig == SIGKILL {
            // Return once it is down, as Docker does for SIGKILL.
            let exited = registerWaiter(rec.id, kind: .exit)
            try await shim.kill(signal: sig)
            _ = await awaitExit(exited, timeout: 10)
        } else {
            try await shim.kill(signal: sig)
        }
    }

    // MARK: remove

    public func removeContainer(_ idOrName: String, force: Bool, volumes: Bool) async throws {
        let rec = try lookup(idOrName)
        if rec.isRunning {
            guard force else {
                // moby names the state (running, paused, restarting) and, paused, the way out.
                let procedure = "Stop the container before attempting removal or force remove"
                let state = rec.status.rawValue
                throw HoistError.conflict("You cannot remove a \(state) container \(rec.id). "
                                          + (state == "paused" ? "Unpause and then " + procedure.lowercased() : procedure))
            }
            if let shim = shims[rec.id] {
                let exited = registerWaiter(rec.id, kind: .exit)
                emit("kill", rec, extra: ["signal": String(SIGKILL)])
                try? await shim.kill(signal: SIGKILL)
                _ = await awaitExit(exited, timeout: 10)
            }
        }
        if rec.status == .removing { throw HoistError.conflict("removal of container \(rec.id) is already in progress") }
        await removeRecord(rec.id, removeVolumes: volumes)
    }

    /// `filesFirst`: an explicit `rm` returns only once the files are gone; an auto-remove
    /// answers `run --rm`'s wait first and removes the files right after.
    func removeRecord(_ id: String, filesFirst: Bool = true, removeVolumes: Bool = false) async {
        guard var rec = containers[id] else { return }
        rec.status = .removing
        containers[id] = rec
        // The unmount (an RCU wait in the kernel, ~2 ms here) and the network's release are
        // no business of `run --rm`'s wait: they run right after its answer, on the actor
        // before anything else, with the record already gone.
        let releaseResources = { [self] in
            unmountRootfs(id)
            network.release(containerID: id, state: rec.sandbox)
        }
        if filesFirst { releaseResources() }
        // The row goes behind the waiters' answers (in order with every other row write).
        rows.deleteSoon(id: id)
        containers[id] = nil
        // `rm -v` and `run --rm` take the anonymous volumes along (named ones stay).
        if removeVolumes || rec.hostConfig.AutoRemove == true { removeAnonymousVolumes(of: rec) }
        shims[id] = nil
        await execs.removeAll(containerID: id)
        for relay in pendingAttaches.removeValue(forKey: id) ?? [] { await relay.finish() }
        emit("destroy", rec)
        if !filesFirst {
            fireWaiters(id, kind: .exit, code: rec.exitCode)
            fireWaiters(id, kind: .removal, code: rec.exitCode)
            releaseResources()
        }
        // The files go after the waiters are answered (`run --rm` waits for removal); what a
        // crash leaves here is swept at the next start (`sweepOrphans`).
        let stateDir = paths.stateDir(id), dir = paths.containerDir(id), log = logger
        let removeFiles: @Sendable () async -> Void = {
            await Engine.waitForShimExit(stateDir: stateDir)
            do {
                try FileSystem.removeTree(stateDir)
                // Never crosses into a still-mounted rootfs: the image's layers are safe.
                try FileSystem.removeTree(dir)
            } catch {
                log.error("removing files of container \(id): \(error)")
            }
        }
        if filesFirst {
            await removeFiles()
            fireWaiters(id, kind: .exit, code: rec.exitCode)
            fireWaiters(id, kind: .removal, code: rec.exitCode)
        } else {
            Task.detached { await removeFiles() }
        }
    }

    /// Waits (briefly) until the shim serving `stateDir` has gone: after answering waits it
    /// still deletes the runtime state, logging into `stateDir`.
    nonisolated static func waitForShimExit(stateDir: String) async {
        let shim = ShimClient(stateDir: stateDir)
        var tries = 0
        while tries < 2500 && shim.isAlive() {
            tries += 1
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
    }

    /// Container directories without a record: left by a crash during removal.
    func sweepOrphans() {
        guard let names = try? FileSystem.listDirectory(paths.dataRoot + "/containers") else { return }
        for name in names where containers[name] == nil {
            let dir = paths.containerDir(name)
            if Mounts.isMountPoint(dir + "/rootfs") { try? Mounts.unmount(dir + "/rootfs", detach: true) }
            try? FileSystem.removeTree(dir)
            try? FileSystem.removeTree(paths.stateDir(name))
        }
    }

    // MARK: inspect / list

    public func inspectContainer(_ idOrName: String) async throws -> ContainerInspect {
        let rec = try lookup(idOrName)
        let dir = paths.containerDir(rec.id)
        var hc = (try? ContainerConfigMerger.normalise(rec.hostConfig)) ?? rec.hostConfig
        // Inspect shows every limit, 0 meaning none, as Docker does.
        hc.Memory = hc.Memory ?? 0; hc.MemorySwap = hc.MemorySwap ?? 0; hc.NanoCpus = hc.NanoCpus ?? 0
        hc.CpuShares = hc.CpuShares ?? 0; hc.CpuPeriod = hc.CpuPeriod ?? 0; hc.CpuQuota = hc.CpuQuota ?? 0
        hc.AutoRemove = hc.AutoRemove ?? false; hc.Privileged = hc.Privileged ?? false; hc.ReadonlyRootfs = hc.ReadonlyRootfs ?? false
        var inspect = ContainerInspect(
            Id: rec.id, Created: Timestamps.rfc3339Nano(rec.created), Path: rec.path, Args: rec.args, State: rec.state(),
            Image: rec.imageID, ResolvConfPath: dir + "/resolv.conf", HostnamePath: dir + "/hostname", HostsPath: dir + "/hosts",
            LogPath: LogRotation.isNone(rec.hostConfig) ? "" : paths.logPath(rec.id), Name: "/" + rec.name, RestartCount: rec.restartCount, HostConfig: hc,
            GraphDriver: GraphDriverData(Name: "overlay2", Data: ["MergedDir": dir + "/rootfs", "UpperDir": dir + "/upper", "WorkDir": dir + "/work"]),
            Config: rec.config)
        inspect.NetworkSettings = networkSettings(rec)
        inspect.Mounts = inspectMounts(rec)
        return inspect
    }

    public func listContainers(all: Bool, limit: Int?, filters: [String: [String]]) async throws -> [ContainerSummary] {
        let now = Timestamps.nowNanos()
        var list = containers.values.sorted { $0.created > $1.created }
        if !all && (limit ?? 0) <= 0 { list = list.filter { $0.isRunning } }
        var filters = filters
        // `network=` takes names or IDs; the records know their networks by name.
        if let nets = filters["network"] { filters["network"] = nets.map { (try? network.find($0).name) ?? $0 } }
        list = try list.filter { try ContainerFilters.matches($0, filters) }
        list = try filterByCreation(list, filters)
        var out = try list.map { r in
            let cmd = ([r.path] + r.args).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            var s = ContainerSummary(Id: r.id, Names: ["/" + r.name], Image: r.imageName, ImageID: r.imageID, Command: cmd,
                                     Created: r.created / 1_000_000_000, Labels: r.config.Labels ?? [:], State: r.status.rawValue,
                                     Status: r.statusText(now: now))
            s.HostConfig.NetworkMode = r.hostConfig.NetworkMode ?? "bridge"
            s.Ports = portSummaries(r)
            s.NetworkSettings.Networks = summaryNetworks(r)
            s.Mounts = inspectMounts(r)
            return s
        }.filter { try ContainerFilters.matches(summary: $0, filters) }
        if let l = limit, l > 0 { out = Array(out.prefix(l)) }
        return out
    }

    public func resizeContainer(_ idOrName: String, height: Int, width: Int) async throws {
        let rec = try lookup(idOrName)
        guard rec.isRunning, let shim = shims[rec.id] else {
            throw HoistError.conflict("Container \(rec.id) is not running")
        }
        try await shim.resize(height: height, width: width)
    }

    // MARK: rootfs and process

    func mountRootfs(id: String, image: ImageRecord) throws {
        let dir = paths.containerDir(id)
        let target = dir + "/rootfs"
        if Mounts.isMountPoint(target) { return }
        // A `--rm` container's layer is deleted with it: no syncs for it (see Mounts.overlay).
        let throwaway = containers[id]?.hostConfig.AutoRemove == true
        try Mounts.overlay(lowerDirs: images.lowerDirs(of: image), upperDir: dir + "/upper", workDir: dir + "/work", target: target,
                           volatile: throwaway)
    }

    func unmountRootfs(_ id: String) {
        let target = paths.rootfs(id)
        if Mounts.isMountPoint(target) { try? Mounts.unmountOrDetach(target) }
    }

    func processSpec(_ rec: ContainerRecord, user: UserResolver.Resolved, dir: String) -> ContainerProcessSpec {
        var env = rec.config.Env ?? []
        let hostname = rec.config.Hostname ?? String(rec.id.prefix(12))
        func has(_ k: String) -> Bool { env.contains { $0.hasPrefix(k + "=") } }
        if !has("PATH") { env.insert(ContainerConfigMerger.defaultPath, at: 0) }
        if !has("HOSTNAME") { env.insert("HOSTNAME=\(hostname)", at: 1) }
        if rec.tty && !has("TERM") { env.append("TERM=xterm") }
        if !has("HOME") { env.append("HOME=\(user.home)") }
        let cwd = (rec.config.WorkingDir?.isEmpty ?? true) ? "/" : rec.config.WorkingDir ?? "/"
        var spec = ContainerProcessSpec(args: [rec.path] + rec.args, env: env, cwd: cwd, uid: user.uid, gid: user.gid)
        spec.additionalGids = user.additionalGids
        spec.tty = rec.tty
        spec.hostname = hostname
        spec.readonlyRootfs = rec.hostConfig.ReadonlyRootfs ?? false
        if let m = rec.hostConfig.Memory, m > 0 { spec.memoryBytes = m }
        if let p = rec.hostConfig.PidsLimit, p > 0 { spec.pidsLimit = p }
        if let n = rec.hostConfig.NanoCpus, n > 0 { spec.nanoCPUs = n }
        if let s = rec.hostConfig.CpuShares, s > 0 { spec.cpuShares = s }
        if let s = rec.hostConfig.MemorySwap, s != 0, CgroupLimits.swapAccounting { spec.memorySwap = s }
        if let p = rec.hostConfig.CpuPeriod, p > 0 { spec.cpuPeriod = p }
        if let q = rec.hostConfig.CpuQuota, q > 0 { spec.cpuQuota = q }
        spec.capAdd = rec.hostConfig.CapAdd ?? []
        spec.capDrop = rec.hostConfig.CapDrop ?? []
        spec.privileged = rec.hostConfig.Privileged ?? false
        spec.hostnameFile = dir + "/hostname"
        spec.hostsFile = dir + "/hosts"
        spec.resolvConfFile = dir + "/resolv.conf"
        applyRunOptions(&spec, rec)
        return spec
    }
}

/// `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf` that Hoist writes per container.
enum ContainerFiles {
    static func create(dir: String, hostname: String) throws {
        try FileSystem.mkdirAll(dir)
        for d in [dir + "/rootfs", dir + "/upper", dir + "/work"] where mkdir(d, 0o755) != 0 && errno != EEXIST {
            throw Sys.error("mkdir", d)
        }
        try FileSystem.writeFile(dir + "/hostname", hostname + "\n")
        // The container's own addresses are added when its network is set up at start.
        let hosts = ContainerNetworkFiles.hosts(hostname: hostname, ips: [], extraHosts: [])
        try FileSystem.writeFile(dir + "/hosts", hosts)
        try FileSystem.writeFile(dir + "/resolv.conf", (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? "")
    }
}
