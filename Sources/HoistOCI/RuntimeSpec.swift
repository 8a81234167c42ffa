/// OCI runtime-spec `config.json` (runtime-spec 1.0.x), the subset Hoist writes for
/// crun/runc. Nested in `RuntimeSpec` so `Process`/`Mount` do not clash with Foundation.
/// Optional fields are left out of the JSON when nil.
public struct RuntimeSpec: Codable, Hashable, Sendable {
    public var ociVersion: String
    public var process: Process?
    public var root: Root?
    public var hostname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?

    public init(ociVersion: String = "1.0.2", process: Process? = nil, root: Root? = nil, hostname: String? = nil,
                mounts: [Mount]? = nil, hooks: Hooks? = nil, annotations: [String: String]? = nil, linux: Linux? = nil) {
        self.ociVersion = ociVersion; self.process = process; self.root = root; self.hostname = hostname
        self.mounts = mounts; self.hooks = hooks; self.annotations = annotations; self.linux = linux
    }

    public struct Process: Codable, Hashable, Sendable {
        public var terminal: Bool?
        public var consoleSize: Box?
        public var user: User
        public var args: [String]
        public var env: [String]?
        public var cwd: String
        public var capabilities: Capabilities?
        public var rlimits: [Rlimit]?
        public var noNewPrivileges: Bool?
        public var apparmorProfile: String?
        public var oomScoreAdj: Int?
        public var selinuxLabel: String?

        public init(terminal: Bool? = nil, consoleSize: Box? = nil, user: User = User(), args: [String], env: [String]? = nil,
                    cwd: String = "/", capabilities: Capabilities? = nil, rlimits: [Rlimit]? = nil,
                    noNewPrivileges: Bool? = nil, apparmorProfile: String? = nil, oomScoreAdj: Int? = nil,
                    selinuxLabel: String? = nil) {
            self.terminal = terminal; self.consoleSize = consoleSize; self.user = user; self.args = args; self.env = env
            self.cwd = cwd; self.capabilities = capabilities; self.rlimits = rlimits; self.noNewPrivileges = noNewPrivileges
            self.apparmorProfile = apparmorProfile; self.oomScoreAdj = oomScoreAdj; self.selinuxLabel = selinuxLabel
        }
    }

    public struct Box: Codable, Hashable, Sendable {
        public var height: UInt
        public var width: UInt
        public init(height: UInt, width: UInt) { self.height = height; self.width = width }
    }

    public struct User: Codable, Hashable, Sendable {
        public var uid: UInt32
        public var gid: UInt32
        public var umask: UInt32?
        public var additionalGids: [UInt32]?
        public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32]? = nil) {
            self.uid = uid; self.gid = gid; self.umask = umask; self.additionalGids = additionalGids
        }
    }

    public struct Capabilities: Codable, Hashable, Sendable {
        public var bounding: [String]?
        public var effective: [String]?
        public var inheritable: [String]?
        public var permitted: [String]?
        public var ambient: [String]?
        public init(bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
                    permitted: [String]? = nil, ambient: [String]? = nil) {
            self.bounding = bounding; self.effective = effective; self.inheritable = inheritable
            self.permitted = permitted; self.ambient = ambient
        }
    }

    public struct Rlimit: Codable, Hashable, Sendable {
        /// `RLIMIT_NOFILE`, ...
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
        public init(type: String, hard: UInt64, soft: UInt64) { self.type = type; self.hard = hard; self.soft = soft }
    }

    public struct Root: Codable, Hashable, Sendable {
        public var path: String
        public var readonly: Bool?
        public init(path: String, readonly: Bool? = nil) { self.path = path; self.readonly = readonly }
    }

    public struct Mount: Codable, Hashable, Sendable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String]?
        public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil) {
            self.destination = destination; self.type = type; self.source = source; self.options = options
        }
    }

    public struct Hooks: Codable, Hashable, Sendable {
        public var prestart: [Hook]?
        public var createRuntime: [Hook]?
        public var createContainer: [Hook]?
        public var startContainer: [Hook]?
        public var poststart: [Hook]?
        public var poststop: [Hook]?
        public init(prestart: [Hook]? = nil, createRuntime: [Hook]? = nil, createContainer: [Hook]? = nil,
                    startContainer: [Hook]? = nil, poststart: [Hook]? = nil, poststop: [Hook]? = nil) {
            self.prestart = prestart; self.createRuntime = createRuntime; self.createContainer = createContainer
            self.startContainer = startContainer; self.poststart = poststart; self.poststop = poststop
        }
    }

    public struct Hook: Codable, Hashable, Sendable {
        public var path: String
        public var args: [String]?
        public var env: [String]?
        public var timeout: Int?
        public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
            self.path = path; self.args = args; self.env = env; self.timeout = timeout
        }
    }

    public struct Linux: Codable, Hashable, Sendable {
        public var uidMappings: [IDMapping]?
        public var gidMappings: [IDMapping]?
        public var sysctl: [String: String]?
        public var resources: Resources?
        public var cgroupsPath: String?
        public var namespaces: [Namespace]?
        public var devices: [Device]?
        public var seccomp: Seccomp?
        public var rootfsPropagation: String?
        public var maskedPaths: [String]?
        public var readonlyPaths: [String]?
        public var mountLabel: String?

        public init(uidMappings: [IDMapping]? = nil, gidMappings: [IDMapping]? = nil, sysctl: [String: String]? = nil,
                    resources: Resources? = nil, cgroupsPath: String? = nil, namespaces: [Namespace]? = nil,
                    devices: [Device]? = nil, seccomp: Seccomp? = nil, rootfsPropagation: String? = nil,
                    maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil, mountLabel: String? = nil) {
            self.uidMappings = uidMappings; self.gidMappings = gidMappings; self.sysctl = sysctl
            self.resources = resources; self.cgroupsPath = cgroupsPath; self.namespaces = namespaces
            self.devices = devices; self.seccomp = seccomp; self.rootfsPropagation = rootfsPropagation
            self.maskedPaths = maskedPaths; self.readonlyPaths = readonlyPaths; self.mountLabel = mountLabel
        }
    }

    public struct IDMapping: Codable, Hashable, Sendable {
        public var containerID: UInt32
        public var hostID: UInt32
        public var size: UInt32
        public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
            self.containerID = containerID; self.hostID = hostID; self.size = size
        }
    }

    public struct Namespace: Codable, Hashable, Sendable {
        /// pid, network, mount, ipc, uts, user, cgroup
        public var type: String
        /// Join this namespace instead of creating one.
        public var path: String?
        public init(type: String, path: String? = nil) { self.type = type; self.path = path }
    }

    public struct Device: Codable, Hashable, Sendable {
        public var type: String
        public var path: String
        public var major: Int64?
        public var minor: Int64?
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?
        public init(type: String, path: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
                    uid: UInt32? = nil, gid: UInt32? = nil) {
            self.type = type; self.path = path; self.major = major; self.minor = minor
            self.fileMode = fileMode; self.uid = uid; self.gid = gid
        }
    }

    public struct Resources: Codable, Hashable, Sendable {
        public var devices: [DeviceRule]?
        public var memory: Memory?
        public var cpu: CPU?
        public var pids: Pids?
        public var blockIO: BlockIO?
        public init(devices: [DeviceRule]? = nil, memory: Memory? = nil, cpu: CPU? = nil, pids: Pids? = nil,
                    blockIO: BlockIO? = nil) {
            self.devices = devices; self.memory = memory; self.cpu = cpu; self.pids = pids; self.blockIO = blockIO
        }
    }

    /// A device cgroup rule.
    public struct DeviceRule: Codable, Hashable, Sendable {
        public var allow: Bool
        /// `a`, `c` or `b`
        public var type: String?
        public var major: Int64?
        public var minor: Int64?
        /// some of `rwm`
        public var access: String?
        public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
            self.allow = allow; self.type = type; self.major = major; self.minor = minor; self.access = access
        }
    }

    public struct Memory: Codable, Hashable, Sendable {
        public var limit: Int64?
        public var reservation: Int64?
        public var swap: Int64?
        public var swappiness: UInt64?
        public var disableOOMKiller: Bool?
        public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil, swappiness: UInt64? = nil,
                    disableOOMKiller: Bool? = nil) {
            self.limit = limit; self.reservation = reservation; self.swap = swap
            self.swappiness = swappiness; self.disableOOMKiller = disableOOMKiller
        }
    }

    public struct CPU: Codable, Hashable, Sendable {
        public var shares: UInt64?
        public var quota: Int64?
        public var period: UInt64?
        public var cpus: String?
        public var mems: String?
        public init(shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil, cpus: String? = nil, mems: String? = nil) {
            self.shares = shares; self.quota = quota; self.period = period; self.cpus = cpus; self.mems = mems
        }
    }

    public struct Pids: Codable, Hashable, Sendable {
        public var limit: Int64
        public init(limit: Int64) { self.limit = limit }
    }

    public struct BlockIO: Codable, Hashable, Sendable {
        public var weight: UInt16?
        public init(weight: UInt16? = nil) { self.weight = weight }
    }

    public struct Seccomp: Codable, Hashable, Sendable {
        public var defaultAction: String
        public var defaultErrnoRet: UInt32?
        public var architectures: [String]?
        public var flags: [String]?
        public var syscalls: [Syscall]?
        public init(defaultAction: String, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
                    flags: [String]? = nil, syscalls: [Syscall]? = nil) {
            self.defaultAction = defaultAction; self.defaultErrnoRet = defaultErrnoRet
            self.architectures = architectures; self.flags = flags; self.syscalls = syscalls
        }
    }

    public struct Syscall: Codable, Hashable, Sendable {
        public var names: [String]
        public var action: String
        public var errnoRet: UInt32?
        public var args: [SyscallArg]?
        public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [SyscallArg]? = nil) {
            self.names = names; self.action = action; self.errnoRet = errnoRet; self.args = args
        }
    }

    public struct SyscallArg: Codable, Hashable, Sendable {
        public var index: UInt
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: String
        public init(index: UInt, value: UInt64, valueTwo: UInt64? = nil, op: String) {
            self.index = index; self.value = value; self.valueTwo = valueTwo; self.op = op
        }
    }
}
