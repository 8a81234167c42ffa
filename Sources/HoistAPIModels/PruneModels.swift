// Engine API prune reports (moby api/swagger.yaml: ContainerPruneResponse, ImagePruneResponse).

/// `POST /containers/prune`.
public struct ContainersPruneReport: Codable, Sendable, Equatable {
    public var ContainersDeleted: [String]?
    public var SpaceReclaimed: Int64
    public init(ContainersDeleted: [String]?, SpaceReclaimed: Int64) {
        self.ContainersDeleted = ContainersDeleted; self.SpaceReclaimed = SpaceReclaimed
    }

    /// moby sends `"ContainersDeleted": null` when nothing went, which clients index.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ContainersDeleted, forKey: .ContainersDeleted)
        try c.encode(SpaceReclaimed, forKey: .SpaceReclaimed)
    }
}

/// `POST /images/prune`.
public struct ImagesPruneReport: Codable, Sendable, Equatable {
    public var ImagesDeleted: [ImageDeleteResponseItem]?
    public var SpaceReclaimed: Int64
    public init(ImagesDeleted: [ImageDeleteResponseItem]?, SpaceReclaimed: Int64) {
        self.ImagesDeleted = ImagesDeleted; self.SpaceReclaimed = SpaceReclaimed
    }

    /// `"ImagesDeleted": null` when nothing went, as moby.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ImagesDeleted, forKey: .ImagesDeleted)
        try c.encode(SpaceReclaimed, forKey: .SpaceReclaimed)
    }
}
