import Foundation
import Testing

/// docker-py (pip package `docker`) against the server with a fake backend: its version
/// negotiation, keep-alive pool, log demultiplexing and wait.
/// The first python3 on PATH (or a usual place) that has the docker package.
private let python: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let candidates = path.split(separator: ":").map { "\($0)/python3" } + ["/root/.pyenv/shims/python3", "/usr/local/bin/python3", "/usr/bin/python3"]
    return candidates.first { candidate in
        guard FileManager.default.isExecutableFile(atPath: candidate) else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: candidate)
        p.arguments = ["-c", "import docker"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}()

@Suite(.enabled(if: python != nil, "needs python3 with the docker package"))
struct DockerPyTests {
    @Test func apiClientRoundTrip() async throws {
        let run = ScriptedRun()
        var hooks = run.hooks
        hooks.start = { _ in run.finish() }
        try await TestServer.with(hooks) { t in
            let script = """
            import docker, json
            c = docker.APIClient(base_url='unix://\(t.socketPath)', version='auto')
            out = {}
            out['api'] = c.api_version
            out['ps'] = [x['Names'] for x in c.containers(all=True)]
            created = c.create_container('busybox', command=['echo', 'hi'], name='py')
            c.start(created['Id'])
            out['wait'] = c.wait(created['Id'])
            out['logs'] = c.logs('web', stdout=True, stderr=True, timestamps=False).decode()
            try:
                c.start('missing')
            except docker.errors.NotFound as e:
                out['notfound'] = e.explanation
            print(json.dumps(out, sort_keys=True))
            """
            let result = try await onThread { () -> (Int32, String, String) in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: python ?? "/usr/bin/python3")
                p.arguments = ["-c", script]
                let out = Pipe(), err = Pipe()
                p.standardOutput = out
                p.standardError = err
                try p.run()
                let o = out.fileHandleForReading.readDataToEndOfFile()
                let e = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
            }
            #expect(result.0 == 0, "\(result.2)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.1.utf8)) as? [String: Any])
            #expect(json["api"] as? String == "1.41")
            #expect(json["ps"] as? [[String]] == [["/web"]])
            #expect((json["wait"] as? [String: Any])?["StatusCode"] as? Int == 3)
            #expect(json["logs"] as? String == "out line\nerr line\n")
            #expect(json["notfound"] as? String == "No such container: missing")
        }
    }
}
