import Foundation
import HoistCore

/// `GET /containers/{id}/stats`: moby's StatsJSON (cgroup v1 fields), keys in its order.
public struct ContainerStats: Codable, Sendable {
    public struct CPUUsage: Codable, Sendable {
        public var total_usage: UInt64 = 0
        public var percpu_usage: [UInt64]?
        public var usage_in_kernelmode: UInt64 = 0
        public var usage_in_usermode: UInt64 = 0
    }
    public struct Throttling: Codable, Sendable {
        public var periods: UInt64 = 0
        public var throttled_periods: UInt64 = 0
        public var throttled_time: UInt64 = 0
    }
    public struct CPUStats: Codable, Sendable {
        public var cpu_usage = CPUUsage()
        public var system_cpu_usage: UInt64?
        public var online_cpus: UInt32?
        public var throttling_data = Throttling()
    }
    public struct MemoryStats: Codable, Sendable {
        public var usage: UInt64?
        public var max_usage: UInt64?
        public var stats: [String: UInt64]?
        public var failcnt: UInt64?
        public var limit: UInt64?
    }
    public struct PidsStats: Codable, Sendable {
        public var current: UInt64?
        public var limit: UInt64?
    }
    public struct BlkioEntry: Codable, Sendable {
        public var major: UInt64
        public var minor: UInt64
        public var op: String
        public var value: UInt64
    }
    public struct BlkioStats: Codable, Sendable {
        public var io_service_bytes_recursive: [BlkioEntry]?
        public var io_serviced_recursive: [BlkioEntry]?
        public var io_queue_recursive: [BlkioEntry]?
        public var io_service_time_recursive: [BlkioEntry]?
        public var io_wait_time_recursive: [BlkioEntry]?
        public var io_merged_recursive: [BlkioEntry]?
        public var io_time_recursive: [BlkioEntry]?
        public var sectors_recursive: [BlkioEntry]?

        public func encode(to encoder: any Encoder) throws {
            // moby sends these as null rather than leaving them out.
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(io_service_bytes_recursive, forKey: .io_service_bytes_recursive)
            try c.encode(io_serviced_recursive, forKey: .io_serviced_recursive)
            try c.encode(io_queue_recursive, forKey: .io_queue_recursive)
            try c.encode(io_service_time_recursive, forKey: .io_service_time_recursive)
            try c.encode(io_wait_time_recursive, forKey: .io_wait_time_recursive)
            try c.encode(io_merged_recursive, forKey: .io_merged_recursive)
            try c.encode(io_time_recursive, forKey: .io_time_recursive)
            try c.encode(sectors_recursive, forKey: .sectors_recursive)
        }
    }
    public struct StorageStats: Codable, Sendable {}
    /// One interface of the container's network namespace (moby's NetworkStats).
    public struct NetworkStats: Codable, Sendable, Equatable {
        public var rx_bytes: UInt64 = 0
        public var rx_packets: UInt64 = 0
        public var rx_errors: UInt64 = 0
        public var rx_dropped: UInt64 = 0
        public var tx_bytes: UInt64 = 0
        public var tx_packets: UInt64 = 0
        public var tx_errors: UInt64 = 0
        public var tx_dropped: UInt64 = 0
    }

    public var read = Timestamps.zero
    public var preread = Timestamps.zero
    public var pids_stats = PidsStats()
    public var blkio_stats = BlkioStats()
    public var num_procs: UInt32 = 0
    public var storage_stats = StorageStats()
    public var cpu_stats = CPUStats()
    public var precpu_stats = CPUStats()
    public var memory_stats = MemoryStats()
    public var name = ""
    public var id = ""
    /// By interface name, loopback left out; absent without a network of its own.
    public var networks: [String: NetworkStats]?
}

/// Reads one sample from the container's cgroup v1 files.
enum StatsSampler {
    static let clockTicks: UInt64 = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? UInt64(t) : 100
    }()

    static func sample(id: String, name: String, pid: Int) -> ContainerStats {
        var s = ContainerStats()
        s.name = "/" + name
        s.id = id
        s.networks = networks(pid: pid)
        s.read = Timestamps.rfc3339Nano(Timestamps.nowNanos(), trimZeros: false)
        s.cpu_stats = cpu(id)
        var mem = ContainerStats.MemoryStats()
        mem.usage = ContainerCgroup.int("memory", id, "memory.usage_in_bytes")
        mem.max_usage = ContainerCgroup.int("memory", id, "memory.max_usage_in_bytes")
        mem.failcnt = ContainerCgroup.int("memory", id, "memory.failcnt")
        let stat = ContainerCgroup.keyValues("memory", id, "memory.stat")
        mem.stats = stat.isEmpty ? nil : stat
        if let limit = ContainerCgroup.int("memory", id, "memory.limit_in_bytes") {
            // An unlimited cgroup reports ~2^63: Docker shows the host's memory instead.
            let host = UInt64(ProcessInfo.processInfo.physicalMemory)
            mem.limit = (limit == 0 || limit > host) ? host : limit
        }
        s.memory_stats = mem
        s.pids_stats.current = ContainerCgroup.int("pids", id, "pids.current")
        let max = ContainerCgroup.read("pids", id, "pids.max")?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let m = max.flatMap({ UInt64($0) }) { s.pids_stats.limit = m }
        s.blkio_stats.io_service_bytes_recursive = blkio(id, "blkio.throttle.io_service_bytes_recursive")
            ?? blkio(id, "blkio.throttle.io_service_bytes")
        s.blkio_stats.io_serviced_recursive = blkio(id, "blkio.throttle.io_serviced_recursive") ?? blkio(id, "blkio.throttle.io_serviced")
        return s
    }

    static func cpu(_ id: String) -> ContainerStats.CPUStats {
        var c = ContainerStats.CPUStats()
        c.cpu_usage.total_usage = ContainerCgroup.int("cpuacct", id, "cpuacct.usage") ?? 0
        let percpu = (ContainerCgroup.read("cpuacct", id, "cpuacct.usage_percpu") ?? "")
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt64($0) }
        c.cpu_usage.percpu_usage = percpu.isEmpty ? nil : percpu
        let st = ContainerCgroup.keyValues("cpuacct", id, "cpuacct.stat")
        c.cpu_usage.usage_in_usermode = (st["user"] ?? 0) * 1_000_000_000 / clockTicks
        c.cpu_usage.usage_in_kernelmode = (st["system"] ?? 0) * 1_000_000_000 / clockTicks
        c.system_cpu_usage = systemCPUUsage()
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        c.online_cpus = online > 0 ? UInt32(online) : UInt32(max(percpu.count, 1))
        let thr = ContainerCgroup.keyValues("cpu", id, "cpu.stat")
        c.throttling_data = .init(periods: thr["nr_periods"] ?? 0, throttled_periods: thr["nr_throttled"] ?? 0,
                                  throttled_time: thr["throttled_time"] ?? 0)
        return c
    }

    /// The host's CPU time in nanoseconds, from the first 7 fields of /proc/stat's `cpu` line (as moby).
    static func systemCPUUsage() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("cpu ") {
            let f = line.split(separator: " ").dropFirst().prefix(7).compactMap { UInt64($0) }
            return f.reduce(0, +) * 1_000_000_000 / clockTicks
        }
        return nil
    }

    /// The interfaces of the network namespace `pid` is in, from its /proc/<pid>/net/dev
    /// (`iface: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets
    /// errs drop ...`); nil when there is none but loopback.
    static func networks(pid: Int) -> [String: ContainerStats.NetworkStats]? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/net/dev", encoding: .utf8) else { return nil }
        var out: [String: ContainerStats.NetworkStats] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let f = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard name != "lo", f.count >= 12 else { continue }
            out[name] = .init(rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3],
                              tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11])
        }
        return out.isEmpty ? nil : out
    }

    static func blkio(_ id: String, _ file: String) -> [ContainerStats.BlkioEntry]? {
        guard let text = ContainerCgroup.read("blkio", id, file) else { return nil }
        var out: [ContainerStats.BlkioEntry] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, let v = UInt64(f[2]) else { continue }
            let dev = f[0].split(separator: ":")
            guard dev.count == 2, let major = UInt64(dev[0]), let minor = UInt64(dev[1]) else { continue }
            out.append(.init(major: major, minor: minor, op: String(f[1]), value: v))
        }
        return out
    }
}

extension Engine {
    /// Samples once a second while the container runs (`stream`), or once. Without
    /// `oneShot`, a single sample waits for a second one so that precpu_stats is filled,
    /// as moby does.
    public func containerStats(_ idOrName: String, stream: Bool, oneShot: Bool) async throws -> AsyncStream<ContainerStats> {
        let rec = try lookup(idOrName)
        let id = rec.id
        let (out, cont) = AsyncStream<ContainerStats>.makeStream(bufferingPolicy: .bufferingNewest(4))
        guard rec.isRunning else {
            var empty = ContainerStats()
            empty.name = "/" + rec.name
            empty.id = id
            cont.yield(empty)
            cont.finish()
            return out
        }
        let task = Task {
            var previous: ContainerStats?
            while !Task.isCancelled {
                guard let (now, pid) = self.runningNameAndPid(id) else { break }
                var s = StatsSampler.sample(id: id, name: now, pid: pid)
                if let p = previous {
                    s.precpu_stats = p.cpu_stats
                    s.preread = p.read
                }
                if !stream && !oneShot && previous == nil {
                    previous = s
                    try? await Task.sleep(nanoseconds: 1_000_000_000)
                    continue
                }
                cont.yield(s)
                if !stream { break }
                previous = s
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
            cont.finish()
        }
        cont.onTermination = { _ in task.cancel() }
        return out
    }

    /// The container's name (a rename shows in the next sample) and init's PID while it
    /// runs; nil once it stopped.
    func runningNameAndPid(_ id: String) -> (String, Int)? {
        guard let r = containers[id], r.isRunning else { return nil }
        return (r.name, r.pid)
    }
}
