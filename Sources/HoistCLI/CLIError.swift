import HoistClient

/// Ends the command with `code`, printing `message` (if any) on stderr, as docker's
/// cli.StatusError does.
public struct ExitError: Error, CustomStringConvertible, Equatable {
    public var code: Int32
    public var message: String?
    public init(_ code: Int32, _ message: String? = nil) {
        self.code = code
        self.message = message
    }
    public var description: String { message ?? "exit status \(code)" }
}

/// A plain error whose text is printed as is (exit 1), like errors.New in docker/cli.
public struct CLIMessage: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

public enum ErrorReporting {
    /// docker's reportError for run/create: `hoist: <msg>.` and, with help, `See 'hoist run --help'.`
    public static func report(_ message: String, command: String, withHelp: Bool) -> String {
        var s = message
        while s.hasSuffix(".") { s.removeLast() }
        s += "."
        if withHelp { s += "\nSee '\(command) --help'." }
        return "hoist: " + s
    }

    /// docker's runStartContainerErr: 127 when the command was not found, 126 when it cannot
    /// be executed, 125 for any other daemon-side failure.
    public static func runExitCode(for message: String) -> Int32 {
        var m = Substring(message)
        let prefix = "Error response from daemon: "
        if m.hasPrefix(prefix) { m = m.dropFirst(prefix.count) }
        if m.contains("executable file not found") || m.contains("no such file or directory")
            || m.contains("system cannot find the file specified") {
            return 127
        }
        if m.contains("permission denied") || m.contains("is a directory") { return 126 }
        return 125
    }

    /// The text an error prints as.
    public static func text(_ error: Error) -> String {
        if let e = error as? ClientError { return e.description }
        if let e = error as? CLIMessage { return e.description }
        if let e = error as? ExitError { return e.message ?? "" }
        return "\(error)"
    }

    public static func isNotFound(_ error: Error) -> Bool {
        (error as? ClientError)?.isNotFound ?? false
    }
}
