import HoistAPIModels
import HoistCore
import NIOCore

/// `/images/...`. Image names contain `/` and `:`, so their routes match a greedy segment.
struct ImageRouter: Sendable {
    let backend: any ImageBackend
    let tempDir: String

    var routes: [Route] {
        [
            Route(.GET, "/images/json", list),
            Route(.POST, "/images/create", create),
            Route(.GET, "/images/{name*}/json", inspect),
            Route(.POST, "/images/{name*}/tag", tag),
            Route(.DELETE, "/images/{name*}", remove),
        ]
    }

    private func list(_ x: Exchange) async throws {
        var filters = try x.query.filters()
        // The old `filter=` parameter is a reference filter (moby).
        if let reference = x.query.nonEmpty("filter") { filters["reference", default: []].append(reference) }
        try await x.respondJSON(try await backend.listImages(all: x.query.bool("all"), filters: filters))
    }

    private func inspect(_ x: Exchange) async throws {
        try await x.respondJSON(try await backend.inspectImage(x.parameter("name")))
    }

    /// 201 with no body, as Docker answers.
    private func tag(_ x: Exchange) async throws {
        guard let repo = x.query.nonEmpty("repo") else { throw HoistError.invalid("repository name must have at least one component") }
        try await backend.tagImage(x.parameter("name"), repo: repo, tag: x.query.nonEmpty("tag"))
        try await x.respondEmpty(.created)
    }

    private func remove(_ x: Exchange) async throws {
        let items = try await backend.removeImage(x.parameter("name"), force: x.query.bool("force"), noPrune: x.query.bool("noprune"))
        try await x.respondJSON(items)
    }

    /// `fromSrc=-`: import the tar in the body. `fromImage=`: a pull, which Hoist cannot do yet.
    private func create(_ x: Exchange) async throws {
        if let image = x.query.nonEmpty("fromImage") {
            if let distribution = backend as? any DistributionBackend {
                return try await DistributionRouter.pull(x, backend: distribution, image: image)
            }
            // The docker CLI prints this message as it is, after "Unable to find image".
            throw HoistError.notFound("pull access denied for \(Self.familiarName(image)): Hoist cannot pull from registries yet; import an image with 'hoist import'")
        }
        guard let source = x.query.nonEmpty("fromSrc") else {
            throw HoistError.invalid("either fromImage or fromSrc is required")
        }
        guard source == "-" else {
            throw HoistError(.notImplemented, "importing from a URL is not supported yet: download \(source) and import the file")
        }
        let upload = try await UploadFile.receive(x, directory: tempDir, prefix: "import")
        let imported: Result<String, any Error>
        do {
            imported = .success(try await backend.importImage(tarPath: upload.path, repo: x.query.nonEmpty("repo"), tag: x.query.nonEmpty("tag"),
                                                              message: x.query.nonEmpty("message"), changes: x.query.all("changes")))
        } catch {
            imported = .failure(error)
        }
        // Gone before the client hears the result, whatever it is.
        upload.remove()
        let messages = JSONMessageStream(x)
        switch imported {
        case .success(let id): try await messages.status(id)
        case .failure(let error): try await messages.fail(error)
        }
        try await messages.end()
    }

    /// `docker.io/library/busybox` → `busybox`, as Docker names images in messages.
    static func familiarName(_ name: String) -> String {
        var n = name
        if n.hasPrefix("docker.io/") { n.removeFirst("docker.io/".count) }
        if n.hasPrefix("library/") && !n.dropFirst("library/".count).contains("/") { n.removeFirst("library/".count) }
        return n
    }
}
