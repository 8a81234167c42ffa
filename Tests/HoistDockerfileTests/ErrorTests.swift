import HoistCore
import Testing
@testable import HoistDockerfile

/// Error messages (Docker's wording) with file and line.
@Suite struct ErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var message: String
        var testDescription: String { message }
        init(_ text: String, _ message: String) {
            self.text = text
            self.message = message
        }
    }

    static let cases: [Case] = [
        // Structure.
        .init("", "Dockerfile: file with no instructions"),
        .init("# just a comment\n\n", "Dockerfile:2: file with no instructions"),
        .init("ARG A=1\nARG B", "Dockerfile: dockerfile contains no stages to build"),
        .init("RUN echo hi\nFROM a", "Dockerfile:1: no build stage in current context"),
        .init("ARG X\nENV A=b\nFROM a", "Dockerfile:2: no build stage in current context"),
        // Unknown instructions, with Docker's "did you mean" hint.
        .init("FROM a\nRUNN echo", "Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)"),
        .init("FROM a\nrunn echo", "Dockerfile:2: unknown instruction: runn (did you mean run?)"),
        .init("FROM a\nCOPPY a b", "Dockerfile:2: unknown instruction: COPPY (did you mean COPY?)"),
        .init("FROM a\nFOOBAR x", "Dockerfile:2: unknown instruction: FOOBAR"),
        .init("FROM a\nRUN a \\\n  b\nBOGUS", "Dockerfile:4: unknown instruction: BOGUS"),
        // FROM.
        .init("FROM", "Dockerfile:1: FROM requires either one or three arguments"),
        .init("FROM a b", "Dockerfile:1: FROM requires either one or three arguments"),
        .init("FROM a AS b c", "Dockerfile:1: FROM requires either one or three arguments"),
        .init("FROM a FOR b", "Dockerfile:1: FROM requires either one or three arguments"),
        .init("FROM a AS 1st", "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols"),
        .init("FROM a AS my/stage", "Dockerfile:1: invalid name for build stage: \"my/stage\", name can't start with a number or contain symbols"),
        .init("FROM --plaform=x a", "Dockerfile:1: unknown flag: plaform (did you mean platform?)"),
        .init("FROM --platform a", "Dockerfile:1: missing a value on flag: platform"),
        // ENV / LABEL / ARG.
        .init("FROM a\nENV", "Dockerfile:2: ENV requires at least one argument"),
        .init("FROM a\nENV FOO", "Dockerfile:2: ENV must have two arguments"),
        .init("FROM a\nENV =x", "Dockerfile:2: ENV names can not be blank"),
        .init("FROM a\nENV A=1 B", "Dockerfile:2: Syntax error - can't find = in \"B\". Must be of the form: name=value"),
        .init("FROM a\nLABEL", "Dockerfile:2: LABEL requires at least one argument"),
        .init("FROM a\nLABEL =x", "Dockerfile:2: LABEL names can not be blank"),
        .init("FROM a\nLABEL only", "Dockerfile:2: LABEL must have two arguments"),
        .init("FROM a\nARG", "Dockerfile:2: ARG requires at least one argument"),
        .init("FROM a\nARG =x", "Dockerfile:2: ARG names can not be blank"),
        .init("FROM a\nENV --x=1 A=b", "Dockerfile:2: unknown flag: x"),
        // One-argument instructions.
        .init("FROM a\nWORKDIR", "Dockerfile:2: WORKDIR requires exactly one argument"),
        .init("FROM a\nUSER", "Dockerfile:2: USER requires exactly one argument"),
        .init("FROM a\nSTOPSIGNAL", "Dockerfile:2: STOPSIGNAL requires exactly one argument"),
        .init("FROM a\nMAINTAINER", "Dockerfile:2: MAINTAINER requires exactly one argument"),
        .init("FROM a\nEXPOSE", "Dockerfile:2: EXPOSE requires at least one argument"),
        .init("FROM a\nVOLUME", "Dockerfile:2: VOLUME requires at least one argument"),
        .init("FROM a\nVOLUME [\" \"]", "Dockerfile:2: VOLUME specified can not be an empty string"),
        .init("FROM a\nUSER --foo=1 x", "Dockerfile:2: unknown flag: foo"),
        // COPY / ADD.
        .init("FROM a\nCOPY onlyone", "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
        .init("FROM a\nADD", "Dockerfile:2: ADD requires at least two arguments, but only one was provided. Destination could not be determined"),
        .init("FROM a\nCOPY --form=x a b", "Dockerfile:2: unknown flag: form (did you mean from?)"),
        .init("FROM a\nCOPY --from a b", "Dockerfile:2: missing a value on flag: from"),
        .init("FROM a\nCOPY --link= a b", "Dockerfile:2: missing a value on flag: link"),
        .init("FROM a\nCOPY --link=maybe a b", "Dockerfile:2: expecting boolean value for flag link, not: maybe"),
        .init("FROM a\nCOPY --from=x --from=y a b", "Dockerfile:2: duplicate flag specified: from"),
        .init("FROM a\nADD --from=x a b", "Dockerfile:2: unknown flag: from"),
        .init("FROM a\nCOPY a <<EOF\nEOF", "Dockerfile:2: COPY cannot accept a heredoc as a destination"),
        // RUN.
        .init("FROM a\nRUN --network=bridge x", "Dockerfile:2: invalid network mode \"bridge\""),
        .init("FROM a\nRUN --security=root x", "Dockerfile:2: security \"root\" is not valid"),
        .init("FROM a\nRUN --mount=from=$STAGE,target=/x x", "Dockerfile:2: 'from' doesn't support variable expansion, define alias stage instead"),
        .init("FROM a\nRUN --mount=target=a\\\"b x", "Dockerfile:2: failed to parse csv mounts: parse error: bare \" in non-quoted-field"),
        .init("FROM a\nRUN --mount x", "Dockerfile:2: missing a value on flag: mount"),
        .init("FROM a\nRUN --mnt=type=cache x", "Dockerfile:2: unknown flag: mnt (did you mean mount?)"),
        // JSON and SHELL.
        .init("FROM a\nCMD [1, 2]", "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only"),
        .init("FROM a\nENTRYPOINT [\"a\", null]", "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only"),
        .init("FROM a\nSHELL /bin/bash -c", "Dockerfile:2: SHELL requires the arguments to be in JSON form"),
        .init("FROM a\nSHELL []", "Dockerfile:2: SHELL requires at least one argument"),
        .init("FROM a\nSHELL", "Dockerfile:2: SHELL requires at least one argument"),
        // ONBUILD.
        .init("FROM a\nONBUILD", "Dockerfile:2: ONBUILD requires at least one argument"),
        .init("FROM a\nONBUILD ONBUILD RUN x", "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        .init("FROM a\nONBUILD from b", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"),
        .init("FROM a\nONBUILD MAINTAINER me", "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger"),
        // HEALTHCHECK.
        .init("FROM a\nHEALTHCHECK", "Dockerfile:2: HEALTHCHECK requires at least one argument"),
        .init("FROM a\nHEALTHCHECK NONE x", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"),
        .init("FROM a\nHEALTHCHECK foo x", "Dockerfile:2: Unknown type \"FOO\" in HEALTHCHECK (try CMD)"),
        .init("FROM a\nHEALTHCHECK CMD", "Dockerfile:2: Missing command after HEALTHCHECK CMD"),
        .init("FROM a\nHEALTHCHECK --interval=5x CMD x", "Dockerfile:2: time: unknown unit \"x\" in duration \"5x\""),
        .init("FROM a\nHEALTHCHECK --timeout=5 CMD x", "Dockerfile:2: time: missing unit in duration \"5\""),
        .init("FROM a\nHEALTHCHECK --interval=abc CMD x", "Dockerfile:2: time: invalid duration \"abc\""),
        .init("FROM a\nHEALTHCHECK --start-period=10us CMD x", "Dockerfile:2: Interval \"start-period\" cannot be less than 1ms"),
        .init("FROM a\nHEALTHCHECK --interval=-1s CMD x", "Dockerfile:2: Interval \"interval\" cannot be less than 1ms"),
        .init("FROM a\nHEALTHCHECK --retries=-1 CMD x", "Dockerfile:2: --retries cannot be negative (-1)"),
        .init("FROM a\nHEALTHCHECK --retries=abc CMD x", "Dockerfile:2: strconv.ParseInt: parsing \"abc\": invalid syntax"),
        .init("FROM a\nHEALTHCHECK --retries=99999999999 CMD x", "Dockerfile:2: strconv.ParseInt: parsing \"99999999999\": value out of range"),
        .init("FROM a\nHEALTHCHECK --intervall=1s CMD x", "Dockerfile:2: unknown flag: intervall (did you mean interval?)"),
        // Heredocs.
        .init("FROM a\nRUN <<EOF\necho hi", "Dockerfile:2: unterminated heredoc"),
        .init("FROM a\nRUN <<EOF <<TWO\na\nEOF\nb\n", "Dockerfile:2: unterminated heredoc"),
        // Directives.
        .init("# escape=x\nFROM a", "Dockerfile:1: invalid escape token 'x' does not match ` or \\"),
        .init("# escape=`\n# escape=\\\nFROM a", "Dockerfile:2: only one escape parser directive can be used"),
        .init("# syntax=a\n# SYNTAX=b\nFROM a", "Dockerfile:2: only one syntax parser directive can be used"),
    ]

    @Test(arguments: cases)
    func message(_ c: Case) {
        #expect(errorMessage(c.text) == c.message)
    }

    @Test func errorsAreInvalidArgumentWithStructuredCause() throws {
        let error = try #require(parseFailure("FROM a\nRUN a \\\n b\nRUNN x", file: "ci/Dockerfile.test"))
        #expect(error.code == .invalidArgument)
        #expect(error.message == "ci/Dockerfile.test:4: unknown instruction: RUNN (did you mean RUN?)")
        let cause = try #require(error.dockerfileError)
        #expect(cause.location == SourceRange(line: 4))
        #expect(cause.detail == "unknown instruction: RUNN (did you mean RUN?)")
        #expect(cause.dockerMessage == "dockerfile parse error on line 4: unknown instruction: RUNN (did you mean RUN?)")
    }

    @Test func multiLineInstructionReportsItsRange() throws {
        let error = try #require(parseFailure("FROM a\nCOPY \\\n  --chown=1 \\\n  onlyone"))
        #expect(error.message.hasPrefix("Dockerfile:2: COPY requires at least two arguments"))
        #expect(error.dockerfileError?.location == SourceRange(startLine: 2, endLine: 4))
    }

    @Test func firstStageErrorsWinOverInstructionErrors() throws {
        // Docker reads the whole file (heredocs, JSON, directives) before typing instructions.
        let error = try #require(parseFailure("FROM a\nRUNN x\nRUN <<EOF\nunterminated"))
        #expect(error.message == "Dockerfile:3: unterminated heredoc")
        #expect(error.dockerfileError?.dockerMessage == "unterminated heredoc")
        #expect(error.dockerfileError?.location == SourceRange(startLine: 3, endLine: 4))
    }

    @Test func instructionErrorsComeInFileOrder() {
        #expect(errorMessage("FROM a\nWORKDIR\nUSER") == "Dockerfile:2: WORKDIR requires exactly one argument")
    }
}
