import Testing
@testable import HoistDockerfile

/// The Go standard-library behaviours the parser reproduces.
@Suite struct GoHelpersTests {
    @Test(arguments: [
        ("0", 0), ("1ns", 1), ("1us", 1_000), ("1\u{00B5}s", 1_000), ("1\u{03BC}s", 1_000), ("1ms", 1_000_000),
        ("1s", 1_000_000_000), ("1m", 60_000_000_000), ("1h", 3_600_000_000_000), ("1h2m3s", 3_723_000_000_000),
        ("1.5s", 1_500_000_000), (".5s", 500_000_000), ("1.s", 1_000_000_000), ("-2m", -120_000_000_000),
        ("+3s", 3_000_000_000), ("1m30s500ms", 90_500_000_000), ("0.000000001s", 1), ("2562047h", 9_223_369_200_000_000_000),
    ] as [(String, Int64)])
    func durations(_ text: String, _ nanos: Int64) throws {
        #expect(try GoDuration.parse(text) == nanos)
    }

    @Test(arguments: [
        ("", "time: invalid duration \"\""), ("s", "time: invalid duration \"s\""), (".s", "time: invalid duration \".s\""),
        ("1", "time: missing unit in duration \"1\""), ("5s3", "time: missing unit in duration \"5s3\""),
        ("3d", "time: unknown unit \"d\" in duration \"3d\""), ("1S", "time: unknown unit \"S\" in duration \"1S\""),
        ("9999999999999h", "time: invalid duration \"9999999999999h\""), ("-", "time: invalid duration \"-\""),
    ])
    func invalidDurations(_ text: String, _ message: String) {
        #expect { try GoDuration.parse(text) } throws: { ($0 as? DetailError)?.detail == message }
    }

    @Test func jsonArrays() {
        #expect(GoJSON.parseArray("[]") == [])
        #expect(GoJSON.parseArray(" [ \"a\" , \"b\" ] \n") == [.string("a"), .string("b")])
        #expect(GoJSON.parseArray("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]") == [.string("\"\\/\u{8}\u{C}\n\r\t")])
        #expect(GoJSON.parseArray("[\"\\u00e9\\ud83d\\ude00\\ud800x\"]") == [.string("\u{e9}\u{1F600}\u{FFFD}x")])
        #expect(GoJSON.parseArray("[1, -2.5e3, true, false, null, {\"k\": [1]}, [\"n\"]]") ==
            [.other, .other, .other, .other, .other, .other, .other])
        for invalid in ["[", "[\"a\",]", "[,]", "[\"a\" \"b\"]", "[\"a\"] x", "['a']", "[01]", "[1.]", "[-]", "[\"\\x\"]",
                        "[\"tab\there\"]", "[\"\\u12\"]", "[tru]", "{\"a\": 1}", "[{\"a\" 1}]", "[\"unterminated]"] {
            #expect(GoJSON.parseArray(invalid) == nil, "\(invalid)")
        }
    }

    @Test func quoting() {
        #expect(GoText.quote("plain") == "\"plain\"")
        #expect(GoText.quote("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(GoText.quote("tab\tnl\n\u{1}\u{7F}") == "\"tab\\tnl\\n\\x01\\x7f\"")
        #expect(GoText.quote("\u{e9}\u{200B}") == "\"\u{e9}\\u200b\"")
    }

    @Test func suggestions() {
        let names = ["from", "chown", "chmod", "link"]
        #expect(GoText.suggestion(for: "form", among: names, caseSensitive: true) == "from")
        #expect(GoText.suggestion(for: "from", among: names, caseSensitive: true) == nil)
        #expect(GoText.suggestion(for: "zzzzzz", among: names, caseSensitive: true) == nil)
        #expect(GoText.suggestion(for: "Runn", among: ["RUN"], caseSensitive: false) == "run")  // mixed case: Go keeps the lowercased option
        #expect(GoText.suggestion(for: "runn", among: ["RUN"], caseSensitive: false) == "run")
        #expect(GoText.levenshtein("kitten", "sitting") == 3)
    }

    @Test(arguments: [
        ("", "."), (".", "."), ("a/b", "a/b"), ("a//b", "a/b"), ("a/./b/", "a/b"), ("a/../b", "b"), ("../a", "../a"),
        ("a/../..", ".."), ("/../a", "/a"), ("/", "/"), ("//a//", "/a"), ("./a", "a"), ("a/b/../../..", ".."),
    ])
    func pathClean(_ input: String, _ expected: String) {
        #expect(PathClean.clean(input) == expected)
    }

    @Test func pathDir() {
        #expect(PathClean.dir("a/b/c") == "a/b")
        #expect(PathClean.dir("a") == ".")
        #expect(PathClean.dir("/a") == "/")
    }

    @Test func directiveLineMatching() {
        #expect(DirectiveScanner.match("# escape=`").map { [$0.0, $0.1] } == ["escape", "`"])
        #expect(DirectiveScanner.match("#escape =   \\  ").map { [$0.0, $0.1] } == ["escape", "\\"])
        #expect(DirectiveScanner.match("# syntax=docker/dockerfile:1 # trailing").map { [$0.0, $0.1] } == ["syntax", "docker/dockerfile:1 # trailing"])
        #expect(DirectiveScanner.match("# escape=  ").map { [$0.0, $0.1] } == ["escape", " "])   // RE2's lazy `.+?` keeps one space
        #expect(DirectiveScanner.match("# 1abc=x") == nil)
        #expect(DirectiveScanner.match("# escape") == nil)
        #expect(DirectiveScanner.match("# escape=") == nil)
        #expect(DirectiveScanner.match("escape=x") == nil)
    }

    @Test func continuationTrimming() {
        #expect(LineJoiner.trimContinuation("RUN a \\", escape: "\\") == ("RUN a ", true))
        #expect(LineJoiner.trimContinuation("RUN a\\ \t ", escape: "\\") == ("RUN a", true))
        #expect(LineJoiner.trimContinuation("RUN a \\\\", escape: "\\") == ("RUN a \\\\", false))
        #expect(LineJoiner.trimContinuation("\\", escape: "\\") == ("", true))
        #expect(LineJoiner.trimContinuation("RUN a `", escape: "`") == ("RUN a ", true))
        #expect(LineJoiner.trimContinuation("RUN a \\", escape: "`") == ("RUN a \\", false))
    }

    @Test func physicalLinesKeepEndings() {
        #expect(LineJoiner.physicalLines("a\r\nb\n\nc") == ["a\r\n", "b\n", "\n", "c"])
        #expect(LineJoiner.physicalLines("a\n") == ["a\n"])
        #expect(LineJoiner.physicalLines("").isEmpty)
    }

    @Test func csvMountFields() throws {
        #expect(try RunMount.csvFields("a=1,b,\"c=x,y\",\"d=\"\"q\"\"\"") == ["a=1", "b", "c=x,y", "d=\"q\""])
        #expect(try RunMount.csvFields("a,,b") == ["a", "", "b"])
        #expect(throws: DetailError.self) { try RunMount.csvFields("") }
        #expect(throws: DetailError.self) { try RunMount.csvFields("\"a\"b") }
        #expect(throws: DetailError.self) { try RunMount.csvFields("\"open") }
    }
}
