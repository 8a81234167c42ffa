"""update: resource limits and the restart policy of running containers (written into their
cgroups at once) and of stopped ones (applied at their next start), with moby's rules and
messages; hoist, the docker CLI, docker-py."""
import time
from pathlib import Path

import pytest

from conftest import describe, inspect, unique

MiB = 1024 * 1024
SWAP = Path("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists()


def _cg(d, name, controller, file) -> str:
    cid = inspect(d, name)["Id"]
    return (Path("/sys/fs/cgroup") / controller / "hoist" / cid / file).read_text().strip()


def test_update_a_running_container(daemon):
    name = unique("upd")
    daemon.ok("run", "-d", "--name", name, "-m", "64m", "busybox", "sleep", "300")
    try:
        hc = inspect(daemon, name)["HostConfig"]
        # As docker: a memory limit allows as much swap again.
        assert hc["Memory"] == 64 * MiB and hc["MemorySwap"] == (128 * MiB if SWAP else -1), hc
        out = daemon.ok("update", "-m", "100m", "--cpus", "0.5", "--pids-limit", "20", "--restart", "on-failure:3", name)
        assert out == name + "\n"
        hc = inspect(daemon, name)["HostConfig"]
        assert (hc["Memory"], hc["NanoCpus"], hc["PidsLimit"]) == (100 * MiB, 500_000_000, 20), hc
        assert hc["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
        assert _cg(daemon, name, "memory", "memory.limit_in_bytes") == str(100 * MiB)
        assert _cg(daemon, name, "cpu", "cpu.cfs_quota_us") == "50000"
        assert _cg(daemon, name, "pids", "pids.max") == "20"
        # Above the swap limit alone: refused with docker's message, nothing changes.
        p = daemon.hoist("update", "-m", "200m", name)
        assert p.returncode == 1, describe(p)
        assert p.stderr.strip().endswith("Memory limit should be smaller than already set memoryswap limit, "
                                         "update the memoryswap at the same time"), describe(p)
        assert inspect(daemon, name)["HostConfig"]["Memory"] == 100 * MiB
        # Both together, up then down.
        daemon.ok("update", "-m", "200m", "--memory-swap", "400m", name)
        assert _cg(daemon, name, "memory", "memory.limit_in_bytes") == str(200 * MiB)
        if SWAP:
            assert _cg(daemon, name, "memory", "memory.memsw.limit_in_bytes") == str(400 * MiB)
        daemon.ok("update", "-m", "50m", "--memory-swap", "60m", name)
        assert _cg(daemon, name, "memory", "memory.limit_in_bytes") == str(50 * MiB)
        if SWAP:
            assert _cg(daemon, name, "memory", "memory.memsw.limit_in_bytes") == str(60 * MiB)

        # The docker CLI.
        p = daemon.docker("update", "--cpu-shares", "512", "--pids-limit", "-1", name)
        assert p.returncode == 0 and p.stdout.strip() == name, describe(p)
        assert _cg(daemon, name, "cpu", "cpu.shares") == "512"
        assert _cg(daemon, name, "pids", "pids.max") == "max"
        p = daemon.docker("update", "--cpu-quota", "20000", name)
        assert p.returncode == 1, describe(p)
        assert "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set" in p.stderr, describe(p)
        p = daemon.docker("update", "-m", "1k", name)
        assert p.returncode == 1 and "Minimum memory limit allowed is 6MB" in p.stderr, describe(p)
        p = daemon.hoist("update", name)
        assert p.returncode == 1 and p.stderr.strip() == "you must provide one or more flags when using this command", describe(p)
        p = daemon.hoist("update", "--cpus", "1", "nosuchcontainer")
        assert p.returncode == 1 and "No such container: nosuchcontainer" in p.stderr, describe(p)
        # One event per update that went through (refused ones leave none).
        events = daemon.ok("events", "--since", "0", "--until", str(int(time.time()) + 1),
                           "--filter", f"container={name}", "--filter", "event=update", "--format", "{{.Action}}")
        assert events.split() == ["update"] * 4, events
    finally:
        daemon.hoist("rm", "-f", name)


def test_update_a_stopped_container_takes_effect_at_start(daemon):
    name = unique("upds")
    daemon.ok("create", "--name", name, "busybox", "sleep", "300")
    try:
        daemon.ok("update", "--cpu-period", "50000", "--cpu-quota", "25000", "-m", "32m", "--memory-swap", "64m", name)
        daemon.ok("start", name)
        assert _cg(daemon, name, "cpu", "cpu.cfs_period_us") == "50000"
        assert _cg(daemon, name, "cpu", "cpu.cfs_quota_us") == "25000"
        assert _cg(daemon, name, "memory", "memory.limit_in_bytes") == str(32 * MiB)
        if SWAP:
            assert _cg(daemon, name, "memory", "memory.memsw.limit_in_bytes") == str(64 * MiB)
        p = daemon.hoist("update", "--cpus", "1", name)
        assert p.returncode == 1, describe(p)
        assert "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set" in p.stderr, describe(p)
    finally:
        daemon.hoist("rm", "-f", name)
    rm_name = unique("updrm")
    daemon.ok("create", "--rm", "--name", rm_name, "busybox", "true")
    try:
        p = daemon.hoist("update", "--restart", "always", rm_name)
        assert p.returncode == 1, describe(p)
        assert "Restart policy cannot be updated because AutoRemove is enabled for the container" in p.stderr, describe(p)
    finally:
        daemon.hoist("rm", "-f", rm_name)


def test_docker_py_update(daemon):
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    c = client.containers.run("busybox", ["sleep", "300"], detach=True, name=unique("updpy"))
    try:
        res = c.update(cpu_shares=256, restart_policy={"Name": "unless-stopped"})
        assert res == {"Warnings": []}
        c.reload()
        assert c.attrs["HostConfig"]["CpuShares"] == 256
        assert c.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
        assert _cg(daemon, c.name, "cpu", "cpu.shares") == "256"
    finally:
        c.remove(force=True)
        client.close()
