import Foundation
import HoistCore
import HoistEngine
import NIOCore
import Testing
@testable import HoistAPI

@Suite struct ErrorMappingTests {
    @Test func everyCodeHasItsStatus() {
        let expected: [HoistError.Code: UInt] = [
            .notFound: 404, .conflict: 409, .invalidArgument: 400, .unauthorized: 401, .forbidden: 403,
            .notModified: 304, .notImplemented: 501, .unavailable: 503, .internal: 500,
        ]
        for (code, status) in expected {
            #expect(ErrorMapping.status(for: code).code == status, "\(code)")
        }
    }

    @Test func foreignErrorsAreInternal() {
        struct Boom: Error {}
        #expect(ErrorMapping.hoistError(Boom()).code == .internal)
        #expect(ErrorMapping.hoistError(HoistError.conflict("x")).code == .conflict)
    }
}

@Suite struct QueryParsingTests {
    @Test func booleansAsMobyParsesThem() {
        let q = QueryParameters("a=1&b=true&c=True&d=0&e=false&f=&g=no&h=yes&i=FALSE&j=none")
        #expect(q.bool("a") && q.bool("b") && q.bool("c") && q.bool("h"))
        #expect(!q.bool("d") && !q.bool("e") && !q.bool("f") && !q.bool("g") && !q.bool("i") && !q.bool("j"))
        #expect(!q.bool("absent"))
        #expect(q.bool("absent", default: true))
        #expect(!q.bool("d", default: true))
    }

    @Test func valuesAreDecodedAndRepeatable() throws {
        let q = QueryParameters("repo=docker.io%2Flibrary%2Fx%3Av1&message=hello+world&changes=CMD+%5B%22sh%22%5D&changes=ENV+A%3Db&flag")
        #expect(q["repo"] == "docker.io/library/x:v1")
        #expect(q["message"] == "hello world")
        #expect(q.all("changes") == ["CMD [\"sh\"]", "ENV A=b"])
        #expect(q.has("flag") && q["flag"] == "")
        #expect(try QueryParameters("t=10").int("t") == 10)
        #expect(throws: HoistError.self) { try QueryParameters("t=ten").int("t") }
        #expect(try QueryParameters("t=").int("t") == nil)
    }

    @Test func filtersInBothForms() throws {
        #expect(try QueryParameters("filters=%7B%22status%22%3A%5B%22exited%22%5D%7D").filters() == ["status": ["exited"]])
        #expect(try FilterParsing.parse(#"{"status":{"exited":true,"created":true},"label":{"a=b":true}}"#) == ["status": ["created", "exited"], "label": ["a=b"]])
        #expect(try FilterParsing.parse("{}") == [:])
        #expect(try QueryParameters("").filters() == [:])
        #expect(throws: HoistError.self) { try FilterParsing.parse("[1,2]") }
        #expect(throws: HoistError.self) { try FilterParsing.parse("{not json") }
    }
}

@Suite struct RoutingTests {
    @Test func versionPrefix() throws {
        #expect(APIVersionCheck.splitPrefix("/v1.41/containers/json") == ("1.41", "/containers/json"))
        #expect(APIVersionCheck.splitPrefix("/containers/json") == (nil, "/containers/json"))
        #expect(APIVersionCheck.splitPrefix("/v1.41") == ("1.41", "/"))
        #expect(APIVersionCheck.splitPrefix("/volumes/x") == (nil, "/volumes/x"))
        #expect(APIVersionNumber("1.9") < APIVersionNumber("1.24"))
        #expect(APIVersionNumber("1.41") == APIVersionNumber("1.41.0"))
        #expect(throws: HoistError.self) { try APIVersionCheck.negotiate("1.42") }
        #expect(try APIVersionCheck.negotiate(nil) == .current)
    }

    @Test func greedyImageNames() {
        let inspect = PathPattern("/images/{name*}/json")
        #expect(inspect.match("/images/docker.io/library/busybox:latest/json".split(separator: "/")) == ["name": "docker.io/library/busybox:latest"])
        #expect(inspect.match("/images/busybox/json".split(separator: "/")) == ["name": "busybox"])
        #expect(inspect.match("/images/json".split(separator: "/")) == nil)
        let delete = PathPattern("/images/{name*}")
        #expect(delete.match("/images/localhost:5000/a/b:v1".split(separator: "/")) == ["name": "localhost:5000/a/b:v1"])
        let container = PathPattern("/containers/{name}/json")
        #expect(container.match("/containers/abc/json".split(separator: "/")) == ["name": "abc"])
        #expect(container.match("/containers/a/b/json".split(separator: "/")) == nil)
    }
}

@Suite struct StreamFramingTests {
    @Test func timestampsAreRFC3339NanoFixed() {
        #expect(StreamFraming.timestamp(nanoseconds: 1_795_432_389_123_456_789) == "2026-11-23T11:13:09.123456789Z")
        #expect(StreamFraming.timestamp(nanoseconds: 0) == "1970-01-01T00:00:00.000000000Z")
        #expect(StreamFraming.timestamp(nanoseconds: 951_868_799_000_000_005) == "2000-02-29T23:59:59.000000005Z")
        #expect(StreamFraming.timestamp(nanoseconds: -1) == "1969-12-31T23:59:59.999999999Z")
    }

    @Test func framesCarryStreamAndBigEndianLength() {
        var b = ByteBuffer()
        StreamFraming.appendOutput(OutputChunk(stream: 2, bytes: Array(repeating: 0x41, count: 300)), multiplexed: true, to: &b)
        #expect(Array(b.readableBytesView.prefix(8)) == [2, 0, 0, 0, 0, 0, 1, 44])
        #expect(b.readableBytes == 308)
        var raw = ByteBuffer()
        StreamFraming.appendOutput(OutputChunk(stream: 1, bytes: [1, 2, 3]), multiplexed: false, to: &raw)
        #expect(Array(raw.readableBytesView) == [1, 2, 3])
    }

    @Test func contentTypeFollowsTheAPIVersion() {
        #expect(StreamFraming.contentType(multiplexed: true, version: APIVersionNumber("1.41")) == "application/vnd.docker.raw-stream")
        #expect(StreamFraming.contentType(multiplexed: true, version: APIVersionNumber("1.42")) == "application/vnd.docker.multiplexed-stream")
        #expect(StreamFraming.contentType(multiplexed: false, version: APIVersionNumber("1.44")) == "application/vnd.docker.raw-stream")
    }
}

@Suite struct BytePipeTests {
    /// Records written while the consumer is busy come out together; nothing is lost or
    /// reordered; the producer's error arrives after its bytes.
    @Test func batchesInOrderAndEndsWithTheError() async throws {
        struct Broken: Error {}
        let pipe = BytePipe(limit: 1024)
        let producer = Task {
            for i in 0..<10_000 {
                let ok = await pipe.append { $0.writeString("\(i),") }
                if !ok { return }
            }
            pipe.finish(throwing: Broken())
        }
        var text = ""
        var batches = 0
        do {
            while let batch = try await pipe.next() {
                batches += 1
                text += String(buffer: batch)
            }
            Issue.record("expected the producer's error")
        } catch is Broken {}
        await producer.value
        #expect(text == (0..<10_000).map { "\($0)," }.joined())
        #expect(batches < 10_000)
    }

    @Test func closingStopsTheProducer() async {
        let pipe = BytePipe(limit: 16)
        let producer = Task { () -> Int in
            var n = 0
            while await pipe.append({ $0.writeString("0123456789") }) { n += 1 }
            return n
        }
        _ = try? await pipe.next()
        pipe.close()
        let n = await producer.value
        #expect(n < 10)
    }
}
