import Foundation
import HoistAPIModels
import HoistArchive
import HoistBuild
import HoistCore
import HoistDistribution
import HoistOCI
import HoistStore
import HoistSys

/// `docker build` (classic builder): the context is unpacked into a private directory
/// `<dataRoot>/containers/.build-<id>`, HoistBuild runs the Dockerfile, and each RUN is a real
/// container of the step's parent image, created, started, waited for, committed and
/// removed through the same paths as `run` and `commit`.
extension Engine: BuildExecutor {
    /// Builds from the context tar at `contextTar`; returns the image ID. `emit` receives
    /// the output as it happens. On failure nothing of the build remains but the images
    /// of the steps that succeeded (the cache).
    public nonisolated func build(contextTar: String, options: BuildOptions,
                                  emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> String {
        // Under the shared `containers` mount (decision 0003): the step mounts made here
        // propagate to the private namespaces of shims started meanwhile, so unmounting
        // them reaches those copies too. A crash leaves it to `sweepOrphans` at the next start.
        let dir = paths.dataRoot + "/containers/.build-" + String(Identifiers.random().prefix(16))
        defer { Engine.removeBuildDir(dir) }
        let context = try await Task.detached {
            try BuildContext.open(tarPath: contextTar, directory: dir + "/context", dockerfile: options.dockerfile)
        }.value
        let builder = DockerfileBuild(store: images, executor: self, context: context, options: options, workDir: dir, emit: emit)
        let id = try await builder.run()
        for ref in options.tags { await emitImage("tag", imageID: id, name: ref.familiarString) }
        return id
    }

    /// Unmounts whatever a build left mounted in its directory, then removes it.
    nonisolated static func removeBuildDir(_ dir: String) {
        for m in Mounts.mountPoints().filter({ $0.hasPrefix(dir + "/") }).sorted(by: >) {
            try? Mounts.unmountOrDetach(m)
        }
        try? FileSystem.removeTree(dir)
    }

    /// moby's `GetImageAndReleasableLayer`: the local image unless `policy` is `.always`,
    /// else a pull of the reference (`:latest` when it has no tag) whose progress goes into
    /// the build's output. An image ID is never pulled.
    public nonisolated func buildBaseImage(_ name: String, policy: BasePullPolicy, registryConfig: String?,
                                           emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> ImageRecord {
        let hex = name.hasPrefix("sha256:") ? name.dropFirst(7) : Substring(name)
        let isID = hex.count == 64 && hex.allSatisfy(\.isHexDigit)
        if policy == .missing || isID {
            do { return try images.resolve(name) } catch let e as HoistError where e.code == .notFound && !isID {}
        }
        let ref: Reference
        do { ref = try Reference(parsing: name) } catch {
            throw HoistError.invalid("invalid reference format: \(name)")
        }
        let credentials = RegistryCredentials.fromConfigHeader(registryConfig, domain: ref.domain)
        let status = try await Engine.relayProgress(to: emit) { progress in
            try await self.pullImage(fromImage: ref.description, tag: nil, credentials: credentials, progress: progress)
        }
        if !status.isEmpty { await emit(.progress(BuildPullProgress(id: nil, status: status))) }
        return try images.resolve(ref.description)
    }

    /// One RUN: a container of the step's image with the step's env, user and working
    /// directory, its output streamed, its upper dir diffed into a layer when it exits 0;
    /// the container is removed in every case.
    public func runBuildStep(_ step: BuildRunStep, output: @escaping @Sendable (String) async -> Void) async throws -> BuildRunResult {
        var config = ContainerConfig()
        config.Image = step.imageID
        config.Cmd = step.argv
        config.Entrypoint = []  // RUN ignores the image's ENTRYPOINT
        config.Env = (step.config.Env ?? []) + step.buildArgEnv
        config.User = step.config.User
        config.WorkingDir = step.config.WorkingDir
        // No anonymous volumes for VOLUME paths: their contents are left out of the layer
        // below instead, as Docker's builder loses what a RUN writes into its volumes.
        config.Volumes = [:]
        var host = HostConfig()
        host.NetworkMode = step.networkMode
        let id = try await createContainer(name: nil, request: ContainerCreateRequest(config: config, hostConfig: host)).Id
        let short = Identifiers.short(id)
        do {
            await output(" ---> Running in \(short)\n")
            var attach = AttachOptions()
            attach.stdin = false
            let session = try await attachContainer(id, options: attach)
            let pump = Task {
                for await chunk in session.output { await output(String(decoding: chunk.bytes, as: UTF8.self)) }
            }
            let exited = registerWaiter(id, kind: .exit)
            do {
                try await startContainer(id)
            } catch {
                session.detach()
                await pump.value
                throw error
            }
            var code = -1
            for await r in exited { code = r.StatusCode; break }
            await pump.value
            var layer: IngestedLayer?
            if code == 0 {
                let upper = paths.containerDir(id) + "/upper"
                let store = images
                let exclude = Engine.commitExcludes.union(Engine.volumeExcludes(step.config.Volumes))
                layer = try await Task.detached { try store.diffLayer(directory: upper, exclude: exclude) }.value
            }
            if code == 0 && step.keepContainer { return BuildRunResult(exitCode: code, layer: layer) }
            await removeRecord(id)
            await output(" ---> Removed intermediate container \(short)\n")
            return BuildRunResult(exitCode: code, layer: layer)
        } catch {
            if let rec = containers[id] {
                if rec.isRunning, let shim = shims[id] {
                    let exited = registerWaiter(id, kind: .exit)
                    try? await shim.kill(signal: SIGKILL)
                    _ = await awaitExit(exited, timeout: 10)
                }
                await removeRecord(id)
            }
            throw error
        }
    }

    public nonisolated func downloadBuildSource(_ url: String, into directory: String,
                                                emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> String {
        try await Engine.relayProgress(to: emit) { progress in
            try await HTTPDownload.fetch(url, into: directory, progress: progress).path
        }
    }

    /// Runs `body` with a progress sink whose messages reach `emit` in order, all of them
    /// before this returns.
    nonisolated static func relayProgress<T: Sendable>(to emit: @escaping @Sendable (BuildEvent) async -> Void,
                                                       _ body: (@escaping ProgressSink) async throws -> T) async throws -> T {
        let (lines, sink) = AsyncStream<ProgressMessage>.makeStream(bufferingPolicy: .unbounded)
        let relay = Task {
            for await m in lines {
                await emit(.progress(BuildPullProgress(id: m.id, status: m.status, current: m.current, total: m.total,
                                                       layerLine: m.layerLine)))
            }
        }
        let result: Result<T, any Error>
        do { result = .success(try await body { sink.yield($0) }) } catch { result = .failure(error) }
        sink.finish()
        await relay.value
        return try result.get()
    }

    /// The image's VOLUME paths as `diffLayer` excludes (relative, cleaned).
    nonisolated static func volumeExcludes(_ volumes: [String: EmptyObject]?) -> Set<String> {
        Set((volumes ?? [:]).keys.map { ContainerPath.clean("/" + $0).dropFirst() }.filter { !$0.isEmpty }.map(String.init))
    }

    /// `docker builder prune`: forgets cached steps and removes their images that nothing
    /// else uses (no tag, no container, no remaining cached step). Without `all` only the
    /// dangling ones go: steps no tagged image and no container builds on. `until` keeps
    /// steps recorded after it; `keepStorage` (bytes) keeps the newest steps that fit in it.
    /// Returns the removed image IDs and the bytes freed.
    public func pruneBuildCache(all: Bool, filters: [String: [String]], keepStorage: Int64) async throws
        -> (deleted: [String], reclaimed: Int64) {
        try PruneFilters.check(filters, allowed: ["until"])
        let cutoff = try PruneFilters.until(filters).map { $0 / 1_000_000_000 }
        let entries = try images.buildCacheEntries()
        var inUse: Set<String> = []
        if !all {
            // The chains of steps under tagged images and containers' images.
            var parents: [String: [String]] = [:]
            for e in entries { if let p = e.parentID { parents[e.imageID, default: []].append(p) } }
            var queue = try images.list().filter { !$0.tags.isEmpty }.map(\.image.id) + containers.values.map(\.imageID)
            while let id = queue.popLast() {
                guard inUse.insert(id).inserted else { continue }
                queue += parents[id] ?? []
            }
        }
        var candidates = entries.filter { e in !inUse.contains(e.imageID) && (cutoff.map { e.created < $0 } ?? true) }
        if keepStorage > 0 {
            // Oldest first, until what stays fits.
            var total = entries.reduce(0) { $0 + $1.size }
            var chosen: [BuildCacheEntry] = []
            for e in candidates where total > keepStorage {
                chosen.append(e)
                total -= e.size
            }
            candidates = chosen
        }
        let before = try images.totalSnapshotSize()
        try images.removeBuildCacheEntries(keys: candidates.map(\.key))
        var deleted: [String] = []
        var seen: Set<String> = []
        for id in candidates.map(\.imageID) where seen.insert(id).inserted {
            guard (try? images.tags(of: id).isEmpty) == true, !containers.values.contains(where: { $0.imageID == id }),
                  (try? images.buildCacheRefers(to: id)) == false else { continue }
            do {
                try images.deleteImage(id: id)
                deleted.append(id)
                emitImage("delete", imageID: id, name: "")
            } catch {
                logger.warning("builder prune: cannot delete \(id): \(error)")
            }
        }
        let after = try images.totalSnapshotSize()
        return (deleted, max(0, before - after))
    }
}
