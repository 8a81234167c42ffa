/// Parser directives found at the top of a Dockerfile (`# escape=\``, `# syntax=...`,
/// `# check=...`). Docker stops looking for them at the first line that is not a
/// directive (an instruction, a plain comment, an unknown directive or an empty line).
public struct ParserDirectives: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Lowercased directive name: `escape`, `syntax` or `check`.
        public var name: String
        public var value: String
        public var line: Int
    }

    /// Directives in file order.
    public var entries: [Entry] = []

    /// The escape character: `\` (default) or `` ` ``. Also the line-continuation character.
    public var escapeToken: Character = "\\"

    /// `# syntax=` value (recorded; Hoist always uses its own frontend).
    public var syntax: String? { value(of: "syntax") }

    /// `# check=` value (recorded, otherwise ignored: Hoist runs no lint checks).
    public var check: String? { value(of: "check") }

    public func value(of name: String) -> String? {
        entries.first { $0.name == name }?.value
    }

    public init() {}
}

/// Line-by-line directive recognition, as BuildKit's `DirectiveParser`.
struct DirectiveScanner {
    static let known: Set<String> = ["escape", "syntax", "check"]

    private(set) var directives = ParserDirectives()
    private var done = false

    /// Looks at one physical line (newline removed). Returns a new escape token when the
    /// line was an `escape` directive.
    mutating func consider(_ line: String, lineNumber: Int) throws(DetailError) -> Character? {
        if done { return nil }
        guard let (rawName, value) = Self.match(line) else {
            done = true
            return nil
        }
        let name = rawName.lowercased()
        guard Self.known.contains(name) else {
            done = true
            return nil
        }
        if directives.entries.contains(where: { $0.name == name }) {
            throw DetailError("only one \(name) parser directive can be used")
        }
        directives.entries.append(.init(name: name, value: value, line: lineNumber))
        guard name == "escape" else { return nil }
        guard value == "`" || value == "\\" else {
            throw DetailError("invalid escape token '\(value)' does not match ` or \\")
        }
        directives.escapeToken = Character(value)
        return directives.escapeToken
    }

    /// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` with RE2 semantics.
    static func match(_ line: String) -> (String, String)? {
        var s = Array(line.unicodeScalars)[...]
        guard s.first == "#" else { return nil }
        s = s.dropFirst()
        while let c = s.first, GoText.isRegexSpace(c) { s = s.dropFirst() }
        guard let first = s.first, GoText.isASCIILetter(first) else { return nil }
        var name = String.UnicodeScalarView()
        while let c = s.first, GoText.isASCIILetter(c) || GoText.isASCIIDigit(c) {
            name.append(c)
            s = s.dropFirst()
        }
        while let c = s.first, GoText.isRegexSpace(c) { s = s.dropFirst() }
        guard s.first == "=" else { return nil }
        s = s.dropFirst()
        guard !s.contains("\n"), !s.isEmpty else { return nil }
        // Leading/trailing \s are not part of the value, unless the value is only
        // whitespace: the lazy `.+?` then keeps exactly one (the last) character.
        guard let start = s.firstIndex(where: { !GoText.isRegexSpace($0) }),
              let end = s.lastIndex(where: { !GoText.isRegexSpace($0) }) else {
            return (String(name), s.last.map { String($0) } ?? "")
        }
        var value = String.UnicodeScalarView()
        value.append(contentsOf: s[start...end])
        return (String(name), String(value))
    }
}
