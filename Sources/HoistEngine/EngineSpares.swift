import HoistRuntime

extension Engine {
    /// Has a shim and a network namespace made ahead for the next container, in the background
    /// (each only if none is ready or on its way).
    func prepareSpares() {
        ShimLauncher.prepareSpare(shimPath: config.shimPath, runtime: runtime)
        network.prepareSpareNamespace()
    }

    /// The same, a little after a container started. Its first moments come first: its
    /// process's exec, and for a short-lived one its whole exit and `run --rm`'s answer. On two
    /// cores a spare's exec and unshare beside them took ~2 ms from `hoist run --rm`
    /// (measured). An exit that comes sooner prepares them at once (`containerExited`).
    func prepareSparesSoon() {
        Task {
            try? await Task.sleep(nanoseconds: 50_000_000)
            prepareSpares()
        }
    }
}
