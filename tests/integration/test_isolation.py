"""Isolation: namespaces, hostname, cgroup limits, copy-on-write root."""
import json
import os
import re
import time
from pathlib import Path

import pytest

from conftest import describe, inspect, unique, wait_for

NAMESPACES = ["pid", "mnt", "uts", "ipc", "net"]


def test_own_namespaces(daemon):
    script = "; ".join(f"readlink /proc/self/ns/{n}" for n in NAMESPACES)
    p = daemon.hoist("run", "--rm", "busybox", "sh", "-c", script)
    assert p.returncode == 0, describe(p)
    inside = p.stdout.split()
    host = [os.readlink(f"/proc/self/ns/{n}") for n in NAMESPACES]
    assert len(inside) == len(NAMESPACES), describe(p)
    for n, i, h in zip(NAMESPACES, inside, host):
        assert i.startswith(f"{n}:[") and i != h, f"{n} namespace shared with the host: {i}"


def test_two_containers_get_different_namespaces(daemon):
    # Both must run at once: the kernel reuses a freed namespace's inode number.
    script = "; ".join(f"readlink /proc/self/ns/{n}" for n in NAMESPACES)
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c",
              script + "; echo READY; trap 'exit 0' TERM; while :; do sleep 0.1; done")
    try:
        logs = wait_for(lambda: (lambda o: o if "READY" in o else None)(daemon.ok("logs", name)),
                        timeout=10, what="first container's output")
        a = logs.split("READY")[0].split()
        b = daemon.ok("run", "--rm", "busybox", "sh", "-c", script).split()
        assert len(a) == len(b) == len(NAMESPACES), (a, b)
        for n, x, y in zip(NAMESPACES, a, b):
            assert x != y, f"two running containers share the {n} namespace"
    finally:
        daemon.hoist("rm", "-f", name)


def test_pid_1_is_the_command(daemon):
    assert daemon.ok("run", "--rm", "busybox", "sh", "-c", "echo $$") == "1\n"
    out = daemon.ok("run", "--rm", "busybox", "cat", "/proc/1/cmdline")
    assert out.split("\0")[:2] == ["cat", "/proc/1/cmdline"], repr(out)
    out = daemon.ok("run", "--rm", "busybox", "ps", "-o", "pid,comm")
    pids = [l.split()[0] for l in out.splitlines()[1:] if l.strip()]
    assert pids == ["1"], "processes of the host or other containers are visible:\n" + out


def test_hostname_is_short_id(daemon):
    name = unique()
    p = daemon.hoist("run", "--name", name, "busybox", "sh", "-c", "hostname; cat /etc/hostname")
    assert p.returncode == 0, describe(p)
    cid = inspect(daemon, name)["Id"]
    assert p.stdout == f"{cid[:12]}\n{cid[:12]}\n", describe(p)
    daemon.ok("rm", name)


def test_only_loopback(daemon):
    # `--network none`: the default is Docker's bridge network (eth0), see test_network.py.
    out = daemon.ok("run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev")
    ifaces = [l.split(":")[0].strip() for l in out.splitlines()[2:] if ":" in l]
    assert ifaces == ["lo"], out
    p = daemon.hoist("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
    assert p.returncode == 0, describe(p)
    names = [l.split(":")[1].strip() for l in p.stdout.splitlines() if l.strip()]
    assert names == ["lo"], describe(p)


def test_loopback_is_up(daemon):
    p = daemon.hoist("run", "--rm", "busybox", "ip", "link", "show", "lo")
    assert p.returncode == 0, describe(p)
    assert re.search(r"<[^>]*\bUP\b", p.stdout), "lo is down in the container" + describe(p)


def test_ipc_is_private(daemon):
    # A SysV segment of the host is not visible inside.
    out = daemon.ok("run", "--rm", "busybox", "cat", "/proc/sysvipc/shm")
    assert len(out.strip().splitlines()) <= 1, out


# ------------------------------------------------------------------ cgroups

def _cgroup_file_on_host(pid: int, controller: str, v1_file: str, v2_file: str) -> str | None:
    """The value of a limit file in the host cgroup of pid (v1 controller or unified)."""
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        hid, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            for d in (f"/sys/fs/cgroup/{controller}", f"/sys/fs/cgroup/{ctrls}"):
                f = Path(d + path) / v1_file
                if f.exists():
                    return f.read_text().strip()
        if hid == "0" and ctrls == "":
            f = Path("/sys/fs/cgroup" + path) / v2_file
            if f.exists():
                return f.read_text().strip()
    return None


def _limit_seen(daemon, flags, controller, v1_file, v2_file):
    """Runs a container with flags; returns (value inside, value in the host cgroup)."""
    name = unique()
    inside_cmd = (f"cat /sys/fs/cgroup/{controller}/{v1_file} 2>/dev/null || "
                  f"cat /sys/fs/cgroup/{v2_file} 2>/dev/null; echo READY; "
                  "trap 'exit 0' TERM; while :; do sleep 0.1; done")
    p = daemon.hoist("run", "-d", "--name", name, *flags, "busybox", "sh", "-c", inside_cmd)
    assert p.returncode == 0, describe(p)
    try:
        logs = wait_for(lambda: (lambda o: o if "READY" in o else None)(daemon.ok("logs", name)),
                        timeout=10, what="container output")
        inside = logs.split("READY")[0].strip()
        pid = inspect(daemon, name)["State"]["Pid"]
        host = _cgroup_file_on_host(pid, controller, v1_file, v2_file)
        return inside, host
    finally:
        daemon.hoist("rm", "-f", name)


def test_memory_limit(daemon):
    inside, host = _limit_seen(daemon, ["--memory", "64m"], "memory", "memory.limit_in_bytes", "memory.max")
    assert "67108864" in (inside, host), f"64m not applied: inside={inside!r} host={host!r}"
    c_name = unique()
    daemon.ok("create", "--name", c_name, "-m", "64m", "busybox", "true")
    assert inspect(daemon, c_name)["HostConfig"]["Memory"] == 67108864
    daemon.ok("rm", c_name)


def test_pids_limit(daemon):
    inside, host = _limit_seen(daemon, ["--pids-limit", "20"], "pids", "pids.max", "pids.max")
    assert "20" in (inside, host), f"pids limit not applied: inside={inside!r} host={host!r}"


def test_pids_limit_is_enforced(daemon):
    p = daemon.hoist("run", "--rm", "--pids-limit", "5", "busybox", "sh", "-c",
                     "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; echo spawned", timeout=60)
    assert "fork" in p.stderr.lower() or "resource temporarily unavailable" in p.stderr.lower(), \
        "12 processes ran under --pids-limit 5" + describe(p)


def test_cpus_limit(daemon):
    inside, host = _limit_seen(daemon, ["--cpus", "0.5"], "cpu", "cpu.cfs_quota_us", "cpu.max")
    values = {inside, host}
    assert "50000" in values or any(v and v.startswith("50000 100000") for v in values), \
        f"--cpus 0.5 not applied: inside={inside!r} host={host!r}"


# ------------------------------------------------------------------ copy-on-write root

def test_writes_stay_in_the_container(daemon):
    marker = unique("marker")
    writer = unique("writer")
    p = daemon.hoist("run", "-d", "--name", writer, "busybox", "sh", "-c",
                     f"echo secret > /tmp/{marker}; echo x > /etc/{marker}; rm /bin/vi; echo WROTE; "
                     "trap 'exit 0' TERM; while :; do sleep 0.1; done")
    assert p.returncode == 0, describe(p)
    try:
        wait_for(lambda: "WROTE" in daemon.ok("logs", writer), timeout=10, what="writer")
        # Another container of the same image sees none of it, while the writer runs.
        p = daemon.hoist("run", "--rm", "busybox", "sh", "-c",
                         f"ls /tmp /etc; test -e /tmp/{marker} && echo LEAK; test -e /bin/vi && echo VI")
        assert p.returncode == 0, describe(p)
        assert marker not in p.stdout and "LEAK" not in p.stdout, describe(p)
        assert "VI" in p.stdout, "a deletion in one container reached another" + describe(p)
    finally:
        daemon.hoist("stop", "-t", "5", writer)
    # The writer's layer persists across its own restart.
    daemon.ok("start", writer)
    p = daemon.hoist("logs", writer)
    assert p.stdout.count("WROTE") == 2, describe(p)
    daemon.ok("rm", "-f", writer)
    # After removal, new containers still see the pristine image.
    p = daemon.hoist("run", "--rm", "busybox", "sh", "-c",
                     f"test -e /etc/{marker} && echo LEAK; test -x /bin/vi && echo VI")
    assert p.stdout == "VI\n", describe(p)
    # Nothing of the container reached the image's snapshots.
    snaps = daemon.root / "snapshots"
    if snaps.is_dir():
        hits = [str(x) for x in snaps.rglob(f"*{marker}*")]
        assert hits == [], f"container writes reached the image: {hits}"


def test_container_layer_survives_restart(daemon):
    name = unique()
    p = daemon.hoist("run", "--name", name, "busybox", "sh", "-c",
                     "if [ -e /count ]; then cat /count; else echo first > /count; echo new; fi")
    assert p.stdout == "new\n", describe(p)
    p = daemon.hoist("start", "-a", name)
    assert p.stdout == "first\n", describe(p)
    daemon.ok("rm", name)


# Creating a user namespace needs no capability, so only the seccomp profile (Docker's
# default allows unshare/clone namespaces only with CAP_SYS_ADMIN) makes this fail.
USERNS_PROBE = "unshare -U true && echo USERNS-ALLOWED || echo USERNS-DENIED"


def test_default_seccomp_profile_applies_to_every_container_and_exec(daemon):
    # hoistd reuses crun's compiled filter after the first container: the later ones and
    # their execs must be filtered exactly the same.
    for _ in range(3):
        p = daemon.hoist("run", "--rm", "busybox", "sh", "-c", "grep '^Seccomp:' /proc/self/status; " + USERNS_PROBE)
        assert p.returncode == 0, describe(p)
        assert "Seccomp:\t2" in p.stdout and "USERNS-DENIED" in p.stdout, describe(p)
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sleep", "60")
    try:
        p = daemon.hoist("exec", name, "sh", "-c", USERNS_PROBE)
        assert "USERNS-DENIED" in p.stdout, describe(p)
    finally:
        daemon.hoist("rm", "-f", name)


def test_privileged_runs_without_seccomp(daemon):
    p = daemon.hoist("run", "--rm", "--privileged", "busybox", "sh", "-c", "grep '^Seccomp:' /proc/self/status; " + USERNS_PROBE)
    assert p.returncode == 0 and "Seccomp:\t0" in p.stdout and "USERNS-ALLOWED" in p.stdout, describe(p)


SECURITY_PROBE = USERNS_PROBE + "; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"


@pytest.mark.parametrize("cli", ["hoist", "docker"])
def test_security_opt_seccomp_unconfined_and_no_new_privileges(daemon, cli):
    run = getattr(daemon, cli)
    p = run("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "sh", "-c", SECURITY_PROBE)
    assert p.returncode == 0 and "USERNS-ALLOWED" in p.stdout and "Seccomp:\t0" in p.stdout, describe(p)
    assert "NoNewPrivs:\t0" in p.stdout, describe(p)
    p = run("run", "--rm", "--security-opt", "no-new-privileges", "busybox", "sh", "-c", SECURITY_PROBE)
    assert p.returncode == 0 and "USERNS-DENIED" in p.stdout and "NoNewPrivs:\t1" in p.stdout, describe(p)
    p = run("run", "--rm", "--security-opt", "no-new-privileges=false", "busybox", "sh", "-c", SECURITY_PROBE)
    assert p.returncode == 0 and "NoNewPrivs:\t0" in p.stdout, describe(p)


@pytest.mark.parametrize("cli", ["hoist", "docker"])
def test_security_opt_custom_seccomp_profile_file(daemon, cli, tmp_path):
    # Docker's profile format: archMap, and a rule that only applies with a capability the
    # container lacks (so rmdir stays allowed).
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({
        "defaultAction": "SCMP_ACT_ALLOW",
        "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
        "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
            {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        ],
    }))
    name = unique()
    run = getattr(daemon, cli)
    p = run("run", "--name", name, "--security-opt", f"seccomp={profile}", "busybox", "sh", "-c",
            "mkdir /tmp/made; echo mkdir=$?; rmdir /no-such-dir; true")
    try:
        assert p.returncode == 0, describe(p)
        assert "mkdir=1" in p.stdout and "Operation not permitted" in p.stderr, describe(p)
        # rmdir reached the kernel (ENOENT), not the filter (EPERM).
        assert "No such file or directory" in p.stderr, describe(p)
        opts = inspect(daemon, name)["HostConfig"]["SecurityOpt"]
        assert len(opts) == 1 and opts[0].startswith("seccomp={") and '"mkdirat"' in opts[0], opts
    finally:
        daemon.hoist("rm", "-f", name)


def test_security_opt_bad_values_fail_as_docker(daemon, tmp_path):
    cases = [
        (["--security-opt", "foo"], 'Invalid --security-opt: "foo"'),
        (["--security-opt", f"seccomp={tmp_path}/missing.json"], "opening seccomp profile"),
        (["--security-opt", "bogus=1"], 'invalid --security-opt 2: "bogus=1"'),
        (["--security-opt", "no-new-privileges=maybe"], 'invalid --security-opt 2: "no-new-privileges=maybe"'),
    ]
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    cases.append((["--security-opt", f"seccomp={bad_json}"], "compacting json for seccomp profile"))
    before = daemon.ok("ps", "-aq").split()
    for args, message in cases:
        for cli in ("hoist", "docker"):
            p = getattr(daemon, cli)("run", "--rm", *args, "busybox", "true")
            assert p.returncode == 125 and message in p.stderr, describe(p)
    assert daemon.ok("ps", "-aq").split() == before
