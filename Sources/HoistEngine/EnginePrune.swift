import Foundation
import HoistAPIModels
import HoistCore

/// `container prune` and `image prune`, as moby's ContainersPrune and ImagesPrune.
extension Engine {
    /// Removes every container that is not running (created, exited, dead) and matches the
    /// filters: `until` (created before), `label` / `label!`.
    public func pruneContainers(filters: [String: [String]]) async throws -> ContainersPruneReport {
        try PruneFilters.check(filters, allowed: ["until", "label", "label!"])
        let cutoff = try PruneFilters.until(filters)
        var deleted: [String] = []
        var space: Int64 = 0
        let candidates = containers.values.filter { rec in
            !rec.isRunning && rec.status != .removing
                && (cutoff.map { rec.created < $0 } ?? true)
                && PruneFilters.labelsMatch(rec.config.Labels ?? [:], filters)
        }.sorted { $0.created < $1.created }
        for rec in candidates {
            let rw = (try? await ArchiveOps.onThread { [dir = paths.containerDir(rec.id)] in DirectorySize.bytes(dir + "/upper") }) ?? 0
            do {
                try await removeContainer(rec.id, force: false, volumes: false)
                deleted.append(rec.id)
                space += rw
            } catch {
                logger.error("prune: cannot remove container \(rec.id.prefix(12)): \(error)")
            }
        }
        return ContainersPruneReport(ContainersDeleted: deleted.isEmpty ? nil : deleted, SpaceReclaimed: space)
    }

    /// Removes images no container uses: only untagged (dangling) ones unless
    /// `dangling=false` (`image prune -a`); `until` and `label` filters as moby.
    public func pruneImages(filters: [String: [String]]) async throws -> ImagesPruneReport {
        try PruneFilters.check(filters, allowed: ["dangling", "until", "label", "label!"])
        var danglingOnly = true
        if let d = filters["dangling"]?.first {
            switch d.lowercased() {
            case "true", "1": danglingOnly = true
            case "false", "0": danglingOnly = false
            default: throw HoistError.invalid("invalid filter 'dangling=\(d)'")
            }
        }
        let cutoff = try PruneFilters.until(filters)
        let used = Set(containers.values.map(\.imageID))
        var deleted: [ImageDeleteResponseItem] = []
        var space: Int64 = 0
        for entry in try images.list().sorted(by: { $0.image.created > $1.image.created }) {
            let img = entry.image
            if used.contains(img.id) { continue }
            if danglingOnly && !entry.tags.isEmpty { continue }
            if let cutoff, img.created * 1_000_000_000 >= cutoff { continue }
            guard PruneFilters.labelsMatch(img.config.config?.Labels ?? [:], filters) else { continue }
            do {
                // Only the layers that really went count: a base layer an image that stays
                // shares is not reclaimed (moby sums the deleted layers' sizes).
                let (items, freed) = try await removeImageCounting(img.id, force: !entry.tags.isEmpty)
                deleted += items
                space += freed
            } catch {
                // An image another one is built on stays (moby skips it too).
                logger.debug("prune: image \(img.id.prefix(19)) kept: \(error)")
            }
        }
        return ImagesPruneReport(ImagesDeleted: deleted.isEmpty ? nil : deleted, SpaceReclaimed: space)
    }
}

/// The filters prune endpoints share.
enum PruneFilters {
    static func check(_ filters: [String: [String]], allowed: Set<String>) throws {
        for key in filters.keys.sorted() where !allowed.contains(key) {
            throw HoistError.invalid("invalid filter '\(key)'")
        }
    }

    /// `until`: a Go duration before now (`10m`, `1h30m`), a Unix time, or an RFC 3339
    /// date; nanoseconds since the epoch.
    static func until(_ filters: [String: [String]]) throws -> Int64? {
        guard let values = filters["until"], !values.isEmpty else { return nil }
        guard values.count == 1, let v = values.first else { throw HoistError.invalid("more than one until filter specified") }
        let now = Timestamps.nowNanos()
        if let d = goDuration(v) { return now - d }
        if let secs = Double(v) { return Int64(secs * 1e9) }
        if let t = Timestamps.parseRFC3339(v) { return t }
        throw HoistError.invalid("failed to parse value for filter \"until\": \(v)")
    }

    /// `label=k`, `label=k=v` (all must match) and `label!=...` (none may).
    static func labelsMatch(_ labels: [String: String], _ filters: [String: [String]]) -> Bool {
        func has(_ spec: String) -> Bool {
            let kv = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard let k = kv.first, let v = labels[k] else { return false }
            return kv.count == 1 || v == kv[1]
        }
        return (filters["label"] ?? []).allSatisfy(has) && !(filters["label!"] ?? []).contains(where: has)
    }

    /// Go's time.ParseDuration for the units people use: h, m, s, ms, us, ns; nil otherwise.
    static func goDuration(_ s: String) -> Int64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var rest = Substring(s)
        var total: Double = 0
        var negative = false
        if rest.hasPrefix("-") { negative = true; rest = rest.dropFirst() } else if rest.hasPrefix("+") { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let num = rest.prefix { $0.isNumber || $0 == "." }
            guard !num.isEmpty, let value = Double(num) else { return nil }
            rest = rest.dropFirst(num.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            guard let mult = units.first(where: { $0.0 == String(unit) })?.1 else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * mult
        }
        return Int64(negative ? -total : total)
    }
}
