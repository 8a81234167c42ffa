#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HoistAPIModels
import HoistClient
import HoistOCI

/// `POST /containers/create`, pulling the image first when the daemon does not have it
/// (docker's createContainer: "Unable to find image 'busybox:latest' locally").
enum ContainerCreation {
    struct PullError: Error, CustomStringConvertible {
        var description: String
    }

    static func create(client: EngineClient, built: ContainerConfigBuilder.Result, pull: String, quiet: Bool,
                       platform: String? = nil) async throws -> String {
        let body = try JSONEncoder().encode(built.request)
        var q = QueryString()
        if let n = built.name { q.set("name", n) }
        if let p = platform, !p.isEmpty { q.set("platform", p) }
        let req = EngineRequest(.POST, "/containers/create", query: q, headers: [("Content-Type", "application/json")], body: Array(body))
        if pull == "always" {
            try await pullImage(client: client, image: built.image, quiet: quiet, platform: platform)
        }
        do {
            return try await decode(client.send(req))
        } catch let e as ClientError where e.isNotFound && pull == "missing" {
            let ref = familiarWithTag(built.image)
            Out.error("Unable to find image '\(ref)' locally")
            try await pullImage(client: client, image: built.image, quiet: quiet, platform: platform)
            return try await decode(client.send(req))
        }
    }

    private static func decode(_ r: EngineResponse) throws -> String {
        let j = try r.json()
        for w in j["Warnings"]?.arrayValue ?? [] {
            if let s = w.stringValue { Out.error("WARNING: \(s)") }
        }
        guard let id = j["Id"]?.stringValue else { throw ClientError.protocolError("create: no Id in the daemon's answer") }
        return id
    }

    /// `busybox` → `busybox:latest` (reference.TagNameOnly, familiar form).
    static func familiarWithTag(_ image: String) -> String {
        guard let r = try? Reference(parsing: image, defaultTag: true) else { return image }
        return r.familiarString
    }

    /// `POST /images/create?fromImage=...&tag=...`, progress on stderr.
    static func pullImage(client: EngineClient, image: String, quiet: Bool, platform: String? = nil) async throws {
        var q = QueryString()
        if let p = platform, !p.isEmpty { q.set("platform", p) }
        if let r = try? Reference(parsing: image, defaultTag: true) {
            q.set("fromImage", r.familiarRepository)
            if let d = r.digest { q.set("tag", d.description) } else if let t = r.tag { q.set("tag", t) }
        } else {
            q.set("fromImage", image)
        }
        let printer = MessagePrinter(fd: 2, quiet: quiet)
        let s = try await client.streamMessages(
            EngineRequest(.POST, "/images/create", query: q, headers: [("X-Registry-Auth", RegistryAuthConfig.header(forImage: image))])) { printer.handle($0) }
        try await s.finished()
        if let e = printer.firstError { throw PullError(description: e) }
    }
}
