#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistArchive
import HoistCore
import HoistDockerfile
import HoistOCI
import HoistStore
import HoistSys

/// One stage of a Dockerfile build, run the way Docker's classic builder runs it: each
/// instruction after FROM makes an image (a layer for RUN/COPY/ADD/WORKDIR when the file
/// system changed, the config alone otherwise), looked up first in the step cache. RUN goes
/// through the engine's containers (`BuildExecutor`); COPY/ADD/WORKDIR write into an overlay
/// of the parent image whose upper dir becomes the layer.
///
/// One instance per stage, used from one task; `DockerfileBuild` runs independent stages
/// side by side.
final class StageBuild {
    let store: ImageStore
    let executor: any BuildExecutor
    let context: BuildContext
    let options: BuildOptions
    /// Private scratch space of the build (step mounts, downloads); the caller removes it.
    let workDir: String
    let emit: @Sendable (BuildEvent) async -> Void

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    static let defaultShell = ["/bin/sh", "-c"]

    let lexer: ShellWordExpander
    /// The build args: the global ones, then this stage's.
    private(set) var args: BuildArgs
    let fileName: String
    let dockerfile: Dockerfile
    /// Images of the stages this one may use (all built before it started), by stage index.
    let built: [Int: ImageRecord]
    let stageIndex: Int
    /// The step number before this stage's FROM, and the build's step count.
    let firstStep: Int
    let total: Int
    let baseImages: BaseImages
    private var mountCounter = 0

    struct StageState {
        var image: ImageRecord?
        var config: ContainerDefaults
        var shell: [String]
        var author: String?
        /// CMD given in this stage: a later ENTRYPOINT keeps it (Docker resets it otherwise).
        var cmdSet = false
    }

    init(plan: BuildPlan, stage: Int, built: [Int: ImageRecord], emit: @escaping @Sendable (BuildEvent) async -> Void) {
        store = plan.store; executor = plan.executor; context = plan.context; options = plan.options; workDir = plan.workDir
        lexer = plan.lexer; args = plan.args; fileName = plan.fileName; dockerfile = plan.dockerfile
        stageIndex = stage; firstStep = plan.firstStep[stage] ?? 0; total = plan.total
        baseImages = plan.baseImages
        self.built = built
        self.emit = emit
    }

    // MARK: stages

    /// Builds the stage; returns its image (nil when it made none, e.g. FROM scratch alone).
    func build(_ stage: Stage) async throws -> ImageRecord? {
        var step = firstStep
        step += 1
        await emit(.stream("Step \(step)/\(total) : \(stage.fromNode.code)\n"))
        let fromNode = try stage.fromNode.expanded(using: lexer, env: args.globalEnvironment, fileName: fileName)
        guard case .from(let from) = fromNode.instruction else { return nil }
        args.beginStage()
        var state: StageState
        if from.image.lowercased() == "scratch" {
            state = StageState(image: nil, config: ContainerDefaults(Env: [Self.defaultPath]), shell: Self.defaultShell)
        } else {
            let base: ImageRecord
            if let earlier = dockerfile.stage(named: from.image, before: stage.index), let img = built[earlier.index] {
                base = img
            } else {
                base = try await baseImage(from.image)
            }
            let config = base.config.config ?? ContainerDefaults()
            state = StageState(image: base, config: config, shell: config.Shell ?? Self.defaultShell, author: base.config.author)
            await emit(.stream(" ---> \(Self.short(base.id))\n"))
        }
        // Triggers run once, in the first build that uses the image; they are not inherited.
        let triggers = state.config.OnBuild ?? []
        state.config.OnBuild = nil
        if !triggers.isEmpty {
            await emit(.stream("# Executing \(triggers.count) build trigger\(triggers.count == 1 ? "" : "s")\n"))
            for t in triggers {
                let node = try DockerfileParser.parseTrigger(t, fileName: fileName)
                try await dispatch(node, &state)
            }
        }
        for node in stage.commands {
            step += 1
            await emit(.stream("Step \(step)/\(total) : \(node.code)\n"))
            try await dispatch(node, &state)
            if let img = state.image { await emit(.stream(" ---> \(Self.short(img.id))\n")) }
        }
        return state.image
    }

    /// An image (not a stage) named by FROM or `COPY --from`: local, or pulled.
    private func baseImage(_ name: String) async throws -> ImageRecord {
        let (executor, options, emit) = (self.executor, self.options, self.emit)
        return try await baseImages.image(name) {
            try await executor.buildBaseImage(name, policy: options.pull ? .always : .missing,
                                              registryConfig: options.registryConfig, emit: emit)
        }
    }

    // MARK: instructions

    private func dispatch(_ node: InstructionNode, _ state: inout StageState) async throws {
        let env = Self.envMap(state.config.Env)
        let step = try node.expanded(using: lexer, env: args.expansionEnvironment(env: env), fileName: fileName)
        switch step.instruction {
        case .from:
            throw HoistError.invalid("\(fileName): FROM inside a stage")
        case .arg(let a):
            args.declare(a)
            let text = a.declarations.map { d in d.defaultValue.map { "\(d.name)=\($0)" } ?? d.name }.joined(separator: " ")
            try await commitConfig(&state, "ARG \(text)")
        case .env(let e):
            var list = state.config.Env ?? []
            for p in e.pairs {
                let entry = "\(p.key)=\(p.value)"
                if let i = list.firstIndex(where: { Self.envKey($0) == p.key }) { list[i] = entry } else { list.append(entry) }
            }
            state.config.Env = list
            try await commitConfig(&state, "ENV " + e.pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        case .label(let l):
            var labels = state.config.Labels ?? [:]
            for p in l.pairs { labels[p.key] = p.value }
            state.config.Labels = labels
            try await commitConfig(&state, "LABEL " + l.pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        case .expose(let x):
            var ports = state.config.ExposedPorts ?? [:]
            var names: [String] = []
            for p in x.ports {
                let port = p.contains("/") ? p.lowercased() : p + "/tcp"
                ports[port] = EmptyObject()
                names.append(port)
            }
            state.config.ExposedPorts = ports
            try await commitConfig(&state, "EXPOSE " + names.joined(separator: " "))
        case .user(let u):
            state.config.User = u.user
            try await commitConfig(&state, "USER \(u.user)")
        case .volume(let v):
            var vols = state.config.Volumes ?? [:]
            for p in v.paths {
                guard !p.isEmpty else { throw HoistError.invalid("VOLUME specified can not be an empty string") }
                vols[p] = EmptyObject()
            }
            state.config.Volumes = vols
            try await commitConfig(&state, "VOLUME [\(v.paths.joined(separator: " "))]")
        case .stopSignal(let s):
            state.config.StopSignal = s.signal
            try await commitConfig(&state, "STOPSIGNAL \(s.signal)")
        case .healthcheck(let h):
            state.config.Healthcheck = ImageHealthcheck(h)
            try await commitConfig(&state, "HEALTHCHECK " + Self.jsonArray(h.test))
        case .shell(let s):
            state.shell = s.shell
            state.config.Shell = s.shell
            try await commitConfig(&state, "SHELL " + Self.jsonArray(s.shell))
        case .cmd(let c):
            state.config.Cmd = c.argv(shell: state.shell)
            state.cmdSet = true
            try await commitConfig(&state, "CMD " + Self.jsonArray(state.config.Cmd ?? []))
        case .entrypoint(let c):
            let argv = c.argv(shell: state.shell)
            state.config.Entrypoint = argv.isEmpty ? nil : argv
            if !state.cmdSet { state.config.Cmd = nil }
            try await commitConfig(&state, "ENTRYPOINT " + Self.jsonArray(argv))
        case .onbuild(let o):
            state.config.OnBuild = (state.config.OnBuild ?? []) + [o.expression]
            try await commitConfig(&state, "ONBUILD \(o.expression)")
        case .maintainer(let m):
            state.author = m.maintainer
            try await commitConfig(&state, "MAINTAINER \(m.maintainer)")
        case .workdir(let w):
            try await workdir(w, &state)
        case .run(let r):
            try await run(r, &state)
        case .copy(let c):
            try await copy(CopySpec(c), &state)
        case .add(let a):
            try await copy(CopySpec(a), &state)
        }
    }

    /// A config-only step: an image with an empty layer, `#(nop)` in its history.
    private func commitConfig(_ state: inout StageState, _ text: String) async throws {
        let createdBy = (state.shell + ["#(nop) " + text]).joined(separator: " ")
        try await commitStep(&state, createdBy: createdBy, produce: nil)
    }

    /// Looks the step up in the cache, else produces its layer and commits the image.
    private func commitStep(_ state: inout StageState, createdBy: String,
                            produce: ((ImageRecord?) async throws -> IngestedLayer?)?) async throws {
        let key = BuildCacheKey.compute(parentID: state.image?.id, createdBy: createdBy, config: state.config, author: state.author)
        if !options.noCache, let hit = try store.cachedBuildStep(key: key) {
            await emit(.stream(" ---> Using cache\n"))
            state.image = hit
            return
        }
        let layer = try await produce?(state.image)
        let info = ImageStore.CommitInfo(defaults: state.config, author: state.author, createdBy: createdBy)
        let parent = state.image
        let store = self.store
        let image = try await Task.detached { try store.commit(parent: parent, layer: layer, info: info, reference: nil) }.value
        try store.recordBuildStep(key: key, imageID: image.id, parentID: parent?.id)
        state.image = image
    }

    // MARK: RUN

    private func run(_ r: RunInstruction, _ state: inout StageState) async throws {
        if !r.mounts.isEmpty { throw HoistError.invalid("the --mount option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled") }
        if r.network != nil { throw HoistError.invalid("the --network option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled") }
        var argv: [String]
        switch r.heredocExecution {
        case .none: argv = r.command.argv(shell: state.shell)
        case .shellCommand(let body)?: argv = state.shell + [body]
        case .shellWithHeredocs(let text)?: argv = state.shell + [text]
        case .scriptFile?:
            throw HoistError(.notImplemented, "RUN with a #! heredoc script is not supported by this builder yet")
        }
        guard let image = state.image else {
            throw BuildFailure(message: "The command '\(argv.joined(separator: " "))' returned a non-zero code: 127: no file system to run in (FROM scratch)", code: 127)
        }
        // Build args visible to this RUN: in its environment and in the history, as `|N K=V`.
        let argEnv = args.runEnvironment(env: Self.envMap(state.config.Env))
            .filter { !BuildArgs.predefined.contains($0.key) }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let proxyEnv = args.runEnvironment(env: Self.envMap(state.config.Env))
            .filter { BuildArgs.predefined.contains($0.key) }.map { "\($0.key)=\($0.value)" }
        var createdBy = argv.joined(separator: " ")
        if !argEnv.isEmpty { createdBy = "|\(argEnv.count) " + argEnv.joined(separator: " ") + " " + createdBy }
        let runStep = BuildRunStep(imageID: image.id, config: state.config, argv: argv, buildArgEnv: argEnv + proxyEnv,
                                   networkMode: options.networkMode, keepContainer: !options.removeIntermediate)
        let executor = self.executor
        let emit = self.emit
        try await commitStep(&state, createdBy: createdBy) { _ in
            let result = try await executor.runBuildStep(runStep) { text in await emit(.stream(text)) }
            guard result.exitCode == 0 else {
                throw BuildFailure(message: "The command '\(argv.joined(separator: " "))' returned a non-zero code: \(result.exitCode)",
                                   code: result.exitCode)
            }
            return result.layer
        }
    }

    // MARK: WORKDIR

    private func workdir(_ w: WorkdirInstruction, _ state: inout StageState) async throws {
        let current = state.config.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let path = RootfsPath.clean(w.path.hasPrefix("/") ? w.path : current + "/" + w.path)
        state.config.WorkingDir = path
        let createdBy = (state.shell + ["#(nop) WORKDIR \(path)"]).joined(separator: " ")
        try await commitStep(&state, createdBy: createdBy) { parent in
            try await self.fileStep(parent: parent) { root in
                let host = try RootfsPath.resolve(root: root, path)
                if !FileSystem.exists(host) { try FileCopy.makeParents(host) }
            }
        }
    }

    // MARK: COPY / ADD

    struct CopySpec: Sendable {
        var name: String
        var sources: [String]
        var contents: [SourceContent]
        var destination: String
        var from: String?
        var chown: String?
        var chmod: String?
        var unpackArchives: Bool

        init(_ c: CopyInstruction) {
            name = "COPY"; sources = c.sources; contents = c.sourceContents; destination = c.destination
            from = c.from; chown = c.chown; chmod = c.chmod; unpackArchives = false
        }

        init(_ a: AddInstruction) {
            name = "ADD"; sources = a.sources; contents = a.sourceContents; destination = a.destination
            from = nil; chown = a.chown; chmod = a.chmod; unpackArchives = a.unpack ?? true
        }
    }

    private func copy(_ spec: CopySpec, _ state: inout StageState) async throws {
        // URLs (ADD only): downloaded now, every build, so the cache key is their content.
        var remote: [BuildContext.Source] = []
        var localSources: [String] = []
        for s in spec.sources {
            if s.hasPrefix("http://") || s.hasPrefix("https://") {
                guard spec.name == "ADD" else { throw HoistError.invalid("source can't be a URL for COPY") }
                let dir = nextScratchDir("download")
                try FileSystem.mkdirAll(dir, mode: 0o700)
                let path = try await executor.downloadBuildSource(s, into: dir, emit: emit)
                remote.append(BuildContext.Source(relative: (path as NSString).lastPathComponent, hostPath: path))
            } else if s.hasPrefix("git@") || s.hasPrefix("git://") {
                throw HoistError(.notImplemented, "\(spec.name) failed: git sources (\(s)) are not supported by this builder yet")
            } else {
                localSources.append(s)
            }
        }
        let remotePaths = Set(remote.map(\.hostPath))
        var parsedMode: mode_t?
        if let m = spec.chmod, !m.isEmpty {
            guard let v = UInt32(m, radix: 8), v <= 0o7777 else { throw HoistError.invalid("invalid chmod parameter: \(m)") }
            parsedMode = mode_t(v)
        }
        let mode = parsedMode
        // The sources' root: the context, or the root file system of a stage or an image.
        var fromMount: MountedRoot?
        defer { if let m = fromMount { m.release() } }
        let sourceRoot: String
        if let from = spec.from, !from.isEmpty {
            let image: ImageRecord
            if let s = dockerfile.stage(named: from), let img = built[s.index] {
                image = img
            } else if dockerfile.stage(named: from) != nil {
                throw HoistError.invalid("\(spec.name) --from=\(from): the stage has not produced an image")
            } else {
                image = try await baseImage(from)
            }
            let mounted = try mountView(of: image)
            fromMount = mounted
            sourceRoot = mounted.root
        } else {
            sourceRoot = context.root
        }
        let sources = try (localSources.isEmpty ? [] : BuildContext.sources(localSources, root: sourceRoot, instruction: spec.name))
            + remote
        let workdir = state.config.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let destIsDir = spec.destination.hasSuffix("/") || spec.destination.hasSuffix("/.") || spec.destination == "."
        let dest = RootfsPath.clean(spec.destination.hasPrefix("/") ? spec.destination : workdir + "/" + spec.destination)
        if sources.count + spec.contents.count > 1 && !destIsDir {
            throw HoistError.invalid("When using \(spec.name) with more than one source file, the destination must be a directory and end with a /")
        }
        // History as Docker's classic builder writes it: `COPY file:<sum> in /dest`.
        var sum = try SourceChecksum.compute(sources)
        if !spec.contents.isEmpty {
            var h = DigestHasher()
            h.update(Array(sum.utf8))
            for c in spec.contents { h.update(Array("\(c.path)\n\(c.data)\n".utf8)) }
            sum = h.finalize().hex
        }
        let kind = sources.count + spec.contents.count > 1 ? "multi" : (sources.first.map { FileSystem.isDirectory($0.hostPath) } == true ? "dir" : "file")
        var flags = ""
        if let f = spec.from { flags += " --from=\(f)" }
        if let c = spec.chown { flags += " --chown=\(c)" }
        if let m = spec.chmod { flags += " --chmod=\(m)" }
        let createdBy = (state.shell + ["#(nop) \(spec.name)\(flags) \(kind):\(sum) in \(dest) "]).joined(separator: " ")
        let unpack = spec.name == "ADD" && spec.unpackArchives
        try await commitStep(&state, createdBy: createdBy) { parent in
            try await self.fileStep(parent: parent) { root in
                var copier = FileCopy()
                if let c = spec.chown, !c.isEmpty { copier.owner = try OwnerLookup.resolve(c, root: root) }
                copier.chmod = mode
                for src in sources {
                    // A downloaded archive is never unpacked (Docker's ADD <url>).
                    try Self.place(src, dest: dest, destIsDir: destIsDir, root: root, copier: copier,
                                   unpack: unpack && !remotePaths.contains(src.hostPath))
                }
                for c in spec.contents {
                    let target = try Self.fileTarget(name: c.path, dest: dest, destIsDir: destIsDir, root: root)
                    try copier.write(Array(c.data.utf8), to: target)
                }
            }
        }
    }

    /// Copies one source into the root: a directory's contents into `dest`, a local archive
    /// (ADD) unpacked into `dest`, a file to `dest` or into it when it is a directory.
    static func place(_ src: BuildContext.Source, dest: String, destIsDir: Bool, root: String, copier: FileCopy, unpack: Bool) throws {
        var st = stat()
        guard stat(src.hostPath, &st) == 0 else {
            throw HoistError.notFound("file not found in build context or excluded by .dockerignore: stat \(src.relative): file does not exist")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let target = try RootfsPath.resolve(root: root, dest)
            try FileCopy.makeParents(target)
            for name in try FileSystem.listDirectory(src.hostPath) {
                try copier.copy(src.hostPath + "/" + name, to: target + "/" + name)
            }
            return
        }
        if unpack, (st.st_mode & S_IFMT) == S_IFREG, BuildContext.isArchive(src.hostPath), st.st_size > 0 {
            let target = try RootfsPath.resolve(root: root, dest)
            try FileCopy.makeParents(target)
            _ = try LayerApplier.apply(tarPath: src.hostPath, to: target)
            return
        }
        let name = (src.relative as NSString).lastPathComponent
        let target = try fileTarget(name: name.isEmpty ? "file" : name, dest: dest, destIsDir: destIsDir, root: root)
        try copier.copy(src.hostPath, to: target)
    }

    /// Where a file named `name` lands for destination `dest`: inside it when it ends with
    /// `/` or is an existing directory, else at `dest` itself. Parents are created.
    static func fileTarget(name: String, dest: String, destIsDir: Bool, root: String) throws -> String {
        let resolved = try RootfsPath.resolve(root: root, dest)
        if destIsDir || FileSystem.isDirectory(resolved) || dest == "/" {
            try FileCopy.makeParents(resolved)
            return resolved + "/" + name
        }
        let parent = try RootfsPath.resolve(root: root, (dest as NSString).deletingLastPathComponent)
        try FileCopy.makeParents(parent)
        return parent + "/" + (dest as NSString).lastPathComponent
    }

    // MARK: mounts

    /// An overlay of an image (or of nothing, for scratch) with a private upper dir.
    final class MountedRoot: @unchecked Sendable {
        let dir: String
        var root: String { dir + "/rootfs" }
        var upper: String { dir + "/upper" }
        private var mounted = true

        init(dir: String, lowers: [String]) throws {
            self.dir = dir
            for d in ["upper", "work", "rootfs", "empty"] { try FileSystem.mkdirAll(dir + "/" + d, mode: 0o755) }
            do {
                try Mounts.overlay(lowerDirs: lowers.isEmpty ? [dir + "/empty"] : lowers, upperDir: dir + "/upper",
                                   workDir: dir + "/work", target: dir + "/rootfs")
            } catch {
                try? FileSystem.removeTree(dir)
                throw error
            }
        }

        func unmount() {
            guard mounted else { return }
            mounted = false
            try? Mounts.unmountOrDetach(root)
        }

        /// Unmounts and removes the directory.
        func release() {
            unmount()
            if !Mounts.isMountPoint(root) { try? FileSystem.removeTree(dir) }
        }
    }

    /// A fresh directory name in the build's scratch space, unique across concurrent stages.
    private func nextScratchDir(_ kind: String) -> String {
        mountCounter += 1
        return workDir + "/stage\(stageIndex)-\(kind)-\(mountCounter)"
    }

    /// A root file system of `image` to read `COPY --from` sources from.
    private func mountView(of image: ImageRecord) throws -> MountedRoot {
        try MountedRoot(dir: nextScratchDir("mount"), lowers: store.lowerDirs(of: image))
    }

    /// Mounts `parent`, lets `body` change files in it, and returns the changes as a layer
    /// (nil when nothing changed). The mount and its directory are gone afterwards.
    private func fileStep(parent: ImageRecord?, _ body: @escaping @Sendable (String) throws -> Void) async throws -> IngestedLayer? {
        let store = self.store
        let lowers = parent.map { store.lowerDirs(of: $0) } ?? []
        let dir = nextScratchDir("mount")
        return try await Task.detached {
            let m = try MountedRoot(dir: dir, lowers: lowers)
            defer { m.release() }
            try body(m.root)
            m.unmount()
            return try store.diffLayer(directory: m.upper)
        }.value
    }

    // MARK: helpers

    static func short(_ id: String) -> String {
        String((id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id).prefix(12))
    }

    static func envKey(_ entry: String) -> String {
        entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
    }

    static func envMap(_ env: [String]?) -> [String: String] {
        var out: [String: String] = [:]
        for e in env ?? [] {
            let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return out
    }

    static func jsonArray(_ items: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(items)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

}
