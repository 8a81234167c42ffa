import HoistCore
import Testing
import HoistAPIModels
import HoistClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import HoistCLI

/// ps/images output from fixed models, checked against what docker 28 prints for the same API data.
@Suite struct TableTests {
    let now: Int64 = 1_800_000_000 * 1_000_000_000

    func json<T: Encodable>(_ v: T) throws -> JSON { try JSONParser.parse(Array(JSONEncoder().encode(v))) }

    func containers() throws -> [JSON] {
        let n = now / 1_000_000_000
        var a = ContainerSummary(Id: "4f66ad9a0b2e3c1f0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819", Names: ["/happy_turing"], Image: "busybox",
                                 ImageID: "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                                 Command: "sh -c 'while true; do echo hi; sleep 1; done'", Created: n - 125, Labels: ["b": "2", "a": "1"],
                                 State: "running", Status: "Up 2 minutes")
        a.SizeRw = 12
        a.SizeRootFs = 4_260_000
        let b = ContainerSummary(Id: "aa66ad9a0b2e3c1f0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819", Names: ["/x"], Image: "docker.io/library/busybox:latest",
                                 ImageID: "sha256:bbcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", Command: "true",
                                 Created: n - 3 * 86400, Labels: [:], State: "exited", Status: "Exited (0) 3 days ago")
        let c = ContainerSummary(Id: "bb66ad9a0b2e3c1f0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819", Names: ["/y"],
                                 Image: "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                                 ImageID: "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                                 Command: "échoé ünïcode ぁあぃいぅうぇえ", Created: n - 1, Labels: [:], State: "created", Status: "Created")
        return [try json(a), try json(b), try json(c)]
    }

    func ps(_ format: String, trunc: Bool = true) throws -> String {
        try ListFormatter.render(format: format, rows: try containers().map { ContainerContext(c: $0, trunc: trunc, now: now) },
                                 header: ContainerContext.header)
    }

    @Test func psDefaultTable() throws {
        let out = try ps(ContainerContext.format("", quiet: false, size: false))
        #expect(out == """
        CONTAINER ID   IMAGE            COMMAND                  CREATED         STATUS                  PORTS     NAMES
        4f66ad9a0b2e   busybox          "sh -c 'while true; …"   2 minutes ago   Up 2 minutes                      happy_turing
        aa66ad9a0b2e   busybox:latest   "true"                   3 days ago      Exited (0) 3 days ago             x
        bb66ad9a0b2e   abcdef012345     "échoé ünïcode ぁあ…"    1 second ago    Created                           y

        """)
    }

    @Test func psSizeAndQuiet() throws {
        let out = try ps(ContainerContext.format("", quiet: false, size: true))
        #expect(out.split(separator: "\n")[1].hasSuffix("happy_turing   12B (virtual 4.26MB)"))
        #expect(try ps(ContainerContext.format("", quiet: true, size: false)) == "4f66ad9a0b2e\naa66ad9a0b2e\nbb66ad9a0b2e\n")
    }

    @Test func psEmptyTableStillHasHeader() throws {
        let out = try ListFormatter.render(format: ContainerContext.format("", quiet: false, size: false), rows: [], header: ContainerContext.header)
        #expect(out == "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n")
    }

    @Test func psCustomFormats() throws {
        #expect(try ps("{{.Names}}\\t{{.Label \"a\"}}") == "happy_turing\t1\nx\t\ny\t\n")
        #expect(try ps("table {{.ID}}\\t{{.Labels}}\\t{{.Label \"com.example-x\"}}") == """
        CONTAINER ID   LABELS    example x
        4f66ad9a0b2e   a=1,b=2   
        aa66ad9a0b2e             
        bb66ad9a0b2e             

        """)
        #expect(try ps("{{json .Names}}") == "\"happy_turing\"\n\"x\"\n\"y\"\n")
        let json = try ps("json").split(separator: "\n")[1]
        #expect(json == #"{"Command":"\"true\"","CreatedAt":"\#(GoTime.string(unixSeconds: now / 1_000_000_000 - 3 * 86400))","ID":"aa66ad9a0b2e","Image":"busybox:latest","Labels":"","LocalVolumes":"0","Mounts":"","Names":"x","Networks":"","Platform":null,"Ports":"","RunningFor":"3 days ago","Size":"0B","State":"exited","Status":"Exited (0) 3 days ago"}"#)
    }

    @Test func psNoTrunc() throws {
        let out = try ps("{{.ID}} {{.Image}} {{.Command}}", trunc: false)
        #expect(out.split(separator: "\n")[2] == "bb66ad9a0b2e3c1f0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819 sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789 \"échoé ünïcode ぁあぃいぅうぇえ\"")
    }

    func images() throws -> [JSON] {
        let n = now / 1_000_000_000
        return [
            try json(ImageSummary(Id: "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                                  RepoTags: ["busybox:latest", "busybox:1.35", "myrepo/x:v1"],
                                  RepoDigests: ["busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111"],
                                  Created: n - 86400 * 40, Size: 4_261_550, Labels: [:])),
            try json(ImageSummary(Id: "sha256:0bcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", RepoTags: [], RepoDigests: [],
                                  Created: n - 3600 * 5, Size: 1200, Labels: [:])),
            try json(ImageSummary(Id: "sha256:1bcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", RepoTags: ["localhost:5000/a/b:t"],
                                  RepoDigests: [], Created: n - 86400 * 365 * 3, Size: 999, Labels: [:])),
        ]
    }

    func imagesOut(_ source: String, digests: Bool = false, quiet: Bool = false) throws -> String {
        let fmt = ImageContext.format(source, quiet: quiet, digest: digests)
        let rows = try images().flatMap { ImageContext.rows(for: $0, digests: digests, formatHasDigest: fmt.contains("{{.Digest}}"), trunc: true, now: now) }
        return try ListFormatter.render(format: fmt, rows: rows, header: ImageContext.header)
    }

    @Test func imagesDefaultTable() throws {
        #expect(try imagesOut("table") == """
        REPOSITORY           TAG       IMAGE ID       CREATED       SIZE
        busybox              latest    abcdef012345   5 weeks ago   4.26MB
        busybox              1.35      abcdef012345   5 weeks ago   4.26MB
        myrepo/x             v1        abcdef012345   5 weeks ago   4.26MB
        <none>               <none>    0bcdef012345   5 hours ago   1.2kB
        localhost:5000/a/b   t         1bcdef012345   3 years ago   999B

        """)
    }

    @Test func imagesDigestsAndQuiet() throws {
        let out = try imagesOut("table", digests: true)
        #expect(out.hasPrefix("REPOSITORY           TAG       DIGEST                                                                    IMAGE ID       CREATED       SIZE\nbusybox              latest    sha256:1111111111111111111111111111111111111111111111111111111111111111   abcdef012345"))
        #expect(out.contains("myrepo/x             v1        <none>                                                                    abcdef012345"))
        #expect(try imagesOut("table", quiet: true) == "abcdef012345\nabcdef012345\nabcdef012345\n0bcdef012345\n1bcdef012345\n")
    }

    @Test func tabWriterBlocksAndWideCells() {
        var tw = TabWriter(minwidth: 10, tabwidth: 1, padding: 3)
        tw.write("a\tbb\tc\nlonger cell\tx\ty\nno tabs here\nq\tr\n")
        #expect(tw.flushString() == "a             bb        c\nlonger cell   x         y\nno tabs here\nq         r\n")
        var tw2 = TabWriter(minwidth: 1, tabwidth: 1, padding: 1)
        tw2.write("ぁあ\tx\nab\ty\n")
        #expect(tw2.flushString() == "ぁあ x\nab   y\n")
    }

    @Test func ellipsisAndQuote() {
        #expect(DisplayWidth.ellipsis("sh -c 'while true; do echo hi; sleep 1; done'", 20) == "sh -c 'while true; …")
        #expect(DisplayWidth.ellipsis("échoé ünïcode ぁあぃいぅうぇえ", 20) == "échoé ünïcode ぁあ…")
        #expect(DisplayWidth.ellipsis("short", 20) == "short")
        #expect(goQuote("a\"b\\c\n\u{1}é\u{7f}") == "\"a\\\"b\\\\c\\n\\x01é\\x7f\"")
        #expect(PortsFormatter.display([.init(ip: "0.0.0.0", privatePort: 80, publicPort: 8080, type: "tcp"),
                                        .init(ip: nil, privatePort: 9988, publicPort: 0, type: "tcp"),
                                        .init(ip: nil, privatePort: 9989, publicPort: 0, type: "tcp")])
            == "9988-9989/tcp, 0.0.0.0:8080->80/tcp")
    }
}
