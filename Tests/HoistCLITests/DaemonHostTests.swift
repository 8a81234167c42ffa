import Testing
import HoistClient

@Suite struct DaemonHostTests {
    @Test func precedence() throws {
        let env = ["HOIST_HOST": "unix:///hoist.sock", "DOCKER_HOST": "unix:///docker.sock"]
        #expect(try DaemonHost.resolve(flag: "unix:///flag.sock", environment: env).socketPath == "/flag.sock")
        #expect(try DaemonHost.resolve(flag: nil, environment: env).socketPath == "/hoist.sock")
        #expect(try DaemonHost.resolve(flag: nil, environment: ["DOCKER_HOST": "unix:///docker.sock"]).socketPath == "/docker.sock")
        let d = try DaemonHost.resolve(flag: nil, environment: [:])
        #expect(d.url == "unix:///run/hoist.sock")
        #expect(d.isDefault)
        #expect(!(try DaemonHost.resolve(flag: "unix:///run/hoist.sock", environment: [:]).isDefault))
    }

    @Test func onlyUnixSockets() {
        #expect(throws: ClientError.self) { try DaemonHost.parse("tcp://127.0.0.1:2375") }
        #expect(throws: ClientError.self) { try DaemonHost.parse("unix://") }
        #expect(throws: ClientError.self) { try DaemonHost.parse("localhost") }
    }

    @Test func cannotConnectMessage() {
        #expect(ClientError.cannotConnect(host: "unix:///run/hoist.sock").description
            == "Cannot connect to the Hoist daemon at unix:///run/hoist.sock. Is the hoist daemon running?")
    }
}
