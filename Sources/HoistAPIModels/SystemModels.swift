/// The API versions this daemon speaks.
public enum APIVersion {
    public static let current = "1.41"
    public static let minimum = "1.24"
    public static let hoistVersion = "0.1.0"
}

/// GET /version
public struct SystemVersion: Codable, Sendable {
    public struct PlatformInfo: Codable, Sendable { public var Name: String }
    public struct Component: Codable, Sendable { public var Name: String; public var Version: String; public var Details: [String: String]? }
    public var Platform: PlatformInfo
    public var Components: [Component]
    public var Version: String
    public var ApiVersion: String
    public var MinAPIVersion: String
    public var GitCommit: String
    public var GoVersion: String
    public var Os: String
    public var Arch: String
    public var KernelVersion: String
    public var BuildTime: String
    public init(kernelVersion: String, runtime: String, runtimeVersion: String = "") {
        Platform = PlatformInfo(Name: "Hoist Engine")
        // The docker CLI's template reads these Details of the Engine component.
        let engine = ["ApiVersion": APIVersion.current, "MinAPIVersion": APIVersion.minimum, "GitCommit": "hoist",
                      "GoVersion": "swift6", "Os": "linux", "Arch": "amd64", "KernelVersion": kernelVersion,
                      "Experimental": "false", "BuildTime": ""]
        Components = [Component(Name: "Engine", Version: APIVersion.hoistVersion, Details: engine),
                      Component(Name: runtime, Version: runtimeVersion, Details: ["GitCommit": ""])]
        Version = APIVersion.hoistVersion; ApiVersion = APIVersion.current; MinAPIVersion = APIVersion.minimum
        GitCommit = "hoist"; GoVersion = "swift6"; Os = "linux"; Arch = "amd64"; KernelVersion = kernelVersion; BuildTime = ""
    }
}

/// GET /info (the fields the docker CLI prints).
public struct SystemInfo: Codable, Sendable {
    public var ID: String
    public var Containers: Int
    public var ContainersRunning: Int
    public var ContainersPaused: Int
    public var ContainersStopped: Int
    public var Images: Int
    public var Driver: String
    public var DriverStatus: [[String]]
    public var DockerRootDir: String
    public var MemoryLimit: Bool
    public var SwapLimit: Bool
    public var CpuCfsPeriod: Bool
    public var CpuCfsQuota: Bool
    public var PidsLimit: Bool
    public var Debug: Bool
    public var NFd: Int
    public var NGoroutines: Int
    public var SystemTime: String
    public var LoggingDriver: String
    public var CgroupDriver: String
    public var CgroupVersion: String
    public var KernelVersion: String
    public var OperatingSystem: String
    public var OSType: String
    public var Architecture: String
    public var NCPU: Int
    public var MemTotal: Int64
    public var Name: String
    public var Labels: [String]
    public var ServerVersion: String
    public var DefaultRuntime: String
    public var Runtimes: [String: [String: String]]
    public var ExperimentalBuild: Bool
    public var SecurityOptions: [String]
    public var Warnings: [String]?
    public var Swarm: SwarmInfo = SwarmInfo()
    public var RegistryConfig: RegistryServiceConfig = RegistryServiceConfig()
    public init(ID: String, Containers: Int, ContainersRunning: Int, ContainersPaused: Int, ContainersStopped: Int, Images: Int,
                DockerRootDir: String, Debug: Bool, SystemTime: String, KernelVersion: String, OperatingSystem: String, NCPU: Int,
                MemTotal: Int64, Name: String, DefaultRuntime: String, Runtimes: [String: [String: String]]) {
        self.ID = ID; self.Containers = Containers; self.ContainersRunning = ContainersRunning; self.ContainersPaused = ContainersPaused
        self.ContainersStopped = ContainersStopped; self.Images = Images; Driver = "overlay2"; DriverStatus = [["Backing Filesystem", "extfs"]]
        self.DockerRootDir = DockerRootDir; MemoryLimit = true; SwapLimit = false; CpuCfsPeriod = true; CpuCfsQuota = true; PidsLimit = true
        self.Debug = Debug; NFd = 0; NGoroutines = 0; self.SystemTime = SystemTime; LoggingDriver = "json-file"; CgroupDriver = "cgroupfs"
        CgroupVersion = "1"; self.KernelVersion = KernelVersion; self.OperatingSystem = OperatingSystem; OSType = "linux"
        Architecture = "x86_64"; self.NCPU = NCPU; self.MemTotal = MemTotal; self.Name = Name; Labels = []
        ServerVersion = APIVersion.hoistVersion; self.DefaultRuntime = DefaultRuntime; self.Runtimes = Runtimes
        ExperimentalBuild = false; SecurityOptions = ["name=seccomp,profile=default"]; Warnings = nil
    }
}

/// `docker info`'s registry settings: insecure registries and Docker Hub mirrors.
public struct RegistryServiceConfig: Codable, Sendable {
    public struct IndexInfo: Codable, Sendable {
        public var Name: String
        public var Mirrors: [String]
        public var Secure: Bool
        public var Official: Bool
    }
    public var AllowNondistributableArtifactsCIDRs: [String] = []
    public var AllowNondistributableArtifactsHostnames: [String] = []
    public var InsecureRegistryCIDRs: [String] = ["127.0.0.0/8"]
    public var IndexConfigs: [String: IndexInfo] = [:]
    public var Mirrors: [String] = []

    public init() {}

    /// dockerd's: loopback is insecure by default; named insecure registries and Hub's mirrors.
    public init(insecureRegistries: [String], mirrors: [String]) {
        Mirrors = mirrors
        IndexConfigs["docker.io"] = IndexInfo(Name: "docker.io", Mirrors: mirrors, Secure: true, Official: true)
        for r in insecureRegistries {
            if r.contains("/") { InsecureRegistryCIDRs.append(r) } else {
                IndexConfigs[r] = IndexInfo(Name: r, Mirrors: [], Secure: false, Official: false)
            }
        }
    }
}

/// Error body of every failed request: `{"message": "..."}`.
public struct ErrorResponse: Codable, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// `docker info` prints the swarm state; Hoist has no swarm mode.
public struct SwarmInfo: Codable, Sendable {
    public var NodeID = ""
    public var NodeAddr = ""
    public var LocalNodeState = "inactive"
    public var ControlAvailable = false
    public var Error = ""
    public init() {}
}
