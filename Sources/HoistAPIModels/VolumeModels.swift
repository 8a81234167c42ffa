import HoistOCI

// Engine API volume and mount models (moby api/swagger.yaml: Volume, Mount, MountPoint).
// Property names are the JSON keys.

/// `GET /volumes/{name}`, an element of `GET /volumes`, the answer to `POST /volumes/create`.
public struct Volume: Codable, Sendable, Equatable {
    public var CreatedAt: String
    public var Driver: String
    public var Labels: [String: String]
    public var Mountpoint: String
    public var Name: String
    public var Options: [String: String]
    public var Scope: String
    public init(CreatedAt: String, Driver: String, Labels: [String: String], Mountpoint: String, Name: String,
                Options: [String: String], Scope: String = "local") {
        self.CreatedAt = CreatedAt; self.Driver = Driver; self.Labels = Labels; self.Mountpoint = Mountpoint
        self.Name = Name; self.Options = Options; self.Scope = Scope
    }
}

/// `POST /volumes/create` body.
public struct VolumeCreateRequest: Codable, Sendable, Equatable {
    public var Name: String?
    public var Driver: String?
    public var DriverOpts: [String: String]?
    public var Labels: [String: String]?
    public init(Name: String? = nil, Driver: String? = nil, DriverOpts: [String: String]? = nil, Labels: [String: String]? = nil) {
        self.Name = Name; self.Driver = Driver; self.DriverOpts = DriverOpts; self.Labels = Labels
    }
}

/// `GET /volumes`.
public struct VolumeListResponse: Codable, Sendable {
    public var Volumes: [Volume]
    public var Warnings: [String]?
    public init(Volumes: [Volume], Warnings: [String]? = nil) { self.Volumes = Volumes; self.Warnings = Warnings }
}

/// `POST /volumes/prune`.
public struct VolumePruneResponse: Codable, Sendable {
    public var VolumesDeleted: [String]?
    public var SpaceReclaimed: Int64
    public init(VolumesDeleted: [String]?, SpaceReclaimed: Int64) { self.VolumesDeleted = VolumesDeleted; self.SpaceReclaimed = SpaceReclaimed }
}

/// `HostConfig.Mounts` element (`--mount`).
public struct Mount: Codable, Sendable, Equatable {
    public struct BindOptions: Codable, Sendable, Equatable {
        public var Propagation: String?
        public var NonRecursive: Bool?
        public var CreateMountpoint: Bool?
        public init(Propagation: String? = nil, NonRecursive: Bool? = nil, CreateMountpoint: Bool? = nil) {
            self.Propagation = Propagation; self.NonRecursive = NonRecursive; self.CreateMountpoint = CreateMountpoint
        }
    }
    public struct Driver: Codable, Sendable, Equatable {
        public var Name: String?
        public var Options: [String: String]?
        public init(Name: String? = nil, Options: [String: String]? = nil) { self.Name = Name; self.Options = Options }
    }
    public struct VolumeOptions: Codable, Sendable, Equatable {
        public var NoCopy: Bool?
        public var Labels: [String: String]?
        public var DriverConfig: Driver?
        public var Subpath: String?
        public init(NoCopy: Bool? = nil, Labels: [String: String]? = nil, DriverConfig: Driver? = nil, Subpath: String? = nil) {
            self.NoCopy = NoCopy; self.Labels = Labels; self.DriverConfig = DriverConfig; self.Subpath = Subpath
        }
    }
    public struct TmpfsOptions: Codable, Sendable, Equatable {
        public var SizeBytes: Int64?
        public var Mode: UInt32?
        public init(SizeBytes: Int64? = nil, Mode: UInt32? = nil) { self.SizeBytes = SizeBytes; self.Mode = Mode }
    }

    public var `Type`: String?
    public var Source: String?
    public var Target: String?
    public var ReadOnly: Bool?
    public var Consistency: String?
    public var BindOptions: BindOptions?
    public var VolumeOptions: VolumeOptions?
    public var TmpfsOptions: TmpfsOptions?
    public init(Type: String? = nil, Source: String? = nil, Target: String? = nil, ReadOnly: Bool? = nil) {
        self.Type = Type; self.Source = Source; self.Target = Target; self.ReadOnly = ReadOnly
    }
}

/// An element of `Mounts` in `GET /containers/{id}/json` (and `ps`).
public struct MountPoint: Codable, Sendable, Equatable {
    public var `Type`: String
    public var Name: String?
    public var Source: String
    public var Destination: String
    public var Driver: String?
    public var Mode: String
    public var RW: Bool
    public var Propagation: String
    public init(Type: String, Name: String?, Source: String, Destination: String, Driver: String?, Mode: String, RW: Bool, Propagation: String) {
        self.Type = Type; self.Name = Name; self.Source = Source; self.Destination = Destination; self.Driver = Driver
        self.Mode = Mode; self.RW = RW; self.Propagation = Propagation
    }
}
