import HoistArchive
import HoistCore
import HoistOCI
import HoistStore

/// What a client asked for in `POST /build` (after the query is decoded).
public struct BuildOptions: Sendable {
    /// The Dockerfile's path inside the context; nil for `Dockerfile`.
    public var dockerfile: String?
    /// References to tag the result with, already validated.
    public var tags: [Reference] = []
    /// `--build-arg`: a nil value is a name given without value (unset on the client).
    public var buildArgs: [String: String?] = [:]
    /// `--label`: added to the final image by a LABEL step, as Docker's builder does.
    public var labels: [String: String] = [:]
    /// `--target`: the stage to stop at (its name, lowercased on compare).
    public var target: String?
    public var noCache = false
    /// `--network` for RUN steps.
    public var networkMode: String?
    /// `rm` (`--rm`, default true): remove the container of a RUN that succeeded. One that
    /// failed is always removed (`--force-rm` is what Hoist always does).
    public var removeIntermediate = true
    /// `--pull`: pull every FROM / `COPY --from` image even when it is present.
    public var pull = false
    /// The `X-Registry-Config` header (base64 JSON of credentials by registry) for those pulls.
    public var registryConfig: String?

    public init(dockerfile: String? = nil) { self.dockerfile = dockerfile }
}

/// One piece of build output for the client's message stream.
public enum BuildEvent: Sendable, Equatable {
    /// Text for `{"stream": ...}`.
    case stream(String)
    /// The final image ID, for `{"aux":{"ID": ...}}`.
    case imageID(String)
    /// A line of a base image's pull, as the pull's JSON messages carry it.
    case progress(BuildPullProgress)
}

/// One pull progress message (moby's JSONMessage `id`, `status`, `progressDetail`).
public struct BuildPullProgress: Sendable, Equatable {
    public var id: String?
    public var status: String
    public var current: Int64?
    public var total: Int64?
    /// Whether the line is a layer's (Docker sends `progressDetail: {}` with those).
    public var layerLine: Bool
    public init(id: String?, status: String, current: Int64? = nil, total: Int64? = nil, layerLine: Bool = false) {
        self.id = id; self.status = status; self.current = current; self.total = total; self.layerLine = layerLine
    }
}

/// When a FROM or `COPY --from` image is pulled (moby's PullOption).
public enum BasePullPolicy: Sendable {
    /// When it is not present (the default).
    case missing
    /// Always, to get a newer one (`--pull`).
    case always
}

/// A RUN step for the engine to execute in a container of `imageID`.
public struct BuildRunStep: Sendable {
    public var imageID: String
    /// Env, user and working directory of the step (the stage's config so far).
    public var config: ContainerDefaults
    public var argv: [String]
    /// `NAME=value` of the build args visible to this RUN (not stored in the image).
    public var buildArgEnv: [String]
    public var networkMode: String?
    /// Keep the container when the command succeeds (`--rm=false`).
    public var keepContainer = false
}

/// The exit status of a RUN and, when it succeeded, its changes as a layer (nil: none).
public struct BuildRunResult: Sendable {
    public var exitCode: Int
    public var layer: IngestedLayer?
    public init(exitCode: Int, layer: IngestedLayer?) { self.exitCode = exitCode; self.layer = layer }
}

/// What the builder needs from the engine: images by name and containers for RUN.
public protocol BuildExecutor: Sendable {
    /// The image a FROM or `COPY --from` names, pulled as `policy` says with the pull's
    /// progress sent to `emit`.
    func buildBaseImage(_ name: String, policy: BasePullPolicy, registryConfig: String?,
                        emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> ImageRecord
    /// Runs `step` in a new container (same runtime and isolation as `run`), streams its
    /// output with `output`, and removes the container whatever happens.
    func runBuildStep(_ step: BuildRunStep, output: @escaping @Sendable (String) async -> Void) async throws -> BuildRunResult
    /// `ADD <url>`: downloads into `directory` (a file 0600 named after the URL, mtime from
    /// `Last-Modified`) with `Downloading` progress sent to `emit`; returns its path.
    func downloadBuildSource(_ url: String, into directory: String,
                             emit: @escaping @Sendable (BuildEvent) async -> Void) async throws -> String
}

/// A build that stopped: Docker's message and the code the client exits with
/// (the failing RUN's exit status, 1 otherwise).
public struct BuildFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var code: Int
    public init(message: String, code: Int) { self.message = message; self.code = code }
    public var description: String { message }
}
