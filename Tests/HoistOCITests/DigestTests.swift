import Foundation
import Testing
import HoistCore
import HoistOCI

@Suite struct DigestTests {
    let a = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"  // sha256("a")
    let b = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"  // sha256("b")
    let c = "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6"  // sha256("c")

    @Test func parsesAndPrints() throws {
        let d = try Digest(parsing: "sha256:\(a)")
        #expect(d.algorithm == "sha256" && d.hex == a)
        #expect(d.description == "sha256:\(a)")
        #expect(d == Digest(sha256Hex: a))
    }

    @Test(arguments: ["", "sha256", "sha256:", "sha256:abc", "sha512:" + String(repeating: "a", count: 128),
                      "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "g", count: 64),
                      "sha256:" + String(repeating: "a", count: 65), ":" + String(repeating: "a", count: 64)])
    func rejects(_ s: String) {
        let e = #expect(throws: HoistError.self) { try Digest(parsing: s) }
        #expect(e?.code == .invalidArgument)
    }

    @Test func hashes() {
        #expect(Digest.sha256(of: Array("a".utf8)).hex == a)
        #expect(Digest.sha256(of: [UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var h = DigestHasher()
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        h.update(Array(big[0..<33_333]))
        h.update(Array(big[33_333...]))
        #expect(h.finalize() == Digest.sha256(of: big))
        #expect(h.count == 100_000)
    }

    @Test func codable() throws {
        let d = Digest(sha256Hex: a)
        let json = try JSONEncoder().encode([d])
        #expect(String(decoding: json, as: UTF8.self) == "[\"sha256:\(a)\"]")
        #expect(try JSONDecoder().decode([Digest].self, from: json) == [d])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Digest].self, from: Data("[\"sha256:xyz\"]".utf8)) }
    }

    @Test func chainIDs() {
        let ids = ChainID.compute([Digest(sha256Hex: a), Digest(sha256Hex: b), Digest(sha256Hex: c)])
        // Computed independently with sha256sum: sha256("sha256:<a> sha256:<b>") and so on.
        #expect(ids.map(\.hex) == [a,
                                   "51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676",
                                   "2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106"])
        #expect(ChainID.compute([]).isEmpty)
    }

    @Test func imageConfigJSONShape() throws {
        let cfg = ImageConfig(created: "2024-01-02T03:04:05Z", config: ContainerDefaults(Env: ["PATH=/bin"], Cmd: ["sh"]),
                              rootfs: RootFS(diffIDs: [Digest(sha256Hex: a)]), history: [History(comment: "Imported from -")])
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let s = String(decoding: try e.encode(cfg), as: UTF8.self)
        #expect(s.contains("\"rootfs\":{\"diff_ids\":[\"sha256:\(a)\"],\"type\":\"layers\"}"))
        #expect(s.contains("\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin\"]}"))
        #expect(s.contains("\"architecture\":\"amd64\"") && s.contains("\"os\":\"linux\""))
        #expect(try JSONDecoder().decode(ImageConfig.self, from: Data(s.utf8)) == cfg)
    }
}
