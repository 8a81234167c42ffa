import ArgumentParser
import HoistClient

/// `hoist create`: create a container and print its ID.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", _superCommandName: "hoist", abstract: "Create a new container", helpNames: [.customLong("help")])

    @OptionGroup var options: ContainerOptions

    func run() async throws {
        let env = CLIEnvironment.get()
        let path = env.path
        // Everything from the first non-flag is passed through, so `--help` lands here.
        if options.imageAndCommand.first == "--help" {
            Out.write(CreateCommand.helpMessage() + "\n")
            return
        }
        try path.requireMin(options.imageAndCommand, 1)
        let built = try ContainerConfigBuilder.build(options, path: path, environment: env.environment, detach: false)
        do {
            let id = try await CIDFile.creating(options.cidFile) {
                try await ContainerCreation.create(client: env.client, built: built, pull: options.pull, quiet: options.quiet,
                                                  platform: options.platform)
            }
            Out.print(id)
        } catch let e as ExitError {
            throw e
        } catch {
            throw ExitError(125, ErrorReporting.report(ErrorReporting.text(error), command: path.display, withHelp: true))
        }
    }
}
