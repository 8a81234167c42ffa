/// docker's global flags, which come before the subcommand (`hoist -H unix:///x ps`).
/// swift-argument-parser cannot take parent options there, so argv is split first.
public struct GlobalOptions: Equatable, Sendable {
    public var host: String?
    public var debug = false
    public var logLevel: String?
    public var showVersion = false
    public var showHelp = false

    public init() {}

    public struct UsageError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var exitCode: Int32
        public var description: String { message }
    }

    static let logLevels: Set<String> = ["panic", "fatal", "error", "warn", "warning", "info", "debug", "trace"]

    /// Splits `args` (without argv[0]) into global options and the subcommand with its arguments.
    public static func split(_ args: [String]) throws -> (GlobalOptions, [String]) {
        var g = GlobalOptions()
        var i = 0
        var hosts: [String] = []
        func value(_ flag: String, _ inline: String?) throws -> String {
            if let inline { return inline }
            guard i + 1 < args.count else {
                throw UsageError(message: "flag needs an argument: \(flag)\nSee 'hoist --help'.", exitCode: 125)
            }
            i += 1
            return args[i]
        }
        while i < args.count {
            let a = args[i]
            if a == "--" { i += 1; break }
            guard a.hasPrefix("-"), a.count > 1 else { break }
            var name = a
            var inline: String? = nil
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            } else if !a.hasPrefix("--"), a.count > 2 {
                // -Hunix:///x, -H=unix:///x, -Dl debug
                let flag = String(a.prefix(2))
                if flag == "-H" || flag == "-l" {
                    name = flag
                    var rest = String(a.dropFirst(2))
                    if rest.hasPrefix("=") { rest.removeFirst() }
                    inline = rest
                }
            }
            switch name {
            case "-H", "--host":
                hosts.append(try value(name == "-H" ? "'H' in -H" : name, inline))
            case "-D", "--debug":
                g.debug = inline.map { $0 == "true" || $0 == "1" } ?? true
            case "-l", "--log-level":
                let v = try value(name == "-l" ? "'l' in -l" : name, inline)
                guard logLevels.contains(v) else {
                    throw UsageError(message: "Unable to parse logging level: \(v)", exitCode: 1)
                }
                g.logLevel = v
            case "-v", "--version":
                g.showVersion = true
            case "-h", "--help":
                g.showHelp = true
            case "--config", "--context", "-c":
                _ = try value(name == "-c" ? "'c' in -c" : name, inline)  // accepted for compatibility; Hoist has no contexts
            default:
                if !a.hasPrefix("--") && a.count > 2 && a.dropFirst().allSatisfy({ $0 == "D" || $0 == "v" || $0 == "h" }) {
                    for c in a.dropFirst() {
                        if c == "D" { g.debug = true } else if c == "v" { g.showVersion = true } else { g.showHelp = true }
                    }
                } else if a.hasPrefix("--") {
                    throw UsageError(message: "unknown flag: \(name)\nSee 'hoist --help'.", exitCode: 125)
                } else {
                    let c = a.dropFirst().first.map(String.init) ?? ""
                    throw UsageError(message: "unknown shorthand flag: '\(c)' in \(a)\nSee 'hoist --help'.", exitCode: 125)
                }
            }
            i += 1
        }
        if hosts.count > 1 {
            throw UsageError(message: "Please specify only one -H", exitCode: 1)
        }
        g.host = hosts.first
        return (g, Array(args[i...]))
    }
}
