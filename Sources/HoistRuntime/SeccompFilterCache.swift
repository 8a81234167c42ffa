import Foundation
import HoistOCI

/// Compiled seccomp filters by profile, for crun. crun compiles a container's seccomp profile
/// with libseccomp on every create (about 14 ms for Docker's default profile, a third of
/// `crun create`); it keeps the result in its state directory (`<root>/<id>/seccomp.bpf`, for
/// `exec`) and accepts an already compiled filter through the `run.oci.seccomp_bpf_data`
/// annotation. So the first container with a given profile pays the compile and the next
/// ones load its filter. The filter is libseccomp's output for this machine's crun and
/// kernel, so it lives in memory only, never on disk across upgrades.
public struct SeccompFilterCache: Sendable {
    public static let annotation = "run.oci.seccomp_bpf_data"
    /// crun's default state root for root.
    let stateRoot: String
    private var filters: [RuntimeSpec.Seccomp: String] = [:]

    public init(stateRoot: String = "/run/crun") { self.stateRoot = stateRoot }

    /// Adds the annotation when this profile's filter is known; otherwise returns the profile,
    /// to `learn` once the runtime has created the container.
    public func prepare(_ spec: inout RuntimeSpec) -> RuntimeSpec.Seccomp? {
        guard let profile = spec.linux?.seccomp else { return nil }
        guard let filter = filters[profile] else { return profile }
        spec.annotations = (spec.annotations ?? [:]).merging([Self.annotation: filter]) { _, new in new }
        return nil
    }

    /// Keeps the filter crun compiled for container `id` (a no-op when it left none).
    public mutating func learn(_ profile: RuntimeSpec.Seccomp, containerID id: String) {
        guard filters[profile] == nil,
              let data = FileManager.default.contents(atPath: "\(stateRoot)/\(id)/seccomp.bpf"), !data.isEmpty,
              data.count % 8 == 0 // whole struct sock_filter entries
        else { return }
        filters[profile] = data.base64EncodedString()
    }
}
