import HoistCore
import ArgumentParser
import HoistClient

/// `hoist inspect`: containers first, then images; the raw API JSON indented as docker
/// prints it, or `-f` templates over it.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", _superCommandName: "hoist", abstract: "Return low-level information on Hoist objects")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?

    @Flag(name: [.customShort("s"), .customLong("size")], help: "Display total file sizes if the type is container")
    var size = false

    @Option(name: .customLong("type"), help: "Return JSON for specified type")
    var type: String?

    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        if let t = type, t != "container", t != "image" {
            throw CLIMessage("unknown type: \(goQuote(t)): must be one of \"container\", \"image\"")
        }
        try await Inspector.run(names: names, format: format ?? "") { name in
            try await Inspector.fetch(client: env.client, name: name, type: type, size: size)
        }
    }
}

/// `hoist container inspect`
struct ContainerInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", _superCommandName: "hoist", abstract: "Display detailed information on one or more containers")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?

    @Flag(name: [.customShort("s"), .customLong("size")], help: "Display total file sizes")
    var size = false

    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        try await Inspector.run(names: names, format: format ?? "") { name in
            try await Inspector.fetch(client: env.client, name: name, type: "container", size: size)
        }
    }
}

/// `hoist image inspect`
struct ImageInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", _superCommandName: "hoist", abstract: "Display detailed information on one or more images")

    @Option(name: [.customShort("f"), .customLong("format")], help: "Format output using a custom template")
    var format: String?

    @Argument var names: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        try env.path.requireMin(names, 1)
        try await Inspector.run(names: names, format: format ?? "") { name in
            try await Inspector.fetch(client: env.client, name: name, type: "image", size: false)
        }
    }
}

/// docker's inspect.Inspect: collect elements, print them (or `[]`), then the errors.
enum Inspector {
    static func fetch(client: EngineClient, name: String, type: String?, size: Bool) async throws -> [UInt8] {
        var q = QueryString()
        q.flag("size", size)
        switch type {
        case "container":
            return try await client.send(EngineRequest(.GET, "/containers/\(name)/json", query: q)).bytes
        case "image":
            return try await client.send(EngineRequest(.GET, "/images/\(name)/json")).bytes
        default:
            do {
                return try await client.send(EngineRequest(.GET, "/containers/\(name)/json", query: q)).bytes
            } catch let e as ClientError where e.isNotFound {
                do {
                    return try await client.send(EngineRequest(.GET, "/images/\(name)/json")).bytes
                } catch let e as ClientError where e.isNotFound {
                    throw CLIMessage("Error: No such object: \(name)")
                }
            }
        }
    }

    static func run(names: [String], format: String, fetch: (String) async throws -> [UInt8]) async throws {
        var template: GoTemplate? = nil
        if !format.isEmpty && format != "json" {
            do {
                template = try GoTemplate(format)
            } catch {
                throw ExitError(64, "template parsing error: \(error)")
            }
        }
        var raws: [[UInt8]] = []
        var out = ""
        var errors: [String] = []
        for n in names {
            do {
                let raw = try await fetch(n)
                if let t = template {
                    do {
                        out += try t.execute(json: try JSONParser.parse(raw)) + "\n"
                    } catch {
                        errors.append("template parsing error: \(error)")
                    }
                } else {
                    raws.append(raw)
                }
            } catch {
                errors.append(ErrorReporting.text(error))
            }
        }
        if template != nil {
            Out.write(out.isEmpty ? "\n" : out)
        } else if raws.isEmpty {
            Out.write("[]\n")
        } else {
            var joined: [UInt8] = [UInt8(ascii: "[")]
            for (i, r) in raws.enumerated() {
                if i > 0 { joined.append(UInt8(ascii: ",")) }
                joined.append(contentsOf: r)
            }
            joined.append(UInt8(ascii: "]"))
            let text = format == "json" ? compactJSON(joined) : JSONWriter.indent(joined)
            FDWriter.writeAll(1, text + [0x0A])
        }
        if !errors.isEmpty { throw ExitError(1, errors.joined(separator: "\n")) }
    }

    /// json.Compact: drop insignificant whitespace, keep tokens as they are.
    static func compactJSON(_ src: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(src.count)
        var inString = false, escaped = false
        for c in src {
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { continue }
            if c == UInt8(ascii: "\"") { inString = true }
            out.append(c)
        }
        return out
    }
}
