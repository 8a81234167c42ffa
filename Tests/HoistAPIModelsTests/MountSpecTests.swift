import Testing
import HoistAPIModels
import HoistCore

/// moby's linux mount parser: what `-v`, `--mount` and `--tmpfs` become, and its messages.
struct MountSpecTests {
    func message(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let e as HoistError { return e.message } catch { return "\(error)" }
    }

    @Test func namedVolume() throws {
        let m = try MountSpec.parseBind("data:/srv/data")
        #expect(m.type == .volume && m.source == "data" && m.destination == "/srv/data")
        #expect(!m.readOnly && m.copyData && m.mode == "" && m.propagation == "")
    }

    @Test func anonymousVolume() throws {
        let m = try MountSpec.parseBind("/cache/")
        #expect(m.type == .volume && m.source == "" && m.destination == "/cache")
    }

    @Test func volumeModes() throws {
        let ro = try MountSpec.parseBind("v:/d:ro")
        #expect(ro.readOnly && ro.mode == "ro")
        let nocopy = try MountSpec.parseBind("v:/d:nocopy,rw")
        #expect(!nocopy.copyData && !nocopy.readOnly)
    }

    @Test func bindMount() throws {
        let m = try MountSpec.parseBind("/host//dir/../x:/ctr:ro,rshared")
        #expect(m.type == .bind && m.source == "/host/x" && m.destination == "/ctr")
        #expect(m.readOnly && m.propagation == "rshared" && m.createSource && !m.copyData)
        #expect(try MountSpec.parseBind("/a:/b").propagation == "rprivate")
    }

    @Test(arguments: [
        ("/foo:rw", "invalid volume specification: '/foo:rw'"),
        (":/x", "invalid volume specification: ':/x'"),
        ("a:b:c:d:e", "invalid volume specification: 'a:b:c:d:e'"),
        ("/a:/b:rx", "invalid mode: rx"),
        ("/a:/b:ro,rw", "invalid mode: ro,rw"),
        ("/a:rel", "invalid volume specification: '/a:rel': invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"),
        ("/a:/", "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'"),
        ("v:/x:rshared", "invalid volume specification: 'v:/x:rshared': invalid mount config for type \"volume\": field BindOptions must not be specified"),
    ])
    func badBinds(_ raw: String, _ want: String) {
        #expect(message { try MountSpec.parseBind(raw) } == want)
    }

    @Test func mountBindSourceMustExist() {
        var m = Mount(Type: "bind", Source: "/nope", Target: "/x")
        #expect(message { try MountSpec.parseMount(m, exists: { _ in false }) }
            == "invalid mount config for type \"bind\": bind source path does not exist: /nope")
        m.Source = "rel"
        #expect(message { try MountSpec.parseMount(m, exists: { _ in true }) }
            == "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute")
        m.Source = "/ok"
        m.BindOptions = .init(Propagation: "weird")
        #expect(message { try MountSpec.parseMount(m, exists: { _ in true }) }
            == "invalid mount config for type \"bind\": invalid propagation mode: weird")
    }

    @Test func mountKinds() throws {
        let b = try MountSpec.parseMount(Mount(Type: "bind", Source: "/h", Target: "/c", ReadOnly: true), exists: { _ in true })
        #expect(b.type == .bind && b.readOnly && b.propagation == "rprivate" && !b.createSource)
        var v = Mount(Type: "volume", Source: "vol", Target: "/d")
        v.VolumeOptions = .init(NoCopy: true, Labels: ["a": "b"])
        let pv = try MountSpec.parseMount(v, exists: { _ in false })
        #expect(pv.type == .volume && pv.source == "vol" && !pv.copyData && pv.volumeLabels == ["a": "b"])
        var t = Mount(Type: "tmpfs", Target: "/t")
        t.TmpfsOptions = .init(SizeBytes: 3 << 20, Mode: 0o1777)
        #expect(try MountSpec.parseMount(t, exists: { _ in false }).tmpfsOptions == ["mode=1777", "size=3m"])
        #expect(message { try MountSpec.parseMount(Mount(Type: "nfs", Target: "/x"), exists: { _ in true }) }
            == "invalid mount config for type \"nfs\": mount type unknown")
        #expect(message { try MountSpec.parseMount(Mount(Type: "volume", Target: "/x", ReadOnly: true), exists: { _ in true }) }
            == "invalid mount config for type \"volume\": must not set ReadOnly mode when using anonymous volumes")
    }

    @Test func tmpfs() throws {
        let t = try MountSpec.parseTmpfs(destination: "/run/x/", options: "size=64m,exec")
        #expect(t.destination == "/run/x" && t.tmpfsOptions == ["size=64m", "exec"])
        #expect(message { try MountSpec.parseTmpfs(destination: "rel", options: "") } != nil)
        #expect(message { try MountSpec.parseTmpfs(destination: "/x", options: "bogus") } == "invalid tmpfs option [\"bogus\"]")
    }

    @Test func volumesFrom() throws {
        #expect(try MountSpec.parseVolumesFrom("c1") == ("c1", "rw"))
        #expect(try MountSpec.parseVolumesFrom("c1:ro") == ("c1", "ro"))
        #expect(message { try MountSpec.parseVolumesFrom("c1:rshared") } == "invalid mode: rshared")
        #expect(message { try MountSpec.parseVolumesFrom("") } == "volumes-from specification cannot be an empty string")
    }

    @Test func volumeNames() {
        #expect(MountSpec.volumeNameError("my-vol_1.x") == nil)
        #expect(MountSpec.volumeNameError("a") != nil)
        #expect(MountSpec.volumeNameError("rel/dir")?.hasPrefix("\"rel/dir\" includes invalid characters for a local volume name") == true)
        #expect(MountSpec.volumeNameError("_x") != nil)
    }

    @Test func clean() {
        #expect(MountSpec.clean("/a/./b/../c//") == "/a/c")
        #expect(MountSpec.clean("/../x") == "/x")
        #expect(MountSpec.clean("a/../../b") == "../b")
    }
}
