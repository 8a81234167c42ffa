import Foundation
import HoistCore
import HoistOCI

/// A seccomp profile in Docker's format (`--security-opt seccomp=profile.json`): the OCI
/// fields plus `archMap` and per-rule `includes`/`excludes` on capabilities and
/// architectures, which are resolved for the container when its spec is made. A plain OCI
/// `linux.seccomp` object parses too.
public struct SeccompProfile: Codable, Sendable, Equatable {
    public struct ArchMap: Codable, Sendable, Equatable {
        var architecture: String
        var subArchitectures: [String]?
    }
    public struct Filter: Codable, Sendable, Equatable {
        var caps: [String]?
        var arches: [String]?
        var minKernel: String?
    }
    public struct Rule: Codable, Sendable, Equatable {
        var name: String?
        var names: [String]?
        var action: String
        var errnoRet: UInt32?
        var args: [RuntimeSpec.SyscallArg]?
        var includes: Filter?
        var excludes: Filter?
    }

    var defaultAction: String
    var defaultErrnoRet: UInt32?
    var architectures: [String]?
    var archMap: [ArchMap]?
    var flags: [String]?
    var syscalls: [Rule]?

    /// The profile from its JSON text; the error reads as dockerd's.
    public static func parse(_ json: String) throws -> SeccompProfile {
        do {
            return try JSONDecoder().decode(SeccompProfile.self, from: Data(json.utf8))
        } catch {
            throw HoistError.invalid("Decoding seccomp profile failed: \(error)")
        }
    }

    /// The OCI profile for a container with `capabilities` on x86-64.
    public func runtimeProfile(capabilities: Set<String>) -> RuntimeSpec.Seccomp {
        let native = "SCMP_ARCH_X86_64"
        var arches = architectures
        if let m = archMap?.first(where: { $0.architecture == native }) {
            arches = [m.architecture] + (m.subArchitectures ?? [])
        }
        func capName(_ c: String) -> String { c.uppercased().hasPrefix("CAP_") ? c.uppercased() : "CAP_" + c.uppercased() }
        let caps = Set(capabilities.map(capName))
        let rules: [RuntimeSpec.Syscall] = (syscalls ?? []).compactMap { r in
            if let inc = r.includes {
                if let a = inc.arches, !a.isEmpty, !a.contains("amd64") { return nil }
                if let c = inc.caps, !c.isEmpty, !c.allSatisfy({ caps.contains(capName($0)) }) { return nil }
            }
            if let exc = r.excludes {
                if let a = exc.arches, a.contains("amd64") { return nil }
                if let c = exc.caps, c.contains(where: { caps.contains(capName($0)) }) { return nil }
            }
            let names = (r.names ?? []) + (r.name.map { [$0] } ?? [])
            guard !names.isEmpty else { return nil }
            return RuntimeSpec.Syscall(names: names, action: r.action, errnoRet: r.errnoRet, args: r.args)
        }
        return RuntimeSpec.Seccomp(defaultAction: defaultAction, defaultErrnoRet: defaultErrnoRet,
                                   architectures: arches, flags: flags, syscalls: rules)
    }
}
