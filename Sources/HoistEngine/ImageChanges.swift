import Foundation
import HoistBuild
import HoistCore
import HoistDockerfile
import HoistOCI

/// `import -c` / `commit -c`: the Dockerfile instructions that only change the config
/// (moby's validCommitCommands).
enum ImageChanges {
    static func apply(_ changes: [String], to base: ContainerDefaults) throws -> ContainerDefaults {
        var d = base
        for raw in changes {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true).map(String.init)
            let instr = parts[0].uppercased()
            let rest = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            switch instr {
            case "CMD": d.Cmd = commandForm(rest)
            case "ENTRYPOINT": d.Entrypoint = commandForm(rest)
            case "ENV":
                var env = d.Env ?? []
                for kv in keyValues(rest) {
                    let entry = "\(kv.0)=\(kv.1)"
                    if let i = env.firstIndex(where: { $0.hasPrefix(kv.0 + "=") }) { env[i] = entry } else { env.append(entry) }
                }
                d.Env = env
            case "LABEL":
                var labels = d.Labels ?? [:]
                for kv in keyValues(rest) { labels[kv.0] = kv.1 }
                d.Labels = labels
            case "WORKDIR": d.WorkingDir = rest
            case "USER": d.User = rest
            case "STOPSIGNAL": d.StopSignal = rest
            case "EXPOSE":
                var ports = d.ExposedPorts ?? [:]
                for p in rest.split(separator: " ") { ports[p.contains("/") ? String(p) : "\(p)/tcp"] = EmptyObject() }
                d.ExposedPorts = ports
            case "HEALTHCHECK":
                guard case .healthcheck(let h) = try DockerfileParser.parseTrigger(line, fileName: "change").instruction else {
                    throw HoistError.invalid("HEALTHCHECK is not a valid change command")
                }
                d.Healthcheck = ImageHealthcheck(h)
            case "ONBUILD":
                // Checked as the trigger it becomes (no ONBUILD ONBUILD, FROM or MAINTAINER).
                _ = try DockerfileParser.parseTrigger(rest, fileName: "change")
                d.OnBuild = (d.OnBuild ?? []) + [rest]
            case "VOLUME":
                var vols = d.Volumes ?? [:]
                for v in commandForm(rest) { vols[v] = EmptyObject() }
                d.Volumes = vols
            default:
                throw HoistError.invalid("\(instr) is not a valid change command")
            }
        }
        return d
    }

    /// JSON array form, else shell form wrapped in `/bin/sh -c`.
    static func commandForm(_ s: String) -> [String] {
        if s.hasPrefix("["), let data = s.data(using: .utf8), let arr = try? JSONDecoder().decode([String].self, from: data) {
            return arr
        }
        return ["/bin/sh", "-c", s]
    }

    /// `K=V K2="v 2"` or legacy `K V`.
    static func keyValues(_ s: String) -> [(String, String)] {
        if !s.contains("=") {
            let p = s.split(separator: " ", maxSplits: 1).map(String.init)
            return p.count == 2 ? [(p[0], p[1])] : []
        }
        var out: [(String, String)] = []
        var cur = "", quote: Character? = nil
        var tokens: [String] = []
        for ch in s {
            if let q = quote { if ch == q { quote = nil } else { cur.append(ch) }; continue }
            if ch == "\"" || ch == "'" { quote = ch; continue }
            if ch == " " { if !cur.isEmpty { tokens.append(cur); cur = "" }; continue }
            cur.append(ch)
        }
        if !cur.isEmpty { tokens.append(cur) }
        for t in tokens {
            let kv = t.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            out.append((kv[0], kv.count > 1 ? kv[1] : ""))
        }
        return out
    }
}
