/// What the Engine decides about a container's process and sandbox; `BundleWriter`
/// turns it into the runtime's `config.json`.
public struct ContainerProcessSpec: Sendable, Equatable {
    public var args: [String]
    /// `KEY=value`. BundleWriter adds PATH, HOSTNAME and (with a tty) TERM=xterm when
    /// absent, as Docker does.
    public var env: [String]
    public var cwd: String
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    public var tty: Bool
    /// Empty = the first 12 characters of the container ID (Docker's default).
    public var hostname: String
    public var readonlyRootfs: Bool
    public var memoryBytes: Int64?
    public var pidsLimit: Int64?
    public var nanoCPUs: Int64?
    public var cpuShares: Int64?
    /// Memory plus swap (-1: unlimited), CFS period and quota (µs): as given, when set.
    public var memorySwap: Int64?
    public var cpuPeriod: Int64?
    public var cpuQuota: Int64?
    /// Host files bind-mounted at /etc/hostname, /etc/hosts, /etc/resolv.conf (nil = don't).
    public var hostnameFile: String?
    public var hostsFile: String?
    public var resolvConfFile: String?

    // Beyond the first cut (defaults keep Docker's behaviour):
    /// Volumes and bind mounts (`-v`, `--mount`, `--tmpfs`), mounted after the defaults.
    public var mounts: [ContainerMount]
    /// Names as docker takes them (`NET_ADMIN`, `CAP_NET_ADMIN`, `ALL`).
    public var capAdd: [String]
    public var capDrop: [String]
    public var privileged: Bool
    public var network: NetworkNamespace
    /// `--ulimit`; clamped to the daemon's own hard limits (the runtime cannot raise them).
    public var ulimits: [Ulimit]
    public var sysctls: [String: String]
    /// /dev/shm size in bytes (Docker's default 64 MiB).
    public var shmSize: Int64?
    /// Docker's default seccomp profile (off = `--security-opt seccomp=unconfined`).
    public var seccomp: Bool
    /// `--security-opt seccomp=PROFILE` instead of Docker's default.
    public var seccompProfile: SeccompProfile?
    public var noNewPrivileges: Bool
    /// `--init`: this host binary (tini) is bound read-only at /sbin/docker-init and runs as
    /// PID 1 with the command after `--`; empty means it was asked for but is missing.
    public var initBinary: String?

    public init(args: [String], env: [String] = [], cwd: String = "/", uid: UInt32 = 0, gid: UInt32 = 0,
                additionalGids: [UInt32] = [], tty: Bool = false, hostname: String = "", readonlyRootfs: Bool = false,
                memoryBytes: Int64? = nil, pidsLimit: Int64? = nil, nanoCPUs: Int64? = nil, cpuShares: Int64? = nil,
                hostnameFile: String? = nil, hostsFile: String? = nil, resolvConfFile: String? = nil,
                mounts: [ContainerMount] = [], capAdd: [String] = [], capDrop: [String] = [], privileged: Bool = false,
                network: NetworkNamespace = .new, ulimits: [Ulimit] = [], sysctls: [String: String] = [:],
                shmSize: Int64? = nil, seccomp: Bool = true, noNewPrivileges: Bool = false) {
        self.args = args; self.env = env; self.cwd = cwd; self.uid = uid; self.gid = gid
        self.additionalGids = additionalGids; self.tty = tty; self.hostname = hostname; self.readonlyRootfs = readonlyRootfs
        self.memoryBytes = memoryBytes; self.pidsLimit = pidsLimit; self.nanoCPUs = nanoCPUs; self.cpuShares = cpuShares
        self.hostnameFile = hostnameFile; self.hostsFile = hostsFile; self.resolvConfFile = resolvConfFile
        self.mounts = mounts; self.capAdd = capAdd; self.capDrop = capDrop; self.privileged = privileged
        self.network = network; self.ulimits = ulimits; self.sysctls = sysctls; self.shmSize = shmSize
        self.seccomp = seccomp; self.noNewPrivileges = noNewPrivileges
    }

    public struct Ulimit: Sendable, Equatable {
        /// `nofile`, `nproc`, ... (docker's names, without RLIMIT_)
        public var name: String
        public var soft: UInt64
        public var hard: UInt64
        public init(name: String, soft: UInt64, hard: UInt64) { self.name = name; self.soft = soft; self.hard = hard }
    }
}

public enum NetworkNamespace: Sendable, Equatable {
    /// A new namespace with only loopback (`--network none`, and the start for bridges).
    case new
    /// Join an existing namespace (`/proc/<pid>/ns/net`, `/run/netns/<name>`).
    case path(String)
    /// The host's network (`--network host`).
    case host
}

/// A mount of the container beyond Docker's defaults.
public struct ContainerMount: Sendable, Equatable {
    public var destination: String
    /// `bind`, `tmpfs`, ...
    public var type: String
    public var source: String
    public var options: [String]
    public init(destination: String, type: String, source: String, options: [String]) {
        self.destination = destination; self.type = type; self.source = source; self.options = options
    }

    /// A bind mount (`-v /host:/ctr[:ro]`); `propagation` as docker's (`rprivate` by default).
    public static func bind(_ source: String, at destination: String, readOnly: Bool = false,
                            propagation: String = "rprivate") -> ContainerMount {
        ContainerMount(destination: destination, type: "bind", source: source,
                       options: ["rbind", propagation] + (readOnly ? ["ro"] : []))
    }

    /// `--tmpfs /path[:opts]`.
    public static func tmpfs(at destination: String, options: [String] = []) -> ContainerMount {
        ContainerMount(destination: destination, type: "tmpfs", source: "tmpfs",
                       options: ["nosuid", "nodev", "noexec"] + options)
    }
}
