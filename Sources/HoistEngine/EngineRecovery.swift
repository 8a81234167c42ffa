import Foundation
import HoistCore
import HoistRuntime

extension Engine {
    /// Called once at daemon start: adopt shims that kept their containers running while
    /// hoistd was down, and learn the exits that happened meanwhile.
    public func recover() async {
        sweepOrphans()
        for rec in containers.values {
            if rec.status == .removing {
                await removeRecord(rec.id)
                continue
            }
            guard rec.isRunning else { continue }
            let stateDir = paths.stateDir(rec.id)
            let shim = ShimClient(stateDir: stateDir)
            if shim.isAlive(), let state = try? await shim.state() {
                switch state {
                case .running, .created:
                    shims[rec.id] = shim
                    monitor(rec.id, shim)
                    logger.info("adopted running container \(rec.id.prefix(12))")
                    continue
                case .exited(let code):
                    await containerExited(rec.id, code: Int(code))
                    continue
                }
            }
            let code = ExitRecord.read(stateDir: stateDir)?.code ?? 255
            await containerExited(rec.id, code: Int(code))
        }
        recoverNetworks()
        await applyRestartPoliciesAtStartup()
    }
}
