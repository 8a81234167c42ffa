import Testing
@testable import HoistDockerfile

/// Lexical behaviour of the first stage: directives, comments, continuations, flags, heredocs.
@Suite struct ParserTests {
    // MARK: directives

    @Test func directivesAreRecordedAndCaseInsensitive() throws {
        let df = try parse("# syntax = docker/dockerfile:1 \n#ESCAPE=`\n# check=skip=all;error=true\nFROM a")
        #expect(df.directives.syntax == "docker/dockerfile:1")
        #expect(df.directives.check == "skip=all;error=true")
        #expect(df.escapeToken == "`")
        #expect(df.directives.entries.map(\.line) == [1, 2, 3])
    }

    @Test(arguments: [
        "FROM a\n# escape=`\nRUN a \\\n b",        // after an instruction: a comment
        "\n# escape=`\nFROM a\nRUN a \\\n b",      // after an empty line
        "# hello\n# escape=`\nFROM a\nRUN a \\\n b", // after a plain comment
        "# foo=bar\n# escape=`\nFROM a\nRUN a \\\n b", // after an unknown directive
    ])
    func directivesOnlyAtTheTop(_ text: String) throws {
        let df = try parse(text)
        #expect(df.escapeToken == "\\")
        #expect(df.stages[0].commands.last?.run?.command == .shell("a  b"))
    }

    @Test func leadingWhitespaceBeforeDirectiveIsAccepted() throws {
        #expect(try parse("   # escape=`\nFROM a").escapeToken == "`")
    }

    @Test func backtickEscapeContinuesLines() throws {
        let c = try command("# escape=`\nFROM a\nRUN echo a `\n  b")
        #expect(c.run?.command == .shell("echo a   b"))
    }

    // MARK: comments and blank lines

    @Test func commentsOnlyAtLineStart() throws {
        let c = try commands("FROM a\n  # indented comment\nRUN echo hi # not a comment\n\n\n# trailing")
        #expect(c.count == 1)
        #expect(c[0].run?.command == .shell("echo hi # not a comment"))
        #expect(c[0].location == SourceRange(line: 3))
        #expect(c[0].comments == ["indented comment"])
    }

    @Test func commentsAboveAnInstructionAreCollected() throws {
        let df = try parse("# first\n# second\nFROM a\n#\n# reset above\nARG X")
        #expect(df.stages[0].fromNode.comments == ["first", "second"])
        #expect(df.stages[0].commands[0].comments == ["reset above"])
    }

    @Test func indentedInstructionsAndKeywordCase() throws {
        let df = try parse("   fRoM   busybox   AS   Base  \n\tRun   echo  x  ")
        #expect(df.stages[0].fromNode.keyword == "fRoM")
        #expect(df.stages[0].name == "base")
        #expect(df.stages[0].commands[0].run?.command == .shell("echo  x"))
        #expect(df.stages[0].commands[0].code == "Run   echo  x")
    }

    // MARK: continuations

    @Test func continuationRules() throws {
        // Trailing spaces/tabs after the escape still continue.
        #expect(try command("FROM a\nRUN a \\ \t\n b").run?.command == .shell("a  b"))
        // An escaped escape at the end does not continue.
        #expect(try commands("FROM a\nRUN a \\\\\nRUN b").count == 2)
        // Comment and blank lines inside a continuation are skipped.
        let c = try command("FROM a\nRUN a \\\n# c1\n   # c2\n\n   \n b")
        #expect(c.run?.command == .shell("a  b"))
        #expect(c.location == SourceRange(startLine: 2, endLine: 7))
        // A line made only of the escape continues onto the next.
        #expect(try command("FROM a\nRUN a\\\n\\\n b").run?.command == .shell("a b"))
        // Continuation at end of file.
        #expect(try command("FROM a\nRUN a \\").run?.command == .shell("a"))
    }

    @Test func emptyContinuationLineWarns() throws {
        let df = try parse("FROM a\nRUN a \\\n\n b")
        #expect(df.warnings == [ParseWarning(message: "Empty continuation line found in: RUN a  b", line: 4)])
    }

    @Test func crlfAndBom() throws {
        let df = try parse("\u{FEFF}# escape=`\r\nFROM a\r\nRUN a `\r\n b\r\n")
        #expect(df.escapeToken == "`")
        #expect(df.stages[0].commands[0].run?.command == .shell("a  b"))
    }

    // MARK: flags

    @Test func flagsAreExtractedOnlyBeforeArguments() throws {
        let c = try command("FROM a\nCOPY --chown=\"app user\" --link 'with space' /dst/")
        #expect(c.flags == ["--chown=app user", "--link"])
        #expect(c.copy == CopyInstruction(sources: ["'with", "space'"], destination: "/dst/", chown: "app user", link: true))
        let r = try command("FROM a\nRUN echo --mount=x")
        #expect(r.flags.isEmpty)
        #expect(r.run?.command == .shell("echo --mount=x"))
    }

    @Test func doubleDashEndsFlags() throws {
        let c = try command("FROM a\nRUN --network=none -- --not-a-flag")
        #expect(c.flags == ["--network=none"])
        #expect(c.run == RunInstruction(command: .shell("--not-a-flag"), network: "none"))
    }

    @Test func boolFlagForms() throws {
        let c = try commands("FROM a\nCOPY --link=false a b\nCOPY --link=TRUE a b\nCOPY --link a b")
        #expect(c.map { $0.copy?.link } == [false, true, true])
    }

    @Test func runFlags() throws {
        let r = try command("FROM a\nRUN --mount=type=bind,from=build,source=/out,target=/in --mount=type=tmpfs,target=/tmp --network=host --security=insecure make")
        let run = try #require(r.run)
        #expect(run.network == "host")
        #expect(run.security == "insecure")
        let mounts = try run.mounts.map { try $0.resolved() }
        #expect(mounts[0].from == "build" && mounts[0].readOnly && mounts[0].source == "/out")
        #expect(mounts[1].type == .tmpfs && !mounts[1].readOnly)
    }

    // MARK: JSON / shell forms

    @Test(arguments: [
        ("CMD [\"a\",\"b\"]", CommandForm.exec(["a", "b"])),
        ("CMD   [ ]", .exec([])),
        ("CMD [\"a\" \"b\"]", .shell("[\"a\" \"b\"]")),        // invalid JSON: shell form
        ("CMD ['a']", .shell("['a']")),                        // single quotes are not JSON
        ("CMD [\"a\"] && b", .shell("[\"a\"] && b")),          // trailing text: shell form
        ("CMD [\"a\\u0041\\n\"]", .exec(["aA\n"])),
        ("CMD [\"\\ud83d\\ude00\"]", .exec(["\u{1F600}"])),
        ("CMD echo [\"a\"]", .shell("echo [\"a\"]")),
        ("CMD", CommandForm(arguments: [], prependShell: true)),
    ])
    func commandForms(_ line: String, _ expected: CommandForm) throws {
        #expect(try command("FROM a\n" + line).cmd == expected)
    }

    @Test func argumentsOfShellFormAreKeptVerbatim() throws {
        #expect(try command("FROM a\nENTRYPOINT exec   /bin/app  \"$@\"").entrypoint == .shell("exec   /bin/app  \"$@\""))
        #expect(try command("FROM a\nRUN").run?.command == CommandForm(arguments: [], prependShell: true))
    }

    // MARK: heredocs

    @Test func heredocMarkers() throws {
        #expect(try Heredoc.parseMarker("<<EOF") == Heredoc(name: "EOF"))
        #expect(try Heredoc.parseMarker("<<-EOF") == Heredoc(name: "EOF", chomp: true))
        #expect(try Heredoc.parseMarker("<<'EOF'") == Heredoc(name: "EOF", expand: false))
        #expect(try Heredoc.parseMarker("<<\"EOF\"") == Heredoc(name: "EOF", expand: false))
        #expect(try Heredoc.parseMarker("<<E\"O\"F") == Heredoc(name: "EOF", expand: false))
        #expect(try Heredoc.parseMarker("12<<EOF") == Heredoc(name: "EOF", fileDescriptor: 12))
        for notOne in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "a<<EOF", "<<A B"] {
            #expect(try Heredoc.parseMarker(notOne) == nil, "\(notOne)")
        }
        for broken in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            #expect(throws: DetailError.self) { try Heredoc.parseMarker(broken) }
        }
    }

    @Test func heredocsFromLine() throws {
        #expect(try Heredoc.markers(inLine: "RUN <<EOF <<-EOF2 4<<'X'").map(\.name) == ["EOF", "EOF2", "X"])
        #expect(try Heredoc.markers(inLine: "RUN '<<EOF'").isEmpty)
        #expect(try Heredoc.markers(inLine: "RUN \"<<EOF\"").isEmpty)
        #expect(try Heredoc.markers(inLine: "RUN echo 'unbalanced <<EOF").isEmpty)
    }

    @Test func heredocBodyIsNotParsedAsInstructions() throws {
        let c = try commands("FROM a\nRUN <<EOF\nFROM b\n# not a comment \\\nEOF\nRUN <<-E\n\t\tx\n\t\tE\nRUN <<EOF\r\ncrlf\r\nEOF\r\nRUN <<EOF\nEOF")
        #expect(c.count == 4)
        #expect(c[0].run?.heredocs.first?.rawContent == "FROM b\n# not a comment \\\n")
        #expect(c[1].run?.heredocs.first?.content == "x\n")
        #expect(c[2].run?.heredocs.first?.rawContent == "crlf\r\n")
        #expect(c[3].run?.heredocs.first?.rawContent == "")
        #expect(c[3].location == SourceRange(startLine: 12, endLine: 13))
    }

    @Test func heredocOnlyForRunCopyAddInShellForm() throws {
        // USER cannot carry a heredoc: the next line is an (unknown) instruction.
        #expect(errorMessage("FROM a\nUSER <<X\nX") == "Dockerfile:3: unknown instruction: X")
        // Exec form: no heredoc, the terminator line is parsed as an instruction.
        #expect(errorMessage("FROM a\nRUN [\"<<EOF\"]\nEOF") == "Dockerfile:3: unknown instruction: EOF (did you mean ENV?)")
        let add = try command("FROM a\nADD <<hello.txt /dst/\nhi\nhello.txt")
        #expect(add.add?.sourceContents == [SourceContent(path: "hello.txt", data: "hi\n", expand: true)])
    }

    @Test func heredocThroughOnbuild() throws {
        let c = try command("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF")
        #expect(c.location == SourceRange(startLine: 2, endLine: 4))
        let expression = try #require(c.onbuild?.expression)
        #expect(expression == "RUN <<EOF\necho hi\nEOF")
        let trigger = try DockerfileParser.parseTrigger(expression)
        #expect(trigger.run?.heredocs == [Heredoc(name: "EOF", rawContent: "echo hi\n")])
    }

    @Test func onbuildKeepsTriggerText() throws {
        let c = try command("FROM a\n  onbuild   COPY --from=x  a  b")
        #expect(c.onbuild == OnbuildInstruction(expression: "COPY --from=x  a  b", triggerName: "COPY"))
        // Docker checks the trigger only when it fires.
        #expect(try command("FROM a\nONBUILD COPY onlyone").onbuild?.triggerName == "COPY")
        #expect(throws: Error.self) { try DockerfileParser.parseTrigger("COPY onlyone") }
        #expect(throws: Error.self) { try DockerfileParser.parseTrigger("FROM x") }
        #expect(throws: Error.self) { try DockerfileParser.parseTrigger("RUN a\nRUN b") }
    }

    // MARK: per-instruction argument shapes

    @Test func envForms() throws {
        let c = try commands(#"""
            FROM a
            ENV A=1 B="two words" C=three\ words D= E=""
            ENV LEGACY value with  spaces
            ENV Q='single $quoted' R=a=b
            """#)
        #expect(c[0].env?.pairs == [
            KeyValuePair(key: "A", value: "1"), KeyValuePair(key: "B", value: "\"two words\""),
            KeyValuePair(key: "C", value: "three\\ words"), KeyValuePair(key: "D", value: ""),
            KeyValuePair(key: "E", value: "\"\""),
        ])
        #expect(c[1].env?.pairs == [KeyValuePair(key: "LEGACY", value: "value with  spaces", legacySyntax: true)])
        #expect(c[2].env?.pairs == [KeyValuePair(key: "Q", value: "'single $quoted'"), KeyValuePair(key: "R", value: "a=b")])
    }

    @Test func argForms() throws {
        let df = try parse("ARG A B=2 C=\"x y\" D=\nFROM a")
        #expect(df.metaArgs[0].arg?.declarations == [
            ArgDeclaration(name: "A"), ArgDeclaration(name: "B", defaultValue: "2"),
            ArgDeclaration(name: "C", defaultValue: "\"x y\""), ArgDeclaration(name: "D", defaultValue: ""),
        ])
    }

    @Test func fromForms() throws {
        let df = try parse("FROM --platform=linux/arm64 a AS one\nFROM one as two\nFROM scratch\nFROM b As x.y-z_1")
        #expect(df.stages.map(\.name) == ["one", "two", nil, "x.y-z_1"])
        #expect(df.stages[0].from.platform == "linux/arm64")
        #expect(df.stage(named: "TWO")?.from.image == "one")
        #expect(df.stage(named: "3")?.index == 3)
        #expect(df.stage(named: "nope") == nil)
    }

    @Test func workdirAndUserTakeTheWholeRest() throws {
        let c = try commands("FROM a\nWORKDIR /my dir/x\nUSER  1000 : 1000 ")
        #expect(c[0].workdir?.path == "/my dir/x")
        #expect(c[1].user?.user == "1000 : 1000")
    }

    @Test func stopsignalAndArgIgnoreFlagsLikeDocker() throws {
        #expect(try command("FROM a\nSTOPSIGNAL --x=1 9").stopSignal?.signal == "9")
        #expect(try command("FROM a\nARG --x=1 A").arg?.declarations == [ArgDeclaration(name: "A")])
        #expect(try command("FROM a\nHEALTHCHECK --whatever NONE").healthcheck?.isNone == true)
    }

    @Test func instructionsInFileOrderWithMetaArgs() throws {
        let df = try parse("ARG A\nFROM a\nRUN x\nFROM b\nARG B")
        #expect(df.instructions.map(\.instruction.name) == ["ARG", "FROM", "RUN", "FROM", "ARG"])
        #expect(df.instructions.map(\.location.startLine) == [1, 2, 3, 4, 5])
        #expect(df.stages[1].commands[0].arg != nil)
    }

    @Test func stageLookupFollowsDocker() throws {
        let df = try parse("FROM a AS x\nFROM b AS y\nFROM c AS X\nFROM d")
        #expect(df.stage(named: "x")?.index == 2)              // the last stage with the name
        #expect(df.stage(named: "x", before: 2)?.index == 0)   // only earlier stages
        #expect(df.stage(named: "y", before: 1) == nil)
        #expect(df.stage(named: "3", before: 3) == nil)
        #expect(df.stage(named: "1", before: 3)?.from.image == "b")
    }

    @Test func sourceTextOfAnInstruction() throws {
        let df = try parse("\u{FEFF}FROM a\r\nRUN one \\\r\n  two\r\nCOPY <<EOF /x\nbody\nEOF\n")
        let run = df.stages[0].commands[0]
        #expect(df.sourceText(of: run.location) == "RUN one \\\n  two")
        #expect(df.sourceText(of: df.stages[0].commands[1].location) == "COPY <<EOF /x\nbody\nEOF")
        #expect(df.sourceText(of: SourceRange(line: 1)) == "FROM a")
        #expect(df.sourceText(of: SourceRange(line: 99)) == "")
    }

    @Test func fileNameIsKept() throws {
        #expect(try parse("FROM a", file: "build/Dockerfile.prod").fileName == "build/Dockerfile.prod")
    }
}
