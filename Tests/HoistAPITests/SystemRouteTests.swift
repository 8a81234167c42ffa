import Foundation
import HoistAPIModels
import HoistCore
import Testing

@Suite struct SystemRouteTests {
    @Test func pingAnswersOKWithDockerHeaders() async throws {
        try await TestServer.with { t in
            let r = try await t.request("GET", "/_ping")
            #expect(r.status == 200)
            #expect(r.text == "OK")
            #expect(r.header("Api-Version") == "1.41")
            #expect(r.header("Ostype") == "linux")
            #expect(r.header("Server") == "Hoist/\(APIVersion.hoistVersion) (linux)")
            #expect(r.header("Builder-Version") == "1")
            #expect(r.header("Docker-Experimental") == "false")
            #expect(r.header("Swarm") == "inactive")
            #expect(r.header("Cache-Control") == "no-cache, no-store, must-revalidate")
            #expect(r.header("Pragma") == "no-cache")
        }
    }

    /// HEAD has the headers and no body: the next response on the connection must parse
    /// (the docker CLI complained of an "unsolicited response" when a HEAD carried "OK").
    @Test func headPingHasNoBodyAndKeepsTheConnection() async throws {
        try await TestServer.with { t in
            let socket = t.socketPath
            let (head, next) = try await onThread {
                let c = try RawClient(path: socket)
                let head = try c.request("HEAD", "/_ping")
                let next = try c.request("GET", "/v1.41/_ping")
                return (head, next)
            }
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "0")
            #expect(head.header("Api-Version") == "1.41")
            #expect(head.header("Swarm") == "inactive")
            #expect(next.status == 200)
            #expect(next.text == "OK")
        }
    }

    @Test func versionWithAndWithoutPrefix() async throws {
        try await TestServer.with { t in
            for path in ["/version", "/v1.41/version", "/v1.24/version", "/v1.30/version"] {
                let r = try await t.request("GET", path)
                #expect(r.status == 200, "\(path)")
                #expect(r.header("Content-Type") == "application/json")
                let o = try r.json()
                #expect(o["ApiVersion"] as? String == "1.41")
                #expect(o["MinAPIVersion"] as? String == "1.24")
                #expect(o["KernelVersion"] as? String == "6.1.0-test")
            }
        }
    }

    @Test func tooNewAndTooOldVersionsAreRejected() async throws {
        try await TestServer.with { t in
            let new = try await t.request("GET", "/v1.43/version")
            #expect(new.status == 400)
            #expect(try new.json()["message"] as? String == "client version 1.43 is too new. Maximum supported API version is 1.41")
            let old = try await t.request("GET", "/v1.12/containers/json")
            #expect(old.status == 400)
            #expect(try old.json()["message"] as? String == "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version")
            // 1.9 < 1.24 numerically, not as strings.
            let nine = try await t.request("GET", "/v1.9/_ping")
            #expect(nine.status == 400)
            #expect(new.header("Api-Version") == "1.41")
        }
    }

    @Test func unknownRoutesAndMethodsArePageNotFound() async throws {
        try await TestServer.with { t in
            for (method, path) in [("GET", "/nope"), ("GET", "/v1.41/containers/x/bogus"), ("DELETE", "/version"), ("PUT", "/_ping"), ("GET", "/v1.41")] {
                let r = try await t.request(method, path)
                #expect(r.status == 404, "\(method) \(path)")
                #expect(r.text == "{\"message\":\"page not found\"}\n", "\(method) \(path)")
                #expect(r.header("Content-Type") == "application/json")
                #expect(r.header("Server") != nil)
            }
        }
    }

    @Test func infoErrorsMapToStatuses() async throws {
        let cases: [(HoistError.Code, Int)] = [(.internal, 500), (.unavailable, 503), (.notImplemented, 501), (.unauthorized, 401), (.forbidden, 403)]
        for (code, status) in cases {
            var hooks = FakeBackend.Hooks()
            hooks.info = { throw HoistError(code, "info says \(code)") }
            try await TestServer.with(hooks) { t in
                let r = try await t.request("GET", "/info")
                #expect(r.status == status)
                #expect(try r.json()["message"] as? String == "info says \(code)")
            }
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await TestServer.with { t in
            let socket = t.socketPath
            let statuses = try await onThread {
                let c = try RawClient(path: socket)
                // Pipelined: both requests in one write; answers come back in order.
                try c.send(RawClient.requestText("GET", "/_ping") + RawClient.requestText("GET", "/version"))
                let a = try c.readResponse()
                let b = try c.readResponse()
                let d = try c.request("POST", "/containers/missing/start")
                return [a.status, b.status, d.status]
            }
            #expect(statuses == [200, 200, 404])
        }
    }

    @Test func jsonHasNoEscapedSlashes() async throws {
        try await TestServer.with { t in
            let r = try await t.request("GET", "/images/json")
            #expect(r.status == 200)
            #expect(r.text.contains("busybox:latest"))
            #expect(!r.text.contains("\\/"))
            let names = try await t.request("GET", "/containers/json")
            #expect(names.text.contains("\"/web\""))
        }
    }
}
