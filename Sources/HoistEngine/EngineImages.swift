import Foundation
import HoistCore
import HoistAPIModels
import HoistOCI
import HoistStore

extension Engine {
    public func listImages(all: Bool, filters: [String: [String]]) async throws -> [ImageSummary] {
        // Build steps' images that later steps were built on: hidden unless `-a` or tagged, as Docker's.
        let buildParents = all ? [] : ((try? images.buildParentImageIDs()) ?? [])
        return try images.list().map { entry in
            let img = entry.image
            // Digest references (`busybox@sha256:...`, recorded by pull and push) are RepoDigests.
            var s = ImageSummary(Id: img.id, RepoTags: entry.tags.filter { $0.digest == nil }.map(\.familiarString),
                                 RepoDigests: entry.tags.filter { $0.digest != nil }.map(\.familiarString), Created: img.created,
                                 Size: img.size, Labels: img.config.config?.Labels ?? [:])
            if let refFilter = filters["reference"], !refFilter.isEmpty {
                s.RepoTags = s.RepoTags.filter { t in refFilter.contains { ImageReferenceMatch.matches(t, pattern: $0) } }
            }
            return s
        }.filter { s in
            guard let refFilter = filters["reference"], !refFilter.isEmpty else { return true }
            return !s.RepoTags.isEmpty
        }.filter { s in
            !s.RepoTags.isEmpty || !buildParents.contains(s.Id)
        }.filter { s in
            guard let d = filters["dangling"]?.first else { return true }
            return (d == "true" || d == "1") == s.RepoTags.isEmpty
        }.sorted { $0.Created > $1.Created }
    }

    public func inspectImage(_ name: String) async throws -> ImageInspect {
        let img = try images.resolve(name)
        return try imageInspect(img)
    }

    func imageInspect(_ img: ImageRecord) throws -> ImageInspect {
        let c = img.config.config ?? ContainerDefaults()
        var cc = ContainerConfig()
        cc.User = c.User ?? ""; cc.Env = c.Env; cc.Cmd = c.Cmd; cc.Entrypoint = c.Entrypoint; cc.WorkingDir = c.WorkingDir ?? ""
        cc.Labels = c.Labels; cc.ExposedPorts = c.ExposedPorts; cc.Volumes = c.Volumes; cc.StopSignal = c.StopSignal
        cc.Healthcheck = c.Healthcheck; cc.ArgsEscaped = c.ArgsEscaped; cc.OnBuild = c.OnBuild; cc.Shell = c.Shell
        cc.Hostname = ""; cc.Domainname = ""; cc.AttachStdin = false; cc.AttachStdout = false; cc.AttachStderr = false
        cc.Tty = false; cc.OpenStdin = false; cc.StdinOnce = false; cc.Image = ""
        let comment = img.config.history?.last?.comment ?? ""
        let refs = try images.tags(of: img.id)
        return ImageInspect(Id: img.id, RepoTags: refs.filter { $0.digest == nil }.map(\.familiarString),
                            RepoDigests: refs.filter { $0.digest != nil }.map(\.familiarString),
                            Comment: comment, Created: img.config.created ?? Timestamps.zero, Author: img.config.author ?? "",
                            Config: cc, Architecture: img.config.architecture, Os: img.config.os, Size: img.size,
                            Layers: img.config.rootfs.diff_ids.map(\.description))
    }

    public func removeImage(_ name: String, force: Bool, noPrune: Bool) async throws -> [ImageDeleteResponseItem] {
        try await removeImageCounting(name, force: force).items
    }

    /// `rmi`, and the bytes its removed layers held (what prune reports as reclaimed).
    func removeImageCounting(_ name: String, force: Bool) async throws -> (items: [ImageDeleteResponseItem], freed: Int64) {
        let img = try images.resolve(name)
        // Tags and digest references (`busybox@sha256:...`).
        let tags = try images.tags(of: img.id)
        let users = containers.values.filter { $0.imageID == img.id }
        let byReference = (try? Reference(parsing: name)).flatMap { ref in tags.first { $0 == ref } }
        if let ref = byReference {
            // The image's only reference, and containers use it: only with force (moby).
            if tags.count == 1, let user = users.first, !force {
                throw HoistError.conflict("conflict: unable to remove repository reference \"\(name)\" (must force) - container \(Identifiers.short(user.id)) is using its referenced image \(Identifiers.short(img.id))")
            }
            var removed = [ref]
            var remaining = tags.filter { $0 != ref }
            // A tag gone and no other tag of its repository left: its digest references go too (moby).
            if ref.digest == nil && !remaining.contains(where: { $0.digest == nil && $0.repository == ref.repository }) {
                removed += remaining.filter { $0.digest != nil && $0.repository == ref.repository }
                remaining.removeAll { $0.digest != nil && $0.repository == ref.repository }
            }
            var out: [ImageDeleteResponseItem] = []
            for r in removed {
                try images.untag(r)
                emitImage("untag", imageID: img.id, name: r.familiarString)
                out.append(ImageDeleteResponseItem(Untagged: r.familiarString))
            }
            // Containers still use the layers: the image stays, untagged, while they exist.
            if remaining.isEmpty && users.isEmpty { return try deleteImageRecord(img.id, after: out) }
            return (out, 0)
        }
        if let running = users.first(where: { $0.isRunning }) {
            throw HoistError.conflict("conflict: unable to delete \(Identifiers.short(img.id)) (cannot be forced) - image is being used by running container \(Identifiers.short(running.id))")
        }
        if let user = users.first, !force {
            throw HoistError.conflict("conflict: unable to delete \(Identifiers.short(img.id)) (must be forced) - image is being used by stopped container \(Identifiers.short(user.id))")
        }
        if Set(tags.map(\.repository)).count > 1 && !force {
            throw HoistError.conflict("conflict: unable to delete \(Identifiers.short(img.id)) (must be forced) - image is referenced in multiple repositories")
        }
        var out: [ImageDeleteResponseItem] = []
        for t in tags {
            try images.untag(t)
            emitImage("untag", imageID: img.id, name: t.familiarString)
            out.append(ImageDeleteResponseItem(Untagged: t.familiarString))
        }
        // Stopped containers still use the layers: the image stays, untagged, while they exist.
        if users.isEmpty { return try deleteImageRecord(img.id, after: out) }
        return (out, 0)
    }

    /// Deletes the image and lists it, then each layer that went with it, as moby's
    /// ImageDelete does (`Deleted: <chain ID>`); layers other images share are kept.
    private func deleteImageRecord(_ id: String, after items: [ImageDeleteResponseItem]) throws -> (items: [ImageDeleteResponseItem], freed: Int64) {
        let layers = try images.deleteImage(id: id)
        emitImage("delete", imageID: id, name: id)
        let out = items + [ImageDeleteResponseItem(Deleted: id)] + layers.reversed().map { ImageDeleteResponseItem(Deleted: $0.chainID) }
        return (out, layers.reduce(0) { $0 + $1.size })
    }

    public func tagImage(_ name: String, repo: String, tag: String?) async throws {
        let img = try images.resolve(name)
        var ref = try Reference(parsing: repo)
        if let t = tag, !t.isEmpty { ref = try Reference(parsing: "\(ref.repository):\(t)") }
        guard ref.digest == nil else { throw HoistError.invalid("refusing to create a tag with a digest reference") }
        try images.tag(imageID: img.id, as: ref)
        emitImage("tag", imageID: img.id, name: ref.familiarString)
    }

    public func importImage(tarPath: String, repo: String?, tag: String?, message: String?, changes: [String]) async throws -> String {
        var reference: Reference?
        if let r = repo, !r.isEmpty {
            var ref = try Reference(parsing: r)
            if let t = tag, !t.isEmpty {
                ref = try Reference(parsing: "\(ref.repository):\(t)")
            }
            reference = ref
        }
        let defaults = try ImageChanges.apply(changes, to: ContainerDefaults())
        let img = try images.importRootfs(tarPath: tarPath, defaults: defaults, comment: message, reference: reference)
        emitImage("import", imageID: img.id, name: img.id)
        if let ref = reference { emitImage("tag", imageID: img.id, name: ref.familiarString) }
        return img.id
    }
}

/// `images REPOSITORY[:TAG]` matching as Docker's reference filter (familiar names, `*` globs).
enum ImageReferenceMatch {
    static func matches(_ tag: String, pattern: String) -> Bool {
        // A `:` before the last `/` is a registry port, not a tag.
        let p = (pattern.split(separator: "/").last ?? "").contains(":") ? pattern : pattern + ":*"
        return glob(Array(tag.utf8)[...], Array(p.utf8)[...])
    }

    private static func glob(_ s: ArraySlice<UInt8>, _ p: ArraySlice<UInt8>) -> Bool {
        guard let pc = p.first else { return s.isEmpty }
        if pc == UInt8(ascii: "*") {
            var i = s.startIndex
            while true {
                if glob(s[i...], p.dropFirst()) { return true }
                if i == s.endIndex || s[i] == UInt8(ascii: "/") { return false }
                i += 1
            }
        }
        guard let sc = s.first, sc == pc || pc == UInt8(ascii: "?") else { return false }
        return glob(s.dropFirst(), p.dropFirst())
    }
}
