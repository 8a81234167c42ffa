import Testing
@testable import HoistDockerfile

/// The corpus files parse as Docker parses them (see Corpus/).
@Suite struct CorpusTests {
    @Test func nodeMultiStage() throws {
        let df = try parse(Corpus.nodeMultiStage)
        #expect(df.directives.syntax == "docker/dockerfile:1.7")
        #expect(df.escapeToken == "\\")
        #expect(df.metaArgs.map(\.location.startLine) == [2, 3])
        #expect(df.metaArgs.first?.arg?.declarations == [ArgDeclaration(name: "NODE_VERSION", defaultValue: "20.11")])
        #expect(df.stages.map(\.name) == ["deps", "build", nil])
        #expect(df.stage(named: "BUILD")?.index == 1)
        #expect(df.stage(named: "2")?.from.image == "nginx:1.25-alpine")
        #expect(df.stages[0].from == FromInstruction(image: "node:${NODE_VERSION}-alpine${ALPINE}", stageName: "deps"))
        #expect(df.stages[0].fromNode.comments == ["---- dependencies ----"])
        #expect(df.stages[0].fromNode.location == SourceRange(line: 6))

        let deps = df.stages[0].commands
        #expect(deps.map(\.instruction.name) == ["WORKDIR", "COPY", "RUN"])
        #expect(deps[1].copy == CopyInstruction(sources: ["package.json", "package-lock.json"], destination: "./"))
        let run = try #require(deps[2].run)
        #expect(deps[2].location == SourceRange(startLine: 9, endLine: 10))
        #expect(deps[2].flags == ["--mount=type=cache,target=/root/.npm"])
        #expect(run.command == .shell("npm ci --omit=dev"))
        #expect(run.mounts.map(\.raw) == ["type=cache,target=/root/.npm"])
        let mount = try run.mounts[0].resolved()
        #expect(mount.type == .cache && mount.target == "/root/.npm" && !mount.readOnly)

        let build = df.stages[1].commands
        #expect(build.map(\.instruction.name) == ["WORKDIR", "COPY", "COPY", "ARG", "ENV", "RUN"])
        #expect(build[1].copy?.from == "deps")
        #expect(build[4].env?.pairs == [KeyValuePair(key: "NODE_ENV", value: "$NODE_ENV")])

        let final = df.stages[2].commands
        #expect(final.map(\.instruction.name) == ["LABEL", "COPY", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "CMD"])
        #expect(final[0].label?.pairs == [
            KeyValuePair(key: "org.opencontainers.image.title", value: "\"web frontend\""),
            KeyValuePair(key: "org.opencontainers.image.source", value: "https://example.com/web.git"),
        ])
        #expect(final[0].location == SourceRange(startLine: 21, endLine: 22))
        #expect(final[1].copy == CopyInstruction(sources: ["/app/dist"], destination: "/usr/share/nginx/html",
                                                  from: "build", chown: "nginx:nginx", chmod: "0644"))
        #expect(final[2].expose?.ports == ["80"])
        #expect(final[3].healthcheck == HealthcheckInstruction(
            test: ["CMD-SHELL", "wget -qO- http://localhost/ || exit 1"],
            interval: 30 * second, timeout: 3 * second, startPeriod: 5 * second, retries: 3))
        #expect(final[4].stopSignal?.signal == "SIGQUIT")
        #expect(final[5].cmd == .exec(["nginx", "-g", "daemon off;"]))
        #expect(final[5].location == SourceRange(line: 28))
        #expect(df.instructions.count == 2 + (1 + 3) + (1 + 6) + (1 + 6))
    }

    @Test func pythonServiceJoinsContinuationsAndSkipsCommentLines() throws {
        let df = try parse(Corpus.pythonService)
        let c = try #require(df.stages.first).commands
        #expect(c.map(\.instruction.name) == ["ENV", "RUN", "WORKDIR", "COPY", "RUN", "COPY", "RUN", "USER",
                                               "VOLUME", "EXPOSE", "ENTRYPOINT", "CMD"])
        #expect(c[0].env?.pairs.map(\.key) == ["PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR"])
        #expect(c[0].env?.pairs.map(\.value) == ["1", "1", "off"])
        #expect(c[0].location == SourceRange(startLine: 3, endLine: 5))
        // Continuation lines keep their indentation; the comment line disappears.
        let expected = "set -eux;     apt-get update;     apt-get install -y --no-install-recommends"
            + "         build-essential         libpq-dev     ;     rm -rf /var/lib/apt/lists/*"
        #expect(c[1].run?.command == .shell(expected))
        #expect(c[1].location == SourceRange(startLine: 7, endLine: 14))
        #expect(c[1].code == "RUN " + expected)
        #expect(c[2].workdir?.path == "/srv/app")
        #expect(c[7].user?.user == "app:app")
        #expect(c[8].volume?.paths == ["/srv/app/media"])
        #expect(c[10].entrypoint == .exec(["gunicorn", "--bind", "0.0.0.0:8000"]))
        #expect(c[11].location == SourceRange(line: 25))
        #expect(df.warnings.isEmpty)
    }

    @Test func goStaticHasMountsAndPlatform() throws {
        let df = try parse(Corpus.goStatic)
        #expect(df.metaArgs.isEmpty)
        #expect(df.stages[0].from == FromInstruction(image: "golang:1.22-bookworm", stageName: "builder", platform: "$BUILDPLATFORM"))
        #expect(df.stages[1].from == FromInstruction(image: "scratch"))
        let c = df.stages[0].commands
        #expect(c[0].arg?.declarations == [ArgDeclaration(name: "TARGETOS"), ArgDeclaration(name: "TARGETARCH")])
        #expect(c[1].arg?.declarations == [ArgDeclaration(name: "VERSION", defaultValue: "dev")])
        let run = try #require(c[3].run)
        #expect(c[3].location == SourceRange(startLine: 5, endLine: 9))
        #expect(run.mounts.count == 3)
        #expect(run.command == .shell("CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH     go build -ldflags \"-s -w -X main.version=${VERSION}\" -o /out/app ./cmd/app"))
        let bind = try run.mounts[2].resolved()
        #expect(bind.type == .bind && bind.source == "." && bind.target == "/src" && !bind.readOnly)
        #expect(run.mounts[2].fields.last == RunMount.Field(key: "rw", value: nil))
        #expect(df.stages[1].commands.map(\.copy?.from) == ["builder", "builder", nil, nil])
        #expect(df.stages[1].commands[3].entrypoint == .exec(["/app"]))
    }

    @Test func windowsEscapeDirective() throws {
        let df = try parse(Corpus.windowsEscape)
        #expect(df.escapeToken == "`")
        #expect(df.directives.entries == [ParserDirectives.Entry(name: "escape", value: "`", line: 1)])
        let c = df.stages[0].commands
        #expect(c[0].shell?.shell == ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"])
        #expect(c[1].run?.command == .shell("New-Item -ItemType Directory C:\\app ;     Write-Host 'created'"))
        #expect(c[1].location == SourceRange(startLine: 5, endLine: 6))
        #expect(c[2].workdir?.path == "C:\\app")
        // A trailing backslash is not a continuation when the escape is a backtick.
        #expect(c[3].copy?.destination == "C:\\app\\")
        #expect(c[4].env?.pairs == [KeyValuePair(key: "APP_HOME", value: "C:\\app"), KeyValuePair(key: "LOG_DIR", value: "C:\\logs")])
        #expect(c[5].cmd == .exec(["C:\\app\\server.exe"]))
    }

    @Test func legacyBaseLowercaseAndOldForms() throws {
        let df = try parse(Corpus.legacyBase)
        let from = df.stages[0].fromNode
        #expect(from.keyword == "from")
        let c = df.stages[0].commands
        #expect(c.map(\.keyword) == ["maintainer", "env", "Env", "label", "volume", "expose", "onbuild", "onbuild",
                                      "stopsignal", "user", "workdir"])
        #expect(c[0].maintainer?.maintainer == "Jane Doe <jane@example.com>")
        #expect(c[1].env?.pairs == [KeyValuePair(key: "APP_HOME", value: "/opt/my app", legacySyntax: true)])
        #expect(c[2].env?.pairs == [KeyValuePair(key: "PATH", value: "$APP_HOME/bin:$PATH", legacySyntax: true)])
        #expect(c[3].label?.pairs.map(\.value) == ["\"1.0\"", "\"A base image\"", "ACME"])
        #expect(c[4].volume?.paths == ["/data", "/logs"])
        #expect(c[5].expose?.ports == ["443", "53/udp", "8080/tcp"])
        #expect(c[6].onbuild == OnbuildInstruction(expression: "ADD . /app/src", triggerName: "ADD"))
        #expect(c[7].onbuild?.expression == "RUN cd /app/src && make")
        #expect(c[10].workdir?.path == "$APP_HOME")
        let trigger = try DockerfileParser.parseTrigger(try #require(c[6].onbuild).expression)
        #expect(trigger.add == AddInstruction(sources: ["."], destination: "/app/src"))
    }

    @Test func heredocs() throws {
        let df = try parse(Corpus.heredocs)
        let c = df.stages[0].commands
        #expect(c.map(\.instruction.name) == ["ENV", "RUN", "RUN", "RUN", "COPY", "COPY", "COPY", "RUN", "RUN", "RUN", "CMD"])

        let plain = try #require(c[1].run)
        #expect(c[1].location == SourceRange(startLine: 4, endLine: 7))
        #expect(plain.command == .shell("<<EOF"))
        #expect(plain.heredocs == [Heredoc(name: "EOF", rawContent: "apk add --no-cache curl\necho \"$GREETING\" > /greeting\n")])
        #expect(plain.heredocExecution == .shellCommand("apk add --no-cache curl\necho \"$GREETING\" > /greeting\n"))

        let chomped = try #require(c[2].run)
        #expect(c[2].location == SourceRange(startLine: 8, endLine: 11))
        #expect(chomped.heredocs.first?.chomp == true)
        #expect(chomped.heredocs.first?.rawContent == "\techo indented\n\t\techo twice\n")
        #expect(chomped.heredocExecution == .shellCommand("echo indented\necho twice\n"))

        let python = try #require(c[3].run)
        #expect(python.heredocs == [Heredoc(name: "PY", expand: false, rawContent: "print(\"no $EXPANSION here\")\n")])
        #expect(python.heredocExecution == .shellWithHeredocs("python3 <<'PY'\nprint(\"no $EXPANSION here\")\nPY"))

        #expect(c[4].copy == CopyInstruction(sources: [], sourceContents: [
            SourceContent(path: "EOF", data: "Welcome, $GREETING\n", expand: true)], destination: "/etc/motd"))
        #expect(c[5].copy?.sourceContents == [SourceContent(path: "CONF", data: "key = $NOT_EXPANDED\n", expand: false)])
        #expect(c[6].copy?.sourceContents == [SourceContent(path: "one.txt", data: "first\n", expand: true),
                                              SourceContent(path: "two.txt", data: "second\n", expand: true)])
        #expect(c[6].copy?.destination == "/srv/")
        #expect(c[6].location == SourceRange(startLine: 21, endLine: 25))

        let fd = try #require(c[7].run)
        #expect(fd.heredocs.first?.fileDescriptor == 3)
        #expect(fd.heredocExecution == .shellWithHeredocs("3<<EOF cat /dev/fd/3\nfrom fd three\nEOF"))

        let script = try #require(c[8].run)
        #expect(script.mounts.map(\.raw) == ["type=secret,id=token"])
        #expect(script.heredocExecution == .scriptFile(name: "EOF", content: "#!/bin/sh\nset -e\ncat /run/secrets/token\n"))
        #expect(c[8].location == SourceRange(startLine: 29, endLine: 33))

        #expect(c[9].run == RunInstruction(command: .exec(["echo", "<<NOT-A-HEREDOC"])))
        #expect(c[10].location == SourceRange(line: 35))
    }

    @Test func argScopingFileShape() throws {
        let df = try parse(Corpus.argScoping)
        #expect(df.metaArgs.count == 2)
        #expect(df.stages.map(\.from.image) == ["${BASE}:${CODE_VERSION}", "${BASE}"])
        #expect(df.stages[1].commands[3].arg?.declarations == [ArgDeclaration(name: "QUOTED", defaultValue: "\"a b\"")])
        #expect(df.stages[1].commands[2].arg?.declarations == [ArgDeclaration(name: "EMPTY", defaultValue: "")])
    }

    @Test func jsonQuirks() throws {
        let c = try parse(Corpus.jsonQuirks).stages[0].commands
        #expect(c[0].cmd == .exec(["echo", "hello world"]))
        #expect(c[1].run?.command == .shell("[\"sh\", \"-c\", \"echo a\"] trailing words make this shell form"))
        #expect(c[2].run?.command == .shell("[not json]"))
        #expect(c[3].entrypoint == .exec([]))
        #expect(c[4].volume?.paths == ["/a", "/b c"])
        #expect(c[5].copy == CopyInstruction(sources: ["file with spaces.txt"], destination: "/dest dir/"))
        #expect(c[6].shell?.shell == ["/bin/bash", "-o", "pipefail", "-c"])
        #expect(c[7].run?.command == .exec(["echo", "\u{e9}\t\"q\""]))
        #expect(c[8].cmd == .shell("echo \"shell form\" && exit 0"))
    }

    @Test func healthchecks() throws {
        let c = try parse(Corpus.healthchecks).stages[0].commands
        #expect(c[0].healthcheck?.isNone == true)
        #expect(c[1].healthcheck == HealthcheckInstruction(
            test: ["CMD", "redis-cli", "ping"], interval: 90 * second, timeout: 500_000_000,
            startPeriod: 2 * second, startInterval: 1 * second, retries: 5))
        #expect(c[2].healthcheck == HealthcheckInstruction(test: ["CMD-SHELL", "redis-cli ping || exit 1"]))
        #expect(c[3].healthcheck == HealthcheckInstruction(test: ["CMD-SHELL", "true"]))
    }

    @Test func addVariants() throws {
        let c = try parse(Corpus.addVariants).stages[0].commands
        #expect(c[0].add == AddInstruction(sources: ["https://example.com/releases/tool-1.2.3.tar.gz"], destination: "/opt/"))
        #expect(c[1].add?.checksum == "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d")
        #expect(c[2].add == AddInstruction(sources: ["https://github.com/example/repo.git#v1.0"], destination: "/src", keepGitDir: true))
        #expect(c[3].add == AddInstruction(sources: ["rootfs.tar.xz"], destination: "/", chown: "1000:1000",
                                           chmod: "755", link: true))
        #expect(c[4].add?.unpack == false)
        #expect(c[0].add?.unpack == nil)
        #expect(c[5].add?.sources == ["*.conf"])
    }

    @Test func crlfBomCommentsAndEmptyContinuationLines() throws {
        let df = try parse(Corpus.crlfAndWarnings)
        #expect(df.stages[0].from.image == "alpine")
        let c = df.stages[0].commands
        #expect(c[0].run?.command == .shell("echo one   two"))
        #expect(c[0].location == SourceRange(startLine: 3, endLine: 6))
        #expect(c[1].label?.pairs == [KeyValuePair(key: "a", value: "b")])
        #expect(c[1].location == SourceRange(line: 7))
        #expect(df.warnings == [ParseWarning(message: "Empty continuation line found in: RUN echo one   two", line: 6)])
    }
}
