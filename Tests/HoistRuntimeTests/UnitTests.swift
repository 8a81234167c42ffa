import Foundation
import Glibc
import HoistCore
import HoistOCI
import Testing
@testable import HoistRuntime

@Suite struct SignalsTests {
    @Test func parsesDockerSpellings() {
        #expect(Signals.parse("SIGTERM") == 15)
        #expect(Signals.parse("TERM") == 15)
        #expect(Signals.parse("term") == 15)
        #expect(Signals.parse("15") == 15)
        #expect(Signals.parse("SIGKILL") == 9)
        #expect(Signals.parse("hup") == 1)
        #expect(Signals.parse("SIGRTMIN+3") == 37)
        #expect(Signals.parse("RTMAX-1") == 63)
        #expect(Signals.parse("0") == nil)
        #expect(Signals.parse("65") == nil)
        #expect(Signals.parse("SIGNOPE") == nil)
        #expect(Signals.parse("") == nil)
        #expect(Signals.name(15) == "SIGTERM")
        #expect(Signals.name(9) == "SIGKILL")
    }
}

@Suite struct BundleWriterTests {
    func hardNofile() -> UInt64 {
        var r = rlimit()
        getrlimit(__rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue)), &r)
        return UInt64(r.rlim_max)
    }

    @Test func dockerDefaults() throws {
        let id = Identifiers.random()
        let s = try BundleWriter.makeSpec(id: id, spec: ContainerProcessSpec(args: ["sh"]), rootfs: "/r")
        #expect(s.root == .init(path: "/r"))
        #expect(s.hostname == String(id.prefix(12)))
        #expect(s.linux?.cgroupsPath == "/hoist/\(id)")
        #expect(Set(s.linux?.namespaces?.map(\.type) ?? []) == ["pid", "ipc", "uts", "mount", "network"])
        let caps = s.process?.capabilities?.bounding ?? []
        #expect(caps.count == 14 && caps.contains("CAP_NET_BIND_SERVICE") && !caps.contains("CAP_SYS_ADMIN"))
        #expect(s.linux?.maskedPaths?.contains("/proc/kcore") == true)
        #expect(s.linux?.readonlyPaths?.contains("/proc/sys") == true)
        #expect(s.mounts?.map(\.destination) == ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"])
        #expect(s.mounts?.first { $0.destination == "/sys" }?.options?.contains("ro") == true)
        #expect(s.process?.env?.first?.hasPrefix("PATH=") == true)
        #expect(s.process?.env?.contains("HOSTNAME=\(id.prefix(12))") == true)
        // Never above what the daemon itself may have.
        for r in s.process?.rlimits ?? [] where r.type == "RLIMIT_NOFILE" {
            #expect(r.hard <= hardNofile() && r.soft <= r.hard)
        }
        #expect(s.linux?.seccomp?.defaultAction == "SCMP_ACT_ERRNO")
        #expect(s.linux?.seccomp?.syscalls?.contains { $0.names.contains("clone3") && $0.errnoRet == 38 } == true)
        #expect(s.linux?.resources?.devices?.first == .init(allow: false, access: "rwm"))
        #expect(s.linux?.resources?.memory == nil && s.linux?.resources?.cpu == nil)
    }

    @Test func resourcesMountsAndCaps() throws {
        var spec = ContainerProcessSpec(args: ["top"], env: ["PATH=/x", "A=b"], cwd: "/w", uid: 1000, gid: 1000,
                                        additionalGids: [10], tty: true, hostname: "web", readonlyRootfs: true,
                                        memoryBytes: 64 << 20, pidsLimit: 100, nanoCPUs: 1_500_000_000, cpuShares: 512,
                                        hostnameFile: "/s/hostname", hostsFile: "/s/hosts", resolvConfFile: "/s/resolv.conf")
        spec.capAdd = ["net_admin", "CAP_SYS_TIME"]
        spec.capDrop = ["MKNOD"]
        spec.mounts = [.bind("/data/sub", at: "/data/sub"), .bind("/data", at: "/data/", readOnly: true), .tmpfs(at: "/dev/shm")]
        spec.ulimits = [.init(name: "nofile", soft: 1 << 40, hard: 1 << 40)]
        let s = try BundleWriter.makeSpec(id: Identifiers.random(), spec: spec, rootfs: "/r")
        #expect(s.process?.terminal == true && s.process?.cwd == "/w")
        #expect(s.process?.user == .init(uid: 1000, gid: 1000, additionalGids: [10]))
        #expect(s.process?.env == ["HOSTNAME=web", "TERM=xterm", "PATH=/x", "A=b"])
        #expect(s.root?.readonly == true)
        #expect(s.linux?.resources?.memory?.limit == 64 << 20)
        #expect(s.linux?.resources?.pids?.limit == 100)
        #expect(s.linux?.resources?.cpu == .init(shares: 512, quota: 150_000, period: 100_000))
        let caps = s.process?.capabilities?.effective ?? []
        #expect(caps.contains("CAP_NET_ADMIN") && caps.contains("CAP_SYS_TIME") && !caps.contains("CAP_MKNOD"))
        let dests = s.mounts?.map(\.destination) ?? []
        #expect(dests.filter { $0 == "/dev/shm" }.count == 1)
        #expect(dests.firstIndex(of: "/data")! < dests.firstIndex(of: "/data/sub")!)
        #expect(Array(dests.suffix(3)) == ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"])
        #expect(s.mounts?.last?.options == ["rbind", "rprivate", "ro"])
        let nofile = s.process?.rlimits?.first { $0.type == "RLIMIT_NOFILE" }
        #expect(nofile?.hard == hardNofile())
        #expect(throws: HoistError.self) {
            var bad = ContainerProcessSpec(args: ["sh"])
            bad.capAdd = ["CAP_NOPE"]
            _ = try BundleWriter.makeSpec(id: "x", spec: bad, rootfs: "/r")
        }
        #expect(throws: HoistError.self) { _ = try BundleWriter.makeSpec(id: "x", spec: .init(args: []), rootfs: "/r") }
    }

    @Test func privilegedAndHostNetwork() throws {
        var spec = ContainerProcessSpec(args: ["sh"])
        spec.privileged = true
        spec.network = .host
        let s = try BundleWriter.makeSpec(id: "abc", spec: spec, rootfs: "/r")
        #expect(s.linux?.seccomp == nil && s.linux?.maskedPaths == nil)
        #expect(s.process?.capabilities?.bounding?.contains("CAP_SYS_ADMIN") == true)
        #expect(s.linux?.namespaces?.contains { $0.type == "network" } == false)
        #expect(s.linux?.sysctl == nil)
    }

    @Test func writesJSONTheRuntimeReads() throws {
        let dir = Fixture.base + "/bundle-json"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try BundleWriter.write(id: "abc", spec: .init(args: ["echo", "hi"]), rootfs: "/r", bundleDir: dir)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(obj?["ociVersion"] as? String == "1.0.2")
        #expect((obj?["process"] as? [String: Any])?["args"] as? [String] == ["echo", "hi"])
        #expect(try JSONDecoder().decode(RuntimeSpec.self, from: data).process?.args == ["echo", "hi"])
    }
}

@Suite struct RuntimeProbeTests {
    @Test func findsInstalledRuntimes() throws {
        let d = try RuntimeProbe.find(preferred: nil)
        #expect(d.name == "crun")
        let r = try RuntimeProbe.find(preferred: "runc")
        #expect(r.name == "runc" && r.path.hasSuffix("/runc") && r.version.hasPrefix("1."))
        let byPath = try RuntimeProbe.find(preferred: d.path)
        #expect(byPath == d)
        #expect(throws: HoistError.self) { try RuntimeProbe.find(preferred: "/nonexistent/crun") }
        #expect(throws: HoistError.self) { try RuntimeProbe.find(preferred: "kata-nope") }
    }

    /// Children get only the descriptors they are given, even ones the daemon (or a library
    /// in it) opened without close-on-exec.
    @Test func childrenInheritNoStrayDescriptors() throws {
        let stray = open("/dev/null", O_RDONLY)  // no O_CLOEXEC
        #expect(stray > 2)
        defer { close(stray) }
        let (status, out) = try Subprocess.capture("/bin/busybox", ["ls", "/proc/self/fd"])
        #expect(status == 0)
        let fds = out.split(whereSeparator: { $0 == "\n" || $0 == " " }).compactMap { Int32($0) }
        #expect(fds.contains(1))
        #expect(!fds.contains(stray))
    }

    @Test func keepsASealedCopyOfTheRuntime() throws {
        let d = try RuntimeProbe.find(preferred: "crun")
        #expect(d.sealedCopyFD >= 0)
        // Sealed against writes, growth, shrinking and further sealing (what crun checks).
        let seals = fcntl(d.sealedCopyFD, 1034 /* F_GET_SEALS */)
        #expect(seals & 0xF == 0xF)
        #expect(fcntl(d.sealedCopyFD, F_GETFD) & FD_CLOEXEC != 0)
        // Byte for byte the runtime (every container test runs it: the shims execute this copy).
        var st = stat()
        #expect(fstat(d.sealedCopyFD, &st) == 0)
        let copy = [UInt8](unsafeUninitializedCapacity: Int(st.st_size)) { buf, n in
            n = max(0, pread(d.sealedCopyFD, buf.baseAddress, buf.count, 0))
        }
        #expect(copy == [UInt8](FileManager.default.contents(atPath: d.path) ?? Data()))
    }
}

@Suite struct SeccompFilterCacheTests {
    func spec(_ action: String) -> RuntimeSpec {
        RuntimeSpec(linux: .init(seccomp: .init(defaultAction: action, syscalls: [.init(names: ["keyctl"], action: "SCMP_ACT_ERRNO")])))
    }

    @Test func learnsFromTheRuntimeStateAndAnnotatesTheNextSpec() throws {
        let root = NSTemporaryDirectory() + "seccomp-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var cache = SeccompFilterCache(stateRoot: root)
        var first = spec("SCMP_ACT_ALLOW")
        let unknown = try #require(cache.prepare(&first))
        #expect(first.annotations == nil)

        // Nothing compiled yet (no state file, or a torn one): still unknown.
        cache.learn(unknown, containerID: "c1")
        try FileManager.default.createDirectory(atPath: root + "/c1", withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/c1/seccomp.bpf"))
        cache.learn(unknown, containerID: "c1")
        var again = spec("SCMP_ACT_ALLOW")
        #expect(cache.prepare(&again) != nil)

        let filter = Data((0..<16).map { UInt8($0) })
        try filter.write(to: URL(fileURLWithPath: root + "/c1/seccomp.bpf"))
        cache.learn(unknown, containerID: "c1")
        var second = spec("SCMP_ACT_ALLOW")
        #expect(cache.prepare(&second) == nil)
        #expect(second.annotations?[SeccompFilterCache.annotation] == filter.base64EncodedString())

        // Another profile is compiled again.
        var other = spec("SCMP_ACT_LOG")
        #expect(cache.prepare(&other) != nil)
        #expect(other.annotations == nil)

        // No seccomp at all: nothing to learn, nothing added.
        var none = RuntimeSpec(linux: .init())
        #expect(cache.prepare(&none) == nil)
        #expect(none.annotations == nil)
    }
}

@Suite struct SeccompProfileTests {
    @Test func resolvesDockerProfileForTheContainersCapabilities() throws {
        let p = try SeccompProfile.parse("""
        {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
         "archMap":[{"architecture":"SCMP_ARCH_AARCH64"},{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
         "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                     {"names":["mount"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}},
                     {"names":["arm_only"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["arm64"]}},
                     {"names":["unshare"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["SYS_ADMIN"]}},
                     {"name":"old_style","action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}
        """)
        let plain = p.runtimeProfile(capabilities: ["CAP_CHOWN"])
        #expect(plain.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"])
        #expect(plain.defaultErrnoRet == 1)
        #expect(plain.syscalls?.map(\.names) == [["read", "write"], ["unshare"], ["old_style"]])
        #expect(plain.syscalls?.last?.args == [.init(index: 0, value: 8, op: "SCMP_CMP_EQ")])
        let admin = p.runtimeProfile(capabilities: ["CAP_CHOWN", "CAP_SYS_ADMIN"])
        #expect(admin.syscalls?.map(\.names) == [["read", "write"], ["mount"], ["old_style"]])
    }

    @Test func badJSONReadsAsDockerd() {
        #expect(throws: HoistError.self) { try SeccompProfile.parse("{\"syscalls\": 3}") }
        do { _ = try SeccompProfile.parse("nope") } catch let e as HoistError {
            #expect(e.message.hasPrefix("Decoding seccomp profile failed"))
        } catch { Issue.record("unexpected \(error)") }
    }
}
