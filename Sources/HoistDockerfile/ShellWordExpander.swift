import HoistCore

/// Docker's shell-like word processor (BuildKit `shell.Lex`): quotes, escapes and
/// `$VAR` / `${VAR...}` substitution, without running a shell.
///
/// The builder calls it for the instructions Docker expands (ADD, COPY, ENV, EXPOSE,
/// FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG and RUN `--mount` values; see
/// `Instruction.expanded`). RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK and ONBUILD are
/// never expanded by the builder: the shell in the container does it.
///
/// Supported forms: `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`,
/// `${VAR+word}`, `${VAR:?msg}`, `${VAR?msg}`, `${VAR#pat}`, `${VAR##pat}`,
/// `${VAR%pat}`, `${VAR%%pat}`, `${VAR/pat/repl}`, `${VAR//pat/repl}`; single quotes
/// are literal; in double quotes only `"`, `$` and the escape character can be escaped.
public struct ShellWordExpander: Sendable {
    /// The Dockerfile's escape character (`\` or `` ` ``).
    public var escapeToken: Unicode.Scalar
    /// Keep quote characters in the output (the parser uses it to find heredoc markers).
    public var rawQuotes = false
    /// Keep escape characters in the output.
    public var rawEscapes = false
    /// Leave references to unset variables as written (`$FOO`, `${FOO:-x}`).
    public var skipUnsetEnv = false
    /// Treat quotes as ordinary characters.
    public var skipProcessQuotes = false

    public init(escape: Character = "\\") {
        self.escapeToken = escape.unicodeScalars.first ?? "\\"
    }

    /// The outcome of one `process` call.
    public struct Expansion: Sendable, Equatable {
        /// The word with quotes removed and variables substituted, spaces kept (`ProcessWord`).
        public var result: String
        /// The same split into words on unquoted whitespace, after substitution (`ProcessWords`).
        public var words: [String]
        /// Variables that were referenced and set.
        public var matched: Set<String>
        /// Variables that were referenced but unset.
        public var unmatched: Set<String>
    }

    /// Substitutes variables in `word` and removes quotes; whitespace is preserved.
    public func expand(_ word: String, env: [String: String]) throws -> String {
        try process(word, env: env).result
    }

    /// Substitutes variables and splits the result into words (as EXPOSE does).
    public func expandWords(_ word: String, env: [String: String]) throws -> [String] {
        try process(word, env: env).words
    }

    public func process(_ word: String, env: [String: String]) throws -> Expansion {
        do {
            return try processDetailed(word, env: env)
        } catch {
            throw HoistError(.invalidArgument, error.detail)
        }
    }

    /// Like `process` but with the bare Docker message, for callers that add a location.
    func processDetailed(_ word: String, env: [String: String]) throws(DetailError) -> Expansion {
        let lexer = ShellLexer(options: self, text: word, env: env)
        do {
            let (result, words) = try lexer.processStopOn(nil, rawEscapes: rawEscapes)
            return Expansion(result: result, words: words, matched: lexer.matched, unmatched: lexer.unmatched)
        } catch {
            throw DetailError("failed to process \(GoText.quote(word)): \(error.detail)")
        }
    }
}

/// One run of the lexer over one word. A class only to share the cursor between the
/// mutually recursive helpers; never escapes `ShellWordExpander.processDetailed`.
private final class ShellLexer {
    let options: ShellWordExpander
    let text: [Unicode.Scalar]
    let env: [String: String]
    var pos = 0
    var rawEscapes: Bool
    var matched: Set<String> = []
    var unmatched: Set<String> = []

    init(options: ShellWordExpander, text: String, env: [String: String]) {
        self.options = options
        self.text = Array(text.unicodeScalars)
        self.env = env
        self.rawEscapes = options.rawEscapes
    }

    var escape: Unicode.Scalar { options.escapeToken }
    func peek() -> Unicode.Scalar? { pos < text.count ? text[pos] : nil }
    @discardableResult func next() -> Unicode.Scalar? {
        guard pos < text.count else { return nil }
        defer { pos += 1 }
        return text[pos]
    }

    func getEnv(_ name: String) -> (String, Bool) {
        if let v = env[name] {
            matched.insert(name)
            return (v, true)
        }
        unmatched.insert(name)
        return ("", false)
    }

    /// Processes until `stop` (consumed) or the end of the text when `stop` is nil.
    func processStopOn(_ stop: Unicode.Scalar?, rawEscapes raw: Bool) throws(DetailError) -> (String, [String]) {
        var result = String.UnicodeScalarView()
        var words = WordSplitter()
        let saved = rawEscapes
        rawEscapes = raw
        defer { rawEscapes = saved }

        while let ch = peek() {
            if let stop, ch == stop {
                next()
                return (String(result), words.finish())
            }
            if ch == "$" {
                let value = try processDollar()
                result.append(contentsOf: value.unicodeScalars)
                words.addString(value)
            } else if !options.skipProcessQuotes, ch == "'" || ch == "\"" {
                let value = ch == "'" ? try processSingleQuote() : try processDoubleQuote()
                result.append(contentsOf: value.unicodeScalars)
                words.addRawString(value)
            } else {
                next()
                var c = ch
                if c == escape {
                    if rawEscapes {
                        words.addRawChar(c)
                        result.append(c)
                    }
                    // The escape character escapes the next one; dropped at the end.
                    guard let escaped = next() else { break }
                    c = escaped
                    words.addRawChar(c)
                } else {
                    words.addChar(c)
                }
                result.append(c)
            }
        }
        if let stop {
            throw DetailError("unexpected end of statement while looking for matching \(Character(stop))")
        }
        return (String(result), words.finish())
    }

    private func processSingleQuote() throws(DetailError) -> String {
        // Everything up to the next ' is literal; a ' cannot be escaped inside.
        var result = String.UnicodeScalarView()
        let open = next()
        if options.rawQuotes, let open { result.append(open) }
        while true {
            guard let ch = next() else {
                throw DetailError("unexpected end of statement while looking for matching single-quote")
            }
            if ch == "'" {
                if options.rawQuotes { result.append(ch) }
                return String(result)
            }
            result.append(ch)
        }
    }

    private func processDoubleQuote() throws(DetailError) -> String {
        // Literal except `$`; the escape character only escapes `"`, `$` and itself.
        var result = String.UnicodeScalarView()
        let open = next()
        if options.rawQuotes, let open { result.append(open) }
        while true {
            guard let p = peek() else {
                throw DetailError("unexpected end of statement while looking for matching double-quote")
            }
            if p == "\"" {
                next()
                if options.rawQuotes { result.append(p) }
                return String(result)
            }
            if p == "$" {
                result.append(contentsOf: try processDollar().unicodeScalars)
                continue
            }
            guard var ch = next() else { continue }
            if ch == escape {
                if rawEscapes { result.append(ch) }
                guard let following = peek() else { continue }
                if following == "\"" || following == "$" || following == escape {
                    ch = following
                    next()
                }
            }
            result.append(ch)
        }
    }

    private func processDollar() throws(DetailError) -> String {
        next()
        if peek() != "{" {
            let name = processName()
            if name.isEmpty { return "$" }
            let (value, found) = getEnv(name)
            if !found && options.skipUnsetEnv { return "$" + name }
            return value
        }
        next()
        switch peek() {
        case nil: throw DetailError("syntax error: missing '}'")
        case "{", "}", ":": throw DetailError("syntax error: bad substitution")
        default: break
        }
        let name = processName()
        guard let ch = next() else { throw DetailError("syntax error: missing '}'") }
        var modifier = String(Character(ch))
        switch ch {
        case "}":
            let (value, set) = getEnv(name)
            if !set && options.skipUnsetEnv { return "${\(name)}" }
            return value
        case ":", "+", "-", "?", "#", "%":
            var op = ch
            let nullIsUnset = ch == ":"
            if nullIsUnset {
                guard let after = next() else { throw DetailError("syntax error: missing '}'") }
                op = after
                modifier.unicodeScalars.append(after)
            }
            let patternOp = op == "#" || op == "%"
            if nullIsUnset && patternOp {
                throw DetailError("unsupported modifier (\(modifier)) in substitution")
            }
            let word: String
            do {
                word = try processStopOn("}", rawEscapes: patternOp).0
            } catch {
                if peek() == nil { throw DetailError("syntax error: missing '}'") }
                throw error
            }
            let (value, set) = getEnv(name)
            if options.skipUnsetEnv && !set { return "${\(name)\(modifier)\(word)}" }
            let unsetOrNull = !set || (nullIsUnset && value.isEmpty)
            switch op {
            case "-":
                return unsetOrNull ? word : value
            case "+":
                return unsetOrNull ? "" : word
            case "?":
                if !set {
                    throw DetailError("\(name): \(word.isEmpty ? "is not allowed to be unset" : word)")
                }
                if nullIsUnset && value.isEmpty {
                    throw DetailError("\(name): \(word.isEmpty ? "is not allowed to be empty" : word)")
                }
                return value
            case "#", "%":
                // `#`/`%` remove the shortest match, `##`/`%%` the longest.
                var pattern = word
                var greedy = false
                if pattern.unicodeScalars.first == op {
                    greedy = true
                    pattern = String(pattern.unicodeScalars.dropFirst())
                }
                let compiled = try ShellPattern(pattern)
                return op == "#" ? compiled.trimPrefix(value, greedy: greedy) : compiled.trimSuffix(value, greedy: greedy)
            default:
                throw DetailError("unsupported modifier (\(modifier)) in substitution")
            }
        case "/":
            let replaceAll = peek() == "/"
            if replaceAll { next() }
            let pattern: String
            do {
                pattern = try processStopOn("/", rawEscapes: true).0
            } catch {
                if peek() == nil { throw DetailError("syntax error: missing '/' in ${}") }
                throw error
            }
            let replacement: String
            do {
                replacement = try processStopOn("}", rawEscapes: true).0
            } catch {
                if peek() == nil { throw DetailError("syntax error: missing '}'") }
                throw error
            }
            let (value, set) = getEnv(name)
            if options.skipUnsetEnv && !set { return "${\(name)/\(pattern)/\(replacement)}" }
            let compiled = try ShellPattern(pattern)
            return compiled.replace(in: value, with: replacement, all: replaceAll)
        default:
            throw DetailError("unsupported modifier (\(modifier)) in substitution")
        }
    }

    /// A name: letters, digits and `_`; or a run of digits; or one special parameter.
    private func processName() -> String {
        var name = String.UnicodeScalarView()
        while let ch = peek() {
            if name.isEmpty && GoText.isDigit(ch) {
                while let d = peek(), GoText.isDigit(d) {
                    name.append(d)
                    next()
                }
                return String(name)
            }
            if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(ch) {
                next()
                return String(Character(ch))
            }
            if !GoText.isLetter(ch) && !GoText.isDigit(ch) && ch != "_" { break }
            name.append(ch)
            next()
        }
        return String(name)
    }
}

/// Accumulates words, splitting on unquoted whitespace (BuildKit's `wordsStruct`).
private struct WordSplitter {
    var buffer = String.UnicodeScalarView()
    var words: [String] = []
    var inWord = false

    mutating func addChar(_ c: Unicode.Scalar) {
        if GoText.isSpace(c) {
            if inWord && !buffer.isEmpty {
                words.append(String(buffer))
                buffer = .init()
                inWord = false
            }
        } else {
            addRawChar(c)
        }
    }

    mutating func addRawChar(_ c: Unicode.Scalar) {
        buffer.append(c)
        inWord = true
    }

    mutating func addString(_ s: String) {
        for c in s.unicodeScalars { addChar(c) }
    }

    mutating func addRawString(_ s: String) {
        buffer.append(contentsOf: s.unicodeScalars)
        inWord = true
    }

    mutating func finish() -> [String] {
        if !buffer.isEmpty {
            words.append(String(buffer))
            buffer = .init()
            inWord = false
        }
        return words
    }
}
