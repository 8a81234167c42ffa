import HoistCore
import Testing
@testable import HoistDockerfile

/// Docker's word processing (BuildKit `shell.Lex`): quotes, escapes, substitutions.
@Suite struct ShellWordExpanderTests {
    static let env: [String: String] = [
        "PWD": "/home", "SHELL": "bash", "KOREAN": "\u{D55C}\u{AD6D}\u{C5B4}", "EMPTY": "",
        "FILE": "/usr/local/bin/app.tar.gz", "NAME": "file.tar.gz", "SPACED": "a  b",
        "1": "one", "_x9": "under",
    ]

    static let expansionCases: [(String, String)] = [
        // Plain text, quotes and escapes.
        ("hello", "hello"),
        ("he'll'o", "hello"),
        ("he\"ll\"o", "hello"),
        (#"he\'llo"#, "he'llo"),
        (#"he\\llo"#, #"he\llo"#),
        (#"abc\"#, "abc"),
        (#""abc\"def""#, #"abc"def"#),
        (#""abc\\def""#, #"abc\def"#),
        (#""abc\def""#, #"abc\def"#),
        (#""a\$b""#, "a$b"),
        (#"'abc\def'"#, #"abc\def"#),
        (#"'a"b'"#, #"a"b"#),
        (#""a'b""#, "a'b"),
        ("  spaces  kept  ", "  spaces  kept  "),
        // $VAR forms.
        ("$PWD", "/home"),
        ("he$PWD", "he/home"),
        ("${PWD}x", "/homex"),
        ("$PWDx", ""),
        ("he${hi}xx", "hexx"),
        ("\"$PWD\"", "/home"),
        ("'$PWD'", "$PWD"),
        (#"\$PWD"#, "$PWD"),
        ("$", "$"),
        ("a$", "a$"),
        ("$.x", "$.x"),
        ("$ x", "$ x"),
        ("$1x", "onex"),
        ("$12", ""),
        ("$_x9!", "under!"),
        ("$KOREAN", "\u{D55C}\u{AD6D}\u{C5B4}"),
        ("${KOREAN}s", "\u{D55C}\u{AD6D}\u{C5B4}s"),
        ("$$", ""),
        ("$@", ""),
        // Default / alternative values.
        ("${PWD:-xx}", "/home"),
        ("${NOTSET:-xx}", "xx"),
        ("${NOTSET-xx}", "xx"),
        ("${EMPTY:-xx}", "xx"),
        ("${EMPTY-xx}", ""),
        ("${PWD:+yes}", "yes"),
        ("${NOTSET:+yes}", ""),
        ("${NOTSET+yes}", ""),
        ("${EMPTY:+yes}", ""),
        ("${EMPTY+yes}", "yes"),
        ("${EMPTY?}", ""),
        ("${PWD:?}", "/home"),
        ("${NOTSET:-$SHELL}", "bash"),
        ("${NOTSET:-${ALSO:-${SHELL}}}", "bash"),
        ("${NOTSET:-'quoted }'}", "quoted }"),
        (#"${NOTSET:-a\}b}"#, "a}b"),
        ("${NOTSET:-two words}", "two words"),
        ("\"${NOTSET:-a\"b\"c}\"", "abc"),
        // Pattern removal and replacement.
        ("${FILE#*/}", "usr/local/bin/app.tar.gz"),
        ("${FILE##*/}", "app.tar.gz"),
        ("${FILE%/*}", "/usr/local/bin"),
        ("${FILE%%/*}", ""),
        ("${NAME%.*}", "file.tar"),
        ("${NAME%%.*}", "file"),
        ("${NAME#*.}", "tar.gz"),
        ("${NAME##*.}", "gz"),
        ("${NAME#??}", "le.tar.gz"),
        ("${NAME#nomatch}", "file.tar.gz"),
        ("${NAME%.gz}", "file.tar"),
        (#"${NAME#\*}"#, "file.tar.gz"),
        ("${NOTSET#x}", ""),
        ("${FILE/local/opt}", "/usr/opt/bin/app.tar.gz"),
        ("${FILE//a/A}", "/usr/locAl/bin/App.tAr.gz"),
        (#"${FILE/\//_}"#, "_usr/local/bin/app.tar.gz"),
        (#"${FILE//\//_}"#, "_usr_local_bin_app.tar.gz"),
        ("${FILE/*/X}", "X"),
        ("${FILE/l*l/L}", "/usr/L/bin/app.tar.gz"),
        ("${NAME//?/-}", "-----------"),
        ("${NAME/nomatch/x}", "file.tar.gz"),
        ("${NAME/.tar/}", "file.gz"),
    ]

    @Test(arguments: expansionCases)
    func expand(_ input: String, _ expected: String) throws {
        #expect(try ShellWordExpander().expand(input, env: Self.env) == expected)
    }

    static let failureCases: [(String, String)] = [
        ("he'llo", "unexpected end of statement while looking for matching single-quote"),
        (#"he\\'llo"#, "unexpected end of statement while looking for matching single-quote"),
        ("\"abc", "unexpected end of statement while looking for matching double-quote"),
        (#""abc\""#, "unexpected end of statement while looking for matching double-quote"),
        ("${}", "syntax error: bad substitution"),
        ("${:}", "syntax error: bad substitution"),
        ("${{x}}", "syntax error: bad substitution"),
        ("${", "syntax error: missing '}'"),
        ("${PWD", "syntax error: missing '}'"),
        ("${PWD:-x", "syntax error: missing '}'"),
        ("${PWD:", "syntax error: missing '}'"),
        ("${PWD:x}", "unsupported modifier (:x) in substitution"),
        ("${PWD!x}", "unsupported modifier (!) in substitution"),
        ("${PWD:#x}", "unsupported modifier (:#) in substitution"),
        ("${PWD:%x}", "unsupported modifier (:%) in substitution"),
        ("${NOTSET:?}", "NOTSET: is not allowed to be unset"),
        ("${NOTSET?}", "NOTSET: is not allowed to be unset"),
        ("${EMPTY:?}", "EMPTY: is not allowed to be empty"),
        ("${NOTSET:?set it with --build-arg}", "NOTSET: set it with --build-arg"),
        ("${PWD/x", "syntax error: missing '/' in ${}"),
        ("${PWD/x/y", "syntax error: missing '}'"),
        (#"${PWD#\x}"#, #"invalid pattern (\x) in substitution: invalid escape '\x'"#),
    ]

    @Test(arguments: failureCases)
    func failure(_ input: String, _ detail: String) {
        #expect {
            try ShellWordExpander().expand(input, env: Self.env)
        } throws: { error in
            guard let e = error as? HoistError else { return false }
            return e.code == .invalidArgument && e.message == "failed to process \(GoText.quote(input)): \(detail)"
        }
    }

    static let splittingCases: [(String, [String])] = [
        ("hello world", ["hello", "world"]),
        ("  lead   trail  ", ["lead", "trail"]),
        ("hello 'a b' c", ["hello", "a b", "c"]),
        ("\"\" a", ["a"]),
        (#"a\ b"#, ["a b"]),
        ("$SPACED", ["a", "b"]),
        ("\"$SPACED\"", ["a  b"]),
        ("x${SPACED}y", ["xa", "by"]),
        ("'a'\"b\"c", ["abc"]),
        ("80/tcp $NOTSET 443", ["80/tcp", "443"]),
        ("", []),
    ]

    @Test(arguments: splittingCases)
    func words(_ input: String, _ expected: [String]) throws {
        #expect(try ShellWordExpander().expandWords(input, env: Self.env) == expected)
    }

    @Test func backtickEscape() throws {
        let lexer = ShellWordExpander(escape: "`")
        #expect(try lexer.expand(#"C:\path\$PWD"#, env: Self.env) == #"C:\path\/home"#)
        #expect(try lexer.expand("a`$PWD", env: Self.env) == "a$PWD")
        #expect(try lexer.expand("\"q`\"q\"", env: Self.env) == "q\"q")
        #expect(try lexer.expandWords("a` b c", env: [:]) == ["a b", "c"])
    }

    @Test func options() throws {
        var keep = ShellWordExpander()
        keep.skipUnsetEnv = true
        #expect(try keep.expand("$NOTSET ${NOTSET} ${NOTSET:-x} ${NOTSET/a/b} $PWD", env: Self.env)
            == "$NOTSET ${NOTSET} ${NOTSET:-x} ${NOTSET/a/b} /home")
        var raw = ShellWordExpander()
        raw.rawQuotes = true
        raw.rawEscapes = true
        #expect(try raw.expand(#"'a'"b"\c"#, env: [:]) == #"'a'"b"\c"#)
        var noQuotes = ShellWordExpander()
        noQuotes.skipProcessQuotes = true
        #expect(try noQuotes.expand("say \"$SHELL\" 'x'", env: Self.env) == "say \"bash\" 'x'")
    }

    @Test func reportsMatchedAndUnmatchedNames() throws {
        let result = try ShellWordExpander().process("$PWD ${NOPE:-x} ${EMPTY}", env: Self.env)
        #expect(result.result == "/home x ")
        #expect(result.matched == ["PWD", "EMPTY"])
        #expect(result.unmatched == ["NOPE"])
    }
}
