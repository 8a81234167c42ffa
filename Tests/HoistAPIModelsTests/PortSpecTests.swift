import Foundation
import Testing
import HoistCore
@testable import HoistAPIModels

/// docker's `-p` syntax (nat.ParsePortSpec).
struct PortSpecTests {
    func bindings(_ s: String) throws -> [String: [PortBinding]] { try PortSpec.parse(s).bindings }

    @Test func hostAndContainerPort() throws {
        #expect(try bindings("8080:80") == ["80/tcp": [PortBinding(HostIp: "", HostPort: "8080")]])
        #expect(try bindings("127.0.0.1:8080:80/udp") == ["80/udp": [PortBinding(HostIp: "127.0.0.1", HostPort: "8080")]])
        #expect(try bindings("80") == ["80/tcp": [PortBinding(HostIp: "", HostPort: "")]])
        #expect(try bindings("127.0.0.1::80") == ["80/tcp": [PortBinding(HostIp: "127.0.0.1", HostPort: "")]])
    }

    @Test func ranges() throws {
        let p = try PortSpec.parse("8000-8001:80-81")
        #expect(p.exposed == ["80/tcp", "81/tcp"])
        #expect(p.bindings["81/tcp"] == [PortBinding(HostIp: "", HostPort: "8001")])
        // One container port, a host range: the engine picks one of them.
        #expect(try bindings("8000-8010:80") == ["80/tcp": [PortBinding(HostIp: "", HostPort: "8000-8010")]])
        #expect(try PortSpec.parse("7000-7002").exposed == ["7000/tcp", "7001/tcp", "7002/tcp"])
    }

    @Test func errors() {
        func message(_ s: String) -> String {
            do { _ = try PortSpec.parse(s); return "" } catch let e as HoistError { return e.message } catch { return "\(error)" }
        }
        #expect(message("80:http") == "invalid containerPort: http")
        #expect(message("x:80") == "invalid hostPort: x")
        #expect(message("80/ftp") == "invalid proto: ftp")
        #expect(message("1.2.3:80:80") == "invalid IP address: 1.2.3")
        #expect(message("8000-8002:80-81") == "invalid ranges specified for container and host Ports: 80-81 and 8000-8002")
        #expect(message("70000") == "invalid containerPort: 70000")
    }

    @Test func keys() {
        #expect(PortSpec.key("80/udp")! == (80, "udp"))
        #expect(PortSpec.key("443")! == (443, "tcp"))
        #expect(PortSpec.key("x/tcp") == nil)
    }
}
