import HoistOCI

/// GET /images/json
public struct ImageSummary: Codable, Sendable {
    public var Id: String
    public var ParentId: String
    public var RepoTags: [String]
    public var RepoDigests: [String]
    public var Created: Int64
    public var Size: Int64
    public var SharedSize: Int64
    public var VirtualSize: Int64
    public var Labels: [String: String]
    public var Containers: Int64
    public init(Id: String, RepoTags: [String], RepoDigests: [String], Created: Int64, Size: Int64, Labels: [String: String], Containers: Int64 = -1) {
        self.Id = Id; self.ParentId = ""; self.RepoTags = RepoTags; self.RepoDigests = RepoDigests; self.Created = Created
        self.Size = Size; self.SharedSize = -1; self.VirtualSize = Size; self.Labels = Labels; self.Containers = Containers
    }
}

/// GET /images/{name}/json
public struct ImageInspect: Codable, Sendable {
    public struct RootFSInfo: Codable, Sendable { public var `Type`: String; public var Layers: [String] }
    public struct MetadataInfo: Codable, Sendable { public var LastTagTime: String }
    public var Id: String
    public var RepoTags: [String]
    public var RepoDigests: [String]
    public var Parent: String
    public var Comment: String
    public var Created: String
    public var DockerVersion: String
    public var Author: String
    public var Config: ContainerConfig
    public var Architecture: String
    public var Os: String
    public var Size: Int64
    public var VirtualSize: Int64
    public var GraphDriver: GraphDriverData
    public var RootFS: RootFSInfo
    public var Metadata: MetadataInfo
    public init(Id: String, RepoTags: [String], RepoDigests: [String], Comment: String, Created: String, Author: String,
                Config: ContainerConfig, Architecture: String, Os: String, Size: Int64, Layers: [String]) {
        self.Id = Id; self.RepoTags = RepoTags; self.RepoDigests = RepoDigests; self.Parent = ""; self.Comment = Comment
        self.Created = Created; self.DockerVersion = ""; self.Author = Author; self.Config = Config; self.Architecture = Architecture
        self.Os = Os; self.Size = Size; self.VirtualSize = Size; self.GraphDriver = GraphDriverData(Name: "overlay2", Data: nil)
        self.RootFS = RootFSInfo(Type: "layers", Layers: Layers); self.Metadata = MetadataInfo(LastTagTime: "0001-01-01T00:00:00Z")
    }
}

/// DELETE /images/{name}: one entry per untag or deletion.
public struct ImageDeleteResponseItem: Codable, Sendable, Equatable {
    public var Untagged: String?
    public var Deleted: String?
    public init(Untagged: String? = nil, Deleted: String? = nil) { self.Untagged = Untagged; self.Deleted = Deleted }
}
