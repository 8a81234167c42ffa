import ArgumentParser
import HoistClient
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `hoist stats [CONTAINER...]`: the docker table of CPU %, memory, I/O and PIDs.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", _superCommandName: "hoist", abstract: "Display a live stream of container(s) resource usage statistics")

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Show all containers (default shows just running)")
    var all = false

    @Option(name: .customLong("format"), help: "Format output using a custom template")
    var format: String?

    @Flag(name: .customLong("no-stream"), help: "Disable streaming stats and only pull the first result")
    var noStream = false

    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output")
    var noTrunc = false

    @Argument var containers: [String] = []

    func run() async throws {
        let env = CLIEnvironment.get()
        let client = env.client
        var targets = containers
        if targets.isEmpty {
            var q = QueryString()
            q.flag("all", all)
            let list = try await client.getJSON("/containers/json", query: q)
            targets = (list.arrayValue ?? []).compactMap { $0["Id"]?.stringValue }
        }
        let fmt = StatsContext.format(format ?? "")
        if noStream {
            var rows: [StatsContext] = []
            var errors: [String] = []
            await withTaskGroup(of: (Int, Result<JSON, any Error>).self) { group in
                for (i, c) in targets.enumerated() {
                    group.addTask {
                        var q = QueryString()
                        q.set("stream", "0")
                        do { return (i, .success(try await client.getJSON("/containers/\(c)/stats", query: q))) } catch { return (i, .failure(error)) }
                    }
                }
                var results: [(Int, Result<JSON, any Error>)] = []
                for await r in group { results.append(r) }
                for (i, r) in results.sorted(by: { $0.0 < $1.0 }) {
                    switch r {
                    case .success(let j): rows.append(StatsContext(stats: j, container: targets[i], trunc: !noTrunc))
                    case .failure(let e): errors.append(ErrorReporting.text(e))
                    }
                }
            }
            if !errors.isEmpty { throw CLIMessage(errors.joined(separator: "\n")) }
            try render(fmt, rows)
            return
        }

        // Streaming: one connection per container, the table redrawn every second.
        let latest = Mutex<[Int: JSON]>([:])
        var streams: [StreamingResponse] = []
        for (i, c) in targets.enumerated() {
            let s = try await client.streamMessages(EngineRequest(.GET, "/containers/\(c)/stats")) { j in
                latest.withLock { $0[i] = j }
            }
            streams.append(s)
        }
        let isTTY = isatty(1) == 1
        while true {
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let snapshot = latest.withLock { $0 }
            let rows = targets.indices.compactMap { i in snapshot[i].map { StatsContext(stats: $0, container: targets[i], trunc: !noTrunc) } }
            if isTTY { Out.write("\u{1B}[2J\u{1B}[H") }
            try render(fmt, rows)
            if targets.isEmpty && !isTTY { continue }
        }
    }

    private func render(_ fmt: String, _ rows: [StatsContext]) throws {
        do {
            Out.write(try ListFormatter.render(format: fmt, rows: rows, header: StatsContext.header))
        } catch {
            throw CLIMessage("\(error)")
        }
    }
}

/// One `stats` row as docker's formatter.statsContext, computed from a stats JSON document.
struct StatsContext: TemplateObject {
    let container: String
    let name: String
    let id: String
    let cpuPercent: Double
    let memory: Double
    let memoryLimit: Double
    let memoryPercent: Double
    let netRx: Double, netTx: Double
    let blockRead: Double, blockWrite: Double
    let pids: Int64
    /// A stopped container's empty document: docker shows `--`.
    let invalid: Bool

    var goTypeName: String { "*formatter.statsContext" }

    static let defaultFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
    static let header = HeaderContext(titles: [
        "Container": "CONTAINER", "Name": "NAME", "ID": "CONTAINER ID", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
        "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
    ], goTypeName: "formatter.SubHeaderContext")

    static func format(_ f: String) -> String { (f.isEmpty || f == "table") ? defaultFormat : f }

    init(stats s: JSON, container: String, trunc: Bool) {
        self.container = container
        let n = s["name"]?.stringValue ?? ""
        name = n.hasPrefix("/") ? String(n.dropFirst()) : n
        let fullID = s["id"]?.stringValue ?? ""
        id = trunc ? truncateID(fullID) : fullID
        func num(_ j: JSON?) -> Double { j?.int64Value.map(Double.init) ?? 0 }
        invalid = (s["read"]?.stringValue ?? "").hasPrefix("0001-")
        // calculateCPUPercentUnix: the daemon's precpu sample is the previous one.
        let cpu = s["cpu_stats"], pre = s["precpu_stats"]
        let cpuDelta = num(cpu?["cpu_usage"]?["total_usage"]) - num(pre?["cpu_usage"]?["total_usage"])
        let sysDelta = num(cpu?["system_cpu_usage"]) - num(pre?["system_cpu_usage"])
        var online = num(cpu?["online_cpus"])
        if online == 0 { online = Double(cpu?["cpu_usage"]?["percpu_usage"]?.arrayValue?.count ?? 0) }
        cpuPercent = (sysDelta > 0 && cpuDelta > 0) ? cpuDelta / sysDelta * online * 100 : 0
        // calculateMemUsageUnixNoCache (cgroup v1: total_inactive_file).
        let mem = s["memory_stats"]
        var usage = num(mem?["usage"])
        if let inactive = mem?["stats"]?["total_inactive_file"]?.int64Value, Double(inactive) < usage { usage -= Double(inactive) }
        memory = usage
        memoryLimit = num(mem?["limit"])
        memoryPercent = memoryLimit != 0 ? usage / memoryLimit * 100 : 0
        var rx = 0.0, tx = 0.0
        for (_, v) in s["networks"]?.objectValue?.entries ?? [] {
            rx += num(v["rx_bytes"])
            tx += num(v["tx_bytes"])
        }
        netRx = rx; netTx = tx
        var r = 0.0, w = 0.0
        for e in s["blkio_stats"]?["io_service_bytes_recursive"]?.arrayValue ?? [] {
            switch (e["op"]?.stringValue ?? "").lowercased() {
            case "read": r += num(e["value"])
            case "write": w += num(e["value"])
            default: break
            }
        }
        blockRead = r; blockWrite = w
        pids = s["pids_stats"]?["current"]?.int64Value ?? 0
    }

    func fields() -> [String: String] {
        func pct(_ v: Double) -> String { invalid ? "--" : String(Units.formatFixed(v, decimals: 2)) + "%" }
        return [
            "Container": container, "Name": invalid && name.isEmpty ? "--" : name, "ID": id,
            "CPUPerc": pct(cpuPercent), "MemPerc": pct(memoryPercent),
            "MemUsage": invalid ? "-- / --" : Units.bytesSize(memory) + " / " + Units.bytesSize(memoryLimit),
            "NetIO": invalid ? "--" : Units.humanSize(netRx) + " / " + Units.humanSize(netTx),
            "BlockIO": invalid ? "--" : Units.humanSize(blockRead) + " / " + Units.humanSize(blockWrite),
            "PIDs": invalid ? "--" : String(pids),
        ]
    }

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        guard let v = fields()[name] else { return nil }
        return .string(v)
    }

    func templateJSON() -> JSON {
        let f = fields()
        return .object(JSONObject(f.keys.sorted().map { ($0, .string(f[$0] ?? "")) }))
    }
}

extension Units {
    static let binaryAbbrs = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]

    /// go-units BytesSize: binary units, `%.4g` (`64MiB`, `1.23MiB`).
    static func bytesSize(_ size: Double) -> String {
        var s = size
        var i = 0
        while s >= 1024 && i < binaryAbbrs.count - 1 {
            s /= 1024
            i += 1
        }
        return formatG(s, precision: 4) + binaryAbbrs[i]
    }

    /// `%.*f`.
    static func formatFixed(_ v: Double, decimals: Int) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(decimals), v]) { args in vsnprintf(&buf, buf.count, "%.*f", args) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
