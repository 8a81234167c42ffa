import HoistClient
import HoistOCI

/// One `images` row as docker's imageContext.
struct ImageContext: TemplateObject {
    let image: JSON
    let repo: String
    let tag: String
    let digest: String
    let trunc: Bool
    let now: Int64

    var goTypeName: String { "*formatter.imageContext" }

    static let defaultTableFormat = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
    static let defaultTableFormatWithDigest = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"

    static let header = HeaderContext(titles: [
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "CreatedSince": "CREATED",
        "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS", "VirtualSize": "SIZE",
        "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
    ], goTypeName: "formatter.SubHeaderContext")

    /// docker's NewImageFormat.
    static func format(_ source: String, quiet: Bool, digest: Bool) -> String {
        switch source {
        case "table":
            if quiet { return "{{.ID}}" }
            return digest ? defaultTableFormatWithDigest : defaultTableFormat
        case "raw":
            if quiet { return "image_id: {{.ID}}" }
            if digest {
                return "repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n"
            }
            return "repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n"
        default:
            var f = source
            if f.hasPrefix("table") && digest && !f.contains("{{.Digest}}") { f += "\t{{.Digest}}" }
            return f
        }
    }

    /// The rows of one image: one per repository:tag (and per digest when asked), or a
    /// single `<none>` row for a dangling image.
    static func rows(for img: JSON, digests showDigests: Bool, formatHasDigest: Bool, trunc: Bool, now: Int64) -> [ImageContext] {
        let tags = (img["RepoTags"]?.arrayValue ?? []).compactMap(\.stringValue)
        let digests = (img["RepoDigests"]?.arrayValue ?? []).compactMap(\.stringValue)
        let dangling = (tags.isEmpty && digests.isEmpty) || (tags == ["<none>:<none>"] && digests == ["<none>@<none>"])
        if dangling {
            return [ImageContext(image: img, repo: "<none>", tag: "<none>", digest: "<none>", trunc: trunc, now: now)]
        }
        var repoTags: [(String, [String])] = []
        var repoDigests: [(String, [String])] = []
        func add(_ list: inout [(String, [String])], _ k: String, _ v: String) {
            if let i = list.firstIndex(where: { $0.0 == k }) { list[i].1.append(v) } else { list.append((k, [v])) }
        }
        for t in tags {
            guard let ref = try? Reference(parsing: t, defaultTag: false), let tag = ref.tag else { continue }
            add(&repoTags, ref.familiarRepository, tag)
        }
        for d in digests {
            guard let ref = try? Reference(parsing: d, defaultTag: false), let dg = ref.digest else { continue }
            add(&repoDigests, ref.familiarRepository, dg.description)
        }
        let needDigest = showDigests || formatHasDigest
        var out: [ImageContext] = []
        for (repo, ts) in repoTags {
            var ds = repoDigests.first { $0.0 == repo }?.1 ?? []
            repoDigests.removeAll { $0.0 == repo }
            if !needDigest { ds = [] }
            for t in ts {
                if ds.isEmpty {
                    out.append(ImageContext(image: img, repo: repo, tag: t, digest: "<none>", trunc: trunc, now: now))
                } else {
                    for d in ds { out.append(ImageContext(image: img, repo: repo, tag: t, digest: d, trunc: trunc, now: now)) }
                }
            }
        }
        for (repo, ds) in repoDigests {
            if showDigests {
                for d in ds { out.append(ImageContext(image: img, repo: repo, tag: "<none>", digest: d, trunc: trunc, now: now)) }
            } else {
                out.append(ImageContext(image: img, repo: repo, tag: "<none>", digest: "", trunc: trunc, now: now))
            }
        }
        return out
    }

    var created: Int64 { image["Created"]?.int64Value ?? 0 }
    var size: Int64 { image["Size"]?.int64Value ?? 0 }

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "ID":
            let id = image["Id"]?.stringValue ?? ""
            return .string(trunc ? truncateID(id) : id)
        case "Repository": return .string(repo)
        case "Tag": return .string(tag)
        case "Digest": return .string(digest)
        case "CreatedSince": return .string(GoTime.ago(unixSeconds: created, now: now))
        case "CreatedAt": return .string(GoTime.string(unixSeconds: created))
        case "Size": return .string(Units.humanSize(Double(size)))
        case "Containers":
            let n = image["Containers"]?.int64Value ?? -1
            return .string(n == -1 ? "N/A" : String(n))
        case "VirtualSize": return .string(Units.humanSize(Double(size), precision: 4))
        case "SharedSize":
            let n = image["SharedSize"]?.int64Value ?? -1
            return .string(n == -1 ? "N/A" : Units.humanSize(Double(n), precision: 4))
        case "UniqueSize":
            let n = image["SharedSize"]?.int64Value ?? -1
            return .string(size == -1 || n == -1 ? "N/A" : Units.humanSize(Double(size - n), precision: 4))
        default: return nil
        }
    }

    func templateJSON() -> JSON {
        var o = JSONObject()
        for k in ["Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag",
                  "UniqueSize", "VirtualSize"] {
            if case .string(let s)? = (try? templateField(k, args: [])) ?? nil { o[k] = .string(s) }
        }
        return .object(o)
    }
}
