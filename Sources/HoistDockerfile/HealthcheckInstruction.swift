/// `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=..] [--timeout=..] [--start-period=..]
/// [--start-interval=..] [--retries=N] CMD command`, in the shape of the image config's
/// `Healthcheck` (durations in nanoseconds; 0 means "inherit / default").
public struct HealthcheckInstruction: Sendable, Equatable {
    /// `["NONE"]`, `["CMD", argv...]` (exec form) or `["CMD-SHELL", "command"]`.
    public var test: [String]
    public var interval: Int64
    public var timeout: Int64
    public var startPeriod: Int64
    public var startInterval: Int64
    public var retries: Int

    public init(test: [String], interval: Int64 = 0, timeout: Int64 = 0, startPeriod: Int64 = 0,
                startInterval: Int64 = 0, retries: Int = 0) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.startInterval = startInterval
        self.retries = retries
    }

    /// `HEALTHCHECK NONE`: disables any healthcheck inherited from the base image.
    public var isNone: Bool { test == ["NONE"] }
}
