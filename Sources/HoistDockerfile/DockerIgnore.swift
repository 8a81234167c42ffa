import HoistCore

/// A `.dockerignore` file, with Docker's rules (moby `ignorefile` + `patternmatcher`):
///
/// - lines starting with `#` are comments; blank lines are skipped; each pattern is
///   trimmed and `filepath.Clean`ed, and a leading `/` is dropped (`/foo` = `foo`);
/// - `*` and `?` match within one path element, `**` any number of elements,
///   `[...]` a character class, `\` escapes;
/// - `!pattern` is an exception that re-includes what earlier patterns excluded;
///   the last pattern that matches decides;
/// - a pattern matching a directory excludes everything below it.
public struct DockerIgnore: Sendable, Equatable {
    /// The patterns as Docker reads them from the file (`!` kept, cleaned), in order.
    public let patterns: [String]
    private let compiled: [IgnorePattern]

    /// Parses the text of a `.dockerignore` file. Throws on an invalid pattern
    /// (`[` without `]`, a lone `!`), as Docker refuses the build then.
    public init(parsing text: String) throws {
        try self.init(patterns: Self.readPatterns(text))
    }

    /// Builds a matcher from patterns already read (`!` prefix for exceptions).
    public init(patterns: [String]) throws {
        var kept: [String] = []
        var compiled: [IgnorePattern] = []
        for pattern in patterns {
            let trimmed = GoText.trimSpace(pattern)
            if trimmed.isEmpty { continue }
            do {
                compiled.append(try IgnorePattern(PathClean.clean(trimmed)))
            } catch {
                throw HoistError(.invalidArgument, "invalid .dockerignore pattern \(GoText.quote(trimmed)): \(error.detail)")
            }
            kept.append(trimmed)
        }
        self.patterns = kept
        self.compiled = compiled
    }

    /// moby `ignorefile.ReadAll`: the pattern lines of a `.dockerignore` text.
    public static func readPatterns(_ text: String) -> [String] {
        var out: [String] = []
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, rawLine) in lines.enumerated() {
            var line = GoText.string(rawLine)
            if number == 0, line.unicodeScalars.first == "\u{FEFF}" {
                line = GoText.string(line.unicodeScalars.dropFirst())
            }
            if line.hasPrefix("#") { continue }
            var pattern = GoText.trimSpace(line)
            if pattern.isEmpty { continue }
            let invert = pattern.hasPrefix("!")
            if invert { pattern = GoText.trimSpace(pattern.dropFirst()) }
            if !pattern.isEmpty {
                pattern = PathClean.clean(pattern)
                if pattern.count > 1, pattern.hasPrefix("/") { pattern.removeFirst() }
            }
            out.append(invert ? "!" + pattern : pattern)
        }
        return out
    }

    /// True when some pattern is an exception (`!...`).
    public var hasExceptions: Bool { compiled.contains { $0.isException } }

    /// Is this path (relative to the context root; `/` and `./` prefixes tolerated) excluded
    /// from the build context? A path whose parent directory is excluded is excluded
    /// too, unless a later exception matches it. The context root itself never is.
    public func matches(_ relativePath: String) -> Bool {
        var path = PathClean.clean(relativePath)
        while path.hasPrefix("/") { path = PathClean.clean(String(path.dropFirst())) }
        if path == "." || path.isEmpty { return false }
        let parent = PathClean.dir(path)
        let parentElements = parent == "." ? [] : parent.split(separator: "/").map(String.init)
        var matched = false
        for pattern in compiled {
            // An include cannot change an already excluded path, nor an exception an included one.
            if pattern.isException != matched { continue }
            var hit = pattern.match(path)
            if !hit {
                var ancestor = ""
                for element in parentElements {
                    ancestor = ancestor.isEmpty ? element : ancestor + "/" + element
                    if pattern.match(ancestor) { hit = true; break }
                }
            }
            if hit { matched = !pattern.isException }
        }
        return matched
    }

    /// Docker's rule when walking the context: an excluded directory must still be
    /// descended into when an exception pattern names something below it (its text
    /// starts with `directory/`). Without exceptions the directory is skipped whole.
    /// Like Docker, it does not see through wildcards (`!*/keep.txt`); see
    /// `mayReincludeBelow` for the exact answer.
    public func shouldWalkExcludedDirectory(_ directory: String) -> Bool {
        let dir = PathClean.clean(directory)
        return compiled.contains { $0.isException && ($0.text + "/").hasPrefix(dir + "/") }
    }

    /// True when an exception pattern could match some path below `directory`,
    /// wildcards included: descending then never misses a re-included file.
    public func mayReincludeBelow(_ directory: String) -> Bool {
        let dir = PathClean.clean(directory)
        return compiled.contains { $0.isException && $0.mayMatchBelow(dir) }
    }

    /// Docker CLI's `TrimBuildFilesFromExcludes`: the Dockerfile and `.dockerignore` are
    /// always sent to the daemon, so exceptions are added when patterns exclude them.
    public func keepingBuildFiles(dockerfile: String = "Dockerfile", dockerfileFromStdin: Bool = false) -> DockerIgnore {
        var list = patterns
        if matches(".dockerignore") { list.append("!.dockerignore") }
        if !dockerfileFromStdin, matches(dockerfile) { list.append("!" + dockerfile) }
        return (try? DockerIgnore(patterns: list)) ?? self
    }
}
