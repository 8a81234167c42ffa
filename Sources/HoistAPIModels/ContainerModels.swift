import HoistOCI

// Engine API container models. Property names are the JSON keys of the Docker Engine
// API (moby api/swagger.yaml), so they decode what the docker CLI and docker-py send.

public struct ContainerConfig: Codable, Sendable, Equatable {
    public var Hostname: String?
    public var Domainname: String?
    public var User: String?
    public var AttachStdin: Bool?
    public var AttachStdout: Bool?
    public var AttachStderr: Bool?
    public var ExposedPorts: [String: EmptyObject]?
    public var Tty: Bool?
    public var OpenStdin: Bool?
    public var StdinOnce: Bool?
    public var Env: [String]?
    @StrSlice public var Cmd: [String]?
    /// From the image (HEALTHCHECK) or `--health-*`.
    public var Healthcheck: ImageHealthcheck?
    public var ArgsEscaped: Bool?
    public var Image: String?
    public var Volumes: [String: EmptyObject]?
    public var WorkingDir: String?
    @StrSlice public var Entrypoint: [String]?
    public var NetworkDisabled: Bool?
    /// An image's ONBUILD triggers (image inspect).
    public var OnBuild: [String]?
    public var Labels: [String: String]?
    public var StopSignal: String?
    public var StopTimeout: Int?
    /// An image's SHELL (image inspect).
    public var Shell: [String]?
    public init() {}
}

public struct RestartPolicy: Codable, Sendable, Equatable {
    public var Name: String?
    public var MaximumRetryCount: Int?
    public init(Name: String? = nil, MaximumRetryCount: Int? = nil) { self.Name = Name; self.MaximumRetryCount = MaximumRetryCount }
}

public struct LogConfig: Codable, Sendable, Equatable {
    public var `Type`: String?
    public var Config: [String: String]?
    public init(Type: String? = nil, Config: [String: String]? = nil) { self.Type = Type; self.Config = Config }
}

/// One `--ulimit`: `nofile=1024:2048` is Name nofile, Soft 1024, Hard 2048.
public struct Ulimit: Codable, Sendable, Equatable {
    public var Name: String
    public var Soft: Int64
    public var Hard: Int64
    public init(Name: String, Soft: Int64, Hard: Int64) { self.Name = Name; self.Soft = Soft; self.Hard = Hard }
}

public struct HostConfig: Codable, Sendable, Equatable {
    public var Binds: [String]?
    public var LogConfig: LogConfig?
    public var NetworkMode: String?
    public var RestartPolicy: RestartPolicy?
    public var AutoRemove: Bool?
    public var CapAdd: [String]?
    public var CapDrop: [String]?
    /// `--security-opt`: `seccomp=unconfined`, `seccomp=<profile JSON>`, `no-new-privileges`...
    public var SecurityOpt: [String]?
    public var Privileged: Bool?
    public var ReadonlyRootfs: Bool?
    public var Init: Bool?
    /// `--ulimit nofile=1024:2048`.
    public var Ulimits: [Ulimit]?
    public var Runtime: String?
    public var Memory: Int64?
    public var MemorySwap: Int64?
    public var NanoCpus: Int64?
    public var CpuShares: Int64?
    public var CpuPeriod: Int64?
    public var CpuQuota: Int64?
    public var PidsLimit: Int64?
    public var PortBindings: [String: [PortBinding]]?
    public var PublishAllPorts: Bool?
    public var Dns: [String]?
    public var DnsOptions: [String]?
    public var DnsSearch: [String]?
    public var ExtraHosts: [String]?
    /// Legacy `--link name:alias`; stored as `/name:/parent/alias`.
    public var Links: [String]?
    public var Mounts: [Mount]?
    /// `--tmpfs`: destination → options.
    public var Tmpfs: [String: String]?
    public var VolumesFrom: [String]?
    public init() {}
}

public struct ContainerCreateRequest: Codable, Sendable {
    public var config: ContainerConfig
    public var hostConfig: HostConfig
    public var networkingConfig: NetworkingConfig?
    public init(config: ContainerConfig, hostConfig: HostConfig, networkingConfig: NetworkingConfig? = nil) {
        self.config = config; self.hostConfig = hostConfig; self.networkingConfig = networkingConfig
    }

    // The create body is the Config fields with HostConfig (and NetworkingConfig) beside them.
    enum Keys: String, CodingKey { case HostConfig, NetworkingConfig }
    public init(from decoder: any Decoder) throws {
        config = try ContainerConfig(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        hostConfig = try c.decodeIfPresent(HoistAPIModels.HostConfig.self, forKey: .HostConfig) ?? HoistAPIModels.HostConfig()
        networkingConfig = try c.decodeIfPresent(HoistAPIModels.NetworkingConfig.self, forKey: .NetworkingConfig)
    }
    public func encode(to encoder: any Encoder) throws {
        try config.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(hostConfig, forKey: .HostConfig)
        try c.encodeIfPresent(networkingConfig, forKey: .NetworkingConfig)
    }
}

public struct ContainerCreateResponse: Codable, Sendable {
    public var Id: String
    public var Warnings: [String]
    public init(Id: String, Warnings: [String] = []) { self.Id = Id; self.Warnings = Warnings }
}

public struct ContainerState: Codable, Sendable, Equatable {
    /// created | running | paused | restarting | removing | exited | dead
    public var Status: String
    public var Running: Bool
    public var Paused: Bool
    public var Restarting: Bool
    public var OOMKilled: Bool
    public var Dead: Bool
    public var Pid: Int
    public var ExitCode: Int
    public var Error: String
    /// RFC 3339 with nanoseconds; `0001-01-01T00:00:00Z` when never.
    public var StartedAt: String
    public var FinishedAt: String
    public init(Status: String, Running: Bool, Paused: Bool = false, Restarting: Bool = false, OOMKilled: Bool = false, Dead: Bool = false,
                Pid: Int, ExitCode: Int, Error: String = "", StartedAt: String, FinishedAt: String) {
        self.Status = Status; self.Running = Running; self.Paused = Paused; self.Restarting = Restarting; self.OOMKilled = OOMKilled
        self.Dead = Dead; self.Pid = Pid; self.ExitCode = ExitCode; self.Error = Error; self.StartedAt = StartedAt; self.FinishedAt = FinishedAt
    }
}

public struct GraphDriverData: Codable, Sendable, Equatable {
    public var Name: String
    public var Data: [String: String]?
    public init(Name: String, Data: [String: String]?) { self.Name = Name; self.Data = Data }
}

public struct NetworkSettingsSummary: Codable, Sendable, Equatable {
    public var Networks: [String: EndpointSettings]
    public init(Networks: [String: EndpointSettings] = [:]) { self.Networks = Networks }
}

public struct EndpointSettings: Codable, Sendable, Equatable {
    public var IPAMConfig: EndpointIPAMConfig?
    public var Links: [String]?
    public var Aliases: [String]?
    public var NetworkID: String
    public var EndpointID: String = ""
    public var Gateway: String
    public var IPAddress: String
    public var IPPrefixLen: Int = 0
    public var IPv6Gateway: String = ""
    public var GlobalIPv6Address: String = ""
    public var GlobalIPv6PrefixLen: Int = 0
    public var MacAddress: String
    public var DNSNames: [String]?
    public init(NetworkID: String = "", IPAddress: String = "", Gateway: String = "", MacAddress: String = "") {
        self.NetworkID = NetworkID; self.IPAddress = IPAddress; self.Gateway = Gateway; self.MacAddress = MacAddress
    }
}

public struct NetworkSettings: Codable, Sendable, Equatable {
    public var Bridge: String
    public var SandboxID: String
    public var Ports: [String: [PortBinding]?]
    public var SandboxKey: String
    public var IPAddress: String
    public var IPPrefixLen: Int = 0
    public var Gateway: String
    public var MacAddress: String
    public var Networks: [String: EndpointSettings]
    public init() { Bridge = ""; SandboxID = ""; Ports = [:]; SandboxKey = ""; IPAddress = ""; Gateway = ""; MacAddress = ""; Networks = [:] }
}

public struct PortBinding: Codable, Sendable, Equatable {
    public var HostIp: String?
    public var HostPort: String?
    public init(HostIp: String? = nil, HostPort: String? = nil) { self.HostIp = HostIp; self.HostPort = HostPort }
}

/// GET /containers/{id}/json
public struct ContainerInspect: Codable, Sendable {
    public var Id: String
    public var Created: String
    public var Path: String
    public var Args: [String]
    public var State: ContainerState
    public var Image: String
    public var ResolvConfPath: String
    public var HostnamePath: String
    public var HostsPath: String
    public var LogPath: String
    public var Name: String
    public var RestartCount: Int
    public var Driver: String
    public var Platform: String
    public var MountLabel: String
    public var ProcessLabel: String
    public var AppArmorProfile: String
    public var ExecIDs: [String]?
    public var HostConfig: HostConfig
    public var GraphDriver: GraphDriverData
    public var Mounts: [MountPoint]
    public var Config: ContainerConfig
    public var NetworkSettings: NetworkSettings
    public init(Id: String, Created: String, Path: String, Args: [String], State: ContainerState, Image: String,
                ResolvConfPath: String, HostnamePath: String, HostsPath: String, LogPath: String, Name: String,
                RestartCount: Int, HostConfig: HostConfig, GraphDriver: GraphDriverData, Config: ContainerConfig) {
        self.Id = Id; self.Created = Created; self.Path = Path; self.Args = Args; self.State = State; self.Image = Image
        self.ResolvConfPath = ResolvConfPath; self.HostnamePath = HostnamePath; self.HostsPath = HostsPath; self.LogPath = LogPath
        self.Name = Name; self.RestartCount = RestartCount; self.Driver = "overlay2"; self.Platform = "linux"
        self.MountLabel = ""; self.ProcessLabel = ""; self.AppArmorProfile = ""; self.ExecIDs = nil
        self.HostConfig = HostConfig; self.GraphDriver = GraphDriver; self.Mounts = []; self.Config = Config
        self.NetworkSettings = HoistAPIModels.NetworkSettings()
    }
}

/// GET /containers/json
public struct ContainerSummary: Codable, Sendable {
    public struct HostConfigSummary: Codable, Sendable { public var NetworkMode: String }
    public var Id: String
    public var Names: [String]
    public var Image: String
    public var ImageID: String
    public var Command: String
    public var Created: Int64
    public var Ports: [PortSummary]
    public var SizeRw: Int64?
    public var SizeRootFs: Int64?
    public var Labels: [String: String]
    public var State: String
    public var Status: String
    public var HostConfig: HostConfigSummary
    public var NetworkSettings: NetworkSettingsSummary
    public var Mounts: [MountPoint]
    public init(Id: String, Names: [String], Image: String, ImageID: String, Command: String, Created: Int64,
                Labels: [String: String], State: String, Status: String) {
        self.Id = Id; self.Names = Names; self.Image = Image; self.ImageID = ImageID; self.Command = Command
        self.Created = Created; self.Ports = []; self.Labels = Labels; self.State = State; self.Status = Status
        self.HostConfig = HostConfigSummary(NetworkMode: "none"); self.NetworkSettings = NetworkSettingsSummary(); self.Mounts = []
    }
}

/// POST /containers/{id}/wait
public struct ContainerWaitResponse: Codable, Sendable {
    public struct WaitError: Codable, Sendable { public var Message: String }
    public var StatusCode: Int
    public var Error: WaitError?
    public init(StatusCode: Int, error: String? = nil) { self.StatusCode = StatusCode; self.Error = error.map { WaitError(Message: $0) } }
}

/// `not-running` | `next-exit` | `removed`
public enum WaitCondition: String, Sendable { case notRunning = "not-running", nextExit = "next-exit", removed }

/// Docker's `strslice`: a command given as a JSON array or as a single string.
@propertyWrapper
public struct StrSlice: Codable, Sendable, Equatable {
    public var wrappedValue: [String]?
    public init(wrappedValue: [String]?) { self.wrappedValue = wrappedValue }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { wrappedValue = nil } else if let s = try? c.decode(String.self) { wrappedValue = [s] } else {
            wrappedValue = try c.decode([String].self)
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil, as for a plain optional.
    public func decode(_ type: StrSlice.Type, forKey key: Key) throws -> StrSlice {
        try decodeIfPresent(type, forKey: key) ?? StrSlice(wrappedValue: nil)
    }
}
