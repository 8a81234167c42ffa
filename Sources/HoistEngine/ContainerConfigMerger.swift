import Foundation
import HoistCore
import HoistOCI
import HoistAPIModels

/// Applies Docker's rules for combining a create request with the image's defaults.
enum ContainerConfigMerger {
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func merge(_ req: ContainerConfig, image: ContainerDefaults?) throws -> (config: ContainerConfig, path: String, args: [String]) {
        var c = req
        let img = image ?? ContainerDefaults()
        // An entrypoint given on create drops the image's Cmd (Docker does the same).
        if c.Entrypoint == nil {
            c.Entrypoint = img.Entrypoint
            if c.Cmd == nil || c.Cmd?.isEmpty == true { c.Cmd = img.Cmd }
        }
        // `--entrypoint ""` arrives as [""]: no entrypoint at all, the command runs alone.
        if c.Entrypoint?.isEmpty == true || c.Entrypoint == [""] { c.Entrypoint = nil }
        var env = img.Env ?? []
        for e in c.Env ?? [] {
            let key = e.split(separator: "=", maxSplits: 1).first.map(String.init) ?? e
            if let i = env.firstIndex(where: { ($0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0) == key }) {
                env[i] = e
            } else {
                env.append(e)
            }
        }
        c.Env = env
        if c.WorkingDir?.isEmpty ?? true { c.WorkingDir = img.WorkingDir }
        if c.User?.isEmpty ?? true { c.User = img.User }
        if c.StopSignal == nil { c.StopSignal = img.StopSignal }
        var labels = img.Labels ?? [:]
        for (k, v) in c.Labels ?? [:] { labels[k] = v }
        c.Labels = labels
        if c.ExposedPorts == nil { c.ExposedPorts = img.ExposedPorts }
        if c.Volumes == nil { c.Volumes = img.Volumes }
        c.Healthcheck = ImageHealthcheck.merge(c.Healthcheck, image: img.Healthcheck)
        let argv = (c.Entrypoint ?? []) + (c.Cmd ?? [])
        guard let first = argv.first else { throw HoistError.invalid("No command specified") }
        if let wd = c.WorkingDir, !wd.isEmpty, !wd.hasPrefix("/") {
            throw HoistError.invalid("the working directory '\(wd)' is invalid, it needs to be an absolute path")
        }
        return (c, first, Array(argv.dropFirst()))
    }

    /// Hoist's log format is its own, but clients (docker-py's `containers.run`) only read logs
    /// back from drivers they know, so the default driver is reported as `json-file`.
    static let defaultLogDriver = "json-file"

    static func normalise(_ hc: HostConfig) throws -> HostConfig {
        var h = hc
        let driver = h.LogConfig?.Type ?? ""
        if driver.isEmpty {
            h.LogConfig = LogConfig(Type: defaultLogDriver, Config: h.LogConfig?.Config ?? [:])
        } else if driver != "json-file" && driver != "local" && driver != LogRotation.noneDriver {
            throw HoistError.invalid("failed to create logger: logger: no log driver named '\(driver)' is registered")
        }
        if h.NetworkMode == nil || h.NetworkMode == "" || h.NetworkMode == "default" { h.NetworkMode = "bridge" }
        if h.RestartPolicy == nil { h.RestartPolicy = RestartPolicy(Name: "no", MaximumRetryCount: 0) }
        return h
    }

    /// moby's verifyContainerResources, for create and (`update`) for an update request.
    static func validate(_ h: HostConfig, update: Bool = false) throws {
        _ = try SecurityOptions.parse(h.SecurityOpt)
        if let m = h.Memory, m > 0, m < 6 * 1024 * 1024 {
            throw HoistError.invalid("Minimum memory limit allowed is 6MB")
        }
        if let m = h.Memory, m < 0 { throw HoistError.invalid("invalid memory limit \(m)") }
        let memory = h.Memory ?? 0, swap = h.MemorySwap ?? 0
        if memory > 0 && swap > 0 && swap < memory {
            throw HoistError.invalid("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if memory == 0 && swap > 0 && !update {
            throw HoistError.invalid("You should always set the Memory limit when using Memoryswap limit, see usage")
        }
        let nano = h.NanoCpus ?? 0, period = h.CpuPeriod ?? 0, quota = h.CpuQuota ?? 0
        if nano > 0 && period > 0 { throw HoistError.invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set") }
        if nano > 0 && quota > 0 { throw HoistError.invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set") }
        if period != 0 && (period < 1000 || period > 1_000_000) {
            throw HoistError.invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
        }
        if quota > 0 && quota < 1000 { throw HoistError.invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)") }
        if let n = h.NanoCpus, n != 0 {
            let ncpu = Int64(HostCPUs.count)
            if n < 10_000_000 || n > ncpu * 1_000_000_000 {
                throw HoistError.invalid("Range of CPUs is from 0.01 to \(ncpu).00, as there are only \(ncpu) CPUs available")
            }
        }
        if let name = h.RestartPolicy?.Name, !name.isEmpty, name != "no" {
            // Restart policies land with the lifecycle issue; accept the values Docker accepts.
            guard ["always", "unless-stopped", "on-failure"].contains(name) else {
                throw HoistError.invalid("invalid restart policy '\(name)'")
            }
        }
        if h.AutoRemove == true, let name = h.RestartPolicy?.Name, !name.isEmpty, name != "no" {
            throw HoistError.invalid("can't create 'AutoRemove' container with restart policy")
        }
    }
}

enum HostCPUs {
    static var count: Int { ProcessInfo.processInfo.activeProcessorCount }
}
