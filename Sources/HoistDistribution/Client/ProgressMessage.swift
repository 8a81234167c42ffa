/// One line of Docker's pull/push progress: `id: status`, with byte counts while a blob
/// moves. The Engine API turns it into a JSON message (`progressDetail`, `progress`).
public struct ProgressMessage: Sendable, Equatable {
    /// Short layer ID (12 hex of the blob digest), the tag, or nil for a line of its own.
    public var id: String?
    public var status: String
    public var current: Int64?
    public var total: Int64?
    /// Whether Docker sends `progressDetail: {}` with this status (layer lines do).
    public var layerLine: Bool

    public init(id: String?, status: String, current: Int64? = nil, total: Int64? = nil, layerLine: Bool = false) {
        self.id = id; self.status = status; self.current = current; self.total = total; self.layerLine = layerLine
    }

    public static func layer(_ id: String, _ status: String, current: Int64? = nil, total: Int64? = nil) -> ProgressMessage {
        ProgressMessage(id: id, status: status, current: current, total: total, layerLine: true)
    }
}

/// Where progress goes; called from several tasks at once.
public typealias ProgressSink = @Sendable (ProgressMessage) -> Void
