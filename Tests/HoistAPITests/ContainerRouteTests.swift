import Foundation
import HoistAPIModels
import Testing

/// The body docker CLI 28.2.2 sent for
/// `docker create --name web -e FOO=bar -l app=x -v /tmp:/data -p 8080:80 --restart on-failure:3
///  --memory 64m --cpus 1.5 -w /srv --entrypoint /bin/sh -t -i busybox -c 'echo hi'`
/// (captured from the real CLI against a socket).
let dockerCLICreateBody = #"""
{"Hostname":"","Domainname":"","User":"","AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"80/tcp":{}},"Tty":true,"OpenStdin":true,"StdinOnce":true,"Env":["FOO=bar"],"Cmd":["-c","echo hi"],"Image":"busybox","Volumes":{},"WorkingDir":"/srv","Entrypoint":["/bin/sh"],"OnBuild":null,"Labels":{"app":"x"},"HostConfig":{"Binds":["/tmp:/data"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":67108864,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}
"""#

@Suite struct ContainerRouteTests {
    @Test func createDecodesTheDockerCLIBody() async throws {
        try await TestServer.with { t in
            let r = try await t.request("POST", "/v1.41/containers/create?name=web", headers: [("Content-Type", "application/json")], body: Array(dockerCLICreateBody.utf8))
            #expect(r.status == 201)
            #expect(r.header("Content-Type") == "application/json")
            #expect(r.text == "{\"Id\":\"\(String(repeating: "c0", count: 32))\",\"Warnings\":[]}\n")
            #expect(t.backend.calls == ["create name=web"])
            let req = try #require(t.backend.createRequests.first)
            #expect(req.config.Image == "busybox")
            #expect(req.config.Cmd == ["-c", "echo hi"])
            #expect(req.config.Entrypoint == ["/bin/sh"])
            #expect(req.config.Env == ["FOO=bar"])
            #expect(req.config.Tty == true && req.config.OpenStdin == true && req.config.StdinOnce == true)
            #expect(req.config.WorkingDir == "/srv")
            #expect(req.config.Labels == ["app": "x"])
            #expect(req.config.ExposedPorts?.keys.sorted() == ["80/tcp"])
            #expect(req.hostConfig.Binds == ["/tmp:/data"])
            #expect(req.hostConfig.Memory == 67_108_864)
            #expect(req.hostConfig.NanoCpus == 1_500_000_000)
            #expect(req.hostConfig.RestartPolicy == RestartPolicy(Name: "on-failure", MaximumRetryCount: 3))
            #expect(req.hostConfig.NetworkMode == "default")
        }
    }

    @Test func createErrors() async throws {
        try await TestServer.with { t in
            let dup = try await t.request("POST", "/containers/create?name=dup", body: Array(#"{"Image":"busybox"}"#.utf8))
            #expect(dup.status == 409)
            #expect(try dup.json()["message"] as? String == "Conflict. The container name \"/dup\" is already in use")

            let bad = try await t.request("POST", "/containers/create", body: Array("{not json".utf8))
            #expect(bad.status == 400)
            #expect((try bad.json()["message"] as? String)?.hasPrefix("invalid JSON") == true)

            let wrongType = try await t.request("POST", "/containers/create", body: Array(#"{"Image":"busybox","HostConfig":{"Memory":"lots"}}"#.utf8))
            #expect(wrongType.status == 400)
            #expect(try wrongType.json()["message"] as? String == "invalid JSON: HostConfig.Memory: expected a number")

            let empty = try await t.request("POST", "/containers/create", body: [])
            #expect(empty.status == 400)
            #expect(try empty.json()["message"] as? String == "invalid JSON: got EOF while reading request body")
        }
    }

    @Test func lifecycleStatuses() async throws {
        try await TestServer.with { t in
            #expect(try await t.request("POST", "/containers/web/start").status == 204)
            let again = try await t.request("POST", "/containers/running/start")
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            let missing = try await t.request("POST", "/v1.41/containers/missing/start")
            #expect(missing.status == 404)
            #expect(try missing.json()["message"] as? String == "No such container: missing")
            #expect(try await t.request("POST", "/containers/web/stop?t=5&signal=SIGINT").status == 204)
            #expect(try await t.request("POST", "/containers/stopped/stop").status == 304)
            let badT = try await t.request("POST", "/containers/web/stop?t=abc")
            #expect(badT.status == 400)
            #expect(try await t.request("POST", "/containers/web/kill?signal=HUP").status == 204)
            #expect(try await t.request("POST", "/containers/stopped/kill").status == 409)
            #expect(try await t.request("POST", "/containers/stopped/restart?t=1").status == 204)
            #expect(try await t.request("DELETE", "/containers/web?force=1&v=true").status == 204)
            #expect(try await t.request("DELETE", "/containers/missing").status == 404)
            let resize = try await t.request("POST", "/containers/web/resize?h=40&w=120")
            #expect(resize.status == 200)
            #expect(try await t.request("POST", "/containers/web/resize?h=x&w=120").status == 400)
            #expect(t.backend.calls == [
                "start web", "stop web t=5 signal=SIGINT", "kill web signal=HUP", "start stopped",
                "rm web force=true v=true", "resize web 40x120",
            ])
        }
    }

    @Test func listAndInspect() async throws {
        try await TestServer.with { t in
            let filters = #"{"status":{"exited":true}}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let list = try await t.request("GET", "/containers/json?all=1&limit=-1&filters=\(filters)")
            #expect(list.status == 200)
            let items = try JSONSerialization.jsonObject(with: Data(list.body)) as? [[String: Any]]
            #expect(items?.first?["Names"] as? [String] == ["/web"])
            let inspect = try await t.request("GET", "/containers/web/json")
            #expect(try inspect.json()["Name"] as? String == "/web")
            #expect(try await t.request("GET", "/containers/missing/json").status == 404)
            #expect(t.backend.calls == [#"ps all=true limit=nil filters=[(key: "status", value: ["exited"])]"#])
        }
    }

    @Test func imageRoutesTakeNamesWithSlashesAndColons() async throws {
        try await TestServer.with { t in
            let inspect = try await t.request("GET", "/v1.41/images/docker.io/library/busybox:latest/json")
            #expect(inspect.status == 200)
            #expect(try inspect.json()["RepoTags"] as? [String] == ["docker.io/library/busybox:latest"])
            #expect(try await t.request("GET", "/images/nope/json").status == 404)
            let rmi = try await t.request("DELETE", "/images/localhost:5000/a/b:v1?force=1")
            #expect(rmi.status == 200)
            #expect(rmi.text.hasPrefix(#"[{"Untagged":"localhost:5000/a/b:v1"}"#))
            let list = try await t.request("GET", "/images/json?all=1&filter=busy*")
            #expect(list.status == 200)
            #expect(t.backend.calls == [
                "inspect image docker.io/library/busybox:latest", "inspect image nope",
                "rmi localhost:5000/a/b:v1 force=true noprune=false",
                #"images all=true filters=[(key: "reference", value: ["busy*"])]"#,
            ])
        }
    }

    @Test func pullIsNotSupportedAndSaysSo() async throws {
        try await TestServer.with { t in
            let r = try await t.request("POST", "/v1.41/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest")
            #expect(r.status == 404)
            #expect(try r.json()["message"] as? String == "pull access denied for busybox: Hoist cannot pull from registries yet; import an image with 'hoist import'")
        }
    }
}
