import HoistAPIModels
import HoistEngine

/// `GET /containers/json?size=1`: SizeRw and SizeRootFs, computed only when asked for.
public protocol ContainerSizeBackend: Sendable {
    func withSizes(_ list: [ContainerSummary]) async -> [ContainerSummary]
}

extension Engine: ContainerSizeBackend {}
