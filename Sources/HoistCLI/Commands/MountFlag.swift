import HoistAPIModels
#if canImport(Glibc)
import Glibc
#endif

/// docker's MountOpt: `--mount type=bind,source=/a,target=/b,readonly,...` → an API Mount.
/// Errors are the reasons pflag shows after `invalid argument "..." for "--mount" flag: `.
enum MountFlag {
    struct Failure: Error { let reason: String }

    /// The CLI's working directory, for relative `./` sources.
    static func cwd() -> String {
        guard let p = getcwd(nil, 0) else { return "/" }
        defer { free(p) }
        return String(cString: p)
    }

    /// `cwd` makes `source=./x` (and `.`) absolute, as the docker CLI does.
    static func parse(_ value: String, cwd: String) throws -> Mount {
        var m = Mount(Type: "volume")
        var volumeOptions: Mount.VolumeOptions?
        var bindOptions: Mount.BindOptions?
        var tmpfsOptions: Mount.TmpfsOptions?
        func vol() -> Mount.VolumeOptions { volumeOptions ?? Mount.VolumeOptions(Labels: [:], DriverConfig: Mount.Driver()) }
        func parseBool(_ key: String, _ v: String) throws -> Bool {
            switch v {
            case "1", "t", "T", "true", "TRUE", "True": return true
            case "0", "f", "F", "false", "FALSE", "False": return false
            default: throw Failure(reason: key == "volume-nocopy" ? "invalid value for volume-nocopy: \(v)" : "invalid value for \(key): \(v)")
            }
        }
        for field in try csvFields(value) {
            guard let eq = field.firstIndex(of: "=") else {
                switch field {
                case "readonly", "ro": m.ReadOnly = true
                case "volume-nocopy": var o = vol(); o.NoCopy = true; volumeOptions = o
                case "bind-nonrecursive": var o = bindOptions ?? .init(); o.NonRecursive = true; bindOptions = o
                default: throw Failure(reason: "invalid field '\(field)' must be a key=value pair")
                }
                continue
            }
            let key = String(field[..<eq]), val = String(field[field.index(after: eq)...])
            switch key {
            case "type": m.Type = val.lowercased()
            case "source", "src":
                m.Source = val
                if val == "." || val.hasPrefix("./") { m.Source = MountSpec.clean(cwd + "/" + val) }
            case "target", "dst", "destination": m.Target = val
            case "readonly", "ro": m.ReadOnly = try parseBool(key, val)
            case "consistency": m.Consistency = val.lowercased()
            case "bind-propagation": var o = bindOptions ?? .init(); o.Propagation = val.lowercased(); bindOptions = o
            case "bind-nonrecursive": var o = bindOptions ?? .init(); o.NonRecursive = try parseBool(key, val); bindOptions = o
            case "volume-nocopy": var o = vol(); o.NoCopy = try parseBool(key, val); volumeOptions = o
            case "volume-label":
                var o = vol()
                let kv = val.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                if !kv[0].isEmpty { o.Labels?[kv[0]] = kv.count > 1 ? kv[1] : "" }
                volumeOptions = o
            case "volume-driver": var o = vol(); o.DriverConfig?.Name = val; volumeOptions = o
            case "volume-opt":
                var o = vol()
                let kv = val.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                if !kv[0].isEmpty {
                    var opts = o.DriverConfig?.Options ?? [:]
                    opts[kv[0]] = kv.count > 1 ? kv[1] : ""
                    o.DriverConfig?.Options = opts
                }
                volumeOptions = o
            case "tmpfs-size":
                guard let size = try? Units.ramInBytes(val) else { throw Failure(reason: "invalid value for \(key): \(val)") }
                var o = tmpfsOptions ?? .init(); o.SizeBytes = size; tmpfsOptions = o
            case "tmpfs-mode":
                guard let mode = UInt32(val, radix: 8) else { throw Failure(reason: "invalid value for \(key): \(val)") }
                var o = tmpfsOptions ?? .init(); o.Mode = mode; tmpfsOptions = o
            default:
                throw Failure(reason: "unexpected key '\(key)' in '\(field)'")
            }
        }
        let type = m.Type ?? ""
        if type.isEmpty { throw Failure(reason: "type is required") }
        if (m.Target ?? "").isEmpty { throw Failure(reason: "target is required") }
        if volumeOptions != nil && type != "volume" { throw Failure(reason: "cannot mix 'volume-*' options with mount type '\(type)'") }
        if bindOptions != nil && type != "bind" { throw Failure(reason: "cannot mix 'bind-*' options with mount type '\(type)'") }
        if tmpfsOptions != nil && type != "tmpfs" { throw Failure(reason: "cannot mix 'tmpfs-*' options with mount type '\(type)'") }
        m.VolumeOptions = volumeOptions
        m.BindOptions = bindOptions
        m.TmpfsOptions = tmpfsOptions
        return m
    }

    /// Go's encoding/csv for one record: commas split, double quotes group ("" is a quote).
    static func csvFields(_ s: String) throws -> [String] {
        var fields: [String] = []
        var cur = ""
        var quoted = false
        var atStart = true
        var it = Array(s)[...]
        while let c = it.popFirst() {
            if quoted {
                if c == "\"" {
                    if it.first == "\"" { cur.append("\""); it.removeFirst() } else { quoted = false }
                } else {
                    cur.append(c)
                }
            } else if c == "," {
                fields.append(cur); cur = ""; atStart = true; continue
            } else if c == "\"" && atStart {
                quoted = true
            } else if c == "\"" {
                throw Failure(reason: "parse error on line 1, column \(s.count - it.count): bare \" in non-quoted-field")
            } else {
                cur.append(c)
            }
            atStart = false
        }
        if quoted { throw Failure(reason: "parse error on line 1, column \(s.count + 1): extraneous or missing \" in quoted-field") }
        fields.append(cur)
        return fields
    }
}
