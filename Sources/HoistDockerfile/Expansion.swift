import HoistCore

// Variable substitution per instruction, where Docker does it:
//   FROM (image, --platform; with the global ARG environment), ENV (keys and values,
//   all against the environment before the line), ARG (names and defaults), LABEL
//   (keys and values), EXPOSE (split into words), WORKDIR, USER, VOLUME, STOPSIGNAL,
//   COPY/ADD (sources, destination, --from, --chown, --chmod, --checksum, and heredoc
//   bodies whose delimiter was not quoted), RUN (--mount values only).
// Never: RUN/CMD/ENTRYPOINT commands, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER.

extension InstructionNode {
    /// The node with variables substituted. `env` is the step's environment: for FROM,
    /// `BuildArgs.globalEnvironment`; otherwise `BuildArgs.expansionEnvironment(env:)`.
    /// Errors name the file and line (`Dockerfile:7: failed to process "$": ...`).
    public func expanded(using expander: ShellWordExpander, env: [String: String],
                         fileName: String = "Dockerfile") throws -> InstructionNode {
        var copy = self
        do {
            copy.instruction = try instruction.expandedDetailed(using: expander, env: env, original: original)
        } catch {
            throw dockerfileError(error.detail, file: fileName, location: location)
        }
        return copy
    }
}

extension Instruction {
    /// Variables substituted as Docker does for this instruction (see `InstructionNode.expanded`).
    public func expanded(using expander: ShellWordExpander, env: [String: String]) throws -> Instruction {
        do {
            return try expandedDetailed(using: expander, env: env, original: "")
        } catch {
            throw HoistError(.invalidArgument, error.detail)
        }
    }

    func expandedDetailed(using expander: ShellWordExpander, env: [String: String],
                          original: String) throws(DetailError) -> Instruction {
        func word(_ w: String) throws(DetailError) -> String { try expander.processDetailed(w, env: env).result }
        func optional(_ w: String?) throws(DetailError) -> String? {
            guard let w else { return nil }
            return try word(w)
        }
        func pairs(_ list: [KeyValuePair]) throws(DetailError) -> [KeyValuePair] {
            var out: [KeyValuePair] = []
            for p in list {
                out.append(KeyValuePair(key: try word(p.key), value: try word(p.value), legacySyntax: p.legacySyntax))
            }
            return out
        }
        func list(_ items: [String]) throws(DetailError) -> [String] {
            var out: [String] = []
            for item in items { out.append(try word(item)) }
            return out
        }
        func contents(_ items: [SourceContent]) throws(DetailError) -> [SourceContent] {
            // Heredoc bodies: backslash escapes, quotes kept literally (BuildKit's ExpandRaw).
            var raw = ShellWordExpander(escape: "\\")
            raw.skipProcessQuotes = true
            var out: [SourceContent] = []
            for var item in items {
                if item.expand { item.data = try raw.processDetailed(item.data, env: env).result }
                out.append(item)
            }
            return out
        }

        switch self {
        case .from(var from):
            let image = try word(from.image)
            if image.isEmpty { throw DetailError("base name (\(from.image)) should not be blank") }
            from.image = image
            from.platform = try optional(from.platform)
            return .from(from)
        case .run(var run):
            var mounts: [RunMount] = []
            for var mount in run.mounts {
                var fields: [RunMount.Field] = []
                for var field in mount.fields {
                    field.value = try optional(field.value)
                    fields.append(field)
                }
                mount.fields = fields
                mounts.append(mount)
            }
            run.mounts = mounts
            return .run(run)
        case .env(let env):
            return .env(EnvInstruction(pairs: try pairs(env.pairs)))
        case .label(let label):
            return .label(LabelInstruction(pairs: try pairs(label.pairs)))
        case .arg(let arg):
            var declarations: [ArgDeclaration] = []
            for d in arg.declarations {
                declarations.append(ArgDeclaration(name: try word(d.name), defaultValue: try optional(d.defaultValue)))
            }
            return .arg(ArgInstruction(declarations: declarations))
        case .expose(let expose):
            var ports: [String] = []
            for p in expose.ports { ports += try expander.processDetailed(p, env: env).words }
            return .expose(ExposeInstruction(ports: ports))
        case .workdir(let w):
            return .workdir(WorkdirInstruction(path: try word(w.path)))
        case .user(let u):
            return .user(UserInstruction(user: try word(u.user)))
        case .volume(let v):
            return .volume(VolumeInstruction(paths: try list(v.paths)))
        case .stopSignal(let s):
            return .stopSignal(StopSignalInstruction(signal: try word(s.signal)))
        case .copy(var c):
            c.chown = try optional(c.chown)
            c.chmod = try optional(c.chmod)
            c.from = try optional(c.from)
            c.sources = try list(c.sources)
            c.destination = try word(c.destination)
            c.sourceContents = try contents(c.sourceContents)
            return .copy(c)
        case .add(var a):
            a.chown = try optional(a.chown)
            a.chmod = try optional(a.chmod)
            a.checksum = try optional(a.checksum)
            a.sources = try list(a.sources)
            a.destination = try word(a.destination)
            a.sourceContents = try contents(a.sourceContents)
            return .add(a)
        case .cmd, .entrypoint, .healthcheck, .shell, .onbuild, .maintainer:
            return self
        }
    }
}
