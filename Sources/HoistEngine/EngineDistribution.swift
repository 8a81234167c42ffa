import Foundation
import HoistCore
import HoistDistribution
import HoistOCI
import HoistStore

/// Pull, push and registry logins. These run outside the actor (the image store is
/// thread-safe), so a long transfer never holds up container operations.
extension Engine {
    nonisolated func registryHost(_ domain: String) -> RegistryHost {
        RegistryHost(domain: domain, insecureRegistries: config.insecureRegistries)
    }

    /// Where a pull of `domain` goes, in order: Docker Hub's mirrors first (dockerd's
    /// lookupPullEndpoints), then the registry itself.
    nonisolated func pullHosts(_ domain: String) -> [RegistryHost] {
        let mirrors = domain == Reference.defaultDomain ? config.registryMirrors.compactMap { RegistryHost(mirror: $0) } : []
        return mirrors + [registryHost(domain)]
    }

    /// `POST /images/create?fromImage=&tag=`: pulls one tag (or digest), or every tag of
    /// the repository when neither is given (`pull -a`). Returns the closing status line
    /// (`Status: Downloaded newer image for busybox:latest`).
    public nonisolated func pullImage(fromImage: String, tag: String?, platform: String? = nil, credentials: RegistryCredentials?,
                                      progress: @escaping ProgressSink) async throws -> String {
        let pullPlatform = try platform.flatMap { $0.isEmpty ? nil : try PullPlatform(parsing: $0) } ?? .host
        var ref = try Reference(parsing: fromImage, defaultTag: false)
        if let t = tag, !t.isEmpty {
            if let d = try? Digest(parsing: t) { ref.tag = nil; ref.digest = d } else {
                ref = try Reference(parsing: "\(ref.repository):\(t)", defaultTag: false)
            }
        }
        let hosts = pullHosts(ref.domain)
        return try await RegistryClient.withHTTPClient { http in
            for (i, host) in hosts.enumerated() {
                let last = i == hosts.count - 1
                do {
                    // Hub credentials are not sent to mirrors.
                    let client = RegistryClient(host: host, credentials: last ? credentials : nil, http: http)
                    var puller = ImagePuller(client: client, store: images)
                    puller.platform = pullPlatform
                    return try await pull(ref, with: puller, client: client, progress: progress)
                } catch where !last {
                    // A mirror that fails (down, or without the image) falls back to the next.
                    logger.info("pull of \(ref.familiarString) from mirror \(host.baseURL) failed, trying the next: \(error)")
                }
            }
            throw HoistError.internal("no registry to pull \(ref.familiarString) from")
        }
    }

    private nonisolated func pull(_ ref: Reference, with puller: ImagePuller, client: RegistryClient,
                                  progress: @escaping ProgressSink) async throws -> String {
        if ref.tag == nil && ref.digest == nil {
            let tags = try await client.listTags(repository: ref.path, display: ref)
            var changed = false
            for t in tags {
                var one = ref
                one.tag = t
                changed = try await puller.pull(one, progress: progress).changed || changed
                await emitImage("pull", imageID: "", name: one.familiarString)
            }
            return changed ? "Status: Downloaded newer image for \(ref.familiarRepository)"
                           : "Status: Image is up to date for \(ref.familiarRepository)"
        }
        let result = try await puller.pull(ref, progress: progress)
        await emitImage("pull", imageID: result.image.id, name: ref.familiarString)
        return result.changed ? "Status: Downloaded newer image for \(ref.familiarString)"
                              : "Status: Image is up to date for \(ref.familiarString)"
    }

    /// `POST /images/{name}/push?tag=`: one tag, or every local tag of the repository when
    /// no tag is given. The pushed manifest's digest becomes a RepoDigest of the image.
    public nonisolated func pushImage(name: String, tag: String?, credentials: RegistryCredentials?,
                                      progress: @escaping ProgressSink) async throws -> String {
        var ref = try Reference(parsing: name, defaultTag: false)
        guard ref.digest == nil else { throw HoistError.invalid("cannot push a digest reference") }
        if let t = tag, !t.isEmpty { ref = try Reference(parsing: "\(ref.repository):\(t)") }
        var targets: [Reference]
        if ref.tag != nil {
            targets = [ref]
        } else {
            targets = try images.list().flatMap { $0.tags }.filter { $0.repository == ref.repository && $0.tag != nil && $0.digest == nil }
            targets.sort { ($0.tag ?? "") < ($1.tag ?? "") }
        }
        var found: [(Reference, ImageRecord)] = []
        for t in targets {
            if let img = try? images.resolve(t.description) { found.append((t, img)) }
        }
        guard !found.isEmpty else {
            throw HoistError.notFound("An image does not exist locally with the tag: \(ref.familiarRepository)")
        }
        progress(ProgressMessage(id: nil, status: "The push refers to repository [\(ref.repository)]"))
        let host = registryHost(ref.domain)
        try await RegistryClient.withHTTPClient { http in
            let client = RegistryClient(host: host, credentials: credentials, http: http)
            var pusher = ImagePusher(client: client, store: images)
            if let size = config.pushChunkSize, size > 0 { pusher.chunkSize = size }
            for (t, img) in found {
                let digest = try await pusher.push(img, as: t, progress: progress)
                try images.addReferences([Reference(domain: t.domain, path: t.path, tag: nil, digest: digest)], imageID: img.id)
                await emitImage("push", imageID: img.id, name: t.familiarString)
            }
        }
        return ""
    }

    /// `POST /auth`: checks the credentials against the registry's `/v2/` as Docker's
    /// login does (a token fetched with them, or Basic auth accepted). Returns the status.
    public nonisolated func checkAuth(_ credentials: RegistryCredentials) async throws -> String {
        let domain = RegistryHost.domain(ofServer: credentials.serveraddress ?? "")
        let host = registryHost(domain)
        return try await RegistryClient.withHTTPClient { http in
            let client = RegistryClient(host: host, credentials: credentials, http: http)
            let resp: HTTPClientResponseStatusOnly
            do {
                resp = try await client.ping()
            } catch let e as HoistError where e.code == .unauthorized {
                throw HoistError(.unauthorized, "login attempt to \(host.baseURL)/v2/ failed: \(e.message)")
            }
            guard resp.code == 200 else {
                throw HoistError(.unauthorized, "login attempt to \(host.baseURL)/v2/ failed with status: \(resp.code) \(resp.reason)")
            }
            return "Login Succeeded"
        }
    }
}
