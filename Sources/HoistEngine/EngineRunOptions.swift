import Foundation
import HoistAPIModels
import HoistRuntime
import HoistSys

/// Run options that become part of the OCI spec: `--init`, `--ulimit` and `--security-opt`.
extension Engine {
    func applyRunOptions(_ spec: inout ContainerProcessSpec, _ rec: ContainerRecord) {
        // Checked at create; a record from before that check keeps the defaults.
        (try? SecurityOptions.parse(rec.hostConfig.SecurityOpt))?.apply(to: &spec)
        if rec.hostConfig.Init == true { spec.initBinary = InitBinary.path ?? "" }
        for u in rec.hostConfig.Ulimits ?? [] {
            spec.ulimits.append(.init(name: u.Name, soft: UInt64(max(u.Soft, 0)), hard: UInt64(max(u.Hard, 0))))
        }
    }
}

/// tini from Debian, as Docker ships docker-init: the static build when there is one.
enum InitBinary {
    static let candidates = ["/usr/bin/tini-static", "/usr/bin/tini", "/usr/sbin/tini"]
    static var path: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }
}

/// `ps` additions: `before=`/`since=` filters and `--size`.
extension Engine {
    /// `before=CONTAINER` keeps those created before it, `since=CONTAINER` those after.
    func filterByCreation(_ list: [ContainerRecord], _ filters: [String: [String]]) throws -> [ContainerRecord] {
        var out = list
        for v in filters["before"] ?? [] {
            let ref = try lookup(v)
            out = out.filter { $0.created < ref.created }
        }
        for v in filters["since"] ?? [] {
            let ref = try lookup(v)
            out = out.filter { $0.created > ref.created }
        }
        return out
    }

    /// SizeRw (the container layer's files) and SizeRootFs (that plus the image), as
    /// `ps --size` shows them. Walks each upper dir: only when asked for.
    public func withSizes(_ list: [ContainerSummary]) async -> [ContainerSummary] {
        var out = list
        for i in out.indices {
            guard let rec = containers[out[i].Id] else { continue }
            let upper = paths.containerDir(rec.id) + "/upper"
            let imageSize = (try? images.resolve(rec.imageID))?.size ?? 0
            let rw = (try? await ArchiveOps.onThread { DirectorySize.bytes(upper) }) ?? 0
            out[i].SizeRw = rw
            out[i].SizeRootFs = rw + imageSize
        }
        return out
    }
}

/// Apparent size of the regular files (and symlinks) under a directory, never following
/// links or crossing into other mounts (moby's directory.Size).
enum DirectorySize {
    static func bytes(_ path: String) -> Int64 {
        var total: Int64 = 0
        var root = stat()
        guard lstat(path, &root) == 0 else { return 0 }
        var stack = [path]
        var seen = Set<UInt64>()
        while let dir = stack.popLast() {
            guard let names = try? FileSystem.listDirectory(dir) else { continue }
            for n in names {
                let p = dir + "/" + n
                var st = stat()
                guard lstat(p, &st) == 0, st.st_dev == root.st_dev else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: stack.append(p)
                case S_IFREG, S_IFLNK:
                    if st.st_nlink > 1 && !seen.insert(UInt64(st.st_ino)).inserted { continue }
                    total += Int64(st.st_size)
                default: break
                }
            }
        }
        return total
    }
}
