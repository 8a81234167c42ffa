import ArgumentParser
import FoundationEssentials
import HoistAPIModels
import HoistClient

/// `hoist update [OPTIONS] CONTAINER...`: new resource limits or restart policy, applied at
/// once to running containers (as `docker update`).
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", _superCommandName: "hoist", abstract: "Update configuration of one or more containers")

    @Option(name: [.customShort("m"), .customLong("memory")], help: "Memory limit")
    var memory: String?

    @Option(name: .customLong("memory-swap"), help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
    var memorySwap: String?

    @Option(name: .customLong("cpus"), help: "Number of CPUs")
    var cpus: String?

    @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight)")
    var cpuShares: String?

    @Option(name: .customLong("cpu-period"), help: "Limit CPU CFS (Completely Fair Scheduler) period")
    var cpuPeriod: String?

    @Option(name: .customLong("cpu-quota"), help: "Limit CPU CFS (Completely Fair Scheduler) quota")
    var cpuQuota: String?

    @Option(name: .customLong("pids-limit"), help: "Tune container pids limit (set -1 for unlimited)")
    var pidsLimit: String?

    @Option(name: .customLong("restart"), help: "Restart policy to apply when a container exits")
    var restart: String?

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        let path = env.path
        try path.requireMin(containers, 1)
        typealias B = ContainerConfigBuilder
        var u = ContainerUpdateRequest()
        u.Memory = try memory.map { try B.memoryBytes($0, path: path) }
        u.MemorySwap = try memorySwap.map { try B.memorySwapBytes($0, path: path) }
        u.NanoCpus = try cpus.map { try B.nanoCPUs($0, path: path) }
        u.CpuShares = try cpuShares.map { try B.int64Flag($0, flag: "-c, --cpu-shares", path: path) }
        u.CpuPeriod = try cpuPeriod.map { try B.int64Flag($0, flag: "--cpu-period", path: path) }
        u.CpuQuota = try cpuQuota.map { try B.int64Flag($0, flag: "--cpu-quota", path: path) }
        u.PidsLimit = try pidsLimit.map { try B.int64Flag($0, flag: "--pids-limit", path: path) }
        if let r = restart, !r.isEmpty { u.RestartPolicy = try B.restartPolicy(r, path: path) }
        guard [memory, memorySwap, cpus, cpuShares, cpuPeriod, cpuQuota, pidsLimit, restart].contains(where: { $0 != nil }) else { throw CLIMessage("you must provide one or more flags when using this command") }

        let body = Array(try JSONEncoder().encode(u))
        var warnings: [String] = []
        try await forEachContainer(containers) { name in
            let reply = try await env.client.post("/containers/\(name)/update", json: body).json()
            warnings += (reply["Warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        if !warnings.isEmpty { Out.print(warnings.joined(separator: "\n")) }
    }
}
