import Foundation
import Glibc
import HoistCore
import Testing
@testable import HoistAPI
@testable import HoistEngine

@Suite struct EventBusTests {
    func event(_ action: String, id: String = String(repeating: "a", count: 64), name: String = "web", at t: Int64) -> EngineEvent {
        EngineEvent(type: "container", action: action, actorID: id, attributes: ["image": "busybox", "name": name, "com.x": "1"], timeNano: t)
    }

    @Test func replaysSinceAndEndsAtPastUntil() async {
        let bus = EventBus(capacity: 3)
        for (i, a) in ["create", "start", "die", "destroy"].enumerated() { bus.publish(event(a, at: Int64(i + 1) * 1_000_000_000)) }
        // The ring keeps the last 3; until=3s keeps start and die.
        var got: [String] = []
        for await e in bus.subscribe(since: 0, until: 3_000_000_000, filter: EventFilter([:])) { got.append(e.Action) }
        #expect(got == ["start", "die"])
    }

    @Test func liveEventsReachSubscribersUntilTheyLeave() async {
        let bus = EventBus()
        let stream = bus.subscribe(since: nil, until: nil, filter: EventFilter(["event": ["pause"]]))
        bus.publish(event("unpause", at: Timestamps.nowNanos()))
        bus.publish(event("pause", at: Timestamps.nowNanos()))
        var it = stream.makeAsyncIterator()
        let first = await it.next()
        #expect(first?.Action == "pause")
        #expect(first?.status == "pause" && first?.from == "busybox" && first?.scope == "local")
    }

    @Test func untilInTheFutureEndsTheStream() async {
        let bus = EventBus()
        let until = Timestamps.nowNanos() + 200_000_000
        let start = Date()
        for await _ in bus.subscribe(since: nil, until: until, filter: EventFilter([:])) {}
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func filtersAsMoby() {
        let e = event("exec_start: sh -c true", at: 1)
        #expect(EventFilter(["event": ["exec_start"]]).matches(e))
        #expect(EventFilter(["container": ["web"]]).matches(e))
        #expect(EventFilter(["container": ["aaaa"]]).matches(e))
        #expect(!EventFilter(["container": ["other"]]).matches(e))
        #expect(EventFilter(["image": ["busybox"]]).matches(e))
        #expect(EventFilter(["label": ["com.x=1"]]).matches(e) && EventFilter(["label": ["com.x"]]).matches(e))
        #expect(!EventFilter(["label": ["com.x=2"]]).matches(e))
        #expect(!EventFilter(["type": ["image"]]).matches(e))
    }

    @Test func encodesInMobysFieldOrder() throws {
        let e = EngineEvent(type: "container", action: "start", actorID: "abc", attributes: ["name": "x"], timeNano: 1_700_000_000_123_456_789)
        let text = String(buffer: try APIJSON.encode(e))
        #expect(text == #"{"status":"start","id":"abc","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"x"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}"# + "\n")
    }
}

@Suite struct ProcessTopTests {
    @Test func keepsTheContainersRowsAndTheCommandsSpaces() throws {
        let ps = """
        UID        PID  PPID  C STIME TTY          TIME CMD
        root         1     0  0 11:01 ?        00:00:22 /sbin/init
        root      4242     1  0 12:00 ?        00:00:00 sh -c while :; do sleep 1; done
        root      4243  4242  0 12:00 ?        00:00:00 sleep 1

        """
        let top = try ProcessTop.parse(ps, pids: [4242, 4243])
        #expect(top.Titles == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"])
        #expect(top.Processes == [["root", "4242", "1", "0", "12:00", "?", "00:00:00", "sh -c while :; do sleep 1; done"],
                                  ["root", "4243", "4242", "0", "12:00", "?", "00:00:00", "sleep 1"]])
        #expect(throws: HoistError.self) { try ProcessTop.parse("USER COMMAND\nroot sh\n", pids: [1]) }
    }
}

@Suite struct OverlayChangesTests {
    @Test func whiteoutsAddsAndModifications() throws {
        let base = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                               appropriateFor: URL(fileURLWithPath: "/tmp"), create: true).path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let lower = base + "/lower", upper = base + "/upper"
        let fm = FileManager.default
        for d in [lower + "/etc", lower + "/bin", upper + "/etc/newdir", upper + "/bin", upper + "/dev", upper + "/proc"] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        for f in [lower + "/etc/passwd", lower + "/bin/ls", upper + "/etc/passwd", upper + "/newfile", upper + "/etc/newdir/f",
                  upper + "/etc/hostname", lower + "/etc/hostname"] {
            fm.createFile(atPath: f, contents: Data("x".utf8))
        }
        // Whiteouts need CAP_MKNOD: the suite runs as root on the test machines.
        guard mknod(upper + "/bin/ls", S_IFCHR | 0o000, 0) == 0 else { return }
        let changes = OverlayChanges.changes(upper: upper, lowers: [lower]).map { "\(["C", "A", "D"][$0.Kind]) \($0.Path)" }
        #expect(changes == ["C /bin", "D /bin/ls", "C /etc", "A /etc/newdir", "A /etc/newdir/f", "C /etc/passwd", "A /newfile"])
    }
}
