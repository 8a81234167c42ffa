import HoistCore
/// swift-argument-parser reports flag problems in its own words; docker users (and their
/// scripts) see pflag's. This maps one to the other.
enum UsageTranslation {
    enum Outcome: Equatable {
        /// Print and exit.
        case fail(ExitError)
        /// Parse again with these arguments (`--rm=false` rewritten).
        case retry([String])
    }

    static func translate(_ message: String, args: [String], path: CommandPath) -> Outcome {
        let m = message.split(separator: "\n").first.map(String.init) ?? message
        if m.hasPrefix("Unknown option '"), let name = quoted(m) {
            if name.hasPrefix("--") { return .fail(path.flagError("unknown flag: \(name)")) }
            // pflag names the rest of the group from the unknown letter on: `-aZ` → `in -Z`.
            let c = String(name.dropFirst())
            var rest = c
            if let ch = c.first, let token = args.first(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.dropFirst().contains(ch) }),
               let at = token.dropFirst().firstIndex(of: ch) {
                rest = String(token[at...])
            }
            return .fail(path.flagError("unknown shorthand flag: '\(c)' in -\(rest)"))
        }
        if m.hasPrefix("Missing value for '"), var name = quoted(m) {
            if let sp = name.firstIndex(of: " ") { name = String(name[..<sp]) }
            if name.hasPrefix("--") { return .fail(path.flagError("flag needs an argument: \(name)")) }
            let c = String(name.dropFirst())
            return .fail(path.flagError("flag needs an argument: '\(c)' in \(name)"))
        }
        if m.hasPrefix("The option '"), m.contains("does not take any value"), let name = quoted(m) {
            // pflag accepts `--flag=true|false` for booleans.
            var out: [String] = []
            var handled = false
            for a in args {
                if !handled, a.hasPrefix(name + "=") {
                    handled = true
                    let v = String(a.dropFirst(name.count + 1))
                    switch v {
                    case "1", "t", "T", "true", "TRUE", "True": out.append(name)
                    case "0", "f", "F", "false", "FALSE", "False": break
                    default:
                        return .fail(path.flagError("invalid argument \(goQuote(v)) for \(goQuote(name)) flag: strconv.ParseBool: parsing \(goQuote(v)): invalid syntax"))
                    }
                } else {
                    out.append(a)
                }
            }
            if handled { return .retry(out) }
            return .fail(path.flagError(m))
        }
        if m.hasPrefix("Unexpected argument") || m.contains("unexpected arguments") {
            return .fail(path.argError("accepts no arguments"))
        }
        return .fail(path.flagError(m))
    }

    /// The first '...' quoted part of a message.
    static func quoted(_ s: String) -> String? {
        guard let a = s.firstIndex(of: "'") else { return nil }
        let rest = s[s.index(after: a)...]
        guard let b = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<b])
    }
}
