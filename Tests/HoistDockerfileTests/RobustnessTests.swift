import Testing
@testable import HoistDockerfile

/// Random inputs made of the characters the parsers care about: every entry point must
/// either succeed or throw, never trap.
@Suite struct RobustnessTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let pieces = [
        "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "ONBUILD", "HEALTHCHECK", "SHELL", "CMD", "EXPOSE",
        "WORKDIR", "USER", "VOLUME", "AS", "CMD", "NONE", " ", " ", "\t", "\n", "\n", "\r\n", "\\", "`", "\"", "'",
        "$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "*", "[", "]", "^", "!", "=", ",", "<<", "<<-", "EOF",
        "--", "--mount=", "--from=", "--interval=", "type=cache", "a", "b", "1", "\u{e9}", "\u{FEFF}", "[\"", "\"]",
        "# escape=`", "# syntax=x", "${", "\\u", "\u{0}",
    ]

    static func randomText(_ g: inout Generator, length: Int) -> String {
        var s = ""
        for _ in 0..<length { s += pieces[g.next(pieces.count)] }
        return s
    }

    @Test func parserNeverTraps() {
        var g = Generator(state: 42)
        var parsed = 0
        for i in 0..<3000 {
            var text = i % 3 == 0 ? "" : "FROM a\n"
            if i % 2 == 0 {
                text += Self.randomText(&g, length: 1 + g.next(40))
            } else {
                // Line-shaped input: a keyword then random arguments.
                for _ in 0..<(1 + g.next(6)) {
                    text += Self.pieces[g.next(15)] + " " + Self.randomText(&g, length: g.next(8)) + "\n"
                }
            }
            if let df = try? DockerfileParser.parse(text) {
                parsed += 1
                let lexer = ShellWordExpander(escape: df.escapeToken)
                for node in df.instructions {
                    _ = try? node.expanded(using: lexer, env: ["a": "x y", "b": ""])
                    if case .run(let run) = node.instruction {
                        _ = run.heredocExecution
                        for m in run.mounts { _ = try? m.resolved() }
                    }
                    if case .onbuild(let o) = node.instruction { _ = try? DockerfileParser.parseTrigger(o.expression) }
                }
                _ = df.sourceText(of: SourceRange(startLine: g.next(50), endLine: g.next(50)))
            }
        }
        #expect(parsed > 150)  // enough inputs get past parsing to exercise expansion too
    }

    @Test func expanderNeverTraps() {
        var g = Generator(state: 7)
        for _ in 0..<5000 {
            let word = Self.randomText(&g, length: 1 + g.next(20))
            var lexer = ShellWordExpander(escape: g.next(2) == 0 ? "\\" : "`")
            lexer.rawQuotes = g.next(2) == 0
            lexer.rawEscapes = g.next(2) == 0
            lexer.skipUnsetEnv = g.next(2) == 0
            _ = try? lexer.process(word, env: ["a": "abc/def.tar", "b": "", "1": "one"])
        }
    }

    @Test func ignoreMatcherNeverTraps() {
        var g = Generator(state: 99)
        for _ in 0..<3000 {
            let patterns = (0..<(1 + g.next(4))).map { _ in Self.randomText(&g, length: 1 + g.next(8)) }
            guard let di = try? DockerIgnore(patterns: patterns) else { continue }
            let path = Self.randomText(&g, length: 1 + g.next(10))
            _ = di.matches(path)
            _ = di.mayReincludeBelow(path)
            _ = di.shouldWalkExcludedDirectory(path)
        }
    }
}
