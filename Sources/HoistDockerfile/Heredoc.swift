/// A here-document attached to a RUN, COPY or ADD instruction (`<<EOF`, `<<-EOF`,
/// `<<'EOF'`, `3<<EOF`). Its body is the lines after the instruction up to the
/// terminator line.
public struct Heredoc: Sendable, Equatable {
    /// The delimiter word with quotes removed (`EOF`).
    public var name: String
    /// The file descriptor before `<<` (`3<<EOF`), 0 when absent.
    public var fileDescriptor: Int
    /// False when any part of the delimiter was quoted (`<<'EOF'`, `<<"EOF"`): the body
    /// must then not be variable-expanded (COPY/ADD honour it; RUN leaves it to the shell).
    public var expand: Bool
    /// `<<-`: leading tabs are removed from each body line and from the terminator.
    public var chomp: Bool
    /// The body exactly as written, each line with its line ending.
    public var rawContent: String

    public init(name: String, fileDescriptor: Int = 0, expand: Bool = true, chomp: Bool = false, rawContent: String = "") {
        self.name = name
        self.fileDescriptor = fileDescriptor
        self.expand = expand
        self.chomp = chomp
        self.rawContent = rawContent
    }

    /// The body with leading tabs removed from every line when `chomp` is set.
    public var content: String { chomp ? Heredoc.chompLeadingTabs(rawContent) : rawContent }

    /// Removes leading tabs at the start of every line (`(?m)^\t+`).
    public static func chompLeadingTabs(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var atLineStart = true
        for s in text.unicodeScalars {
            if atLineStart && s == "\t" { continue }
            atLineStart = s == "\n"
            out.append(s)
        }
        return String(out)
    }

    /// Parses one word as a heredoc marker (`^(\d*)<<(-?)([^<]*)$`); nil when it is not one.
    /// Throws when the marker's quoting is broken (`<<'EOF`).
    static func parseMarker(_ word: String) throws(DetailError) -> Heredoc? {
        let scalars = Array(word.unicodeScalars)
        var i = 0
        while i < scalars.count, GoText.isASCIIDigit(scalars[i]) { i += 1 }
        let fdText = String(String.UnicodeScalarView(scalars[0..<i]))
        guard i + 1 < scalars.count, scalars[i] == "<", scalars[i + 1] == "<" else { return nil }
        i += 2
        var chomp = false
        if i < scalars.count, scalars[i] == "-" {
            chomp = true
            i += 1
        }
        let rest = scalars[i...]
        if rest.contains("<") || rest.isEmpty { return nil }
        let restText = String(String.UnicodeScalarView(rest))

        // Lex the delimiter with and without quote removal: a quote anywhere in it
        // disables expansion of the body.
        var lexer = ShellWordExpander(escape: "\\")
        lexer.skipUnsetEnv = true
        let words = try lexer.processDetailed(restText, env: [:]).words
        guard words.count == 1 else { return nil }
        lexer.rawQuotes = true
        let rawWords = try lexer.processDetailed(restText, env: [:]).words
        guard rawWords.count == words.count else {
            throw DetailError("internal lexing of heredoc produced inconsistent results: \(restText)")
        }
        func quotes(_ s: String) -> Int { s.unicodeScalars.filter { $0 == "'" || $0 == "\"" }.count }
        return Heredoc(
            name: words[0],
            fileDescriptor: Int(fdText) ?? 0,
            expand: quotes(words[0]) == quotes(rawWords[0]),
            chomp: chomp
        )
    }

    /// The heredoc markers in a logical instruction line, in order.
    static func markers(inLine line: String) throws(DetailError) -> [Heredoc] {
        var lexer = ShellWordExpander(escape: "\\")
        lexer.rawQuotes = true
        lexer.rawEscapes = true
        lexer.skipUnsetEnv = true
        // A line the lexer cannot split (unbalanced quote) simply has no heredocs.
        let words = (try? lexer.processDetailed(line, env: [:]).words) ?? []
        var docs: [Heredoc] = []
        for word in words {
            if let doc = try parseMarker(word) { docs.append(doc) }
        }
        return docs
    }
}
