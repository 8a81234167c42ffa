import HoistCore
import HoistDockerfile
import HoistOCI
import HoistStore

/// Runs a Dockerfile as Docker's classic builder does, stage by stage (`StageBuild`), with
/// one difference the issue asks for: stages the target needs that do not depend on each
/// other build at the same time. The output still reads as a sequential build: a stage's
/// messages stream live while every stage before it (in Dockerfile order) has finished,
/// and wait in a buffer until then.
///
/// One instance per build, used from one task.
public final class DockerfileBuild {
    let store: ImageStore
    let executor: any BuildExecutor
    let context: BuildContext
    let options: BuildOptions
    /// Private scratch space of this build (step mounts); the caller removes it.
    let workDir: String
    let emit: @Sendable (BuildEvent) async -> Void

    public init(store: ImageStore, executor: any BuildExecutor, context: BuildContext, options: BuildOptions,
                workDir: String, emit: @escaping @Sendable (BuildEvent) async -> Void) {
        self.store = store
        self.executor = executor
        self.context = context
        self.options = options
        self.workDir = workDir
        self.emit = emit
    }

    /// Builds; returns the final image ID (`sha256:...`), tagged as asked.
    public func run() async throws -> String {
        let fileName = context.dockerfileName
        let df = try DockerfileParser.parse(context.dockerfileText, fileName: fileName)
        let lexer = ShellWordExpander(escape: df.escapeToken)
        var args = BuildArgs(options: options.buildArgs)
        for meta in df.metaArgs { try args.declareGlobal(meta, expander: lexer, fileName: fileName) }

        var stages = df.stages
        let targetIndex: Int
        if let t = options.target, !t.isEmpty {
            guard let s = df.stage(named: t) else { throw HoistError.invalid("failed to reach build target \(t) in Dockerfile") }
            targetIndex = s.index
        } else {
            targetIndex = stages.count - 1
        }
        stages = Array(stages.prefix(targetIndex + 1))
        if !options.labels.isEmpty {
            // Docker adds the --label values as a last LABEL instruction of the target stage.
            let pairs = options.labels.keys.sorted().map { KeyValuePair(key: $0, value: options.labels[$0] ?? "") }
            let text = "LABEL " + pairs.map { "\(goQuote($0.key))=\(goQuote($0.value))" }.joined(separator: " ")
            let node = InstructionNode(instruction: .label(LabelInstruction(pairs: pairs)), keyword: "LABEL", original: text,
                                       location: stages[targetIndex].fromNode.location)
            stages[targetIndex].commands.append(node)
        }
        let deps = Self.dependencies(stages, dockerfile: df, lexer: lexer, globals: args.globalEnvironment)
        let needed = Self.needed(target: targetIndex, dependencies: deps)
        let order = stages.filter { needed.contains($0.index) }
        let total = df.metaArgs.count + order.reduce(0) { $0 + 1 + $1.commands.count }
        var step = 0
        for meta in df.metaArgs {
            step += 1
            await emit(.stream("Step \(step)/\(total) : \(meta.code)\n"))
        }
        var firstStep: [Int: Int] = [:]
        for stage in order {
            firstStep[stage.index] = step
            step += 1 + stage.commands.count
        }
        let plan = BuildPlan(store: store, executor: executor, context: context, options: options, workDir: workDir,
                             lexer: lexer, args: args, fileName: fileName, dockerfile: df, firstStep: firstStep, total: total,
                             baseImages: BaseImages())
        let (built, stageArgs) = try await Self.runStages(order, dependencies: deps, plan: plan, emit: emit)

        // A --build-arg is unused when no stage declared it.
        var unused = Set(args.unusedOptions)
        for a in stageArgs { unused.formIntersection(a.unusedOptions) }
        if let warning = BuildArgs.unusedWarning(unused.sorted()) { await emit(.stream(warning + "\n")) }
        guard let final = built[targetIndex] else {
            throw HoistError.invalid("No image was generated. Is your Dockerfile empty?")
        }
        await emit(.imageID(final.id))
        await emit(.stream("Successfully built \(StageBuild.short(final.id))\n"))
        for ref in options.tags {
            try store.tag(imageID: final.id, as: ref)
            await emit(.stream("Successfully tagged \(ref.familiarString)\n"))
        }
        return final.id
    }

    /// Runs each stage as soon as the stages it uses have their images. After a failure no
    /// stage starts; those running finish, then the first failure (in stage order) is thrown.
    static func runStages(_ order: [Stage], dependencies: [Int: Set<Int>], plan: BuildPlan,
                          emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> ([Int: ImageRecord], [BuildArgs]) {
        let output = StageOutput(order: order.map(\.index), emit: emit)
        var built: [Int: ImageRecord] = [:]
        var finished: Set<Int> = []
        var stageArgs: [BuildArgs] = []
        var failures: [Int: any Error] = [:]
        await withTaskGroup(of: (Int, Result<(ImageRecord?, BuildArgs), any Error>).self) { group in
            var waiting = order
            var running = 0
            func startReady() {
                guard failures.isEmpty else { return }
                let ready = waiting.filter { (dependencies[$0.index] ?? []).isSubset(of: finished) }
                waiting.removeAll { s in ready.contains { $0.index == s.index } }
                for stage in ready {
                    running += 1
                    let images = built
                    group.addTask {
                        let runner = StageBuild(plan: plan, stage: stage.index, built: images) { await output.send(stage.index, $0) }
                        do {
                            let image = try await runner.build(stage)
                            return (stage.index, .success((image, runner.args)))
                        } catch {
                            return (stage.index, .failure(error))
                        }
                    }
                }
            }
            startReady()
            while running > 0, let (index, result) = await group.next() {
                running -= 1
                switch result {
                case .success(let (image, args)):
                    if let image { built[index] = image }
                    stageArgs.append(args)
                case .failure(let error):
                    failures[index] = error
                }
                finished.insert(index)
                await output.finish(index)
                startReady()
            }
        }
        await output.flushAll()
        if let first = failures.keys.min(), let error = failures[first] { throw error }
        return (built, stageArgs)
    }

    /// For each stage, the earlier stages it uses: FROM one (after global ARG expansion),
    /// `COPY --from` one, or every earlier stage when a `--from` has a variable in it.
    static func dependencies(_ stages: [Stage], dockerfile df: Dockerfile, lexer: ShellWordExpander,
                             globals: [String: String]) -> [Int: Set<Int>] {
        var out: [Int: Set<Int>] = [:]
        for stage in stages {
            let i = stage.index
            var deps: Set<Int> = []
            var refs = [(try? lexer.expand(stage.from.image, env: globals)) ?? stage.from.image]
            for node in stage.commands {
                guard case .copy(let c) = node.instruction, let from = c.from else { continue }
                // Not known before the stage runs: wait for every earlier stage.
                if from.contains("$") { deps.formUnion(0..<i) }
                refs.append(from)
            }
            for r in refs { if let s = df.stage(named: r, before: i) { deps.insert(s.index) } }
            out[i] = deps
        }
        return out
    }

    /// The target and the stages it uses, transitively.
    static func needed(target: Int, dependencies: [Int: Set<Int>]) -> Set<Int> {
        var needed: Set<Int> = []
        var queue = [target]
        while let i = queue.popLast() {
            guard needed.insert(i).inserted else { continue }
            queue += dependencies[i] ?? []
        }
        return needed
    }
}

/// What every stage of one build shares.
struct BuildPlan: Sendable {
    let store: ImageStore
    let executor: any BuildExecutor
    let context: BuildContext
    let options: BuildOptions
    let workDir: String
    let lexer: ShellWordExpander
    /// The global build args (each stage adds its own to a copy).
    let args: BuildArgs
    let fileName: String
    let dockerfile: Dockerfile
    /// The step number before each stage's FROM.
    let firstStep: [Int: Int]
    let total: Int
    let baseImages: BaseImages
}

/// The images FROM and `COPY --from` name, looked up (or pulled) once per build, as moby's
/// imageSources caches them: stages running side by side wait for one pull of an image
/// instead of pulling it twice.
actor BaseImages {
    private var lookups: [String: Task<ImageRecord, any Error>] = [:]

    func image(_ name: String, fetch: @escaping @Sendable () async throws -> ImageRecord) async throws -> ImageRecord {
        if let running = lookups[name] { return try await running.value }
        let lookup = Task { try await fetch() }
        lookups[name] = lookup
        return try await lookup.value
    }
}

/// Keeps concurrent stages' messages in stage order: the first unfinished stage (in the
/// Dockerfile's order) streams live, later ones are held until every stage before them
/// has finished.
actor StageOutput {
    private let order: [Int]
    private var current = 0
    private var held: [Int: [BuildEvent]] = [:]
    private var finished: Set<Int> = []
    private let emit: @Sendable (BuildEvent) async -> Void

    init(order: [Int], emit: @escaping @Sendable (BuildEvent) async -> Void) {
        self.order = order
        self.emit = emit
    }

    func send(_ stage: Int, _ event: BuildEvent) async {
        if current < order.count, order[current] == stage, held[stage] == nil {
            await emit(event)
        } else {
            held[stage, default: []].append(event)
        }
    }

    func finish(_ stage: Int) async {
        finished.insert(stage)
        while current < order.count, finished.contains(order[current]) {
            current += 1
            if current < order.count { await release(order[current]) }
        }
    }

    /// Whatever is still held (stages that never finished, after a failure), in order.
    func flushAll() async {
        while current < order.count {
            await release(order[current])
            current += 1
        }
    }

    private func release(_ stage: Int) async {
        // Sent while this flushes: `send` holds them (held[stage] is set), so loop until empty.
        while let events = held[stage], !events.isEmpty {
            held[stage] = []
            for e in events { await emit(e) }
        }
        held[stage] = nil
    }
}
