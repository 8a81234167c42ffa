/// OCI image-spec types (also read as Docker schema2: the JSON is the same shape).
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
}

public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]?
    public var platform: Platform?
    public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil, platform: Platform? = nil) {
        self.mediaType = mediaType; self.digest = digest; self.size = size; self.annotations = annotations; self.platform = platform
    }
}

public struct Platform: Codable, Hashable, Sendable {
    public var architecture: String
    public var os: String
    public var variant: String?
    public init(architecture: String = "amd64", os: String = "linux", variant: String? = nil) {
        self.architecture = architecture; self.os = os; self.variant = variant
    }
}

public struct Manifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int = 2
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?
    public init(mediaType: String? = MediaType.ociManifest, config: Descriptor, layers: [Descriptor], annotations: [String: String]? = nil) {
        self.mediaType = mediaType; self.config = config; self.layers = layers; self.annotations = annotations
    }
}

public struct Index: Codable, Hashable, Sendable {
    public var schemaVersion: Int = 2
    public var mediaType: String?
    public var manifests: [Descriptor]
    public var annotations: [String: String]?
    public init(mediaType: String? = MediaType.ociIndex, manifests: [Descriptor]) { self.mediaType = mediaType; self.manifests = manifests }
}

/// The image config blob. Its digest is the image ID.
public struct ImageConfig: Codable, Hashable, Sendable {
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var config: ContainerDefaults?
    public var rootfs: RootFS
    public var history: [History]?
    public init(created: String?, author: String? = nil, architecture: String = "amd64", os: String = "linux",
                config: ContainerDefaults?, rootfs: RootFS, history: [History]? = nil) {
        self.created = created; self.author = author; self.architecture = architecture; self.os = os
        self.config = config; self.rootfs = rootfs; self.history = history
    }
}

/// The `config` part of an image config: what a container of the image runs by default.
/// Keys are capitalised as in Docker's and OCI's JSON.
public struct ContainerDefaults: Codable, Hashable, Sendable {
    public var User: String?
    public var ExposedPorts: [String: EmptyObject]?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var Volumes: [String: EmptyObject]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?
    /// Set by a build's HEALTHCHECK, SHELL and ONBUILD instructions.
    public var Healthcheck: ImageHealthcheck?
    public var Shell: [String]?
    public var OnBuild: [String]?
    /// Docker's flag for a Cmd/Entrypoint already escaped (BuildKit sets it); kept so a
    /// pulled image's config survives a build or commit on top of it.
    public var ArgsEscaped: Bool?
    public init(User: String? = nil, ExposedPorts: [String: EmptyObject]? = nil, Env: [String]? = nil, Entrypoint: [String]? = nil,
                Cmd: [String]? = nil, Volumes: [String: EmptyObject]? = nil, WorkingDir: String? = nil,
                Labels: [String: String]? = nil, StopSignal: String? = nil) {
        self.User = User; self.ExposedPorts = ExposedPorts; self.Env = Env; self.Entrypoint = Entrypoint; self.Cmd = Cmd
        self.Volumes = Volumes; self.WorkingDir = WorkingDir; self.Labels = Labels; self.StopSignal = StopSignal
    }
}

/// The image config's `Healthcheck` (durations in nanoseconds; absent = inherit).
public struct ImageHealthcheck: Codable, Hashable, Sendable {
    public var Test: [String]?
    public var Interval: Int64?
    public var Timeout: Int64?
    public var StartPeriod: Int64?
    public var StartInterval: Int64?
    public var Retries: Int?
    public init(Test: [String]?, Interval: Int64? = nil, Timeout: Int64? = nil, StartPeriod: Int64? = nil,
                StartInterval: Int64? = nil, Retries: Int? = nil) {
        self.Test = Test; self.Interval = Interval; self.Timeout = Timeout; self.StartPeriod = StartPeriod
        self.StartInterval = StartInterval; self.Retries = Retries
    }

    /// moby's `merge` (create and commit): what `user` leaves unset comes from the image's.
    public static func merge(_ user: ImageHealthcheck?, image: ImageHealthcheck?) -> ImageHealthcheck? {
        guard var u = user else { return image }
        guard let i = image else { return u }
        if (u.Test ?? []).isEmpty { u.Test = i.Test }
        if (u.Interval ?? 0) == 0 { u.Interval = i.Interval }
        if (u.Timeout ?? 0) == 0 { u.Timeout = i.Timeout }
        if (u.StartPeriod ?? 0) == 0 { u.StartPeriod = i.StartPeriod }
        if (u.StartInterval ?? 0) == 0 { u.StartInterval = i.StartInterval }
        if (u.Retries ?? 0) == 0 { u.Retries = i.Retries }
        return u
    }
}

public struct EmptyObject: Codable, Hashable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoKeys.self) }
    private enum NoKeys: CodingKey {}
}

public struct RootFS: Codable, Hashable, Sendable {
    public var type: String = "layers"
    public var diff_ids: [Digest]
    public init(diffIDs: [Digest]) { self.diff_ids = diffIDs }
}

public struct History: Codable, Hashable, Sendable {
    public var created: String?
    public var created_by: String?
    public var author: String?
    public var comment: String?
    public var empty_layer: Bool?
    public init(created: String? = nil, created_by: String? = nil, author: String? = nil, comment: String? = nil, empty_layer: Bool? = nil) {
        self.created = created; self.created_by = created_by; self.author = author; self.comment = comment; self.empty_layer = empty_layer
    }
}

/// Chain IDs identify a stack of layers: chain(L0) = diffID(L0), chain(Ln) = sha256(chain(Ln-1) + " " + diffID(Ln)).
public enum ChainID {
    public static func compute(_ diffIDs: [Digest]) -> [Digest] {
        var out: [Digest] = []
        for d in diffIDs {
            if let last = out.last { out.append(Digest.sha256(of: Array("\(last) \(d)".utf8))) } else { out.append(d) }
        }
        return out
    }
}
