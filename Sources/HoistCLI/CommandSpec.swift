import HoistCore
/// docker's usage line and short help of each command, for the messages cobra prints
/// (`"hoist run" requires at least 1 argument.` ... `Usage:  hoist run [OPTIONS] IMAGE ...`).
struct CommandSpec {
    var use: String
    var short: String

    static let table: [String: CommandSpec] = [
        "run": .init(use: "run [OPTIONS] IMAGE [COMMAND] [ARG...]", short: "Run a command in a new container"),
        "create": .init(use: "create [OPTIONS] IMAGE [COMMAND] [ARG...]", short: "Create a new container"),
        "start": .init(use: "start [OPTIONS] CONTAINER [CONTAINER...]", short: "Start one or more stopped containers"),
        "ps": .init(use: "ps [OPTIONS]", short: "List containers"),
        "container ls": .init(use: "ls [OPTIONS]", short: "List containers"),
        "logs": .init(use: "logs [OPTIONS] CONTAINER", short: "Fetch the logs of a container"),
        "stop": .init(use: "stop [OPTIONS] CONTAINER [CONTAINER...]", short: "Stop one or more running containers"),
        "kill": .init(use: "kill [OPTIONS] CONTAINER [CONTAINER...]", short: "Kill one or more running containers"),
        "rm": .init(use: "rm [OPTIONS] CONTAINER [CONTAINER...]", short: "Remove one or more containers"),
        "wait": .init(use: "wait CONTAINER [CONTAINER...]", short: "Block until one or more containers stop, then print their exit codes"),
        "inspect": .init(use: "inspect [OPTIONS] NAME|ID [NAME|ID...]", short: "Return low-level information on Hoist objects"),
        "container inspect": .init(use: "inspect [OPTIONS] CONTAINER [CONTAINER...]", short: "Display detailed information on one or more containers"),
        "restart": .init(use: "restart [OPTIONS] CONTAINER [CONTAINER...]", short: "Restart one or more containers"),
        "images": .init(use: "images [OPTIONS] [REPOSITORY[:TAG]]", short: "List images"),
        "image ls": .init(use: "ls [OPTIONS] [REPOSITORY[:TAG]]", short: "List images"),
        "image inspect": .init(use: "inspect [OPTIONS] IMAGE [IMAGE...]", short: "Display detailed information on one or more images"),
        "rmi": .init(use: "rmi [OPTIONS] IMAGE [IMAGE...]", short: "Remove one or more images"),
        "image rm": .init(use: "rm [OPTIONS] IMAGE [IMAGE...]", short: "Remove one or more images"),
        "import": .init(use: "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]", short: "Import the contents from a tarball to create a filesystem image"),
        "version": .init(use: "version [OPTIONS]", short: "Show the Hoist version information"),
        "info": .init(use: "info [OPTIONS]", short: "Display system-wide information"),
        "pause": .init(use: "pause CONTAINER [CONTAINER...]", short: "Pause all processes within one or more containers"),
        "unpause": .init(use: "unpause CONTAINER [CONTAINER...]", short: "Unpause all processes within one or more containers"),
        "rename": .init(use: "rename CONTAINER NEW_NAME", short: "Rename a container"),
        "update": .init(use: "update [OPTIONS] CONTAINER [CONTAINER...]", short: "Update configuration of one or more containers"),
        "top": .init(use: "top CONTAINER [ps OPTIONS]", short: "Display the running processes of a container"),
        "stats": .init(use: "stats [OPTIONS] [CONTAINER...]", short: "Display a live stream of container(s) resource usage statistics"),
        "diff": .init(use: "diff CONTAINER", short: "Inspect changes to files or directories on a container's filesystem"),
        "port": .init(use: "port CONTAINER [PRIVATE_PORT[/PROTO]]", short: "List port mappings or a specific mapping for the container"),
        "events": .init(use: "events [OPTIONS]", short: "Get real time events from the server"),
        "exec": .init(use: "exec [OPTIONS] CONTAINER COMMAND [ARG...]", short: "Execute a command in a running container"),
        "commit": .init(use: "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]", short: "Create a new image from a container's changes"),
        "history": .init(use: "history [OPTIONS] IMAGE", short: "Show the history of an image"),
        "build": .init(use: "build [OPTIONS] PATH | URL | -", short: "Build an image from a Dockerfile"),
        "builder prune": .init(use: "prune", short: "Remove build cache"),
        "attach": .init(use: "attach [OPTIONS] CONTAINER", short: "Attach local standard input, output, and error streams to a running container"),
        "volume create": .init(use: "create [OPTIONS] [VOLUME]", short: "Create a volume"),
        "volume ls": .init(use: "ls [OPTIONS]", short: "List volumes"),
        "volume inspect": .init(use: "inspect [OPTIONS] VOLUME [VOLUME...]", short: "Display detailed information on one or more volumes"),
        "volume rm": .init(use: "rm [OPTIONS] VOLUME [VOLUME...]", short: "Remove one or more volumes"),
        "volume prune": .init(use: "prune [OPTIONS]", short: "Remove unused local volumes"),
        "network create": .init(use: "create [OPTIONS] NETWORK", short: "Create a network"),
        "network ls": .init(use: "ls [OPTIONS]", short: "List networks"),
        "network inspect": .init(use: "inspect [OPTIONS] NETWORK [NETWORK...]", short: "Display detailed information on one or more networks"),
        "network rm": .init(use: "rm NETWORK [NETWORK...]", short: "Remove one or more networks"),
        "network prune": .init(use: "prune [OPTIONS]", short: "Remove all unused networks"),
        "network connect": .init(use: "connect [OPTIONS] NETWORK CONTAINER", short: "Connect a container to a network"),
        "network disconnect": .init(use: "disconnect [OPTIONS] NETWORK CONTAINER", short: "Disconnect a container from a network"),
        "tag": .init(use: "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"),
        "registry serve": .init(use: "serve [OPTIONS]", short: "Run an OCI image registry"),
        "cp": .init(use: "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\thoist cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", short: "Copy files/folders between a container and the local filesystem"),
        "export": .init(use: "export [OPTIONS] CONTAINER", short: "Export a container's filesystem as a tar archive"),
        "save": .init(use: "save [OPTIONS] IMAGE [IMAGE...]", short: "Save one or more images to a tar archive (streamed to STDOUT by default)"),
        "image save": .init(use: "save [OPTIONS] IMAGE [IMAGE...]", short: "Save one or more images to a tar archive (streamed to STDOUT by default)"),
        "load": .init(use: "load [OPTIONS]", short: "Load an image from a tar archive or STDIN"),
        "image load": .init(use: "load [OPTIONS]", short: "Load an image from a tar archive or STDIN"),
        "container prune": .init(use: "prune [OPTIONS]", short: "Remove all stopped containers"),
        "image prune": .init(use: "prune [OPTIONS]", short: "Remove unused images"),
        "system prune": .init(use: "prune [OPTIONS]", short: "Remove unused data"),
        "pull": .init(use: "pull [OPTIONS] NAME[:TAG|@DIGEST]", short: "Download an image from a registry"),
        "image pull": .init(use: "pull [OPTIONS] NAME[:TAG|@DIGEST]", short: "Download an image from a registry"),
        "push": .init(use: "push [OPTIONS] NAME[:TAG]", short: "Upload an image to a registry"),
        "login": .init(use: "login [OPTIONS] [SERVER]", short: "Authenticate to a registry"),
        "logout": .init(use: "logout [SERVER]", short: "Log out from a registry"),
        "image push": .init(use: "push [OPTIONS] NAME[:TAG]", short: "Upload an image to a registry"),
    ]
}

/// Where the user is: `hoist container ls` and `hoist ps` share code but not messages.
public struct CommandPath: Sendable, Equatable {
    /// Words after `hoist`, e.g. ["container", "ls"].
    public var words: [String]
    /// The canonical key in `CommandSpec.table` (aliases resolved: `container ps` → `container ls`).
    public var key: String

    public var display: String { (["hoist"] + words).joined(separator: " ") }

    var spec: CommandSpec { CommandSpec.table[key] ?? CommandSpec(use: words.last ?? "", short: "") }

    var useLine: String {
        var parts = ["hoist"] + words.dropLast()
        parts.append(spec.use)
        return parts.joined(separator: " ")
    }

    static let groups: [String: [String: String]] = [
        "registry": ["serve": "registry serve"],
        "system": ["prune": "system prune", "events": "events", "info": "info"],
        "builder": ["build": "build", "prune": "builder prune"],
        "volume": ["create": "volume create", "ls": "volume ls", "list": "volume ls", "inspect": "volume inspect",
                   "rm": "volume rm", "remove": "volume rm", "prune": "volume prune"],
        "network": ["create": "network create", "ls": "network ls", "list": "network ls", "inspect": "network inspect",
                    "rm": "network rm", "remove": "network rm", "prune": "network prune",
                    "connect": "network connect", "disconnect": "network disconnect"],
        "container": ["ls": "container ls", "ps": "container ls", "list": "container ls", "run": "run", "create": "create",
                      "start": "start", "stop": "stop", "kill": "kill", "rm": "rm", "remove": "rm", "logs": "logs",
                      "inspect": "container inspect", "wait": "wait", "restart": "restart",
                      "pause": "pause", "unpause": "unpause", "rename": "rename", "update": "update", "top": "top", "stats": "stats",
                      "diff": "diff", "port": "port", "exec": "exec", "commit": "commit", "attach": "attach",
                      "cp": "cp", "export": "export", "prune": "container prune"],
        "image": ["prune": "image prune", "ls": "image ls", "list": "image ls", "inspect": "image inspect", "rm": "image rm", "remove": "image rm",
                  "build": "build", "import": "import", "history": "history", "tag": "tag", "pull": "image pull", "push": "image push",
                  "save": "image save", "load": "image load"],
    ]
    static let topLevel: Set<String> = ["run", "create", "start", "ps", "logs", "stop", "kill", "rm", "wait", "inspect", "restart",
                                        "images", "rmi", "import", "version", "info",
                                        "pause", "unpause", "rename", "update", "top", "stats", "diff", "port", "events", "cp", "export",
                                        "build", "exec", "commit", "history", "tag", "attach", "pull", "push", "login", "logout",
                                        "save", "load"]

    /// Finds the command from the leading words of `args`; nil for an unknown command.
    public static func resolve(_ args: [String]) -> CommandPath? {
        guard let first = args.first else { return nil }
        if let group = groups[first] {
            guard args.count > 1, let key = group[args[1]] else { return CommandPath(words: [first], key: first) }
            return CommandPath(words: [first, args[1]], key: key)
        }
        guard topLevel.contains(first) else { return nil }
        return CommandPath(words: [first], key: first)
    }

    // cobra's argument-count errors (cli/required.go).
    func argError(_ what: String) -> ExitError {
        ExitError(1, "\(goQuote(display)) \(what).\nSee '\(display) --help'.\n\nUsage:  \(useLine)\n\n\(spec.short)")
    }

    func requireMin(_ args: [String], _ n: Int) throws {
        if args.count < n { throw argError("requires at least \(n) \(n == 1 ? "argument" : "arguments")") }
    }

    func requireMax(_ args: [String], _ n: Int) throws {
        if args.count > n { throw argError("requires at most \(n) \(n == 1 ? "argument" : "arguments")") }
    }

    func requireExact(_ args: [String], _ n: Int) throws {
        if args.count != n { throw argError("requires exactly \(n) \(n == 1 ? "argument" : "arguments")") }
    }

    func requireRange(_ args: [String], _ lo: Int, _ hi: Int) throws {
        if args.count < lo || args.count > hi { throw argError("requires at least \(lo) and at most \(hi) arguments") }
    }

    func requireNone(_ args: [String]) throws {
        if !args.isEmpty { throw argError("accepts no arguments") }
    }

    /// pflag's error for a bad flag value, as cobra's FlagErrorFunc shows it (exit 125).
    func flagError(_ message: String) -> ExitError {
        ExitError(125, "\(message)\nSee '\(display) --help'.")
    }

    /// `invalid argument "x" for "-m, --memory" flag: ...`
    func invalidFlagValue(_ value: String, flag: String, _ reason: String) -> ExitError {
        flagError("invalid argument \(goQuote(value)) for \(goQuote(flag)) flag: \(reason)")
    }
}
