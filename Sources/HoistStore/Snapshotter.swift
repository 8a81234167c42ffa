import HoistCore
import HoistOCI
import HoistSys

/// Unpacked layers: `<root>/<hex of chainID>/fs`, each unpacked once and shared by every
/// image that has it. A layer is unpacked into the ingest dir and renamed into place only
/// when complete. (The chain ID's hex, not `sha256:<hex>`: a `:` would break overlay's
/// lowerdir list.)
public final class Snapshotter: Sendable {
    public let root: String
    public let ingestDir: String

    public init(root: String, ingestDir: String) throws {
        self.root = root
        self.ingestDir = ingestDir
        try FileSystem.mkdirAll(root, mode: 0o700)
        try FileSystem.mkdirAll(ingestDir, mode: 0o700)
    }

    public func directory(of chainID: Digest) -> String { "\(root)/\(chainID.hex)" }
    /// The overlay lower dir of the layer.
    public func fsPath(of chainID: Digest) -> String { directory(of: chainID) + "/fs" }
    public func exists(_ chainID: Digest) -> Bool { FileSystem.isDirectory(fsPath(of: chainID)) }

    /// A fresh `<ingest>/snapshot-XXXXXX` with an empty `fs` (0755) to unpack a layer into.
    public func prepare() throws -> (directory: String, fs: String) {
        let dir = try FileSystem.makeTempDir(in: ingestDir, prefix: "snapshot-")
        try FileSystem.mkdirAll(dir + "/fs", mode: 0o755)
        return (dir, dir + "/fs")
    }

    /// Renames a prepared directory into place. Returns false (leaving `directory` to the
    /// caller) when the snapshot already exists.
    public func commit(directory: String, chainID: Digest) throws -> Bool {
        let final = self.directory(of: chainID)
        if FileSystem.exists(final) { return false }
        // The unpacked files must be on disk before the snapshot gets its final name.
        try FileSystem.syncFileSystem(directory + "/fs")
        try FileSystem.rename(directory, final)
        try FileSystem.fsyncDir(root)
        return true
    }

    /// Moves a snapshot out of sight (into the ingest dir) and returns where, for removal
    /// outside any lock; nil when absent.
    public func detach(_ chainID: Digest) throws -> String? {
        let dir = directory(of: chainID)
        guard FileSystem.exists(dir) else { return nil }
        let trash = "\(ingestDir)/trash-\(Identifiers.random().prefix(16))"
        try FileSystem.rename(dir, trash)
        return trash
    }

    /// Chain IDs present on disk.
    public func all() throws -> [String] { try FileSystem.listDirectory(root) }
}
