/// GET /images/{name}/history: one entry, newest first (moby's image.HistoryResponseItem,
/// keys in its order).
public struct ImageHistoryItem: Codable, Sendable, Equatable {
    public var Comment: String
    /// Unix seconds.
    public var Created: Int64
    public var CreatedBy: String
    /// The image ID for entries that have one, `<missing>` for the others.
    public var Id: String
    /// Bytes the entry's layer adds (0 for a metadata-only entry).
    public var Size: Int64
    /// Tags of `Id`; null (as Docker) for `<missing>` entries.
    public var Tags: [String]?

    public init(Id: String, Created: Int64, CreatedBy: String, Tags: [String]?, Size: Int64, Comment: String) {
        self.Id = Id; self.Created = Created; self.CreatedBy = CreatedBy; self.Tags = Tags; self.Size = Size; self.Comment = Comment
    }

    private enum CodingKeys: String, CodingKey { case Comment, Created, CreatedBy, Id, Size, Tags }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Comment, forKey: .Comment)
        try c.encode(Created, forKey: .Created)
        try c.encode(CreatedBy, forKey: .CreatedBy)
        try c.encode(Id, forKey: .Id)
        try c.encode(Size, forKey: .Size)
        if let Tags { try c.encode(Tags, forKey: .Tags) } else { try c.encodeNil(forKey: .Tags) }
    }
}

/// POST /commit (201): the new image's ID.
public struct CommitResponse: Codable, Sendable, Equatable {
    public var Id: String
    public init(Id: String) { self.Id = Id }
}
