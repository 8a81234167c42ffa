import Foundation
import HoistAPIModels
import HoistCore
import HoistOCI
import HoistStore

extension Engine {
    // MARK: commit

    /// `docker commit`: the container's changes (its overlay upper dir, without the mount
    /// points the runtime creates) become one layer on top of its image; the new config is
    /// `config` (the request body) with `changes` applied, completed from the container's
    /// config as moby's commit `merge` does. Returns the new image ID.
    public func commitContainer(_ idOrName: String, repo: String?, tag: String?, comment: String?, author: String?,
                                changes: [String], pause: Bool, config: ContainerConfig?) async throws -> String {
        let rec = try lookup(idOrName)
        let reference = try Engine.commitReference(repo: repo, tag: tag)
        let user = try ImageChanges.apply(changes, to: Engine.defaults(of: config ?? ContainerConfig()))
        let defaults = Engine.mergeCommitConfig(user, container: Engine.defaults(of: rec.config, addPath: true))
        let parent = try images.resolve(rec.imageID)

        // Docker freezes the container so the layer is a consistent snapshot.
        var paused = false
        if pause && rec.status == .running {
            do { try await pauseContainer(rec.id); paused = true } catch {
                logger.warning("commit \(rec.id): cannot pause, committing a running container: \(error)")
            }
        }
        let upper = paths.containerDir(rec.id) + "/upper"
        let store = images
        let info = ImageStore.CommitInfo(defaults: defaults, author: author, comment: comment,
                                         createdBy: (rec.config.Cmd ?? []).joined(separator: " "))
        let result = await Task.detached { () -> Result<ImageRecord, any Error> in
            Result {
                let layer = try store.diffLayer(directory: upper, exclude: Engine.commitExcludes)
                return try store.commit(parent: parent, layer: layer, info: info, reference: reference)
            }
        }.value
        if paused { try? await unpauseContainer(rec.id) }
        let image = try result.get()
        emit("commit", containers[rec.id] ?? rec,
             extra: ["comment": comment ?? "", "imageID": image.id, "imageRef": reference?.familiarString ?? ""])
        if let reference { emitImage("tag", imageID: image.id, name: reference.familiarString) }
        return image.id
    }

    /// What the runtime creates in the container layer as mount points: never committed
    /// (Docker keeps them in its init layer).
    static let commitExcludes: Set<String> = Set(OverlayChanges.initPaths.map { String($0.dropFirst()) })

    /// `repo` + `tag` → the reference to tag (none without a repository, as Docker).
    static func commitReference(repo: String?, tag: String?) throws -> Reference? {
        guard let r = repo, !r.isEmpty else {
            if let t = tag, !t.isEmpty { throw HoistError.invalid("invalid reference format: tag without repository") }
            return nil
        }
        var ref = try Reference(parsing: r)
        if let t = tag, !t.isEmpty {
            guard ref.digest == nil else { throw HoistError.invalid("invalid reference format: cannot combine a digest and a tag") }
            ref = try Reference(parsing: "\(ref.repository):\(t)")
        }
        return ref
    }

    static func defaults(of c: ContainerConfig, addPath: Bool = false) -> ContainerDefaults {
        var env = c.Env
        // Docker's container config carries the default PATH; Hoist adds it at start.
        if addPath, !(env ?? []).contains(where: { $0.hasPrefix("PATH=") }) {
            env = [ContainerConfigMerger.defaultPath] + (env ?? [])
        }
        var d = ContainerDefaults(User: c.User.flatMap { $0.isEmpty ? nil : $0 }, ExposedPorts: c.ExposedPorts, Env: env,
                                  Entrypoint: c.Entrypoint, Cmd: c.Cmd, Volumes: c.Volumes,
                                  WorkingDir: c.WorkingDir.flatMap { $0.isEmpty ? nil : $0 },
                                  Labels: c.Labels.flatMap { $0.isEmpty ? nil : $0 }, StopSignal: c.StopSignal)
        d.Healthcheck = c.Healthcheck
        return d
    }

    /// moby's daemon/commit.go `merge`: what the user set wins, the rest comes from the container.
    static func mergeCommitConfig(_ user: ContainerDefaults, container img: ContainerDefaults) -> ContainerDefaults {
        var u = user
        if (u.User ?? "").isEmpty { u.User = img.User }
        if (u.ExposedPorts ?? [:]).isEmpty {
            u.ExposedPorts = img.ExposedPorts
        } else {
            for p in (img.ExposedPorts ?? [:]).keys where u.ExposedPorts?[p] == nil { u.ExposedPorts?[p] = EmptyObject() }
        }
        if (u.Env ?? []).isEmpty {
            u.Env = img.Env
        } else {
            func key(_ e: String) -> Substring { e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
            for e in img.Env ?? [] where !(u.Env ?? []).contains(where: { key($0) == key(e) }) { u.Env?.append(e) }
        }
        var labels = u.Labels ?? [:]
        for (k, v) in img.Labels ?? [:] where labels[k] == nil { labels[k] = v }
        u.Labels = labels.isEmpty ? nil : labels
        if (u.Entrypoint ?? []).isEmpty {
            if (u.Cmd ?? []).isEmpty { u.Cmd = img.Cmd }
            if u.Entrypoint == nil { u.Entrypoint = img.Entrypoint }
        }
        if (u.WorkingDir ?? "").isEmpty { u.WorkingDir = img.WorkingDir }
        if (u.Volumes ?? [:]).isEmpty {
            u.Volumes = img.Volumes
        } else {
            for (k, v) in img.Volumes ?? [:] { u.Volumes?[k] = v }
        }
        if (u.StopSignal ?? "").isEmpty { u.StopSignal = img.StopSignal }
        u.Healthcheck = ImageHealthcheck.merge(u.Healthcheck, image: img.Healthcheck)
        return u
    }

    // MARK: history

    /// `GET /images/{name}/history`, newest first: the image's own ID and tags on the top
    /// entry, `<missing>` below (Hoist records no parent images).
    public func imageHistory(_ name: String) async throws -> [ImageHistoryItem] {
        let image = try images.resolve(name)
        let entries = try images.history(of: image)
        var out: [ImageHistoryItem] = entries.reversed().map { e in
            ImageHistoryItem(Id: "<missing>", Created: (e.entry.created.flatMap(Timestamps.parseRFC3339) ?? 0) / 1_000_000_000,
                             CreatedBy: e.entry.created_by ?? "", Tags: nil, Size: e.size, Comment: e.entry.comment ?? "")
        }
        if !out.isEmpty {
            out[0].Id = image.id
            out[0].Tags = try images.tags(of: image.id).filter { $0.tag != nil }.map(\.familiarString)
        }
        return out
    }
}
