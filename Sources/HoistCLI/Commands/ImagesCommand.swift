import ArgumentParser
import HoistClient

/// `hoist images` / `hoist image ls`.
struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", _superCommandName: "hoist", abstract: "List images")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Show all images (default hides intermediate images)")
    var all = false

    @Flag(name: .customLong("digests"), help: "Show digests")
    var digests = false

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Filter output based on conditions provided")
    var filters: [String] = []

    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?

    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output")
    var noTrunc = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only show image IDs")
    var quiet = false

    @Argument(help: "[REPOSITORY[:TAG]]")
    var repository: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMax(repository, 1)
        var q = QueryString()
        q.flag("all", all)
        var f = try FilterArgs.parse(filters, path: env.path)
        if let r = repository.first { f["reference", default: []].append(r) }
        if let e = FilterArgs.encode(f) { q.set("filters", e) }
        let list = try await env.client.getJSON("/images/json", query: q)

        var source = format ?? ""
        if source.isEmpty { source = "table" }
        let fmt = ImageContext.format(source, quiet: quiet, digest: digests)
        let now = GoTime.nowNanos()
        var rows: [any TemplateObject] = []
        for img in list.arrayValue ?? [] {
            rows.append(contentsOf: ImageContext.rows(for: img, digests: digests, formatHasDigest: fmt.contains("{{.Digest}}"),
                                                      trunc: !noTrunc, now: now))
        }
        do {
            Out.write(try ListFormatter.render(format: fmt, rows: rows, header: ImageContext.header))
        } catch {
            throw CLIMessage("\(error)")
        }
    }
}
