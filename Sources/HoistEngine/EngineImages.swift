import Foundation
import HoistCore
import HoistAPIModels
import HoistOCI
import HoistStore

extension Engine {
    public func listImages(all: Bool, filters: [String: [String]]) async throws -> [ImageSummary] {
        try images.list().map { entry in
            let img = entry.image
            var s = ImageSummary(Id: img.id, RepoTags: entry.tags.map(\.familiarString), RepoDigests: [], Created: img.created,
                                 Size: img.size, Labels: img.config.config?.Labels ?? [:])
            if let refFilter = filters["reference"], !refFilter.isEmpty {
                s.RepoTags = s.RepoTags.filter { t in refFilter.contains { ImageReferenceMatch.matches(t, pattern: $0) } }
            }
            return s
        }.filter { s in
            guard let refFilter = filters["reference"], !refFilter.isEmpty else { return true }
            return !s.RepoTags.isEmpty
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
        cc.Hostname = ""; cc.Domainname = ""; cc.AttachStdin = false; cc.AttachStdout = false; cc.AttachStderr = false
        cc.Tty = false; cc.OpenStdin = false; cc.StdinOnce = false; cc.Image = ""
        let comment = img.config.history?.last?.comment ?? ""
        return ImageInspect(Id: img.id, RepoTags: try images.tags(of: img.id).map(\.familiarString), RepoDigests: [],
                            Comment: comment, Created: img.config.created ?? Timestamps.zero, Author: img.config.author ?? "",
                            Config: cc, Architecture: img.config.architecture, Os: img.config.os, Size: img.size,
                            Layers: img.config.rootfs.diff_ids.map(\.description))
    }

    public func removeImage(_ name: String, force: Bool, noPrune: Bool) async throws -> [ImageDeleteResponseItem] {
        let img = try images.resolve(name)
        let tags = try images.tags(of: img.id)
        let users = containers.values.filter { $0.imageID == img.id }
        // A name that is one of several tags: untag only.
        let byReference = (try? Reference(parsing: name)).flatMap { ref in tags.first { $0 == ref } }
        if let ref = byReference {
            // Removing one of several tags, or a tag whose image containers still use (forced): untag only.
            if tags.count > 1 || (!users.isEmpty && force) {
                try images.untag(ref)
                emitImage("untag", imageID: img.id, name: ref.familiarString)
                return [ImageDeleteResponseItem(Untagged: ref.familiarString)]
            }
            if let user = users.first {
                throw HoistError.conflict("conflict: unable to remove repository reference \"\(name)\" (must force) - container \(Identifiers.short(user.id)) is using its referenced image \(Identifiers.short(img.id))")
            }
            try images.untag(ref)
            emitImage("untag", imageID: img.id, name: ref.familiarString)
            try images.deleteImage(id: img.id)
            emitImage("delete", imageID: img.id, name: img.id)
            return [ImageDeleteResponseItem(Untagged: ref.familiarString), ImageDeleteResponseItem(Deleted: img.id)]
        }
        if let running = users.first(where: { $0.isRunning }) {
            throw HoistError.conflict("conflict: unable to delete \(Identifiers.short(img.id)) (cannot be forced) - image is being used by running container \(Identifiers.short(running.id))")
        }
        if let user = users.first, !force {
            throw HoistError.conflict("conflict: unable to delete \(Identifiers.short(img.id)) (must be forced) - image is being used by stopped container \(Identifiers.short(user.id))")
        }
        if tags.count > 1 && !force {
            throw HoistError.conflict("conflict: unable to delete \(Identifiers.short(img.id)) (must be forced) - image is referenced in multiple repositories")
        }
        var out: [ImageDeleteResponseItem] = []
        for t in tags {
            try images.untag(t)
            emitImage("untag", imageID: img.id, name: t.familiarString)
            out.append(ImageDeleteResponseItem(Untagged: t.familiarString))
        }
        // Stopped containers still use the layers: the image stays, untagged, while they exist.
        if users.isEmpty {
            try images.deleteImage(id: img.id)
            emitImage("delete", imageID: img.id, name: img.id)
            out.append(ImageDeleteResponseItem(Deleted: img.id))
        }
        return out
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
        let p = pattern.contains(":") ? pattern : pattern + ":*"
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
