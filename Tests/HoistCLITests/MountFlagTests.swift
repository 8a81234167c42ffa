import Testing
import HoistAPIModels
@testable import HoistCLI

/// `--mount` as docker/cli's MountOpt parses it.
struct MountFlagTests {
    func reason(_ s: String) -> String? {
        do { _ = try MountFlag.parse(s, cwd: "/work"); return nil } catch let e as MountFlag.Failure { return e.reason } catch { return "\(error)" }
    }

    @Test func bind() throws {
        let m = try MountFlag.parse("type=bind,src=./d,dst=/x,readonly,bind-propagation=RSHARED", cwd: "/work")
        #expect(m.Type == "bind" && m.Source == "/work/d" && m.Target == "/x" && m.ReadOnly == true)
        #expect(m.BindOptions?.Propagation == "rshared")
    }

    @Test func volumeDefaultsAndOptions() throws {
        let m = try MountFlag.parse("source=v,target=/d,volume-nocopy,volume-label=a=b,volume-opt=o=size=1m", cwd: "/")
        #expect(m.Type == "volume" && m.Source == "v")
        #expect(m.VolumeOptions?.NoCopy == true && m.VolumeOptions?.Labels == ["a": "b"])
        #expect(m.VolumeOptions?.DriverConfig?.Options == ["o": "size=1m"])
    }

    @Test func tmpfs() throws {
        let m = try MountFlag.parse("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777", cwd: "/")
        #expect(m.TmpfsOptions?.SizeBytes == 1 << 20 && m.TmpfsOptions?.Mode == 0o1777)
    }

    @Test func quotedFields() throws {
        let m = try MountFlag.parse("type=bind,\"source=/a,b\",target=/c", cwd: "/")
        #expect(m.Source == "/a,b")
    }

    @Test(arguments: [
        ("type=bind,source=/a", "target is required"),
        ("type=bind,target=/a,foo=bar", "unexpected key 'foo' in 'foo=bar'"),
        ("type=bind,target=/a,weird", "invalid field 'weird' must be a key=value pair"),
        ("type=tmpfs,target=/a,volume-nocopy", "cannot mix 'volume-*' options with mount type 'tmpfs'"),
        ("type=volume,target=/a,bind-propagation=shared", "cannot mix 'bind-*' options with mount type 'volume'"),
        ("type=bind,target=/a,readonly=maybe", "invalid value for readonly: maybe"),
        ("type=,target=/a", "type is required"),
    ])
    func errors(_ value: String, _ want: String) {
        #expect(reason(value) == want)
    }
}
