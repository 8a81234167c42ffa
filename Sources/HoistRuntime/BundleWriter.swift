import Foundation
import HoistCore
import HoistSys
import HoistOCI

/// Writes the OCI bundle's `config.json` for a container, with Docker's defaults:
/// namespaces, capabilities, mounts, masked paths, device rules, seccomp, resources.
public enum BundleWriter {
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    /// Every capability this kernel generation knows (for `--privileged` and `--cap-add ALL`).
    public static let allCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// `allCapabilities` (in number order) within our own bounding set: asking the runtime
    /// for a capability the daemon lacks fails (capset EPERM), e.g. inside a restricted host.
    public static var availableCapabilities: [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return allCapabilities }
        return allCapabilities.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element)
    }

    static let maskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]
    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Writes `<bundleDir>/config.json` (atomically). `rootfs` is the container's root,
    /// already mounted. With `seccompFilters` (crun), a known compiled filter goes into the
    /// spec; an unknown profile is returned, for the cache to learn after create.
    @discardableResult
    public static func write(id: String, spec: ContainerProcessSpec, rootfs: String, bundleDir: String,
                             seccompFilters: SeccompFilterCache? = nil) throws -> RuntimeSpec.Seccomp? {
        var config = try makeSpec(id: id, spec: spec, rootfs: rootfs)
        let unknownProfile = seccompFilters?.prepare(&config)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try enc.encode(config) } catch { throw HoistError.internal("encode config.json", cause: error) }
        do {
            try FileManager.default.createDirectory(atPath: bundleDir, withIntermediateDirectories: true)
            // Rewritten before every start, so a crash mid-write costs nothing: no sync.
            try FileSystem.writeFile(bundleDir + "/config.json", String(decoding: data, as: UTF8.self))
        } catch {
            throw HoistError.internal("write \(bundleDir)/config.json: \(error.localizedDescription)", cause: error)
        }
        return unknownProfile
    }

    /// The runtime spec, without writing it (tests, `inspect`-style debugging).
    public static func makeSpec(id: String, spec s: ContainerProcessSpec, rootfs: String) throws -> RuntimeSpec {
        guard !s.args.isEmpty else { throw HoistError.invalid("no command specified") }
        if let i = s.initBinary, i.isEmpty {
            throw HoistError.invalid("exec: \"docker-init\": executable file not found in $PATH")
        }
        let caps = try capabilities(s)
        let hostname = s.hostname.isEmpty ? String(id.prefix(12)) : s.hostname

        var env = s.env
        func has(_ key: String) -> Bool { env.contains { $0.hasPrefix(key + "=") } }
        var prefix: [String] = []
        if !has("PATH") { prefix.append(defaultPath) }
        if !has("HOSTNAME") { prefix.append("HOSTNAME=\(hostname)") }
        if s.tty && !has("TERM") { prefix.append("TERM=xterm") }
        env = prefix + env

        let process = RuntimeSpec.Process(
            terminal: s.tty,
            user: .init(uid: s.uid, gid: s.gid, additionalGids: s.additionalGids.isEmpty ? nil : s.additionalGids),
            args: s.initBinary != nil ? [initPath, "--"] + s.args : s.args, env: env, cwd: s.cwd.isEmpty ? "/" : s.cwd,
            capabilities: .init(bounding: caps, effective: caps, permitted: caps),
            rlimits: rlimits(s.ulimits),
            noNewPrivileges: s.noNewPrivileges ? true : nil)

        var namespaces: [RuntimeSpec.Namespace] = [.init(type: "pid"), .init(type: "ipc"), .init(type: "uts"), .init(type: "mount")]
        var sysctl = s.sysctls
        switch s.network {
        case .new:
            namespaces.append(.init(type: "network"))
        case .path(let p):
            namespaces.append(.init(type: "network", path: p))
        case .host:
            break
        }
        if s.network != .host {
            // As Docker (20.10+) does for containers with their own network namespace.
            if sysctl["net.ipv4.ip_unprivileged_port_start"] == nil { sysctl["net.ipv4.ip_unprivileged_port_start"] = "0" }
            if sysctl["net.ipv4.ping_group_range"] == nil { sysctl["net.ipv4.ping_group_range"] = "0 2147483647" }
        }

        var resources = RuntimeSpec.Resources(devices: deviceRules(privileged: s.privileged))
        if let m = s.memoryBytes, m > 0 { resources.memory = .init(limit: m, swap: s.memorySwap) }
        if let p = s.pidsLimit, p != 0 { resources.pids = .init(limit: p) }
        var cpu = RuntimeSpec.CPU()
        if let n = s.nanoCPUs, n > 0 {
            cpu.period = 100_000
            cpu.quota = max(1000, n * 100_000 / 1_000_000_000)
        }
        if let p = s.cpuPeriod, p > 0 { cpu.period = UInt64(p) }
        if let q = s.cpuQuota, q > 0 { cpu.quota = q }
        if let sh = s.cpuShares, sh > 0 { cpu.shares = UInt64(sh) }
        if cpu != RuntimeSpec.CPU() { resources.cpu = cpu }

        let linux = RuntimeSpec.Linux(
            sysctl: sysctl.isEmpty ? nil : sysctl,
            resources: resources,
            cgroupsPath: "/hoist/\(id)",
            namespaces: namespaces,
            seccomp: (s.seccomp && !s.privileged)
                ? (s.seccompProfile?.runtimeProfile(capabilities: Set(caps)) ?? DefaultSeccomp.profile(capabilities: Set(caps))) : nil,
            rootfsPropagation: nil,
            maskedPaths: s.privileged ? nil : maskedPaths,
            readonlyPaths: s.privileged ? nil : readonlyPaths)

        return RuntimeSpec(
            process: process,
            root: .init(path: rootfs, readonly: s.readonlyRootfs ? true : nil),
            hostname: hostname,
            mounts: mounts(s),
            linux: linux)
    }

    static func normalizeCap(_ c: String) -> String {
        let u = c.uppercased()
        return u.hasPrefix("CAP_") || u == "ALL" ? u : "CAP_" + u
    }

    static func capabilities(_ s: ContainerProcessSpec) throws -> [String] {
        if s.privileged { return availableCapabilities }
        let add = s.capAdd.map(normalizeCap), drop = s.capDrop.map(normalizeCap)
        for c in add + drop where c != "ALL" && !allCapabilities.contains(c) {
            throw HoistError.invalid("invalid capability: \(c)")
        }
        var caps = drop.contains("ALL") ? [] : defaultCapabilities
        caps.removeAll { drop.contains($0) }
        if add.contains("ALL") { caps = allCapabilities.filter { !drop.contains($0) } }
        for c in add where c != "ALL" && !caps.contains(c) { caps.append(c) }
        return caps
    }

    /// NOFILE as high as the daemon may go (Docker containers see 1048576 where the host
    /// allows it); user ulimits clamped to the daemon's hard limits, which the runtime
    /// cannot exceed without CAP_SYS_RESOURCE.
    static func rlimits(_ ulimits: [ContainerProcessSpec.Ulimit]) -> [RuntimeSpec.Rlimit] {
        var out: [RuntimeSpec.Rlimit] = []
        func hardLimit(_ resource: Int32) -> UInt64 {
            var r = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(resource)), &r) == 0 else { return 0 }
            return UInt64(r.rlim_max)
        }
        let names: [String: Int32] = [
            "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
            "memlock": 8, "as": 9, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
        ]
        var sawNofile = false
        for u in ulimits {
            let key = u.name.lowercased().replacingOccurrences(of: "rlimit_", with: "")
            guard let res = names[key] else { continue }
            let maxHard = hardLimit(res)
            let hard = min(u.hard, maxHard)
            out.append(.init(type: "RLIMIT_" + key.uppercased(), hard: hard, soft: min(u.soft, hard)))
            if key == "nofile" { sawNofile = true }
        }
        if !sawNofile {
            let n = min(hardLimit(7), 1_048_576)
            out.append(.init(type: "RLIMIT_NOFILE", hard: n, soft: n))
        }
        return out
    }

    static func deviceRules(privileged: Bool) -> [RuntimeSpec.DeviceRule] {
        if privileged { return [.init(allow: true, access: "rwm")] }
        typealias R = RuntimeSpec.DeviceRule
        return [
            R(allow: false, access: "rwm"),
            R(allow: true, type: "c", access: "m"),  // mknod of any char device
            R(allow: true, type: "b", access: "m"),  // ... and block device
            R(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),    // null
            R(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),    // zero
            R(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),    // full
            R(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),    // random
            R(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),    // urandom
            R(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),    // tty
            R(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),    // console
            R(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),    // ptmx
            R(allow: true, type: "c", major: 136, access: "rwm"),            // pts/*
            R(allow: true, type: "c", major: 10, minor: 200, access: "rwm"), // net/tun
        ]
    }

    static func mounts(_ s: ContainerProcessSpec) -> [RuntimeSpec.Mount] {
        typealias M = RuntimeSpec.Mount
        let shm = s.shmSize.flatMap { $0 > 0 ? $0 : nil } ?? 64 << 20
        let sysRO = s.privileged ? [] : ["ro"]
        var list: [M] = [
            M(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            M(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            M(destination: "/dev/pts", type: "devpts", source: "devpts",
              options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            M(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev"] + sysRO),
            M(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
              options: ["nosuid", "noexec", "nodev", "relatime"] + sysRO),
            M(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            M(destination: "/dev/shm", type: "tmpfs", source: "shm",
              options: ["nosuid", "noexec", "nodev", "mode=1777", "size=\(shm)"]),
        ]
        let user = s.mounts.map { M(destination: clean($0.destination), type: $0.type, source: $0.source, options: $0.options) }
        // A user mount replaces a default one at the same place (e.g. `--tmpfs /dev/shm`).
        list.removeAll { d in user.contains { $0.destination == d.destination } }
        // Parents before children, whatever order the user gave.
        list += user.sorted { depth($0.destination) < depth($1.destination) }
        let ro = s.readonlyRootfs ? ["ro"] : []
        for (file, dest) in [(s.hostnameFile, "/etc/hostname"), (s.hostsFile, "/etc/hosts"), (s.resolvConfFile, "/etc/resolv.conf")] {
            guard let file, !user.contains(where: { $0.destination == dest }) else { continue }
            list.append(M(destination: dest, type: "bind", source: file, options: ["rbind", "rprivate"] + ro))
        }
        if let i = s.initBinary, !i.isEmpty {
            list.append(M(destination: initPath, type: "bind", source: i, options: ["rbind", "ro", "rprivate"]))
        }
        return list
    }

    /// Where `--init` puts the init binary in the container (Docker's path).
    static let initPath = "/sbin/docker-init"

    static func clean(_ p: String) -> String {
        var parts: [Substring] = []
        for c in p.split(separator: "/") where c != "." && !c.isEmpty {
            if c == ".." { _ = parts.popLast() } else { parts.append(c) }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func depth(_ p: String) -> Int { p.split(separator: "/").count }
}
