import HoistCore
import Testing
@testable import HoistDockerfile

/// Which instructions are expanded, how, and the ARG scoping rules.
@Suite struct ExpansionTests {
    let lexer = ShellWordExpander()

    func expanded(_ line: String, env: [String: String]) throws -> InstructionNode {
        try command("FROM a\n" + line).expanded(using: lexer, env: env)
    }

    @Test func envPairsSeeTheEnvironmentBeforeTheLine() throws {
        // The Dockerfile reference example: def gets the old abc.
        let node = try expanded("ENV abc=bye def=$abc", env: ["abc": "hello"])
        #expect(node.env?.pairs == [KeyValuePair(key: "abc", value: "bye"), KeyValuePair(key: "def", value: "hello")])
        let legacy = try expanded("ENV MSG \"hello  world\" and ${abc}", env: ["abc": "x"])
        #expect(legacy.env?.pairs.first?.value == "hello  world and x")
        let escaped = try expanded(#"ENV A=three\ words B='$abc' C="$abc""#, env: ["abc": "x"])
        #expect(escaped.env?.pairs.map(\.value) == ["three words", "$abc", "x"])
    }

    @Test func labelKeysAndValues() throws {
        let node = try expanded("LABEL \"com.$ORG.version\"=\"$V\" plain=$V", env: ["ORG": "acme", "V": "1.2"])
        #expect(node.label?.pairs == [KeyValuePair(key: "com.acme.version", value: "1.2"), KeyValuePair(key: "plain", value: "1.2")])
    }

    @Test func exposeIsSplitAfterSubstitution() throws {
        let node = try expanded("EXPOSE $PORTS 9000/udp", env: ["PORTS": "80  443/tcp"])
        #expect(node.expose?.ports == ["80", "443/tcp", "9000/udp"])
    }

    @Test func singleValueInstructions() throws {
        let env = ["HOME": "/home/app", "UID": "1000", "SIG": "SIGINT"]
        #expect(try expanded("WORKDIR $HOME/src", env: env).workdir?.path == "/home/app/src")
        #expect(try expanded("USER ${UID}:${GID:-${UID}}", env: env).user?.user == "1000:1000")
        #expect(try expanded("STOPSIGNAL $SIG", env: env).stopSignal?.signal == "SIGINT")
        #expect(try expanded("VOLUME [\"$HOME/data\", \"/logs\"]", env: env).volume?.paths == ["/home/app/data", "/logs"])
    }

    @Test func copyAndAdd() throws {
        let env = ["SRC": "dist", "DEST": "/srv", "STAGE": "build", "OWNER": "app", "SUM": "sha256:abc"]
        let copy = try expanded("COPY --from=$STAGE --chown=$OWNER:$OWNER --chmod=${MODE:-644} $SRC/*.js ${DEST}/", env: env)
        #expect(copy.copy == CopyInstruction(sources: ["dist/*.js"], destination: "/srv/", from: "build",
                                             chown: "app:app", chmod: "644"))
        let add = try expanded("ADD --checksum=$SUM https://x/$SRC.tgz $DEST", env: env)
        #expect(add.add?.checksum == "sha256:abc")
        #expect(add.add?.sources == ["https://x/dist.tgz"])
        #expect(add.add?.destination == "/srv")
    }

    @Test func heredocBodiesExpandUnlessTheDelimiterIsQuoted() throws {
        let env = ["GREETING": "hello"]
        let open = try expanded("COPY <<EOF /motd\nSay \"$GREETING\" '${GREETING}' \\$GREETING\nEOF", env: env)
        #expect(open.copy?.sourceContents.first?.data == "Say \"hello\" 'hello' $GREETING\n")
        let quoted = try expanded("COPY <<'EOF' /motd\nSay $GREETING\nEOF", env: env)
        #expect(quoted.copy?.sourceContents.first?.data == "Say $GREETING\n")
    }

    @Test func commandsAreNeverExpanded() throws {
        let env = ["X": "expanded"]
        #expect(try expanded("RUN echo $X", env: env).run?.command == .shell("echo $X"))
        #expect(try expanded("RUN <<EOF\necho $X\nEOF", env: env).run?.heredocs.first?.rawContent == "echo $X\n")
        #expect(try expanded("CMD [\"$X\"]", env: env).cmd == .exec(["$X"]))
        #expect(try expanded("ENTRYPOINT echo $X", env: env).entrypoint == .shell("echo $X"))
        #expect(try expanded("SHELL [\"$X\"]", env: env).shell?.shell == ["$X"])
        #expect(try expanded("HEALTHCHECK CMD $X", env: env).healthcheck?.test == ["CMD-SHELL", "$X"])
        #expect(try expanded("ONBUILD RUN $X", env: env).onbuild?.expression == "RUN $X")
        #expect(try expanded("MAINTAINER $X", env: env).maintainer?.maintainer == "$X")
        #expect(Instruction.cmd(.shell("$X")).supportsExpansion == false)
        #expect(Instruction.workdir(WorkdirInstruction(path: "$X")).supportsExpansion)
    }

    @Test func runMountValuesAreExpanded() throws {
        let node = try expanded("RUN --mount=type=cache,target=$CACHE,id=${ID:-default} --network=none make", env: ["CACHE": "/root/.cache"])
        let mount = try #require(node.run?.mounts.first).resolved()
        #expect(mount.target == "/root/.cache")
        #expect(mount.id == "default")
        #expect(node.run?.command == .shell("make"))
    }

    @Test func mountValidationHappensAtResolution() throws {
        let run = try #require(try command("FROM a\nRUN --mount=type=$T,target=/x,mode=0700 x").run)
        let identity: (String) throws -> String = { $0 == "$T" ? "secret" : $0 }
        #expect(try run.mounts[0].resolved(identity).mode == 0o700)
        #expect(throws: HoistError.self) { try run.mounts[0].resolved() }  // "$T" is not a mount type
        func failure(_ spec: String) -> String? {
            do {
                let r = try command("FROM a\nRUN --mount=\(spec) x").run
                _ = try r?.mounts.first?.resolved()
                return nil
            } catch let e as HoistError {
                return e.message
            } catch {
                return "\(error)"
            }
        }
        #expect(failure("type=nfs") == "unsupported mount type \"nfs\"")
        #expect(failure("type=bind,mode=0755,target=/x") == "mode not allowed for \"bind\" type mounts")
        #expect(failure("type=tmpfs,uid=1,target=/x") == "uid not allowed for \"tmpfs\" type mounts")
        #expect(failure("type=bind,sharing=locked,target=/x") == "invalid cache sharing set for bind mount")
        #expect(failure("type=cache,sharing=weird,target=/x") == "unsupported sharing value \"weird\"")
        #expect(failure("type=secret") == "invalid secret mount. one of source, target required")
        #expect(failure("type=secret,from=x,id=a") == "secret mount should not have a from")
        #expect(failure("type=secret,id=a,src=b") == "both source and id can't be set")
        #expect(failure("target=/x,required") == "unexpected key 'required' for mount type 'bind'")
        #expect(failure("target=/x,bogus") == "invalid field 'bogus' must be a key=value pair")
        #expect(failure("target=/x,colour=red") == "unexpected key 'colour' in 'colour=red'")
        #expect(failure("target=/x,ro=maybe") == "invalid value for ro: maybe")
        #expect(failure("type=cache,target=/x,uid=abc") == "invalid value abc for uid")
        let secret = try #require(try command("FROM a\nRUN --mount=type=secret,id=tok,env=TOKEN,required x").run).mounts[0].resolved()
        #expect(secret.type == .secret && secret.required && secret.env == "TOKEN" && secret.readOnly)
    }

    @Test func fromUsesGlobalArgsAndRefusesBlankBase() throws {
        let df = try parse("ARG TAG=3.19\nFROM alpine:${TAG}\nFROM ${NOTHING}")
        var args = BuildArgs()
        for node in df.metaArgs { try args.declareGlobal(node, expander: lexer) }
        let first = try df.stages[0].fromNode.expanded(using: lexer, env: args.globalEnvironment)
        #expect(first.from?.image == "alpine:3.19")
        #expect {
            try df.stages[1].fromNode.expanded(using: lexer, env: args.globalEnvironment)
        } throws: { error in
            (error as? HoistError)?.message == "Dockerfile:3: base name (${NOTHING}) should not be blank"
        }
    }

    @Test func expansionErrorsNameTheLine() throws {
        let node = try #require(try commands("FROM a\n\nWORKDIR ${X:?must be set}").first)
        #expect {
            try node.expanded(using: lexer, env: [:], fileName: "app/Dockerfile")
        } throws: { error in
            let e = error as? HoistError
            return e?.message == "app/Dockerfile:3: failed to process \"${X:?must be set}\": X: must be set"
                && e?.dockerfileError?.location == SourceRange(line: 3)
        }
    }

    @Test func escapeDirectiveDrivesTheExpander() throws {
        let df = try parse(Corpus.windowsEscape)
        let env = df.stages[0].commands[4]
        let result = try env.expanded(using: ShellWordExpander(escape: df.escapeToken), env: [:])
        #expect(result.env?.pairs.map(\.value) == ["C:\\app", "C:\\logs"])
        // With the default escape the backslashes would be eaten.
        #expect(try env.expanded(using: ShellWordExpander(), env: [:]).env?.pairs.map(\.value) == ["C:app", "C:logs"])
    }

    // MARK: ARG scoping (Docker's reference examples, through the corpus file)

    /// Walks the argScoping corpus as a builder would and records what each RUN/ENV sees.
    func walkArgScoping(options: [String: String?]) throws -> (from: [String], runEnv: [[String: String]], both: String?, args: BuildArgs) {
        let df = try parse(Corpus.argScoping)
        var args = BuildArgs(options: options)
        for node in df.metaArgs { try args.declareGlobal(node, expander: lexer) }
        var froms: [String] = []
        var runEnvs: [[String: String]] = []
        var both: String?
        for stage in df.stages {
            froms.append(try #require(try stage.fromNode.expanded(using: lexer, env: args.globalEnvironment).from).image)
            args.beginStage()
            var env: [String: String] = [:]
            for node in stage.commands {
                let step = try node.expanded(using: lexer, env: args.expansionEnvironment(env: env))
                switch step.instruction {
                case .arg(let arg): args.declare(arg)
                case .env(let e): for p in e.pairs { env[p.key] = p.value }
                case .run: runEnvs.append(args.runEnvironment(env: env))
                default: break
                }
            }
            both = env["BOTH"] ?? both
        }
        return (froms, runEnvs, both, args)
    }

    @Test func argScopingWithDefaults() throws {
        let r = try walkArgScoping(options: [:])
        #expect(r.from == ["busybox:latest", "busybox"])
        // Stage 1: CODE_VERSION redeclared (global value), USER declared; then ENV USER wins.
        #expect(r.runEnv[0] == ["CODE_VERSION": "latest", "USER": "some_user"])
        #expect(r.runEnv[1] == ["CODE_VERSION": "latest"])
        // Stage 2: nothing carried over from stage 1 or from the globals.
        #expect(r.runEnv[2] == [:])
        #expect(r.both == "|a b|none")
    }

    @Test func argScopingWithBuildArgs() throws {
        let r = try walkArgScoping(options: ["CODE_VERSION": "1.2", "USER": "bob", "EMPTY": "set",
                                             "HTTP_PROXY": "http://proxy:3128", "UNUSED": "x", "NOVALUE": nil])
        #expect(r.from == ["busybox:1.2", "busybox"])
        #expect(r.runEnv[0] == ["CODE_VERSION": "1.2", "USER": "bob", "HTTP_PROXY": "http://proxy:3128"])
        // The proxy arg is available without ARG; an undeclared one is not.
        #expect(r.runEnv[2] == ["HTTP_PROXY": "http://proxy:3128"])
        #expect(r.both == "bob|a b|set")
        #expect(r.args.unusedOptions == ["NOVALUE", "UNUSED"])
        #expect(BuildArgs.unusedWarning(r.args.unusedOptions) == "[Warning] One or more build-args [NOVALUE UNUSED] were not consumed")
        #expect(BuildArgs.unusedWarning([]) == nil)
    }

    @Test func globalArgsChainAndAutomaticArgs() throws {
        let df = try parse("ARG BASE=alpine\nARG IMAGE=${BASE}:3.19\nARG ARCH=$TARGETARCH\nFROM --platform=$BUILDPLATFORM $IMAGE\nARG TARGETARCH\nARG ARCH")
        var args = BuildArgs(options: ["BASE": "debian"], automatic: ["TARGETARCH": "arm64", "BUILDPLATFORM": "linux/amd64"])
        for node in df.metaArgs { try args.declareGlobal(node, expander: lexer) }
        let from = try #require(try df.stages[0].fromNode.expanded(using: lexer, env: args.globalEnvironment).from)
        #expect(from.image == "debian:3.19")
        #expect(from.platform == "linux/amd64")
        args.beginStage()
        #expect(args.value(of: "TARGETARCH") == nil)  // automatic args need an ARG in the stage
        for node in df.stages[0].commands {
            if case .arg(let a) = try node.expanded(using: lexer, env: args.expansionEnvironment(env: [:])).instruction {
                args.declare(a)
            }
        }
        #expect(args.value(of: "TARGETARCH") == "arm64")
        #expect(args.value(of: "ARCH") == "arm64")
        #expect(args.expansionEnvironment(env: ["ARCH": "env wins"])["ARCH"] == "env wins")
    }

    @Test func stageArgDefaultsExpandWithEarlierArgsAndEnv() throws {
        var args = BuildArgs()
        args.beginStage()
        let first = try command("FROM a\nARG A=1").expanded(using: lexer, env: args.expansionEnvironment(env: [:]))
        args.declare(try #require(first.arg))
        let second = try command("FROM a\nARG B=$A-$HOME").expanded(using: lexer, env: args.expansionEnvironment(env: ["HOME": "/root"]))
        args.declare(try #require(second.arg))
        #expect(args.value(of: "B") == "1-/root")
        #expect(args.runEnvironment(env: ["A": "from env"]) == ["B": "1-/root"])
    }
}
