import Foundation
import HoistAPIModels
import HoistEngine
import Testing

@Suite struct WaitTests {
    /// The head must reach the client while the container still runs: the docker CLI sends
    /// `start` only after it (and would deadlock otherwise).
    @Test func headersAreFlushedBeforeTheResult() async throws {
        let exit = Gate<ContainerWaitResponse>()
        var hooks = FakeBackend.Hooks()
        hooks.wait = { _, _ in ContainerWaiter { await exit.wait() } }
        try await TestServer.with(hooks) { t in
            let client = try t.client(timeout: 5)
            let head = try await onThread { () -> HTTPResponse in
                try client.send(RawClient.requestText("POST", "/v1.41/containers/web/wait?condition=next-exit"))
                return try client.readHead()
            }
            #expect(!exit.isOpen)
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "application/json")
            #expect(head.header("Transfer-Encoding") == "chunked")
            exit.open(ContainerWaitResponse(StatusCode: 3))
            let full = try await onThread { try client.readBody(of: head) }
            #expect(full.text == "{\"StatusCode\":3,\"Error\":null}\n")
            #expect(t.backend.calls == ["wait web next-exit"])
            // Keep-alive after the wait.
            let ping = try await onThread { try client.request("GET", "/_ping") }
            #expect(ping.status == 200)
        }
    }

    @Test func waitErrorsAreRealStatuses() async throws {
        var hooks = FakeBackend.Hooks()
        hooks.wait = { _, _ in ContainerWaiter { ContainerWaitResponse(StatusCode: 137, error: "killed") } }
        try await TestServer.with(hooks) { t in
            let missing = try await t.request("POST", "/containers/missing/wait")
            #expect(missing.status == 404)
            #expect(try missing.json()["message"] as? String == "No such container: missing")
            let bad = try await t.request("POST", "/containers/web/wait?condition=whenever")
            #expect(bad.status == 400)
            let done = try await t.request("POST", "/containers/web/wait?condition=removed")
            #expect(done.text == "{\"StatusCode\":137,\"Error\":{\"Message\":\"killed\"}}\n")
            let plain = try await t.request("POST", "/containers/web/wait")
            #expect(plain.status == 200)
            #expect(t.backend.calls == ["wait web removed", "wait web not-running"])
        }
    }

    /// A client that leaves stops the wait instead of pinning the connection's task.
    @Test func clientGoneEndsTheWait() async throws {
        let exit = Gate<ContainerWaitResponse>()
        let cancelled = Box(false)
        var hooks = FakeBackend.Hooks()
        hooks.wait = { _, _ in
            ContainerWaiter {
                await withTaskCancellationHandler { await exit.wait() } onCancel: { cancelled.set(true) }
            }
        }
        try await TestServer.with(hooks) { t in
            try await onThread {
                let c = try t.client()
                try c.send(RawClient.requestText("POST", "/containers/web/wait"))
                _ = try c.readHead()
            }
            #expect(await eventually { cancelled.get })
            exit.open(ContainerWaitResponse(StatusCode: 0))
        }
    }
}
