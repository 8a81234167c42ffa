import Foundation
import Testing
@testable import HoistAPIModels

/// Bodies shaped as the docker CLI and docker-py send them must decode.
struct ContainerCreateRequestTests {
    // Captured shape of `docker run --rm -e A=1 -m 64m busybox echo hi` (docker CLI 20.10+).
    let dockerCLIBody = """
    {"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,
     "Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["A=1"],"Cmd":["echo","hi"],"Image":"busybox",
     "Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},
     "HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default",
       "PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"",
       "VolumesFrom":null,"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],
       "ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"",
       "Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"",
       "ShmSize":0,"ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":67108864,"NanoCpus":0,"CgroupParent":"",
       "BlkioWeight":0,"BlkioWeightDevice":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,
       "CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"KernelMemory":0,
       "KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,
       "PidsLimit":null,"Ulimits":null,"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,
       "MaskedPaths":null,"ReadonlyPaths":null},
     "NetworkingConfig":{"EndpointsConfig":{}}}
    """

    @Test func decodesDockerCLIBody() throws {
        let req = try JSONDecoder().decode(ContainerCreateRequest.self, from: Data(dockerCLIBody.utf8))
        #expect(req.config.Image == "busybox")
        #expect(req.config.Cmd == ["echo", "hi"])
        #expect(req.config.Env == ["A=1"])
        #expect(req.config.Entrypoint == nil)
        #expect(req.hostConfig.Memory == 67_108_864)
        #expect(req.hostConfig.AutoRemove == true)
        #expect(req.hostConfig.PidsLimit == nil)
        #expect(req.hostConfig.RestartPolicy?.Name == "no")
    }

    @Test func decodesMinimalDockerPyBody() throws {
        let body = #"{"Image": "busybox", "Cmd": ["echo", "hi"], "Tty": false, "HostConfig": {"NetworkMode": "default"}}"#
        let req = try JSONDecoder().decode(ContainerCreateRequest.self, from: Data(body.utf8))
        #expect(req.config.Tty == false)
        #expect(req.hostConfig.NetworkMode == "default")
    }

    @Test func missingHostConfigIsEmpty() throws {
        let req = try JSONDecoder().decode(ContainerCreateRequest.self, from: Data(#"{"Image":"x"}"#.utf8))
        #expect(req.hostConfig == HostConfig())
    }

    @Test func roundTripKeepsHostConfigBesideConfig() throws {
        var c = ContainerConfig()
        c.Image = "busybox"
        var h = HostConfig()
        h.Memory = 1
        let data = try JSONEncoder().encode(ContainerCreateRequest(config: c, hostConfig: h))
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(obj?["Image"] as? String == "busybox")
        #expect((obj?["HostConfig"] as? [String: Any])?["Memory"] as? Int == 1)
    }
}
