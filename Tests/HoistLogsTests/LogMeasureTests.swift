import Glibc
import HoistLogs
import Testing

/// Numbers for the report (not a timed test): write and read back `HOIST_BENCH_MB` MB
/// (default 20) of 60-byte lines.
@Suite struct LogMeasureTests {
    func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test func writeAndReadThroughput() throws {
        let mb = Int(String(cString: getenv("HOIST_BENCH_MB") ?? strdup("20"))) ?? 20
        try withTempLog { path in
            let line = Array("hello from a container, this is a line of log output......\n".utf8)
            var chunk: [UInt8] = []
            while chunk.count < 64 << 10 { chunk += line }
            let total = mb * 1_000_000
            let w = try LogWriter(path: path)
            var t = now()
            var written = 0
            while written < total {
                try w.append(stream: 1, bytes: chunk, timestamp: Int64(written))
                written += chunk.count
            }
            w.close()
            let tw = now() - t
            let r = try LogReader(path: path)
            t = now()
            let (all, _) = try r.read(since: nil, until: nil, tail: nil)
            let tr = now() - t
            t = now()
            let (last, _) = try r.read(since: nil, until: nil, tail: 100)
            let tt = now() - t
            #expect(all.count == written / line.count && last.count == 100)
            var st = stat()
            stat(path, &st)
            print("[measure] log: \(mb) MB of lines (\(all.count) records, file \(st.st_size / 1_000_000) MB): write \(Int(Double(mb) / tw)) MB/s, read all \(Int(tr * 1000)) ms, tail 100 \(Int(tt * 1_000_000)) µs")
        }
    }
}
