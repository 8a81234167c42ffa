import Testing
import HoistCore
import HoistOCI

@Suite struct ReferenceTests {
    static let hex = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"

    /// input → (domain, path, tag, digest hex, fully qualified, familiar)
    static let valid: [(String, String, String, String?, String?, String, String)] = [
        ("busybox", "docker.io", "library/busybox", "latest", nil, "docker.io/library/busybox:latest", "busybox:latest"),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", nil, "docker.io/library/busybox:1.36", "busybox:1.36"),
        ("library/busybox", "docker.io", "library/busybox", "latest", nil, "docker.io/library/busybox:latest", "busybox:latest"),
        ("docker.io/busybox", "docker.io", "library/busybox", "latest", nil, "docker.io/library/busybox:latest", "busybox:latest"),
        ("index.docker.io/library/busybox", "docker.io", "library/busybox", "latest", nil, "docker.io/library/busybox:latest", "busybox:latest"),
        ("user/app:1", "docker.io", "user/app", "1", nil, "docker.io/user/app:1", "user/app:1"),
        ("localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", nil, "localhost:5000/a/b:tag", "localhost:5000/a/b:tag"),
        ("localhost/a", "localhost", "a", "latest", nil, "localhost/a:latest", "localhost/a:latest"),
        ("host.io/x", "host.io", "x", "latest", nil, "host.io/x:latest", "host.io/x:latest"),
        ("Host.IO:443/team/x_y.z-w:v1.0-rc_1", "Host.IO:443", "team/x_y.z-w", "v1.0-rc_1", nil,
         "Host.IO:443/team/x_y.z-w:v1.0-rc_1", "Host.IO:443/team/x_y.z-w:v1.0-rc_1"),
        ("a__b/c--d", "docker.io", "a__b/c--d", "latest", nil, "docker.io/a__b/c--d:latest", "a__b/c--d:latest"),
        ("busybox@sha256:\(hex)", "docker.io", "library/busybox", nil, hex,
         "docker.io/library/busybox@sha256:\(hex)", "busybox@sha256:\(hex)"),
        ("busybox:1@sha256:\(hex)", "docker.io", "library/busybox", "1", hex,
         "docker.io/library/busybox:1@sha256:\(hex)", "busybox:1@sha256:\(hex)"),
        ("localhost:5000/a@sha256:\(hex)", "localhost:5000", "a", nil, hex,
         "localhost:5000/a@sha256:\(hex)", "localhost:5000/a@sha256:\(hex)"),
        ("[::1]:5000/x:1", "[::1]:5000", "x", "1", nil, "[::1]:5000/x:1", "[::1]:5000/x:1"),
        // `localhost:5000` alone is the image `localhost` with tag 5000, as in Docker.
        ("localhost:5000", "docker.io", "library/localhost", "5000", nil, "docker.io/library/localhost:5000", "localhost:5000"),
    ]

    @Test(arguments: valid.indices)
    func normalises(_ i: Int) throws {
        let (input, domain, path, tag, digest, full, familiar) = Self.valid[i]
        let r = try Reference(parsing: input)
        #expect(r.domain == domain, "\(input)")
        #expect(r.path == path, "\(input)")
        #expect(r.tag == tag, "\(input)")
        #expect(r.digest?.hex == digest, "\(input)")
        #expect(r.description == full, "\(input)")
        #expect(r.familiarString == familiar, "\(input)")
        // The normalised form parses back to itself.
        #expect(try Reference(parsing: r.description) == r)
    }

    @Test func familiarRepository() throws {
        #expect(try Reference(parsing: "busybox").familiarRepository == "busybox")
        #expect(try Reference(parsing: "user/app").familiarRepository == "user/app")
        #expect(try Reference(parsing: "host.io/x/y").familiarRepository == "host.io/x/y")
        #expect(try Reference(parsing: "busybox").repository == "docker.io/library/busybox")
    }

    @Test func noDefaultTag() throws {
        let r = try Reference(parsing: "busybox", defaultTag: false)
        #expect(r.tag == nil)
        #expect(r.description == "docker.io/library/busybox")
    }

    static let invalid: [String] = [
        "", ":", "@", ":tag", "busybox:", "busybox@", "busybox@sha256:abc", "busybox@md5:\(hex)",
        "/busybox", "busybox/", "a//b", "-a", "a-", "a..b", "a.-b", "_a", "a/_b", "a___b",
        "busybox:-tag", "busybox:.tag", "busybox:t@g", "busybox:" + String(repeating: "t", count: 129),
        "bad_host.io/x", "-host.io/x", "host.io:port/x", "host.io:/x",
        "a b", "busy box:1", "ümlaut",
        // A 64-hex name is an image ID, never a repository.
        hex,
        // Longer than 255 characters.
        String(repeating: "a", count: 200) + "/" + String(repeating: "b", count: 60),
    ]

    @Test(arguments: invalid)
    func rejects(_ input: String) {
        let e = #expect(throws: HoistError.self, "\(input)") { try Reference(parsing: input) }
        #expect(e?.code == .invalidArgument)
    }

    @Test func uppercaseRepositoryIsRejectedWithDockersMessage() throws {
        let e = #expect(throws: HoistError.self) { try Reference(parsing: "Busybox") }
        #expect(e?.message == "invalid reference format: repository name (library/Busybox) must be lowercase")
        let e2 = #expect(throws: HoistError.self) { try Reference(parsing: "user/App:1") }
        #expect(e2?.message.contains("must be lowercase") == true)
        // Uppercase tags are fine; an uppercase first component with more after it is a domain.
        #expect(throws: Never.self) { try Reference(parsing: "busybox:LATEST") }
        #expect(try Reference(parsing: "MyHost/x").domain == "MyHost")
    }

    @Test func hexIDMessage() {
        let e = #expect(throws: HoistError.self) { try Reference(parsing: Self.hex) }
        #expect(e?.message == "invalid repository name (\(Self.hex)), cannot specify 64-byte hexadecimal strings")
    }
}
