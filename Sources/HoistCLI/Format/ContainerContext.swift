import HoistCore
import HoistClient
import HoistOCI

/// One `ps` row as docker's ContainerContext: the fields `--format` can name.
struct ContainerContext: TemplateObject {
    let c: JSON
    let trunc: Bool
    let now: Int64

    var goTypeName: String { "*formatter.ContainerContext" }

    static let defaultTableFormat = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    static let rawFormat = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n"

    static let header = HeaderContext(titles: [
        "ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
        "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE", "Labels": "LABELS",
        "Mounts": "MOUNTS", "LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Platform": "PLATFORM",
    ], goTypeName: "formatter.SubHeaderContext")

    /// docker's NewContainerFormat.
    static func format(_ source: String, quiet: Bool, size: Bool) -> String {
        switch source {
        case "table", "":
            if quiet { return "{{.ID}}" }
            return size ? defaultTableFormat + "\t{{.Size}}" : defaultTableFormat
        case "raw":
            if quiet { return "container_id: {{.ID}}" }
            return size ? rawFormat + "size: {{.Size}}\n" : rawFormat
        default:
            return quiet ? "{{.ID}}" : source
        }
    }

    func string(_ k: String) -> String { c[k]?.stringValue ?? "" }

    var id: String { trunc ? truncateID(string("Id")) : string("Id") }

    var names: String {
        let ns = (c["Names"]?.arrayValue ?? []).compactMap(\.stringValue).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        if trunc { return ns.first { !$0.contains("/") } ?? "" }
        return ns.joined(separator: ",")
    }

    var image: String {
        let img = string("Image")
        if img.isEmpty { return "<no image>" }
        if !trunc { return img }
        let t = truncateID(string("ImageID"))
        if t == truncateID(img) { return t }
        guard var ref = try? Reference(parsing: img, defaultTag: false) else { return img }
        // Strip a digest, keep the tag.
        ref.digest = nil
        return ref.familiarString
    }

    var command: String {
        let cmd = string("Command")
        return goQuote(trunc ? DisplayWidth.ellipsis(cmd, 20) : cmd)
    }

    var created: Int64 { c["Created"]?.int64Value ?? 0 }

    var size: String {
        let srw = Double(c["SizeRw"]?.int64Value ?? 0)
        let sv = c["SizeRootFs"]?.int64Value ?? 0
        let s = Units.humanSize(srw)
        return sv > 0 ? "\(s) (virtual \(Units.humanSize(Double(sv))))" : s
    }

    var labels: String {
        guard let o = c["Labels"]?.objectValue else { return "" }
        return o.entries.map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ",")
    }

    var mounts: String {
        (c["Mounts"]?.arrayValue ?? []).map { m -> String in
            let name = m["Name"]?.stringValue ?? ""
            let n = name.isEmpty ? (m["Source"]?.stringValue ?? "") : name
            return trunc ? DisplayWidth.ellipsis(n, 15) : n
        }.joined(separator: ",")
    }

    var localVolumes: String {
        String((c["Mounts"]?.arrayValue ?? []).filter { $0["Driver"]?.stringValue == "local" }.count)
    }

    var networks: String {
        (c["NetworkSettings"]?["Networks"]?.objectValue?.keys ?? []).joined(separator: ",")
    }

    var ports: String { PortsFormatter.display(PortsFormatter.parse(c["Ports"])) }

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "ID": return .string(id)
        case "Names": return .string(names)
        case "Image": return .string(image)
        case "Command": return .string(command)
        case "CreatedAt": return .string(GoTime.string(unixSeconds: created))
        case "RunningFor": return .string(GoTime.ago(unixSeconds: created, now: now))
        case "Ports": return .string(ports)
        case "State": return .string(string("State"))
        case "Status": return .string(string("Status"))
        case "Size": return .string(size)
        case "Labels": return .string(labels)
        case "Label":
            guard case .string(let k) = args.first?.scalar ?? .null else { return .string("") }
            return .string(c["Labels"]?[k]?.stringValue ?? "")
        case "Mounts": return .string(mounts)
        case "LocalVolumes": return .string(localVolumes)
        case "Networks": return .string(networks)
        case "Platform": return .null
        default: return nil
        }
    }

    func templateJSON() -> JSON {
        var o = JSONObject()
        for k in ["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names", "Networks", "Platform",
                  "Ports", "RunningFor", "Size", "State", "Status"] {
            switch (try? templateField(k, args: [])) ?? nil {
            case .string(let s)?: o[k] = .string(s)
            default: o[k] = .null
            }
        }
        return .object(o)
    }
}

/// docker's TruncateID: drop an algorithm prefix, keep 12 characters.
func truncateID(_ id: String) -> String {
    var s = Substring(id)
    if let colon = s.firstIndex(of: ":") { s = s[s.index(after: colon)...] }
    return String(s.prefix(12))
}
