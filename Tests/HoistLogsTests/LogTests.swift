import Glibc
import Testing
import HoistLogs

/// A fresh log path in a temp dir, removed after the test body.
func withTempLog(_ body: (String) throws -> Void) throws {
    var tmpl = Array("/tmp/hoist-h1-logs.XXXXXX".utf8CString)
    let dir = tmpl.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    defer {
        unlink(dir + "/container.log")
        rmdir(dir)
    }
    try body(dir + "/container.log")
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
func text(_ r: [LogRecord]) -> String { String(decoding: r.flatMap(\.payload), as: UTF8.self) }

@Suite struct LogTests {
    @Test func roundTrip() throws {
        try withTempLog { path in
            let w = try LogWriter(path: path)
            try w.append(stream: 1, bytes: bytes("hello\nworld\n"), timestamp: 100)
            try w.append(stream: 2, bytes: bytes("oops\n"), timestamp: 200)
            w.close()
            let (recs, end) = try LogReader(path: path).read(since: nil, until: nil, tail: nil)
            #expect(recs.map(\.stream) == [1, 1, 2])
            #expect(recs.map(\.timestamp) == [100, 100, 200])
            #expect(recs.map { String(decoding: $0.payload, as: UTF8.self) } == ["hello\n", "world\n", "oops\n"])
            #expect(recs.allSatisfy { !$0.partial })
            var st = stat()
            stat(path, &st)
            #expect(end == Int64(st.st_size))
        }
    }

    @Test func lineSplitAcrossAppendsKeepsFirstTimestamp() throws {
        try withTempLog { path in
            let w = try LogWriter(path: path)
            try w.append(stream: 1, bytes: bytes("hel"), timestamp: 1)
            try w.append(stream: 2, bytes: bytes("err"), timestamp: 2)
            try w.append(stream: 1, bytes: bytes("lo\nnext"), timestamp: 3)
            try w.flush()
            // The unfinished lines are not in the file yet.
            let (mid, _) = try LogReader(path: path).read(since: nil, until: nil, tail: nil)
            #expect(text(mid) == "hello\n")
            #expect(mid.first?.timestamp == 1)
            w.close()
            let (recs, _) = try LogReader(path: path).read(since: nil, until: nil, tail: nil)
            #expect(recs.count == 3)
            #expect(recs[1].partial && recs[2].partial)
            #expect(Set(recs[1...].map { String(decoding: $0.payload, as: UTF8.self) }) == ["err", "next"])
        }
    }

    @Test func longLinesAreSplitAndFlaggedPartial() throws {
        try withTempLog { path in
            let w = try LogWriter(path: path)
            let line = [UInt8](repeating: 0x61, count: LogFormat.maxLine * 2 + 10) + [0x0A]
            try w.append(stream: 1, bytes: line, timestamp: 5)
            w.close()
            let (recs, _) = try LogReader(path: path).read(since: nil, until: nil, tail: nil)
            #expect(recs.map(\.payload.count) == [LogFormat.maxLine, LogFormat.maxLine, 11])
            #expect(recs.map(\.partial) == [true, true, false])
            #expect(recs.flatMap(\.payload) == line)
        }
    }

    @Test func tailSinceUntil() throws {
        try withTempLog { path in
            let w = try LogWriter(path: path, bufferSize: 4096)  // small buffer: several writes
            for i in 0..<1000 {
                try w.append(stream: UInt8(1 + i % 2), bytes: bytes("line \(i)\n"), timestamp: Int64(i) * 10)
            }
            w.close()
            let r = try LogReader(path: path)
            let (t3, _) = try r.read(since: nil, until: nil, tail: 3)
            #expect(text(t3) == "line 997\nline 998\nline 999\n")
            #expect(try r.read(since: nil, until: nil, tail: 0).records.isEmpty)
            #expect(try r.read(since: nil, until: nil, tail: 5000).records.count == 1000)
            let (s, _) = try r.read(since: 9950, until: nil, tail: nil)
            #expect(s.first?.timestamp == 9950 && s.count == 5)
            let (u, _) = try r.read(since: nil, until: 20, tail: nil)
            #expect(text(u) == "line 0\nline 1\nline 2\n")
            let (su, _) = try r.read(since: 100, until: 200, tail: nil)
            #expect(su.count == 11)
            // tail counts after filtering, as docker does.
            let (sut, _) = try r.read(since: 100, until: 200, tail: 2)
            #expect(text(sut) == "line 19\nline 20\n")
            let (st, _) = try r.read(since: 9980, until: nil, tail: 10)
            #expect(text(st) == "line 998\nline 999\n")
            #expect(try r.startOffset(since: nil, until: nil, tail: nil) == Int64(LogFormat.headerSize))
        }
    }

    @Test func followAndHalfWrittenRecord() throws {
        try withTempLog { path in
            let w = try LogWriter(path: path)
            try w.append(stream: 1, bytes: bytes("a\n"), timestamp: 1)
            try w.flush()
            let r = try LogReader(path: path)
            let (first, end1) = try r.read(since: nil, until: nil, tail: nil)
            #expect(text(first) == "a\n")
            #expect(try r.readNew(from: end1).records.isEmpty)
            try w.append(stream: 1, bytes: bytes("b\nc\n"), timestamp: 2)
            try w.flush()
            let (more, end2) = try r.readNew(from: end1)
            #expect(text(more) == "b\nc\n")
            w.close()

            // Simulate a writer caught mid-record: a header and part of the payload.
            let fd = open(path, O_WRONLY | O_APPEND)
            var half: [UInt8] = [10, 0, 0, 0, 1, 0] + [UInt8](repeating: 0, count: 8) + bytes("par")
            _ = write(fd, &half, half.count)
            close(fd)
            let (none, end3) = try r.readNew(from: end2)
            #expect(none.isEmpty && end3 == end2)
            let (all, end4) = try r.read(since: nil, until: nil, tail: 2)
            #expect(text(all) == "b\nc\n" && end4 == end2)
            // A new writer cuts the torn record off and appends after the good ones.
            let w2 = try LogWriter(path: path)
            try w2.append(stream: 2, bytes: bytes("d\n"), timestamp: 3)
            w2.close()
            let (after, _) = try r.readNew(from: end2)
            #expect(text(after) == "d\n" && after.first?.stream == 2)
        }
    }

    @Test func batchedReads() throws {
        try withTempLog { path in
            let w = try LogWriter(path: path)
            for i in 0..<100 { try w.append(stream: 1, bytes: bytes("\(i)\n"), timestamp: Int64(i)) }
            w.close()
            let r = try LogReader(path: path)
            var off = try r.startOffset(since: nil, until: nil, tail: 50)
            var got: [LogRecord] = []
            while true {
                let (recs, end) = try r.readNew(from: off, maxBytes: 20)
                if recs.isEmpty { break }
                got += recs
                off = end
            }
            #expect(got.count == 50 && got.first?.timestamp == 50)
        }
    }

    @Test func rejectsForeignFile() throws {
        try withTempLog { path in
            let fd = open(path, O_WRONLY | O_CREAT, 0o600)
            var junk = bytes("{\"log\":\"json-file\"}\n")
            _ = write(fd, &junk, junk.count)
            close(fd)
            #expect(throws: LogError.self) { try LogReader(path: path) }
            #expect(throws: LogError.self) { try LogWriter(path: path) }
        }
    }
}
