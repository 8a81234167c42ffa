import HoistAPIModels
import HoistCore
import HoistRuntime

/// HostConfig.SecurityOpt, read as dockerd's parseSecurityOpt does: `no-new-privileges[=BOOL]`,
/// `seccomp=unconfined|builtin|<profile JSON>` (the docker CLI sends the file's contents),
/// and `apparmor=`/`label=`, accepted and without effect here (no AppArmor or SELinux).
struct SecurityOptions: Equatable {
    enum Seccomp: Equatable {
        case builtin, unconfined
        case custom(SeccompProfile)
    }
    var seccomp: Seccomp = .builtin
    var noNewPrivileges = false

    static func parse(_ options: [String]?) throws -> SecurityOptions {
        var out = SecurityOptions()
        for opt in options ?? [] {
            if opt == "no-new-privileges" { out.noNewPrivileges = true; continue }
            if opt == "disable" { continue }  // label=disable's old spelling
            let sep: Character? = opt.contains("=") ? "=" : opt.contains(":") ? ":" : nil
            guard let sep, let at = opt.firstIndex(of: sep) else {
                throw HoistError.invalid("invalid --security-opt 1: \"\(opt)\"")
            }
            let key = String(opt[..<at]), value = String(opt[opt.index(after: at)...])
            switch key {
            case "label", "apparmor":
                continue
            case "seccomp":
                switch value {
                case "unconfined": out.seccomp = .unconfined
                case "builtin", "": out.seccomp = .builtin
                default: out.seccomp = .custom(try SeccompProfile.parse(value))
                }
            case "no-new-privileges":
                guard let b = Self.parseBool(value) else { throw HoistError.invalid("invalid --security-opt 2: \"\(opt)\"") }
                out.noNewPrivileges = b
            default:
                throw HoistError.invalid("invalid --security-opt 2: \"\(opt)\"")
            }
        }
        return out
    }

    /// Go's strconv.ParseBool.
    static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }

    func apply(to spec: inout ContainerProcessSpec) {
        spec.noNewPrivileges = noNewPrivileges
        switch seccomp {
        case .builtin: break
        case .unconfined: spec.seccomp = false
        case .custom(let p): spec.seccompProfile = p
        }
    }
}
