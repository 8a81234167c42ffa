import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import HoistClient

/// The `hoist` entry point: global flags, command lookup, parsing, running, and turning
/// errors into docker's messages and exit codes.
public enum HoistMain {
    /// Commands by their canonical key (aliases resolve to these in `CommandPath`).
    /// Every command's configuration names its super-command (`_superCommandName`): usage
    /// then reads `hoist run`, and argument-parser skips its `--generate-completion-script`
    /// probe, which parsed the command line twice more (15% of `run`'s CPU before it connects).
    static let commands: [String: any AsyncParsableCommand.Type] = [
        "run": RunCommand.self, "create": CreateCommand.self, "start": StartCommand.self,
        "ps": PsCommand.self, "container ls": PsCommand.self, "logs": LogsCommand.self,
        "stop": StopCommand.self, "kill": KillCommand.self, "rm": RmCommand.self, "wait": WaitCommand.self,
        "inspect": InspectCommand.self, "container inspect": ContainerInspectCommand.self,
        "restart": RestartCommand.self, "images": ImagesCommand.self, "image ls": ImagesCommand.self,
        "image inspect": ImageInspectCommand.self, "rmi": RmiCommand.self, "image rm": RmiCommand.self,
        "import": ImportCommand.self, "version": VersionCommand.self, "info": InfoCommand.self,
        "pause": PauseCommand.self, "unpause": UnpauseCommand.self, "rename": RenameCommand.self, "top": TopCommand.self,
        "update": UpdateCommand.self,
        "stats": StatsCommand.self, "diff": DiffCommand.self, "port": PortCommand.self, "events": EventsCommand.self,
        "exec": ExecCommand.self, "commit": CommitCommand.self, "history": HistoryCommand.self,
        "tag": TagCommand.self, "attach": AttachCommand.self,
        "registry serve": RegistryServeCommand.self,
        "cp": CpCommand.self, "export": ExportCommand.self,
        "save": SaveCommand.self, "image save": SaveCommand.self, "load": LoadCommand.self, "image load": LoadCommand.self,
        "container prune": ContainerPruneCommand.self, "image prune": ImagePruneCommand.self, "system prune": SystemPruneCommand.self,
        "build": BuildCommand.self, "builder prune": BuilderPruneCommand.self,
        "volume create": VolumeCreateCommand.self, "volume ls": VolumeLsCommand.self, "volume inspect": VolumeInspectCommand.self,
        "volume rm": VolumeRmCommand.self, "volume prune": VolumePruneCommand.self,
        "network create": NetworkCreateCommand.self, "network ls": NetworkLsCommand.self, "network inspect": NetworkInspectCommand.self,
        "network rm": NetworkRmCommand.self, "network prune": NetworkPruneCommand.self,
        "network connect": NetworkConnectCommand.self, "network disconnect": NetworkDisconnectCommand.self,
        "pull": PullCommand.self, "image pull": PullCommand.self, "push": PushCommand.self, "image push": PushCommand.self,
        "login": LoginCommand.self, "logout": LogoutCommand.self,
    ]

    /// Runs the command and exits the process with its status, from whichever thread the
    /// command finished on (nonisolated: never the main actor).
    public static func runAndExit(_ argv: [String]) async -> Never {
        exit(await run(argv))
    }

    public static func run(_ argv: [String]) async -> Int32 {
        let globals: GlobalOptions, rest: [String]
        do {
            (globals, rest) = try GlobalOptions.split(Array(argv.dropFirst()))
        } catch let e as GlobalOptions.UsageError {
            Out.error(e.message)
            return e.exitCode
        } catch {
            Out.error("\(error)")
            return 1
        }
        if globals.showVersion {
            Out.print("Hoist version \(HoistVersion.version), build \(HoistVersion.gitCommit)")
            return 0
        }
        if rest.isEmpty {
            Out.write(RootHelp.text)
            return 0
        }
        guard let path = CommandPath.resolve(rest) else {
            Out.error("hoist: '\(rest[0])' is not a hoist command.\nSee 'hoist --help'")
            return 1
        }
        guard let type = commands[path.key] else {
            // `hoist container` alone, or an unknown subcommand of a group.
            if rest.count > 1 && !rest[1].hasPrefix("-") {
                Out.error("hoist: '\(rest[0]) \(rest[1])' is not a hoist command.\nSee 'hoist \(rest[0]) --help'")
                return 1
            }
            Out.write(RootHelp.group(path.words[0]))
            return 0
        }
        var args = Array(rest.dropFirst(path.words.count))
        if globals.showHelp { args.append("--help") }

        let env = ProcessEnvironment.current()
        // A bad host is reported after parsing, as usage errors come first.
        let resolvedHost = Result { try DaemonHost.resolve(flag: globals.host, environment: env) }
        // The event loop starts and the connection is made while the command line is parsed
        // (argument-parser's reflection takes milliseconds): both are on `run`'s critical path.
        let early: ClientBox? = path.key == "registry serve" || args.contains("--help")
            ? nil : (try? resolvedHost.get()).map { ClientBox(host: $0) }
        // `run` attaches, waits and starts side by side: two more connections are made while
        // parsing (`run -d` leaves them unused).
        early?.connectAhead(spares: path.key == "run" ? 2 : 0)

        // Parse; `--flag=false` style booleans are rewritten and parsed again.
        var parsed: ParsableCommand? = nil
        for _ in 0..<8 {
            do {
                parsed = try type.parseAsRoot(args)
                break
            } catch {
                if type.exitCode(for: error) == .success {
                    let m = type.fullMessage(for: error)
                    Out.write((m.isEmpty ? type.helpMessage() : m) + "\n")
                    return 0
                }
                if globals.debug { Out.error("parse: \(type.message(for: error))") }
                switch UsageTranslation.translate(type.message(for: error), args: args, path: path) {
                case .fail(let e):
                    Out.error(e.message ?? "")
                    return e.code
                case .retry(let a):
                    args = a
                }
            }
        }
        guard let command = parsed as? AsyncParsableCommand else {
            // `--help` comes back as argument-parser's own help command.
            guard var other = parsed else { return 1 }
            do {
                try other.run()
            } catch {
                let m = type.fullMessage(for: error)
                Out.write((m.isEmpty ? type.helpMessage() : m) + "\n")
                return type.exitCode(for: error) == .success ? 0 : 1
            }
            return 0
        }

        let host: DaemonHost
        do {
            host = try resolvedHost.get()
        } catch {
            Out.error(ErrorReporting.text(error))
            return 1
        }
        let context = CLIEnvironment(globals: globals, environment: env, path: path, host: host, clientBox: early)
        var cmd = command
        do {
            try await CLIEnvironment.$current.withValue(context) {
                try await cmd.run()
            }
            return 0
        } catch let e as ExitError {
            if let m = e.message { Out.error(m) }
            return e.code == 0 ? 1 : e.code
        } catch {
            Out.error(ErrorReporting.text(error))
            return 1
        }
    }
}

enum RootHelp {
    static let text = """

    Usage:  hoist [OPTIONS] COMMAND

    A self-sufficient runtime for containers

    Options:
      -D, --debug              Enable debug mode
      -H, --host string        Daemon socket to connect to
      -l, --log-level string   Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
      -v, --version            Print version information and quit

    Management Commands:
      builder     Manage builds
      container   Manage containers
      image       Manage images
      registry    Run an OCI image registry
      network     Manage networks
      system      Manage Hoist
      volume      Manage volumes

    Commands:
      attach      Attach local standard input, output, and error streams to a running container
      build       Build an image from a Dockerfile
      commit      Create a new image from a container's changes
      cp          Copy files/folders between a container and the local filesystem
      create      Create a new container
      diff        Inspect changes to files or directories on a container's filesystem
      events      Get real time events from the server
      exec        Execute a command in a running container
      export      Export a container's filesystem as a tar archive
      history     Show the history of an image
      images      List images
      import      Import the contents from a tarball to create a filesystem image
      info        Display system-wide information
      inspect     Return low-level information on Hoist objects
      kill        Kill one or more running containers
      load        Load an image from a tar archive or STDIN
      login       Authenticate to a registry
      logout      Log out from a registry
      logs        Fetch the logs of a container
      pause       Pause all processes within one or more containers
      port        List port mappings or a specific mapping for the container
      ps          List containers
      pull        Download an image from a registry
      push        Upload an image to a registry
      rename      Rename a container
      restart     Restart one or more containers
      rm          Remove one or more containers
      rmi         Remove one or more images
      run         Run a command in a new container
      save        Save one or more images to a tar archive (streamed to STDOUT by default)
      start       Start one or more stopped containers
      stats       Display a live stream of container(s) resource usage statistics
      stop        Stop one or more running containers
      tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
      top         Display the running processes of a container
      unpause     Unpause all processes within one or more containers
      update      Update configuration of one or more containers
      version     Show the Hoist version information
      wait        Block until one or more containers stop, then print their exit codes

    Run 'hoist COMMAND --help' for more information on a command.

    """

    static func group(_ name: String) -> String {
        if name == "registry" {
            return """

            Usage:  hoist registry COMMAND

            Run an OCI image registry

            Commands:
              serve       Run an OCI image registry

            Run 'hoist registry COMMAND --help' for more information on a command.

            """
        }
        if name == "system" { return SystemHelp.text }
        if name == "builder" {
            return """

            Usage:  hoist builder COMMAND

            Manage builds

            Commands:
              build       Build an image from a Dockerfile
              prune       Remove build cache

            Run 'hoist builder COMMAND --help' for more information on a command.

            """
        }
        if name == "volume" { return VolumeHelp.text }
        if name == "network" { return NetworkHelp.text }
        if name == "image" {
            return """

            Usage:  hoist image COMMAND

            Manage images

            Commands:
              history     Show the history of an image
              import      Import the contents from a tarball to create a filesystem image
              inspect     Display detailed information on one or more images
              load        Load an image from a tar archive or STDIN
              ls          List images
              pull        Download an image from a registry
              push        Upload an image to a registry
              rm          Remove one or more images
              save        Save one or more images to a tar archive (streamed to STDOUT by default)
              tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE

            Run 'hoist image COMMAND --help' for more information on a command.

            """
        }
        return """

        Usage:  hoist container COMMAND

        Manage containers

        Commands:
          commit      Create a new image from a container's changes
          cp          Copy files/folders between a container and the local filesystem
          create      Create a new container
          diff        Inspect changes to files or directories on a container's filesystem
          exec        Execute a command in a running container
          export      Export a container's filesystem as a tar archive
          inspect     Display detailed information on one or more containers
          kill        Kill one or more running containers
          logs        Fetch the logs of a container
          ls          List containers
          pause       Pause all processes within one or more containers
          port        List port mappings or a specific mapping for the container
          prune       Remove all stopped containers
          rename      Rename a container
          restart     Restart one or more containers
          rm          Remove one or more containers
          run         Run a command in a new container
          start       Start one or more stopped containers
          stats       Display a live stream of container(s) resource usage statistics
          stop        Stop one or more running containers
          top         Display the running processes of a container
          unpause     Unpause all processes within one or more containers
          update      Update configuration of one or more containers
          wait        Block until one or more containers stop, then print their exit codes

        Run 'hoist container COMMAND --help' for more information on a command.

        """
    }
}
