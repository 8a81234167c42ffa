/// Second stage: a `RawNode` becomes a typed `Instruction` (BuildKit's
/// `instructions/parse.go`). Checks run in Docker's order so the first error reported
/// is the one Docker reports.
enum InstructionParser {
    static func parse(_ node: RawNode) throws(DetailError) -> Instruction {
        var flags = InstructionFlags(node.flags)
        let args = node.args
        switch node.command {
        case "from":
            var stageName: String?
            if args.count == 3 && args[1].lowercased() == "as" {
                let name = args[2].lowercased()
                guard FromInstruction.isValidStageName(name) else {
                    throw DetailError("invalid name for build stage: \(GoText.quote(args[2])), name can't start with a number or contain symbols")
                }
                stageName = name
            } else if args.count != 1 {
                throw DetailError("FROM requires either one or three arguments")
            }
            try flags.parse([("platform", .string)])
            return .from(FromInstruction(image: args[0], stageName: stageName, platform: flags.string("platform")))

        case "run":
            try flags.parse([("mount", .strings), ("network", .string), ("security", .string)])
            var mounts: [RunMount] = []
            for value in flags.strings("mount") { mounts.append(try RunMount(raw: value)) }
            let network = flags.rawString("network")
            if let network, !["default", "none", "host"].contains(network) {
                throw DetailError("invalid network mode \(GoText.quote(network))")
            }
            let security = flags.rawString("security")
            if let security, security != "sandbox" && security != "insecure" {
                throw DetailError("security \(GoText.quote(security)) is not valid")
            }
            return .run(RunInstruction(command: commandForm(node), heredocs: node.heredocs, mounts: mounts,
                                       network: network, security: security))

        case "cmd":
            try flags.parse()
            return .cmd(commandForm(node))

        case "entrypoint":
            try flags.parse()
            return .entrypoint(commandForm(node))

        case "env", "label":
            let name = node.command.uppercased()
            try flags.parse()
            guard !node.pairs.isEmpty else { throw DetailError("\(name) requires at least one argument") }
            if node.pairs.contains(where: { $0.key.isEmpty }) { throw DetailError("\(name) names can not be blank") }
            return name == "ENV" ? .env(EnvInstruction(pairs: node.pairs)) : .label(LabelInstruction(pairs: node.pairs))

        case "maintainer":
            guard args.count == 1 else { throw DetailError("MAINTAINER requires exactly one argument") }
            try flags.parse()
            return .maintainer(MaintainerInstruction(maintainer: args[0]))

        case "add":
            guard args.count >= 2 else { throw noDestination("ADD") }
            try flags.parse([("chown", .string), ("chmod", .string), ("link", .bool), ("keep-git-dir", .bool),
                             ("checksum", .string), ("unpack", .bool)])
            let (paths, contents, dest) = try sourcesAndDest(node, command: "ADD")
            return .add(AddInstruction(sources: paths, sourceContents: contents, destination: dest,
                                       chown: flags.string("chown"), chmod: flags.string("chmod"),
                                       link: flags.bool("link"), checksum: flags.string("checksum"),
                                       keepGitDir: flags.bool("keep-git-dir"), unpack: flags.optionalBool("unpack")))

        case "copy":
            guard args.count >= 2 else { throw noDestination("COPY") }
            try flags.parse([("chown", .string), ("from", .string), ("chmod", .string), ("link", .bool)])
            let (paths, contents, dest) = try sourcesAndDest(node, command: "COPY")
            return .copy(CopyInstruction(sources: paths, sourceContents: contents, destination: dest,
                                         from: flags.string("from"), chown: flags.string("chown"),
                                         chmod: flags.string("chmod"), link: flags.bool("link")))

        case "onbuild":
            guard let first = args.first else { throw DetailError("ONBUILD requires at least one argument") }
            try flags.parse()
            let trigger = GoText.trimSpace(first).uppercased()
            switch trigger {
            case "ONBUILD": throw DetailError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            case "MAINTAINER", "FROM": throw DetailError("\(trigger) isn't allowed as an ONBUILD trigger")
            default: break
            }
            var expression = stripOnbuildKeyword(node.original)
            for doc in node.heredocs { expression += "\n" + doc.rawContent + doc.name }
            return .onbuild(OnbuildInstruction(expression: expression, triggerName: trigger))

        case "workdir":
            guard args.count == 1 else { throw DetailError("WORKDIR requires exactly one argument") }
            try flags.parse()
            return .workdir(WorkdirInstruction(path: args[0]))

        case "healthcheck":
            return .healthcheck(try healthcheck(node, &flags))

        case "expose":
            guard !args.isEmpty else { throw DetailError("EXPOSE requires at least one argument") }
            try flags.parse()
            return .expose(ExposeInstruction(ports: args.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }))

        case "user":
            guard args.count == 1 else { throw DetailError("USER requires exactly one argument") }
            try flags.parse()
            return .user(UserInstruction(user: args[0]))

        case "volume":
            guard !args.isEmpty else { throw DetailError("VOLUME requires at least one argument") }
            try flags.parse()
            var paths: [String] = []
            for v in args {
                let trimmed = GoText.trimSpace(v)
                if trimmed.isEmpty { throw DetailError("VOLUME specified can not be an empty string") }
                paths.append(trimmed)
            }
            return .volume(VolumeInstruction(paths: paths))

        case "stopsignal":
            // Docker does not check STOPSIGNAL's flags.
            guard args.count == 1 else { throw DetailError("STOPSIGNAL requires exactly one argument") }
            return .stopSignal(StopSignalInstruction(signal: args[0]))

        case "arg":
            // Docker does not check ARG's flags either.
            guard !args.isEmpty else { throw DetailError("ARG requires at least one argument") }
            var declarations: [ArgDeclaration] = []
            for arg in args {
                if let eq = arg.firstIndex(of: "=") {
                    let name = String(arg[..<eq])
                    if name.isEmpty { throw DetailError("ARG names can not be blank") }
                    declarations.append(ArgDeclaration(name: name, defaultValue: String(arg[arg.index(after: eq)...])))
                } else {
                    declarations.append(ArgDeclaration(name: arg))
                }
            }
            return .arg(ArgInstruction(declarations: declarations))

        case "shell":
            try flags.parse()
            let list = jsonArgs(node)
            if list.isEmpty { throw DetailError("SHELL requires at least one argument") }
            guard node.isJSON else { throw DetailError("SHELL requires the arguments to be in JSON form") }
            return .shell(ShellInstruction(shell: list))

        default:
            var message = "unknown instruction: \(node.keyword)"
            if let hint = GoText.suggestion(for: node.keyword, among: ArgumentParsers.instructionNames.map { $0.uppercased() },
                                            caseSensitive: false) {
                message += " (did you mean \(hint)?)"
            }
            throw DetailError(message)
        }
    }

    private static func noDestination(_ command: String) -> DetailError {
        DetailError("\(command) requires at least two arguments, but only one was provided. Destination could not be determined")
    }

    /// Docker's `handleJSONArgs`: exec form as is, shell form joined into one string.
    static func jsonArgs(_ node: RawNode) -> [String] {
        if node.args.isEmpty { return [] }
        return node.isJSON ? node.args : [node.args.joined(separator: " ")]
    }

    private static func commandForm(_ node: RawNode) -> CommandForm {
        CommandForm(arguments: jsonArgs(node), prependShell: !node.isJSON)
    }

    private static func sourcesAndDest(_ node: RawNode, command: String) throws(DetailError)
        -> ([String], [SourceContent], String) {
        let sources = node.args.dropLast()
        let dest = node.args[node.args.count - 1]
        let destinationMarker = (try? Heredoc.parseMarker(dest)) ?? nil
        if destinationMarker != nil {
            throw DetailError("\(command) cannot accept a heredoc as a destination")
        }
        var paths: [String] = []
        var contents: [SourceContent] = []
        for src in sources {
            if let marker = (try? Heredoc.parseMarker(src)) ?? nil {
                // The body comes from the heredoc with the same name read after the line.
                let body = node.heredocs.last(where: { $0.name == marker.name })?.rawContent ?? ""
                contents.append(SourceContent(path: marker.name,
                                              data: marker.chomp ? Heredoc.chompLeadingTabs(body) : body,
                                              expand: marker.expand))
            } else {
                paths.append(src)
            }
        }
        return (paths, contents, dest)
    }

    private static func healthcheck(_ node: RawNode, _ flags: inout InstructionFlags) throws(DetailError)
        -> HealthcheckInstruction {
        guard let first = node.args.first else { throw DetailError("HEALTHCHECK requires at least one argument") }
        let type = first.uppercased()
        let rest = Array(node.args.dropFirst())
        if type == "NONE" {
            // Docker ignores flags given with NONE.
            guard rest.isEmpty else { throw DetailError("HEALTHCHECK NONE takes no arguments") }
            return HealthcheckInstruction(test: ["NONE"])
        }
        try flags.parse([("interval", .string), ("timeout", .string), ("start-period", .string),
                         ("start-interval", .string), ("retries", .string)])
        guard type == "CMD" else { throw DetailError("Unknown type \(GoText.quote(type)) in HEALTHCHECK (try CMD)") }
        var command = node
        command.args = rest
        let list = jsonArgs(command)
        guard !list.isEmpty else { throw DetailError("Missing command after HEALTHCHECK CMD") }
        var check = HealthcheckInstruction(test: [node.isJSON ? "CMD" : "CMD-SHELL"] + list)
        check.interval = try interval(flags, "interval")
        check.timeout = try interval(flags, "timeout")
        check.startPeriod = try interval(flags, "start-period")
        check.startInterval = try interval(flags, "start-interval")
        if let retries = flags.string("retries") {
            guard let n = Int32(retries) else {
                let reason = retries.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") })
                    && retries.contains(where: \.isNumber) ? "value out of range" : "invalid syntax"
                throw DetailError("strconv.ParseInt: parsing \(GoText.quote(retries)): \(reason)")
            }
            if n < 0 { throw DetailError("--retries cannot be negative (\(n))") }
            check.retries = Int(n)
        }
        return check
    }

    /// A duration flag in nanoseconds: 0 when absent or zero, at least 1ms otherwise.
    private static func interval(_ flags: InstructionFlags, _ name: String) throws(DetailError) -> Int64 {
        guard let text = flags.string(name) else { return 0 }
        let d = try GoDuration.parse(text)
        if d == 0 { return 0 }
        if d < 1_000_000 { throw DetailError("Interval \(GoText.quote(name)) cannot be less than 1ms") }
        return d
    }

    /// Removes `(?i)^\s*ONBUILD\s*` from the original line.
    private static func stripOnbuildKeyword(_ original: String) -> String {
        var s = Array(original.unicodeScalars)[...]
        while let c = s.first, GoText.isRegexSpace(c) { s = s.dropFirst() }
        let word = String(String.UnicodeScalarView(s.prefix(7)))
        guard word.lowercased() == "onbuild" else { return original }
        s = s.dropFirst(7)
        while let c = s.first, GoText.isRegexSpace(c) { s = s.dropFirst() }
        return String(String.UnicodeScalarView(s))
    }
}
