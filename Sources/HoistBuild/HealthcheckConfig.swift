import HoistDockerfile
import HoistOCI

extension ImageHealthcheck {
    /// The config a HEALTHCHECK instruction sets (a Dockerfile's, or `commit -c`'s):
    /// `NONE` alone for `HEALTHCHECK NONE`, zero durations and retries left out (inherit).
    public init(_ h: HealthcheckInstruction) {
        if h.isNone {
            self.init(Test: ["NONE"])
            return
        }
        self.init(Test: h.test, Interval: h.interval == 0 ? nil : h.interval, Timeout: h.timeout == 0 ? nil : h.timeout,
                  StartPeriod: h.startPeriod == 0 ? nil : h.startPeriod,
                  StartInterval: h.startInterval == 0 ? nil : h.startInterval, Retries: h.retries == 0 ? nil : h.retries)
    }
}
