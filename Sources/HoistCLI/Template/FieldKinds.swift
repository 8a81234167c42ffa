/// Go types of Engine API fields that may be absent or null in the JSON. docker runs
/// `inspect` templates against typed structs, so a nil map prints `map[]`, a nil slice `[]`,
/// an absent string ``: this table lets templates over raw JSON print the same.
enum FieldKind {
    case map, slice, pointer, string, bool, int

    var nilString: String {
        switch self {
        case .map: return "map[]"
        case .slice: return "[]"
        case .pointer: return "<nil>"
        case .string: return ""
        case .bool: return "false"
        case .int: return "0"
        }
    }

    var goName: String {
        switch self {
        case .map: return "map[string]string"
        case .slice: return "[]string"
        case .pointer: return "*struct"
        case .string: return "string"
        case .bool: return "bool"
        case .int: return "int"
        }
    }

    /// The zero value of a field of this kind.
    var zero: TemplateValue {
        switch self {
        case .map, .slice, .pointer: return .typedNil(self)
        case .string: return .string("")
        case .bool: return .bool(false)
        case .int: return .int(0)
        }
    }

    static func of(_ key: String) -> FieldKind? { table[key] }

    private static let table: [String: FieldKind] = {
        var t: [String: FieldKind] = [:]
        for k in ["Labels", "Volumes", "ExposedPorts", "Ports", "Options", "DriverOpts", "Data", "Details", "Networks",
                  "Tmpfs", "StorageOpt", "Sysctls", "Annotations", "EndpointsConfig", "Runtimes"] { t[k] = .map }
        for k in ["Cmd", "Entrypoint", "Env", "Binds", "Links", "Dns", "DnsOptions", "DnsSearch", "CapAdd", "CapDrop",
                  "ExtraHosts", "GroupAdd", "SecurityOpt", "ExecIDs", "Mounts", "Devices", "DeviceRequests",
                  "DeviceCgroupRules", "Ulimits", "Aliases", "Shell", "OnBuild", "MaskedPaths", "ReadonlyPaths", "Args",
                  "RepoTags", "RepoDigests", "Layers", "ConsoleSize", "VolumesFrom", "BlkioWeightDevice",
                  "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps",
                  "DNSNames", "Warnings", "Names", "SecurityOptions", "Links"] { t[k] = .slice }
        for k in ["Health", "Healthcheck", "IPAMConfig", "NetworkingConfig", "Init", "OomKillDisable", "StopTimeout",
                  "PidsLimit", "MemorySwappiness", "ImageManifestDescriptor", "Descriptor"] { t[k] = .pointer }
        for k in ["Hostname", "Domainname", "User", "Image", "WorkingDir", "StopSignal", "MacAddress", "Name", "Path",
                  "Driver", "MountLabel", "ProcessLabel", "AppArmorProfile", "Comment", "Author", "DockerVersion",
                  "Parent", "Architecture", "Os", "Variant", "NetworkMode", "Runtime", "Status", "Error", "StartedAt",
                  "FinishedAt", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "Created", "Id", "CgroupParent",
                  "CpusetCpus", "CpusetMems", "IpcMode", "PidMode", "UTSMode", "UsernsMode", "Cgroup", "CgroupnsMode",
                  "Isolation", "VolumeDriver", "ContainerIDFile", "IPAddress", "Gateway", "NetworkID", "EndpointID",
                  "SandboxID", "SandboxKey", "Bridge", "IPv6Gateway", "GlobalIPv6Address", "LinkLocalIPv6Address",
                  "Container", "LastTagTime", "Platform"] { t[k] = .string }
        for k in ["AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", "NetworkDisabled",
                  "ArgsEscaped", "Privileged", "ReadonlyRootfs", "AutoRemove", "PublishAllPorts", "Running", "Paused",
                  "Restarting", "OOMKilled", "Dead"] { t[k] = .bool }
        for k in ["Memory", "MemorySwap", "NanoCpus", "CpuShares", "CpuPeriod", "CpuQuota", "ShmSize", "Pid", "ExitCode",
                  "RestartCount", "Size", "VirtualSize", "MaximumRetryCount", "OomScoreAdj", "CpuCount", "CpuPercent",
                  "BlkioWeight", "MemoryReservation", "KernelMemory", "CpuRealtimePeriod", "CpuRealtimeRuntime",
                  "IOMaximumIOps", "IOMaximumBandwidth", "IPPrefixLen", "GlobalIPv6PrefixLen", "SizeRw", "SizeRootFs",
                  "Containers", "SharedSize"] { t[k] = .int }
        return t
    }()
}
