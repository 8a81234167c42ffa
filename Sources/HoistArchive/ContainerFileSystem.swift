#if canImport(Glibc)
import Glibc
#endif
import HoistCore

/// A container's files as its processes see them: the root file system with the
/// container's mounts over it (volumes, bind mounts, the `/etc` files Hoist writes per
/// container). `cp` resolves paths here, as moby resolves them against the container's
/// mount points, so it reads and writes a volume's or a bind source's files rather than
/// the empty directory the mount hides in the root file system.
///
/// The walk is `ContainerPath.walk` over container paths: `..` and symlinks act on the
/// container path, which is then mapped to the host under the root or under the source
/// of the mount holding it, so nothing outside them is ever reached.
public struct ContainerFileSystem: Sendable {
    public struct Mount: Sendable, Equatable {
        /// Where the container sees it (absolute; cleaned here).
        public var destination: String
        /// The host directory (or file, for a file bind mount) it shows.
        public var source: String
        public var readOnly: Bool

        public init(destination: String, source: String, readOnly: Bool) {
            self.destination = ContainerPath.clean("/" + destination)
            self.source = source
            self.readOnly = readOnly
        }

        var components: [String] { ContainerPath.components(destination) }
    }

    /// A mount below some directory: its path relative to that directory.
    public struct Submount: Sendable, Equatable {
        public var relative: [String]
        public var mount: Mount
    }

    public let root: String
    /// Deepest last, so the mount that holds a path is the last one that matches; of two
    /// at the same place the later one wins (the runtime mounts it over the first).
    public let mounts: [Mount]

    public init(root: String, mounts: [Mount]) {
        self.root = root
        self.mounts = mounts.enumerated()
            .sorted { ($0.element.components.count, $0.offset) < ($1.element.components.count, $1.offset) }
            .map(\.element)
    }

    /// The mount holding the container path `comps` (its destination is `comps` or a parent).
    public func mount(holding comps: [String]) -> Mount? {
        mounts.last { m in
            let d = m.components
            return d.count <= comps.count && Array(comps.prefix(d.count)) == d
        }
    }

    /// The mount holding an absolute container path, nil for the root file system.
    public func mount(holding path: String) -> Mount? { mount(holding: ContainerPath.components(ContainerPath.clean("/" + path))) }

    /// Where the container path `comps` is on the host.
    public func hostPath(_ comps: [String]) -> String {
        guard let m = mount(holding: comps) else { return ContainerPath.join(root, comps) }
        return ContainerPath.join(m.source, Array(comps.dropFirst(m.components.count)))
    }

    /// `path` with every symlink resolved inside the container; the host path and the
    /// resolved absolute container path.
    public func secureJoin(_ path: String, followFinal: Bool = true) throws -> (host: String, path: String) {
        let comps = try ContainerPath.walk(path, followFinal: followFinal, hostPath: hostPath)
        return (hostPath(comps), "/" + comps.joined(separator: "/"))
    }

    /// Docker's `container.ResolvePath` over the mounts: the directory part resolved
    /// securely, the last element kept (a final symlink is the link itself). Returns the
    /// host path, the cleaned absolute path as asked (keeping a trailing `/` or `/.`), and
    /// the resolved container path (which mount holds it).
    public func resolve(_ path: String) throws -> (host: String, absPath: String, resolvedPath: String) {
        let absPath = ContainerPath.preserveTrailingDotOrSeparator(ContainerPath.clean("/" + path), original: path)
        let (dir, base) = ContainerPath.splitDirBase(absPath)
        let dirComps = try ContainerPath.walk(dir, hostPath: hostPath)
        let comps = (base.isEmpty || base == ".") ? dirComps : dirComps + [base]
        var host = hostPath(comps)
        if comps.count == dirComps.count { host += host.hasSuffix("/") ? base : "/" + base }
        return (host, absPath, "/" + comps.joined(separator: "/"))
    }

    /// The mounts strictly below the container directory `path`, relative to it: what a
    /// tree walk of `path` must take from their sources instead of the root file system.
    public func submounts(below path: String) -> [Submount] {
        let base = ContainerPath.components(ContainerPath.clean("/" + path))
        return mounts.compactMap { m in
            let d = m.components
            guard d.count > base.count, Array(d.prefix(base.count)) == base else { return nil }
            return Submount(relative: Array(d.dropFirst(base.count)), mount: m)
        }
    }
}
