/// `POST /containers/{id}/update` (docker's UpdateConfig): resources and the restart policy
/// to change. Absent or zero fields stay as they are, as in moby.
public struct ContainerUpdateRequest: Codable, Sendable {
    public var Memory: Int64?
    public var MemorySwap: Int64?
    public var NanoCpus: Int64?
    public var CpuShares: Int64?
    public var CpuPeriod: Int64?
    public var CpuQuota: Int64?
    /// Set (0 or less: no limit) only when given.
    public var PidsLimit: Int64?
    public var RestartPolicy: RestartPolicy?
    // Resources Hoist does not manage: refused when given a value.
    public var CpusetCpus: String?
    public var CpusetMems: String?
    public var BlkioWeight: Int64?
    public var MemoryReservation: Int64?
    public var KernelMemory: Int64?
    public var CpuRealtimePeriod: Int64?
    public var CpuRealtimeRuntime: Int64?

    public init(Memory: Int64? = nil, MemorySwap: Int64? = nil, NanoCpus: Int64? = nil, CpuShares: Int64? = nil,
                CpuPeriod: Int64? = nil, CpuQuota: Int64? = nil, PidsLimit: Int64? = nil, RestartPolicy: RestartPolicy? = nil) {
        self.Memory = Memory; self.MemorySwap = MemorySwap; self.NanoCpus = NanoCpus; self.CpuShares = CpuShares
        self.CpuPeriod = CpuPeriod; self.CpuQuota = CpuQuota; self.PidsLimit = PidsLimit; self.RestartPolicy = RestartPolicy
    }

    /// The fields Hoist cannot apply that carry a value, by their API names.
    public var unsupportedFields: [String] {
        var out: [String] = []
        if !(CpusetCpus ?? "").isEmpty { out.append("CpusetCpus") }
        if !(CpusetMems ?? "").isEmpty { out.append("CpusetMems") }
        for (name, v) in [("BlkioWeight", BlkioWeight), ("MemoryReservation", MemoryReservation), ("KernelMemory", KernelMemory),
                          ("CpuRealtimePeriod", CpuRealtimePeriod), ("CpuRealtimeRuntime", CpuRealtimeRuntime)] where (v ?? 0) != 0 {
            out.append(name)
        }
        return out
    }
}

public struct ContainerUpdateResponse: Codable, Sendable {
    public var Warnings: [String]
    public init(Warnings: [String]) { self.Warnings = Warnings }
}
