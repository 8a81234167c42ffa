// Engine API exec models (moby api/swagger.yaml: ExecConfig, ExecStartConfig, ExecInspectResponse).

/// `POST /containers/{id}/exec` body.
public struct ExecCreateRequest: Codable, Sendable, Equatable {
    public var AttachStdin: Bool?
    public var AttachStdout: Bool?
    public var AttachStderr: Bool?
    public var DetachKeys: String?
    public var Tty: Bool?
    public var ConsoleSize: [Int]?
    public var Env: [String]?
    public var Cmd: [String]?
    public var Privileged: Bool?
    public var User: String?
    public var WorkingDir: String?
    public init(AttachStdin: Bool? = nil, AttachStdout: Bool? = nil, AttachStderr: Bool? = nil, DetachKeys: String? = nil,
                Tty: Bool? = nil, Env: [String]? = nil, Cmd: [String]? = nil, Privileged: Bool? = nil, User: String? = nil,
                WorkingDir: String? = nil) {
        self.AttachStdin = AttachStdin; self.AttachStdout = AttachStdout; self.AttachStderr = AttachStderr
        self.DetachKeys = DetachKeys; self.Tty = Tty; self.Env = Env; self.Cmd = Cmd; self.Privileged = Privileged
        self.User = User; self.WorkingDir = WorkingDir
    }
}

/// `POST /containers/{id}/exec` answer (201).
public struct ExecCreateResponse: Codable, Sendable, Equatable {
    public var Id: String
    public init(Id: String) { self.Id = Id }
}

/// `POST /exec/{id}/start` body.
public struct ExecStartRequest: Codable, Sendable, Equatable {
    public var Detach: Bool?
    public var Tty: Bool?
    public var ConsoleSize: [Int]?
    public init(Detach: Bool? = nil, Tty: Bool? = nil) { self.Detach = Detach; self.Tty = Tty }
}

/// `GET /exec/{id}/json`.
public struct ExecInspect: Codable, Sendable, Equatable {
    public struct Process: Codable, Sendable, Equatable {
        public var entrypoint: String
        public var arguments: [String]
        public var tty: Bool
        public var privileged: Bool
        public var user: String
        public init(entrypoint: String, arguments: [String], tty: Bool, privileged: Bool, user: String) {
            self.entrypoint = entrypoint; self.arguments = arguments; self.tty = tty; self.privileged = privileged; self.user = user
        }
    }

    public var ID: String
    public var Running: Bool
    /// null while it runs (and before it starts).
    public var ExitCode: Int?
    public var ProcessConfig: Process
    public var OpenStdin: Bool
    public var OpenStderr: Bool
    public var OpenStdout: Bool
    public var CanRemove: Bool
    public var ContainerID: String
    public var DetachKeys: String
    public var Pid: Int

    public init(ID: String, Running: Bool, ExitCode: Int?, ProcessConfig: Process, OpenStdin: Bool, OpenStderr: Bool,
                OpenStdout: Bool, CanRemove: Bool = false, ContainerID: String, DetachKeys: String = "", Pid: Int) {
        self.ID = ID; self.Running = Running; self.ExitCode = ExitCode; self.ProcessConfig = ProcessConfig
        self.OpenStdin = OpenStdin; self.OpenStderr = OpenStderr; self.OpenStdout = OpenStdout; self.CanRemove = CanRemove
        self.ContainerID = ContainerID; self.DetachKeys = DetachKeys; self.Pid = Pid
    }

    // ExitCode is written as null while running (docker-py and the CLI read it so).
    enum CodingKeys: String, CodingKey {
        case ID, Running, ExitCode, ProcessConfig, OpenStdin, OpenStderr, OpenStdout, CanRemove, ContainerID, DetachKeys, Pid
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ID, forKey: .ID)
        try c.encode(Running, forKey: .Running)
        if let ExitCode { try c.encode(ExitCode, forKey: .ExitCode) } else { try c.encodeNil(forKey: .ExitCode) }
        try c.encode(ProcessConfig, forKey: .ProcessConfig)
        try c.encode(OpenStdin, forKey: .OpenStdin)
        try c.encode(OpenStderr, forKey: .OpenStderr)
        try c.encode(OpenStdout, forKey: .OpenStdout)
        try c.encode(CanRemove, forKey: .CanRemove)
        try c.encode(ContainerID, forKey: .ContainerID)
        try c.encode(DetachKeys, forKey: .DetachKeys)
        try c.encode(Pid, forKey: .Pid)
    }
}
