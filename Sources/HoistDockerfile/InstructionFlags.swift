/// Validation of builder flags against the flags an instruction accepts (BuildKit's
/// `BFlags`), with Docker's messages.
struct InstructionFlags {
    enum Kind { case bool, string, strings }

    private let args: [String]
    private var definitions: [(name: String, kind: Kind)] = []
    private var values: [String: String] = [:]
    private var lists: [String: [String]] = [:]
    private(set) var used: [String] = []

    init(_ args: [String]) { self.args = args }

    /// Declares the accepted flags and checks the instruction's flags against them.
    mutating func parse(_ accepted: [(String, Kind)] = []) throws(DetailError) {
        definitions = accepted.map { (name: $0.0, kind: $0.1) }
        for var arg in args {
            guard arg.hasPrefix("--") else { throw DetailError("Arg should start with -- : \(arg)") }
            if arg == "--" { return }
            arg.removeFirst(2)
            var value = ""
            var hasValue = false
            if let eq = arg.firstIndex(of: "=") {
                value = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
                hasValue = true
            }
            guard let kind = definitions.first(where: { $0.name == arg })?.kind else {
                var message = "unknown flag: \(arg)"
                if let hint = GoText.suggestion(for: arg, among: definitions.map(\.name), caseSensitive: true) {
                    message += " (did you mean \(hint)?)"
                }
                throw DetailError(message)
            }
            if used.contains(arg) && kind != .strings { throw DetailError("duplicate flag specified: \(arg)") }
            if !used.contains(arg) { used.append(arg) }
            switch kind {
            case .bool:
                if hasValue && value.isEmpty { throw DetailError("missing a value on flag: \(arg)") }
                switch value.lowercased() {
                case "", "true": values[arg] = "true"
                case "false": values[arg] = "false"
                default: throw DetailError("expecting boolean value for flag \(arg), not: \(value)")
                }
            case .string:
                guard hasValue else { throw DetailError("missing a value on flag: \(arg)") }
                values[arg] = value
            case .strings:
                guard hasValue else { throw DetailError("missing a value on flag: \(arg)") }
                lists[arg, default: []].append(value)
            }
        }
    }

    /// A string flag's value; nil when absent or empty (Docker treats both alike).
    func string(_ name: String) -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        return v
    }

    /// A string flag's value as given, empty included; nil when absent.
    func rawString(_ name: String) -> String? { values[name] }

    func bool(_ name: String) -> Bool { values[name] == "true" }

    /// nil when the flag was not given.
    func optionalBool(_ name: String) -> Bool? { values[name].map { $0 == "true" } }

    func strings(_ name: String) -> [String] { lists[name] ?? [] }
}
