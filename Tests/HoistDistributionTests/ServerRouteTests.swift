import Testing
import HoistOCI
@testable import HoistDistribution

@Suite struct ServerRouteTests {
    static let hex = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"

    @Test(arguments: ["a", "busybox", "library/busybox", "a/b/c/d", "a.b", "a_b", "a__b", "a---b", "x0/y-1/z.2", "0"])
    func validRepositoryNames(_ name: String) {
        #expect(RegistryName.isValidRepository(name))
    }

    @Test(arguments: ["", "A", "a/", "/a", "a//b", "-a", "a-", "a.", ".a", "a..b", "a___b", "a_-b", "a/_b", "a b", "a:b",
                      "_catalog", String(repeating: "a", count: 256)])
    func invalidRepositoryNames(_ name: String) {
        #expect(!RegistryName.isValidRepository(name))
    }

    @Test func tags() {
        #expect(RegistryName.isValidTag("latest"))
        #expect(RegistryName.isValidTag("v1.2.3-rc_1"))
        #expect(RegistryName.isValidTag("_x"))
        #expect(RegistryName.isValidTag("A" + String(repeating: "b", count: 127)))
        #expect(!RegistryName.isValidTag("A" + String(repeating: "b", count: 128)))
        #expect(!RegistryName.isValidTag(".x"))
        #expect(!RegistryName.isValidTag("-x"))
        #expect(!RegistryName.isValidTag(""))
        #expect(!RegistryName.isValidTag("a/b"))
        #expect(!RegistryName.isValidTag("a:b"))
    }

    @Test func routesFromPaths() {
        let d = "sha256:\(Self.hex)"
        #expect(RegistryRoute(path: "/v2/") == .base)
        #expect(RegistryRoute(path: "/v2") == .base)
        #expect(RegistryRoute(path: "/v2/_catalog") == .catalog)
        #expect(RegistryRoute(path: "/token") == .token)
        #expect(RegistryRoute(path: "/v2/a/b/tags/list") == .tagsList(name: "a/b"))
        #expect(RegistryRoute(path: "/v2/a/b/c/manifests/latest") == .manifest(name: "a/b/c", reference: "latest"))
        #expect(RegistryRoute(path: "/v2/a/manifests/\(d)") == .manifest(name: "a", reference: d))
        #expect(RegistryRoute(path: "/v2/a/manifests/sha256%3A\(Self.hex)") == .manifest(name: "a", reference: d))
        #expect(RegistryRoute(path: "/v2/a/blobs/\(d)") == .blob(name: "a", digest: d))
        #expect(RegistryRoute(path: "/v2/a/b/blobs/uploads/") == .uploads(name: "a/b"))
        #expect(RegistryRoute(path: "/v2/a/b/blobs/uploads") == .uploads(name: "a/b"))
        #expect(RegistryRoute(path: "/v2/a/b/blobs/uploads/1234-abcd") == .upload(name: "a/b", id: "1234-abcd"))
        #expect(RegistryRoute(path: "/v2/a/referrers/\(d)") == .referrers(name: "a", digest: d))
        // A repository may be called like an endpoint word: the path is read from its end.
        #expect(RegistryRoute(path: "/v2/blobs/manifests/manifests/x") == .manifest(name: "blobs/manifests", reference: "x"))
        #expect(RegistryRoute(path: "/v2/tags/blobs/uploads/") == .uploads(name: "tags"))
        #expect(RegistryRoute(path: "/v2/a") == nil)
        #expect(RegistryRoute(path: "/v2/manifests/x") == nil)
        #expect(RegistryRoute(path: "/v1/a/tags/list") == nil)
        #expect(RegistryRoute(path: "/other") == nil)
    }

    @Test func manifestReferences() throws {
        #expect(RegistryManifestReference("latest") == .tag("latest"))
        #expect(RegistryManifestReference("sha256:\(Self.hex)") == .digest(Digest(sha256Hex: Self.hex)))
        #expect(RegistryManifestReference("sha256:abc") == nil)
        #expect(RegistryManifestReference("-bad") == nil)
    }

    @Test func queries() {
        let t = RequestTarget(uri: "/v2/a/blobs/uploads/?mount=sha256%3Aab&from=x%2Fy&n=")
        #expect(t.path == "/v2/a/blobs/uploads/")
        #expect(t.first("mount") == "sha256:ab")
        #expect(t.first("from") == "x/y")
        #expect(t.first("n") == "")
        #expect(t.first("none") == nil)
    }

    @Test func byteRanges() {
        #expect(ByteRange(header: nil, length: 10) == .whole)
        #expect(ByteRange(header: "bytes=0-4", length: 10) == .satisfiable(start: 0, end: 4))
        #expect(ByteRange(header: "bytes=5-", length: 10) == .satisfiable(start: 5, end: 9))
        #expect(ByteRange(header: "bytes=5-100", length: 10) == .satisfiable(start: 5, end: 9))
        #expect(ByteRange(header: "bytes=-3", length: 10) == .satisfiable(start: 7, end: 9))
        #expect(ByteRange(header: "bytes=-30", length: 10) == .satisfiable(start: 0, end: 9))
        #expect(ByteRange(header: "bytes=10-", length: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-0", length: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-0", length: 0) == .unsatisfiable)
        // Malformed or multi-range headers are ignored: the whole content is served.
        #expect(ByteRange(header: "bytes=4-2", length: 10) == .whole)
        #expect(ByteRange(header: "bytes=0-1,3-4", length: 10) == .whole)
        #expect(ByteRange(header: "items=0-1", length: 10) == .whole)
        #expect(ByteRange(header: "bytes=x-1", length: 10) == .whole)
    }

    @Test func uploadChunkRanges() {
        #expect(UploadChunkRange(header: "0-99") == UploadChunkRange(header: "bytes 0-99/*"))
        #expect(UploadChunkRange(header: "100-199")?.start == 100)
        #expect(UploadChunkRange(header: "100-199")?.end == 199)
        #expect(UploadChunkRange(header: "5-4") == nil)
        #expect(UploadChunkRange(header: "-4") == nil)
        #expect(UploadChunkRange(header: "a-b") == nil)
    }

    @Test func errorBodies() {
        let e = DistributionError(.blobUnknown, "blob unknown to registry", detail: "sha256:x")
        #expect(e.status == 404)
        #expect(String(decoding: e.body, as: UTF8.self)
            == #"{"errors":[{"code":"BLOB_UNKNOWN","detail":"sha256:x","message":"blob unknown to registry"}]}"#)
        #expect(DistributionError(.digestInvalid, "x").status == 400)
        #expect(DistributionError(.unauthorized, "x").status == 401)
        #expect(DistributionError(.blobUploadInvalid, "x", status: 416).status == 416)
    }
}
