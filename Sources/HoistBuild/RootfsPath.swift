import HoistArchive

/// Paths inside an image's root file system as a container would see them: symlinks are
/// followed with the root as `/`, and `..` never climbs above it. COPY/ADD/WORKDIR write
/// only through paths resolved here, so an image's `/opt -> /etc` link cannot send a
/// build's files onto the host. The walk is `ContainerPath`'s, shared with `cp`.
enum RootfsPath {
    /// `root` joined with the container path, symlinks resolved inside `root`.
    /// `followFinal: false` keeps a final symlink itself (to replace it).
    static func resolve(root: String, _ path: String, followFinal: Bool = true) throws -> String {
        try ContainerPath.secureJoin(root: root, path, followFinal: followFinal)
    }

    static func readLink(_ path: String) throws -> String { try ContainerPath.readLink(path) }

    /// Lexical clean of an absolute container path (`/a/./b/../c/` → `/a/c`).
    static func clean(_ path: String) -> String { ContainerPath.clean("/" + path) }
}
