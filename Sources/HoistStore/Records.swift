import HoistOCI

/// An image as the daemon knows it.
public struct ImageRecord: Sendable, Equatable {
    /// `sha256:<hex>`, the digest of the config blob.
    public var id: String
    public var manifestDigest: String
    public var config: ImageConfig
    /// Unix seconds, from `config.created`.
    public var created: Int64
    /// Sum of the unpacked layer sizes.
    public var size: Int64
    /// Bottom-most first.
    public var chainIDs: [String]

    public init(id: String, manifestDigest: String, config: ImageConfig, created: Int64, size: Int64, chainIDs: [String]) {
        self.id = id; self.manifestDigest = manifestDigest; self.config = config
        self.created = created; self.size = size; self.chainIDs = chainIDs
    }
}

/// A stored container: the Engine keeps its own Codable record as JSON in `data`.
public struct ContainerRow: Sendable, Equatable {
    public var id: String
    public var name: String
    public var imageID: String
    public var data: [UInt8]
    public init(id: String, name: String, imageID: String, data: [UInt8]) {
        self.id = id; self.name = name; self.imageID = imageID; self.data = data
    }
}
