import Foundation
import HoistAPIModels
import HoistOCI
import Testing
@testable import HoistAPI

@Suite struct OrderedJSONEncoderTests {
    struct Sample: Encodable {
        var Zeta = 1
        var Alpha = "a/b <c> & \"q\" \\ \n\t\u{1}\u{2028}é"
        var Map = ["b": 2, "a": 1, "c": 3]
        var Nothing: String? = nil
        var List: [Int?] = [1, nil, 3]
        var Float = 1.5
        var Whole = 2.0
        var Nested = ["k": ["x": true]]
        var Empty = EmptyObject()
    }

    @Test func writesFieldsInDeclarationOrderAndMapsSorted() throws {
        let text = String(decoding: try OrderedJSONEncoder().encode(Sample()), as: UTF8.self)
        #expect(text == #"{"Zeta":1,"Alpha":"a/b <c> & \"q\" \\ \n\t\u0001\u2028é","Map":{"a":1,"b":2,"c":3},"List":[1,null,3],"Float":1.5,"Whole":2,"Nested":{"k":{"x":true}},"Empty":{}}"#)
    }

    /// The models come out in Docker's order and read back to the same value.
    @Test func modelsRoundTrip() throws {
        let state = ContainerState(Status: "running", Running: true, Pid: 42, ExitCode: 0, StartedAt: "2026-01-01T00:00:00Z", FinishedAt: "0001-01-01T00:00:00Z")
        var config = ContainerConfig()
        config.Cmd = ["sh", "-c", "echo $A > /x"]
        config.Labels = ["z": "1", "a": "2"]
        let inspect = ContainerInspect(Id: "abc", Created: "2026-01-01T00:00:00Z", Path: "sh", Args: ["-c"], State: state, Image: "sha256:1",
                                       ResolvConfPath: "/r", HostnamePath: "/h", HostsPath: "/hs", LogPath: "/l", Name: "/web", RestartCount: 0,
                                       HostConfig: HostConfig(), GraphDriver: GraphDriverData(Name: "overlay2", Data: nil), Config: config)
        let bytes = try OrderedJSONEncoder().encode(inspect)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"Id":"abc","Created":"2026-01-01T00:00:00Z","Path":"sh","Args":["-c"],"State":{"Status":"running","Running":true"#))
        #expect(text.contains(#""Labels":{"a":"2","z":"1"}"#))
        let back = try JSONDecoder().decode(ContainerInspect.self, from: Data(bytes))
        #expect(try OrderedJSONEncoder().encode(back) == bytes)
    }
}
