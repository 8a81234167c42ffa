import Testing
import HoistClient

@Suite struct ClientPiecesTests {
    @Test func jsonKeepsOrderAndLiterals() throws {
        let j = try JSONParser.parse(#" {"b": 1.50, "a": [true, null, "x\u00e9\n"], "c": {}} "#)
        #expect(j.objectValue?.keys == ["b", "a", "c"])
        #expect(JSONWriter.compact(j) == #"{"b":1.50,"a":[true,null,"xé\n"],"c":{}}"#)
        #expect(JSONWriter.compact(.string("<a&b>"), escapeHTML: true) == #""\u003ca\u0026b\u003e""#)
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse("{\"a\":}") }
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse("[1,]") }
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func indentLikeGo() {
        let out = JSONWriter.indent(Array(#"[{"a":[],"b":{},"c":[1,{"d":"x, y"}]}]"#.utf8))
        #expect(String(decoding: out, as: UTF8.self) == """
        [
            {
                "a": [],
                "b": {},
                "c": [
                    1,
                    {
                        "d": "x, y"
                    }
                ]
            }
        ]
        """)
    }

    @Test func jsonSequence() throws {
        let (values, consumed) = try JSONParser.parseSequence(Array("{\"status\":\"a\"}\r\n{\"status\":\"b\"}\n{\"st".utf8))
        #expect(values.count == 2)
        #expect(consumed == 31)  // up to the start of the incomplete third value
    }

    @Test func demuxer() {
        var d = StreamDemuxer()
        let frames: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 3] + Array("out".utf8) + [2, 0, 0, 0, 0, 0, 0, 2] + Array("er".utf8)
        // Feed byte-split chunks: headers and payloads straddle boundaries.
        var got: [(StreamDemuxer.Stream, [UInt8])] = []
        for chunk in [Array(frames[0..<5]), Array(frames[5..<9]), Array(frames[9..<frames.count])] {
            got.append(contentsOf: d.feed(chunk))
        }
        let stdout = got.filter { $0.0 == .stdout }.flatMap { $0.1 }
        let stderr = got.filter { $0.0 == .stderr }.flatMap { $0.1 }
        #expect(String(decoding: stdout, as: UTF8.self) == "out")
        #expect(String(decoding: stderr, as: UTF8.self) == "er")
    }

    @Test func queryEncoding() {
        var q = QueryString()
        q.set("fromSrc", "-")
        q.set("repo", "busybox:latest")
        q.add("changes", "CMD [\"sh\"]")
        q.add("changes", "ENV A=b c")
        q.set("tag", "")
        #expect(q.encoded == "changes=CMD+%5B%22sh%22%5D&changes=ENV+A%3Db+c&fromSrc=-&repo=busybox%3Alatest&tag=")
        #expect(QueryString.escapePath("/images/user/app:1 x/json") == "/images/user/app:1%20x/json")
    }
}
