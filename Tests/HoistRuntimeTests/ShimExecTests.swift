import Foundation
import Glibc
import HoistCore
import HoistOCI
import Testing
@testable import HoistRuntime

/// `EXEC` through the real shim, with crun and with runc. Root only.
@Suite(.serialized, .enabled(if: getuid() == 0))
struct ShimExecTests {
    /// Output frames and the exit code of one exec.
    func run(_ e: ShimExec, stdin: [UInt8]? = nil) async -> (out: String, err: String, code: Int32?) {
        if let stdin {
            await e.attachment.write(stdin)
            await e.attachment.closeStdin()
        }
        var out = "", err = "", code: Int32?
        for await f in e.attachment.output {
            if let c = ShimExec.exitCode(of: f) { code = c; continue }
            if f.stream == 1 { out += String(decoding: f.bytes, as: UTF8.self) } else { err += String(decoding: f.bytes, as: UTF8.self) }
        }
        return (out, err, code)
    }

    func processFile(_ c: TestContainer, _ spec: ExecProcessSpec) throws -> String {
        let path = c.stateDir + "/exec-test-\(UInt32.random(in: 0...UInt32.max)).json"
        try spec.write(bundleDir: c.bundleDir, to: path)
        return path
    }

    @Test(arguments: Fixture.runtimes)
    func execOutputExitCodeStdinAndTty(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"], env: ["FROM_CONTAINER=1"], hostname: "exectest"))
        try await shim.start()
        guard case .running(let initPid) = try await shim.state() else { Issue.record("not running"); return }

        var spec = ExecProcessSpec(args: ["sh", "-c", "echo $FROM_CONTAINER$EXTRA $(hostname) $(pwd); echo e >&2; exit 4"],
                                   env: ["EXTRA=x"], cwd: "/tmp")
        let e1 = try await shim.exec(execID: "e1", processFile: try processFile(c, spec), tty: false, stdin: false)
        #expect(e1.pid > 0 && e1.pid != initPid)
        let r1 = await run(e1)
        #expect(r1.out == "1x exectest /tmp\n" && r1.err == "e\n" && r1.code == 4, "\(r1)")

        spec = ExecProcessSpec(args: ["cat"])
        let e2 = try await shim.exec(execID: "e2", processFile: try processFile(c, spec), tty: false, stdin: true)
        let r2 = await run(e2, stdin: Array("piped\n".utf8))
        #expect(r2.out == "piped\n" && r2.code == 0, "\(r2)")

        spec = ExecProcessSpec(args: ["sh", "-c", "sleep 1; stty size; tty"], tty: true)
        spec.user = (65534, 65534, [], "/")
        let e3 = try await shim.exec(execID: "e3", processFile: try processFile(c, spec), tty: true, stdin: false)
        try await shim.resizeExec(execID: "e3", height: 33, width: 77)
        let r3 = await run(e3)
        #expect(r3.out.hasPrefix("33 77\r\n/dev/pts/") && r3.code == 0, "\(r3)")

        // Nothing of the execs is left: no processes besides the init, no files.
        let leftoverFiles = try FileManager.default.contentsOfDirectory(atPath: c.stateDir).filter { $0.hasPrefix("exec-") && !$0.hasSuffix(".json") }
        #expect(leftoverFiles == [])
        try await shim.kill(signal: SIGKILL)
        _ = try await shim.waitExit()
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }

    @Test(arguments: Fixture.runtimes)
    func execIntoACreatedContainerIsRefused(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"]))
        do {
            _ = try await shim.exec(execID: "x", processFile: try processFile(c, ExecProcessSpec(args: ["true"])), tty: false, stdin: false)
            Issue.record("exec into a created container succeeded")
        } catch let e as HoistError {
            #expect(e.code == .conflict && e.message.contains("is not running"), "\(e)")
        }
        try await shim.kill(signal: SIGKILL)
        await c.waitShimGone()
    }

    @Test(arguments: Fixture.runtimes)
    func execDiesWithTheContainer(runtime: String) async throws {
        let c = TestContainer(runtime: try Fixture.runtime(runtime))
        defer { c.cleanup() }
        let shim = try await c.launch(.init(args: ["sleep", "100"]))
        try await shim.start()
        let e = try await shim.exec(execID: "long", processFile: try processFile(c, ExecProcessSpec(args: ["sleep", "100"])),
                                    tty: false, stdin: false)
        try await shim.kill(signal: SIGKILL)
        let r = await run(e)
        #expect(r.code == 137, "\(r)")
        #expect(try await shim.waitExit() == 137)
        await c.waitShimGone()
        #expect(c.leftovers() == [])
    }
}
