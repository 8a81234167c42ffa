import HoistCore
import Testing
@testable import HoistDockerfile

/// `.dockerignore` reading and matching, with moby's patternmatcher cases and the
/// examples of Docker's documentation.
@Suite struct DockerIgnoreTests {
    func ignore(_ patterns: [String]) throws -> DockerIgnore { try DockerIgnore(patterns: patterns) }

    // MARK: reading the file

    @Test func readPatternsAsMobyIgnorefile() {
        let content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
        #expect(DockerIgnore.readPatterns(content) == ["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"])
    }

    @Test func readPatternsCleansAndTrims() {
        let content = "\u{FEFF}./build//out/\r\n  docs/../site  \r\n#comment\r\n  # indented is a pattern\r\n!./keep\r\n/\r\n"
        #expect(DockerIgnore.readPatterns(content) == ["build/out", "site", "# indented is a pattern", "!keep", "/"])
    }

    @Test func invalidPatternsAreRefused() {
        for bad in ["!", "[", "[^", "[^bc", "a[", "[]a]", "[-]", "[x-]", "[-x]", "[a-b-c]", "[z-a]", "abc\\"] {
            #expect(throws: HoistError.self, "\(bad)") { try DockerIgnore(patterns: [bad]) }
        }
        #expect {
            try DockerIgnore(parsing: "ok\n!\n")
        } throws: { ($0 as? HoistError)?.message == "invalid .dockerignore pattern \"!\": illegal exclusion pattern: \"!\"" }
        #expect {
            try DockerIgnore(parsing: "src/[abc")
        } throws: { ($0 as? HoistError)?.message == "invalid .dockerignore pattern \"src/[abc\": syntax error in pattern" }
    }

    // MARK: moby patternmatcher TestMatches

    enum Kind: Sendable { case fail, exact, inexact }

    static let matchCases: [(String, String, Kind)] = [
        ("**", "file", .exact), ("**", "file/", .exact), ("**/", "file", .exact), ("**/", "file/", .exact),
        ("**", "dir/file", .exact), ("**/", "dir/file", .exact), ("**", "dir/file/", .exact), ("**/", "dir/file/", .exact),
        ("**/**", "dir/file", .exact), ("**/**", "dir/file/", .exact),
        ("dir/**", "dir/file", .exact), ("dir/**", "dir/file/", .exact), ("dir/**", "dir/dir2/file", .exact),
        ("dir/**", "dir/dir2/file/", .exact),
        ("**/dir", "dir", .exact), ("**/dir", "dir/file", .inexact),
        ("**/dir2/*", "dir/dir2/file", .exact), ("**/dir2/*", "dir/dir2/file/", .inexact),
        ("**/dir2/**", "dir/dir2/dir3/file", .exact), ("**/dir2/**", "dir/dir2/dir3/file/", .exact),
        ("**file", "file", .exact), ("**file", "dir/file", .exact), ("**/file", "dir/file", .exact),
        ("**file", "dir/dir/file", .exact), ("**/file", "dir/dir/file", .exact),
        ("**/file*", "dir/dir/file", .exact), ("**/file*", "dir/dir/file.txt", .exact),
        ("**/file*txt", "dir/dir/file.txt", .exact), ("**/file*.txt", "dir/dir/file.txt", .exact),
        ("**/file*.txt*", "dir/dir/file.txt", .exact), ("**/**/*.txt", "dir/dir/file.txt", .exact),
        ("**/**/*.txt2", "dir/dir/file.txt", .fail), ("**/*.txt", "file.txt", .exact), ("**/**/*.txt", "file.txt", .exact),
        ("a**/*.txt", "a/file.txt", .exact), ("a**/*.txt", "a/dir/file.txt", .exact), ("a**/*.txt", "a/dir/dir/file.txt", .exact),
        ("a/*.txt", "a/dir/file.txt", .fail), ("a/*.txt", "a/file.txt", .exact), ("a/*.txt**", "a/file.txt", .exact),
        ("a[b-d]e", "ae", .fail), ("a[b-d]e", "ace", .exact), ("a[b-d]e", "aae", .fail), ("a[^b-d]e", "aze", .exact),
        (".*", ".foo", .exact), (".*", "foo", .fail),
        ("abc.def", "abcdef", .fail), ("abc.def", "abc.def", .exact), ("abc.def", "abcZdef", .fail),
        ("abc?def", "abcZdef", .exact), ("abc?def", "abcdef", .fail),
        ("**/foo/bar", "foo/bar", .exact), ("**/foo/bar", "dir/foo/bar", .exact), ("**/foo/bar", "dir/dir2/foo/bar", .exact),
        ("abc/**", "abc", .fail), ("abc/**", "abc/def", .exact), ("abc/**", "abc/def/ghi", .exact),
        ("**/.foo", ".foo", .exact), ("**/.foo", "bar.foo", .fail),
        ("a(b)c/def", "a(b)c/def", .exact), ("a(b)c/def", "a(b)c/xyz", .fail),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", .exact),
        ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
        ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
        ("a\\\\", "a\\", .exact), ("a\\*b", "a*b", .exact),
    ]

    @Test(arguments: matchCases)
    func exactMatch(_ pattern: String, _ text: String, _ kind: Kind) throws {
        let p = try IgnorePattern(PathClean.clean(pattern))
        #expect(p.match(text) == (kind == .exact))
    }

    @Test(arguments: matchCases)
    func matchOrParentMatch(_ pattern: String, _ text: String, _ kind: Kind) throws {
        #expect(try ignore([pattern]).matches(text) == (kind != .fail))
    }

    @Test(arguments: [
        (["**", "!util/docker/web"], "util/docker/web/foo", false),
        (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true),
        (["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
        (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
        (["*.go"], "fileutils.go", true),
        (["!fileutils.go", "*.go"], "fileutils.go", true),
        (["*.go", "!fileutils.go"], "fileutils.go", false),
        (["docs", "!docs/README.md"], "docs/README.md", false),
        (["docs/", "!docs/README.md"], "docs/README.md", false),
        (["docs/*", "!docs/README.md"], "docs/README.md", false),
        ([], "any/path/there", false),
    ] as [([String], String, Bool)])
    func multiPattern(_ patterns: [String], _ text: String, _ expected: Bool) throws {
        #expect(try ignore(patterns).matches(text) == expected)
    }

    // Go's filepath.Match table as moby runs it.
    @Test(arguments: [
        ("abc", "abc", true), ("*", "abc", true), ("*c", "abc", true), ("a*", "a", true), ("a*", "abc", true),
        ("a*", "ab/c", true), ("a*/b", "abc/b", true), ("a*/b", "a/c/b", false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true), ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false), ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true), ("a*b?c*x", "abxbbxdbxebxczzy", false),
        ("ab[c]", "abc", true), ("ab[b-d]", "abc", true), ("ab[e-g]", "abc", false), ("ab[^c]", "abc", false),
        ("ab[^b-d]", "abc", false), ("ab[^e-g]", "abc", true), ("a\\*b", "a*b", true), ("a\\*b", "ab", false),
        ("a?b", "a\u{263A}b", true), ("a[^a]b", "a\u{263A}b", true), ("a???b", "a\u{263A}b", false),
        ("a[^a][^a][^a]b", "a\u{263A}b", false), ("[a-\u{3B6}]*", "\u{3B1}", true), ("*[a-\u{3B6}]", "A", false),
        ("a?b", "a/b", false), ("a*b", "a/b", false), ("[\\]a]", "]", true), ("[\\-]", "-", true),
        ("[x\\-]", "x", true), ("[x\\-]", "-", true), ("[x\\-]", "z", false), ("[\\-x]", "x", true),
        ("[\\-x]", "-", true), ("[\\-x]", "a", false), ("*x", "xxx", true),
    ] as [(String, String, Bool)])
    func goFilepathMatchTable(_ pattern: String, _ text: String, _ expected: Bool) throws {
        #expect(try ignore([pattern]).matches(text) == expected)
    }

    @Test func regexpEscapesInsidePatterns() throws {
        #expect(try ignore(["v\\d.txt"]).matches("v1.txt"))
        #expect(try !ignore(["v\\d.txt"]).matches("vd.txt"))
        #expect(try ignore(["[\\w]x"]).matches("_x"))
        #expect(try ignore(["a^b"]).matches("a^b"))      // no wildcard: an exact comparison
        #expect(try !ignore(["a^b*"]).matches("a^bc"))   // with one, a raw ^ is an anchor in moby's regexp
        #expect(try ignore(["^b*"]).matches("bcd"))
    }

    // MARK: Docker documentation examples

    @Test func documentationExample() throws {
        let di = try DockerIgnore(parsing: "# comment\n*/temp*\n*/*/temp*\ntemp?\n")
        #expect(di.matches("somedir/temporary.txt"))
        #expect(di.matches("somedir/temp"))
        #expect(di.matches("somedir/temp/file.txt"))        // below an excluded directory
        #expect(di.matches("somedir/subdir/temporary.txt"))
        #expect(di.matches("tempa"))
        #expect(di.matches("tempb"))
        #expect(!di.matches("temporary.txt"))
        #expect(!di.matches("temp"))
        #expect(!di.matches("a/b/c/temp.txt"))
        #expect(!di.matches("# comment"))
    }

    @Test func doubleStarMatchesAnyDepth() throws {
        let di = try DockerIgnore(parsing: "**/*.go")
        #expect(di.matches("main.go"))
        #expect(di.matches("cmd/app/main.go"))
        #expect(!di.matches("cmd/app/main.gox"))
    }

    @Test func exceptionsLastMatchWins() throws {
        let readme = try DockerIgnore(parsing: "*.md\n!README.md")
        #expect(readme.matches("CHANGELOG.md"))
        #expect(!readme.matches("README.md"))
        #expect(readme.matches("docs/README.md") == false)  // *.md does not cross '/'

        let secretLast = try DockerIgnore(parsing: "*.md\n!README*.md\nREADME-secret.md")
        #expect(secretLast.matches("README-secret.md"))
        #expect(!secretLast.matches("README-public.md"))
        #expect(secretLast.matches("NOTES.md"))

        let exceptionLast = try DockerIgnore(parsing: "*.md\nREADME-secret.md\n!README*.md")
        #expect(!exceptionLast.matches("README-secret.md"))
        #expect(!exceptionLast.matches("README.md"))
    }

    @Test func parentDirectoryExcludesChildren() throws {
        let di = try DockerIgnore(parsing: "node_modules\n.git/\nbuild/**\n")
        #expect(di.matches("node_modules"))
        #expect(di.matches("node_modules/a/b/index.js"))
        #expect(di.matches(".git/objects/pack"))
        #expect(di.matches("build/out.o"))
        #expect(!di.matches("build"))                        // `build/**` needs something below build
        #expect(!di.matches("src/node_modules_helper.js"))
        #expect(!di.matches("src/node_modules/x.js"))        // patterns are anchored at the root
    }

    @Test func pathsAreCleanedAndRootIsNeverExcluded() throws {
        let di = try DockerIgnore(parsing: "/secret\n./tmp/../cache\n**")
        #expect(di.patterns == ["secret", "cache", "**"])
        let specific = try DockerIgnore(parsing: "/secret\n./tmp/../cache")
        #expect(specific.matches("secret"))
        #expect(specific.matches("/secret"))
        #expect(specific.matches("./secret/key.pem"))
        #expect(specific.matches("cache//x/./y"))
        #expect(!specific.matches("tmp/x"))
        #expect(!di.matches("."))
        #expect(!di.matches(""))
        #expect(!di.matches("/"))
        #expect(di.matches("anything/at/all"))
    }

    @Test func walkingExcludedDirectories() throws {
        let di = try DockerIgnore(parsing: "docs\nvendor\n!docs/README.md\n!**/LICENSE\n")
        #expect(di.hasExceptions)
        #expect(di.shouldWalkExcludedDirectory("docs"))
        #expect(!di.shouldWalkExcludedDirectory("vendor"))    // Docker's literal-prefix rule misses `!**/LICENSE`
        #expect(di.mayReincludeBelow("vendor"))
        #expect(!di.matches("docs/README.md"))
        #expect(di.matches("docs/guide.md"))
        #expect(!di.matches("vendor/lib/LICENSE"))
        #expect(di.matches("vendor/lib/code.go"))

        let plain = try DockerIgnore(parsing: "build\n!src/keep")
        #expect(!plain.shouldWalkExcludedDirectory("build"))
        #expect(!plain.mayReincludeBelow("build"))
        #expect(plain.mayReincludeBelow("src"))
        #expect(try !DockerIgnore(parsing: "build").hasExceptions)

        let wild = try DockerIgnore(parsing: "*\n!*/keep.txt\n!cfg/**\n!logs/*/today.log")
        #expect(wild.mayReincludeBelow("anything"))
        #expect(!wild.shouldWalkExcludedDirectory("anything"))
        #expect(wild.mayReincludeBelow("cfg"))
        #expect(wild.shouldWalkExcludedDirectory("cfg"))      // "cfg/**/" starts with "cfg/"
        #expect(wild.mayReincludeBelow("logs/2024"))
        #expect(!wild.mayReincludeBelow("a/b"))               // `*/keep.txt` is one level only
        #expect(!wild.matches("x/keep.txt"))
        #expect(wild.matches("x/other.txt"))
    }

    @Test func dockerfileAndIgnoreFileAreAlwaysSent() throws {
        let di = try DockerIgnore(parsing: "*\n")
        #expect(di.matches("Dockerfile"))
        let kept = di.keepingBuildFiles(dockerfile: "Dockerfile")
        #expect(kept.patterns == ["*", "!.dockerignore", "!Dockerfile"])
        #expect(!kept.matches("Dockerfile"))
        #expect(!kept.matches(".dockerignore"))
        #expect(kept.matches("src"))
        #expect(di.keepingBuildFiles(dockerfile: "Dockerfile", dockerfileFromStdin: true).patterns == ["*", "!.dockerignore"])
        let untouched = try DockerIgnore(parsing: "*.log")
        #expect(untouched.keepingBuildFiles().patterns == ["*.log"])
    }
}
