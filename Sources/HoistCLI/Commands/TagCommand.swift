import ArgumentParser
import HoistClient
import HoistOCI

/// `hoist tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`: sends the target as `repo` + `tag`, as the docker CLI does.
struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", _superCommandName: "hoist", abstract: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")

    @Argument var images: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireExact(images, 2)
        let target: Reference
        do { target = try Reference(parsing: images[1]) } catch {
            throw CLIMessage("Error parsing reference: \"\(images[1])\" is not a valid repository/tag: invalid reference format")
        }
        guard target.digest == nil else { throw CLIMessage("refusing to create a tag with a digest reference") }
        var q = QueryString()
        q.add("repo", target.familiarRepository)
        q.add("tag", target.tag ?? "latest")
        do {
            _ = try await env.client.post("/images/\(images[0])/tag", query: q)
        } catch {
            throw CLIMessage(ErrorReporting.text(error))
        }
    }
}
