import Foundation
import HoistEngine
import Testing

private let t1: Int64 = 1_795_432_389_123_456_789
private let t2: Int64 = 1_795_432_390_000_000_001

private func fixedLogs(tty: Bool) -> @Sendable (String, LogOptions) throws -> (tty: Bool, entries: AsyncThrowingStream<LogEntry, any Error>) {
    { _, _ in
        let entries = AsyncThrowingStream<LogEntry, any Error> { c in
            c.yield(LogEntry(stream: 1, timestamp: t1, bytes: Array("hello\n".utf8)))
            c.yield(LogEntry(stream: 2, timestamp: t2, bytes: Array("oops\n".utf8)))
            c.finish()
        }
        return (tty, entries)
    }
}

@Suite struct LogsTests {
    @Test func framedWithoutTTY() async throws {
        var hooks = FakeBackend.Hooks()
        hooks.logs = fixedLogs(tty: false)
        try await TestServer.with(hooks) { t in
            let r = try await t.request("GET", "/v1.41/containers/web/logs?stdout=1&stderr=1&tail=all")
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "application/vnd.docker.raw-stream")
            #expect(r.header("Transfer-Encoding") == "chunked")
            #expect(r.body == [1, 0, 0, 0, 0, 0, 0, 6] + Array("hello\n".utf8) + [2, 0, 0, 0, 0, 0, 0, 5] + Array("oops\n".utf8))
        }
    }

    @Test func timestampsPrefixEachRecordInsideItsFrame() async throws {
        var hooks = FakeBackend.Hooks()
        hooks.logs = fixedLogs(tty: false)
        try await TestServer.with(hooks) { t in
            let r = try await t.request("GET", "/containers/web/logs?stdout=1&stderr=1&timestamps=1")
            let first = "2026-11-23T11:13:09.123456789Z hello\n"
            let second = "2026-11-23T11:13:10.000000001Z oops\n"
            #expect(r.body == [1, 0, 0, 0, 0, 0, 0, UInt8(first.utf8.count)] + Array(first.utf8) + [2, 0, 0, 0, 0, 0, 0, UInt8(second.utf8.count)] + Array(second.utf8))
        }
    }

    @Test func rawWithTTY() async throws {
        var hooks = FakeBackend.Hooks()
        hooks.logs = fixedLogs(tty: true)
        try await TestServer.with(hooks) { t in
            let r = try await t.request("GET", "/containers/web/logs?stdout=true&stderr=true&timestamps=true")
            #expect(r.header("Content-Type") == "application/vnd.docker.raw-stream")
            #expect(r.text == "2026-11-23T11:13:09.123456789Z hello\n2026-11-23T11:13:10.000000001Z oops\n")
        }
    }

    @Test func optionsReachTheBackendAndBadOnesAreRejected() async throws {
        var hooks = FakeBackend.Hooks()
        hooks.logs = fixedLogs(tty: false)
        try await TestServer.with(hooks) { t in
            _ = try await t.request("GET", "/containers/web/logs?stdout=1&since=1700000000.500000000&until=0&tail=5&follow=0")
            #expect(t.backend.calls == ["logs web follow=false stdout=true stderr=false since=1700000000.5 until=nil timestamps=false tail=5"])
            let none = try await t.request("GET", "/containers/web/logs")
            #expect(none.status == 400)
            #expect(try none.json()["message"] as? String == "Bad parameters: you must choose at least one stream")
            #expect(try await t.request("GET", "/containers/web/logs?stdout=1&since=yesterday").status == 400)
            #expect(try await t.request("GET", "/containers/missing/logs?stdout=1").status == 404)
        }
    }

    /// Many small records are written in batches, none lost.
    @Test func largeLogIsBatched() async throws {
        let count = 100_000
        let line = Array(String(repeating: "x", count: 99).utf8) + [0x0A]
        var hooks = FakeBackend.Hooks()
        hooks.logs = { _, _ in
            (false, AsyncThrowingStream<LogEntry, any Error> { c in
                Task {
                    for i in 0..<count { c.yield(LogEntry(stream: 1, timestamp: Int64(i), bytes: line)) }
                    c.finish()
                }
            })
        }
        try await TestServer.with(hooks) { t in
            let r = try await t.request("GET", "/containers/web/logs?stdout=1")
            #expect(r.body.count == count * 108)
            #expect(r.chunks < count / 10, "\(r.chunks) chunks for \(count) records")
            var ok = true
            var i = 0
            while i < r.body.count {
                if r.body[i] != 1 || r.body[i + 7] != 100 { ok = false; break }
                i += 108
            }
            #expect(ok)
        }
    }

    /// Follow: a record goes out at once, before the log ends; a client that leaves stops the reading.
    @Test func followStreamsRecordsAsTheyComeAndStopsWhenTheClientLeaves() async throws {
        let ended = Box(false)
        let source = Box<AsyncThrowingStream<LogEntry, any Error>.Continuation?>(nil)
        var hooks = FakeBackend.Hooks()
        hooks.logs = { _, _ in
            let (stream, c) = AsyncThrowingStream<LogEntry, any Error>.makeStream()
            c.onTermination = { _ in ended.set(true) }
            c.yield(LogEntry(stream: 1, timestamp: t1, bytes: Array("first\n".utf8)))
            source.set(c)
            return (false, stream)
        }
        try await TestServer.with(hooks) { t in
            let client = try t.client(timeout: 5)
            let first = try await onThread { () -> [UInt8] in
                try client.send(RawClient.requestText("GET", "/containers/web/logs?stdout=1&follow=1"))
                let head = try client.readHead()
                guard head.status == 200 else { throw TestFailure("status \(head.status)") }
                let size = try client.readLine()
                guard size == "e" else { throw TestFailure("chunk size \(size)") }
                return try client.readExactly(14)
            }
            #expect(first == [1, 0, 0, 0, 0, 0, 0, 6] + Array("first\n".utf8))
            #expect(!ended.get)
            shutdown(client.fd, Int32(SHUT_RDWR))
            #expect(await eventually { ended.get }, "the log stream was not cancelled after the client left")
        }
    }
}
