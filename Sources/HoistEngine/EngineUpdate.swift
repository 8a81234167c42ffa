import Foundation
import HoistAPIModels
import HoistCore

/// `update`: moby's ContainerUpdate. The request is checked as at create, merged into the
/// host config under moby's rules, written into a running container's cgroups, and only
/// then saved: a failure anywhere changes nothing. A stopped container gets its new
/// limits at its next start (the bundle is written from the host config).
extension Engine {
    public func updateContainer(_ idOrName: String, update u: ContainerUpdateRequest) async throws -> ContainerUpdateResponse {
        if let field = u.unsupportedFields.first { throw HoistError.invalid("updating \(field) is not supported by Hoist") }
        var asked = HostConfig()
        asked.Memory = u.Memory; asked.MemorySwap = u.MemorySwap; asked.NanoCpus = u.NanoCpus
        asked.CpuPeriod = u.CpuPeriod; asked.CpuQuota = u.CpuQuota; asked.RestartPolicy = u.RestartPolicy
        try ContainerConfigMerger.validate(asked, update: true)
        let rec = try lookup(idOrName)
        func cannot(_ why: String) -> String { "Cannot update container \(rec.id): \(why)" }
        if rec.status == .removing || rec.status == .dead {
            throw HoistError.conflict(cannot("container is marked for removal and cannot be \"update\""))
        }
        var hc = rec.hostConfig
        do { try ContainerUpdateRules.merge(u, into: &hc) } catch let e as HoistError { throw HoistError(e.code, cannot(e.message)) }
        if rec.isRunning && rec.status != .restarting {
            do { try CgroupLimits.apply(u, final: hc, id: rec.id) } catch let e as HoistError { throw HoistError(.internal, cannot(e.message)) }
        }
        var now = rec
        now.hostConfig = hc
        save(now)
        emit("update", now)
        return ContainerUpdateResponse(Warnings: [])
    }
}

/// moby's Container.UpdateContainer: which fields change, and the conflicts it refuses.
enum ContainerUpdateRules {
    static func merge(_ u: ContainerUpdateRequest, into hc: inout HostConfig) throws {
        let nano = u.NanoCpus ?? 0, period = u.CpuPeriod ?? 0, quota = u.CpuQuota ?? 0
        // NanoCpus sets period and quota itself: once one way is used, the other is refused.
        if nano > 0 && (hc.CpuPeriod ?? 0) > 0 {
            throw HoistError.conflict("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set")
        }
        if nano > 0 && (hc.CpuQuota ?? 0) > 0 {
            throw HoistError.conflict("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set")
        }
        if period > 0 && (hc.NanoCpus ?? 0) > 0 {
            throw HoistError.conflict("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set")
        }
        if quota > 0 && (hc.NanoCpus ?? 0) > 0 {
            throw HoistError.conflict("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set")
        }
        if let v = u.CpuShares, v != 0 { hc.CpuShares = v }
        if nano != 0 { hc.NanoCpus = nano }
        if period != 0 { hc.CpuPeriod = period }
        if quota != 0 { hc.CpuQuota = quota }
        if let m = u.Memory, m != 0 {
            if m > (hc.MemorySwap ?? 0) && (u.MemorySwap ?? 0) == 0 {
                throw HoistError.conflict("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
            }
            hc.Memory = m
        }
        if let s = u.MemorySwap, s != 0 { hc.MemorySwap = s }
        if let p = u.PidsLimit { hc.PidsLimit = p }
        if let policy = u.RestartPolicy, let name = policy.Name, !name.isEmpty {
            if name != "no" && hc.AutoRemove == true {
                throw HoistError.conflict("Restart policy cannot be updated because AutoRemove is enabled for the container")
            }
            hc.RestartPolicy = policy
        }
    }
}

/// A running container's limits in its cgroup v1 files (`/sys/fs/cgroup/<ctl>/hoist/<id>`),
/// the ones the bundle gives the runtime at start.
enum CgroupLimits {
    /// Whether the kernel limits memory plus swap (`swapaccount`): then a memory limit
    /// comes with a swap limit, as in Docker.
    static var swapAccounting: Bool { FileManager.default.fileExists(atPath: ContainerCgroup.root + "/memory/memory.memsw.limit_in_bytes") }

    /// Writes the limits `u` changes, with their values from `final` (the merged config).
    static func apply(_ u: ContainerUpdateRequest, final hc: HostConfig, id: String) throws {
        if (u.Memory ?? 0) != 0 || (u.MemorySwap ?? 0) != 0 {
            let memory = (hc.Memory ?? 0) > 0 ? String(hc.Memory ?? 0) : "-1"
            let swap = (hc.MemorySwap ?? 0) != 0 && swapAccounting ? String(hc.MemorySwap ?? 0) : nil
            if let swap {
                // memory.limit_in_bytes may not exceed memsw, nor memsw go below it: the
                // order depends on the direction, so try one and fall back to the other.
                do {
                    try ContainerCgroup.write("memory", id, "memory.memsw.limit_in_bytes", swap)
                    try ContainerCgroup.write("memory", id, "memory.limit_in_bytes", memory)
                } catch {
                    try ContainerCgroup.write("memory", id, "memory.limit_in_bytes", memory)
                    try ContainerCgroup.write("memory", id, "memory.memsw.limit_in_bytes", swap)
                }
            } else {
                try ContainerCgroup.write("memory", id, "memory.limit_in_bytes", memory)
            }
        }
        if let n = u.NanoCpus, n != 0 {
            try ContainerCgroup.write("cpu", id, "cpu.cfs_period_us", "100000")
            try ContainerCgroup.write("cpu", id, "cpu.cfs_quota_us", String(max(1000, n * 100_000 / 1_000_000_000)))
        }
        if let p = u.CpuPeriod, p != 0 { try ContainerCgroup.write("cpu", id, "cpu.cfs_period_us", String(p)) }
        if let q = u.CpuQuota, q != 0 { try ContainerCgroup.write("cpu", id, "cpu.cfs_quota_us", String(q)) }
        if let s = u.CpuShares, s != 0 { try ContainerCgroup.write("cpu", id, "cpu.shares", String(s)) }
        if let p = u.PidsLimit { try ContainerCgroup.write("pids", id, "pids.max", p > 0 ? String(p) : "max") }
    }
}
