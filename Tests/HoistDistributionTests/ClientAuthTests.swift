import Foundation
import HoistOCI
import Testing
@testable import HoistDistribution

@Suite struct ClientAuthTests {
    @Test func parsesBearerChallenge() throws {
        let c = try #require(AuthChallenge(header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#))
        #expect(c.scheme == "bearer")
        #expect(c.parameters["realm"] == "https://auth.docker.io/token")
        #expect(c.parameters["service"] == "registry.docker.io")
        #expect(c.parameters["scope"] == "repository:library/busybox:pull")
    }

    @Test func parsesBasicChallengeAndEscapes() throws {
        let c = try #require(AuthChallenge(header: #"Basic realm="a \"quoted\" realm""#))
        #expect(c.scheme == "basic")
        #expect(c.parameters["realm"] == #"a "quoted" realm"#)
        let bare = try #require(AuthChallenge(header: "Basic"))
        #expect(bare.scheme == "basic" && bare.parameters.isEmpty)
    }

    @Test func decodesRegistryAuthHeader() throws {
        // base64url of {"username":"u","password":"p?>","serveraddress":"127.0.0.1:5000"}
        let json = #"{"username":"u","password":"p?>","serveraddress":"127.0.0.1:5000"}"#
        let url = Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let c = try #require(RegistryCredentials.fromHeader(url))
        #expect(c.basic?.user == "u" && c.basic?.password == "p?>")
        // `{}` and garbage: no credentials.
        #expect(RegistryCredentials.fromHeader("e30=") == nil)
        #expect(RegistryCredentials.fromHeader("not base64!") == nil)
        #expect(RegistryCredentials.fromHeader(nil) == nil)
    }

    @Test func authFieldCarriesUserAndPassword() {
        var c = RegistryCredentials()
        c.auth = Data("alice:s3:cret".utf8).base64EncodedString()
        #expect(c.basic?.user == "alice" && c.basic?.password == "s3:cret")
    }
}

@Suite struct ClientManifestTests {
    func desc(_ arch: String, variant: String? = nil, os: String = "linux", hex: Character) -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: Digest(sha256Hex: String(repeating: hex, count: 64)), size: 1,
                   platform: Platform(architecture: arch, os: os, variant: variant))
    }

    @Test func selectsLinuxAmd64() {
        let index = Index(manifests: [desc("arm64", variant: "v8", hex: "a"), desc("amd64", os: "windows", hex: "b"),
                                      desc("amd64", variant: "v3", hex: "c"), desc("amd64", hex: "d")])
        #expect(PlatformSelection.select(index)?.digest.hex.first == "d")
        let onlyVariant = Index(manifests: [desc("amd64", variant: "v2", hex: "e")])
        #expect(PlatformSelection.select(onlyVariant)?.digest.hex.first == "e")
        #expect(PlatformSelection.select(Index(manifests: [desc("arm64", hex: "f")])) == nil)
    }

    @Test func registryErrorsReadAsDocker() {
        let e = RegistryError(status: 404, code: "MANIFEST_UNKNOWN", message: "manifest unknown")
        #expect(e.description == "manifest unknown: manifest unknown")
        let ref = try! Reference(parsing: "127.0.0.1:5000/a/b:v1")
        #expect(RegistryClient.pullError(e, ref: ref).message == "manifest for 127.0.0.1:5000/a/b:v1 not found: manifest unknown: manifest unknown")
        let denied = RegistryError(status: 401, code: "DENIED", message: "requested access to the resource is denied")
        #expect(RegistryClient.pullError(denied, ref: try! Reference(parsing: "busybox")).message
                == "pull access denied for busybox, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")
    }
}
