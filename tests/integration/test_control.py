"""pause/unpause, rename, top, stats, diff, port and events: hoist, the docker CLI, docker-py."""
import json
import re
import subprocess
import threading
import time

import pytest

from conftest import describe, http_unix, inspect, parse_table, unique, wait_for

TICKER = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done"]


def _run_ticker(d, name, *extra):
    p = d.hoist("run", "-d", "--name", name, *extra, "busybox", *TICKER)
    assert p.returncode == 0, describe(p)
    return p.stdout.strip()


def _log_lines(d, name) -> int:
    p = d.hoist("logs", name)
    assert p.returncode == 0, describe(p)
    return len(p.stdout.splitlines())


def _freezer_state(cid: str) -> str:
    try:
        with open(f"/sys/fs/cgroup/freezer/hoist/{cid}/freezer.state") as f:
            return f.read().strip()
    except OSError:
        return ""


# --------------------------------------------------------------------------- pause

def test_pause_stops_output_and_unpause_resumes(daemon):
    name = unique("pause")
    cid = _run_ticker(daemon, name)
    try:
        wait_for(lambda: _log_lines(daemon, name) >= 3, what="ticks")
        assert daemon.ok("pause", name).strip() == name
        assert _freezer_state(cid) == "FROZEN"
        st = inspect(daemon, name)["State"]
        assert st["Status"] == "paused" and st["Paused"] is True and st["Running"] is True
        rows = [r for r in parse_table(daemon.ok("ps")) if r["NAMES"] == name]
        assert rows and rows[0]["STATUS"].endswith("(Paused)"), rows
        n1 = _log_lines(daemon, name)
        time.sleep(0.8)
        assert _log_lines(daemon, name) == n1, "a paused container kept writing"

        # Pausing twice and unpausing a running container fail as in Docker.
        p = daemon.hoist("pause", name)
        assert p.returncode == 1 and "already paused" in p.stderr, describe(p)

        assert daemon.ok("unpause", name).strip() == name
        assert _freezer_state(cid) == "THAWED"
        wait_for(lambda: _log_lines(daemon, name) > n1 + 2, what="ticks after unpause")
        assert inspect(daemon, name)["State"]["Status"] == "running"
        p = daemon.hoist("unpause", name)
        assert p.returncode == 1 and f"Container {cid} is not paused" in p.stderr, describe(p)
    finally:
        daemon.hoist("rm", "-f", name)


def test_stop_and_kill_of_paused_container(daemon):
    a, b = unique("pstop"), unique("pkill")
    # PID 1 ignores an unhandled TERM: trap it, so only a frozen container makes stop wait.
    for n in (a, b):
        p = daemon.hoist("run", "-d", "--name", n, "busybox", "sh", "-c",
                         "trap 'exit 3' TERM; while :; do sleep 0.1; done")
        assert p.returncode == 0, describe(p)
    try:
        daemon.ok("pause", a, b)
        # rm without -f names the state, as moby does.
        cid = inspect(daemon, a)["Id"]
        p = daemon.docker("rm", a)
        assert p.returncode == 1 and p.stderr.strip() == (
            f"Error response from daemon: You cannot remove a paused container {cid}. "
            "Unpause and then stop the container before attempting removal or force remove"), describe(p)
        t0 = time.monotonic()
        daemon.ok("stop", "-t", "5", a)
        assert time.monotonic() - t0 < 4.5, "stop of a paused container waited for the timeout"
        st = inspect(daemon, a)["State"]
        assert st["Status"] == "exited" and st["ExitCode"] == 3, st
        daemon.ok("kill", b)
        st = inspect(daemon, b)["State"]
        assert st["Status"] == "exited" and st["ExitCode"] == 137
    finally:
        daemon.hoist("rm", "-f", a, b)


def test_pause_not_running_is_409(daemon):
    name = unique("pcreated")
    daemon.ok("create", "--name", name, "busybox", "true")
    try:
        cid = inspect(daemon, name)["Id"]
        status, _, body = http_unix(daemon.sock, "POST", f"/containers/{name}/pause")
        assert status == 409 and json.loads(body)["message"] == f"Container {cid} is not running"
        status, _, body = http_unix(daemon.sock, "POST", f"/containers/{name}/unpause")
        assert status == 409 and json.loads(body)["message"] == f"Container {cid} is not paused"
    finally:
        daemon.hoist("rm", "-f", name)


# --------------------------------------------------------------------------- rename

def test_rename(daemon):
    a, b, taken = unique("ren"), unique("ren"), unique("taken")
    daemon.ok("create", "--name", a, "busybox", "true")
    daemon.ok("create", "--name", taken, "busybox", "true")
    try:
        assert daemon.ok("rename", a, b) == ""
        assert inspect(daemon, b)["Name"] == "/" + b
        assert daemon.hoist("inspect", a).returncode != 0
        p = daemon.hoist("rename", b, taken)
        assert p.returncode == 1 and "is already in use" in p.stderr, describe(p)
        assert f"Error: failed to rename container named {b}" in p.stderr
        status, _, _ = http_unix(daemon.sock, "POST", f"/containers/{b}/rename?name={taken}")
        assert status == 409
        status, _, body = http_unix(daemon.sock, "POST", f"/containers/{b}/rename?name=bad%20name")
        assert status == 400 and "Invalid container name" in json.loads(body)["message"]
    finally:
        daemon.hoist("rm", "-f", a, b, taken)


# --------------------------------------------------------------------------- top

def test_top_shows_container_processes(daemon):
    name = unique("top")
    _run_ticker(daemon, name)
    try:
        out = daemon.ok("top", name)
        lines = out.splitlines()
        assert lines[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], out
        body = "\n".join(lines[1:])
        assert "while :; do" in body, out
        # Only the container's processes: not the daemon itself.
        assert "hoistd" not in body
        out = daemon.ok("top", name, "-o", "pid,comm")
        assert out.splitlines()[0].split() == ["PID", "COMMAND"], out
        assert any(l.split()[-1] == "sh" for l in out.splitlines()[1:]), out
        # ps's complaint, first line only (moby), through the docker CLI.
        p = daemon.docker("top", name, "-o", "bogusfield")
        assert p.returncode == 1, describe(p)
        assert p.stderr.strip() == 'Error response from daemon: ps: error: unknown user-defined format specifier "bogusfield"', describe(p)
        # Each successful top is an event, as in moby.
        until = str(int(time.time()) + 1)
        events = daemon.ok("events", "--since", "0", "--until", until, "--filter", f"container={name}",
                           "--filter", "event=top", "--format", "{{.Action}}")
        assert events.split() == ["top", "top"], events
    finally:
        daemon.hoist("rm", "-f", name)


def test_top_of_stopped_container_fails(daemon):
    name = unique("topx")
    daemon.ok("create", "--name", name, "busybox", "true")
    try:
        p = daemon.hoist("top", name)
        assert p.returncode == 1 and "is not running" in p.stderr, describe(p)
    finally:
        daemon.hoist("rm", "-f", name)


# --------------------------------------------------------------------------- stats

def test_stats_no_stream_shows_memory_limit(daemon):
    name = unique("stats")
    cid = _run_ticker(daemon, name, "--memory", "64m")
    try:
        out = daemon.ok("stats", "--no-stream", name)
        assert out.splitlines()[0].split("   ")[0].strip() == "CONTAINER ID", out
        rows = parse_table(out)
        assert len(rows) == 1, out
        r = rows[0]
        assert r["CONTAINER ID"] == cid[:12] and r["NAME"] == name
        assert r["MEM USAGE / LIMIT"].endswith("/ 64MiB"), r
        assert r["CPU %"].endswith("%") and r["MEM %"].endswith("%")
        assert int(r["PIDS"]) >= 1
        out = daemon.ok("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", name)
        assert out.startswith(name + " ") and out.strip().endswith("/ 64MiB"), out
    finally:
        daemon.hoist("rm", "-f", name)


def test_stats_api_document(daemon):
    name = unique("statsapi")
    _run_ticker(daemon, name)
    try:
        status, _, body = http_unix(daemon.sock, "GET", f"/containers/{name}/stats?stream=0", timeout=10)
        assert status == 200
        s = json.loads(body)
        assert s["name"] == "/" + name
        assert s["cpu_stats"]["cpu_usage"]["total_usage"] > 0
        assert s["precpu_stats"]["cpu_usage"]["total_usage"] > 0, "stream=0 must fill precpu_stats"
        assert s["cpu_stats"]["system_cpu_usage"] > s["precpu_stats"]["system_cpu_usage"]
        assert s["memory_stats"]["usage"] > 0 and s["memory_stats"]["limit"] > 0
        assert s["pids_stats"]["current"] >= 1
        status, _, body = http_unix(daemon.sock, "GET", f"/containers/{name}/stats?stream=0&one-shot=1")
        assert status == 200 and json.loads(body)["precpu_stats"]["cpu_usage"]["total_usage"] == 0
    finally:
        daemon.hoist("rm", "-f", name)


def test_stats_network_io(daemon):
    """NET I/O comes from the container's own interfaces (moby's `networks`), loopback left out;
    a container without a network has none."""
    name, none = unique("statsnet"), unique("statsnone")
    daemon.ok("run", "-d", "--name", name, "busybox", "sleep", "300")
    daemon.ok("run", "-d", "--name", none, "--network", "none", "busybox", "sleep", "300")
    try:
        gateway = inspect(daemon, name)["NetworkSettings"]["Gateway"]
        daemon.ok("exec", name, "ping", "-c", "3", "-W", "2", gateway)
        status, _, body = http_unix(daemon.sock, "GET", f"/containers/{name}/stats?stream=0&one-shot=1")
        nets = json.loads(body)["networks"]
        assert list(nets) == ["eth0"], nets
        assert nets["eth0"]["tx_packets"] >= 3 and nets["eth0"]["rx_packets"] >= 3, nets
        assert nets["eth0"]["tx_bytes"] >= 3 * 84, nets
        p = daemon.docker("stats", "--no-stream", "--format", "{{.NetIO}}", name)
        assert p.returncode == 0 and p.stdout.strip() != "0B / 0B", describe(p)
        status, _, body = http_unix(daemon.sock, "GET", f"/containers/{none}/stats?stream=0&one-shot=1")
        assert "networks" not in json.loads(body)
    finally:
        daemon.hoist("rm", "-f", name, none)


# --------------------------------------------------------------------------- diff / port

def test_diff_lists_container_layer_changes(daemon):
    name = unique("diff")
    p = daemon.hoist("run", "--name", name, "busybox", "sh", "-c",
                     "touch /newfile && mkdir -p /etc/newdir && echo x > /etc/newdir/f && rm /bin/ls && echo y >> /etc/passwd")
    assert p.returncode == 0, describe(p)
    try:
        out = daemon.ok("diff", name)
        lines = out.splitlines()
        for want in ["A /newfile", "C /etc", "A /etc/newdir", "A /etc/newdir/f", "C /etc/passwd", "C /bin", "D /bin/ls"]:
            assert want in lines, out
        assert lines == sorted(lines, key=lambda l: l[2:]), out
        # The runtime's mount points are not changes (Docker keeps them in its init layer).
        assert not any(l.endswith(("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")) for l in lines), out
    finally:
        daemon.hoist("rm", "-f", name)


def test_port_prints_nothing_without_published_ports(daemon):
    name = unique("port")
    daemon.ok("create", "--name", name, "busybox", "true")
    try:
        assert daemon.ok("port", name) == ""
    finally:
        daemon.hoist("rm", "-f", name)


# --------------------------------------------------------------------------- events

def test_events_of_run_rm(daemon):
    name = unique("ev")
    since = str(int(time.time()) - 1)
    daemon.ok("run", "--rm", "--name", name, "busybox", "true")
    until = str(int(time.time()) + 1)
    out = daemon.ok("events", "--since", since, "--until", until, "--filter", f"container={name}")
    actions = [l.split()[2] for l in out.splitlines()]
    for a in ["create", "start", "die", "destroy"]:
        assert a in actions, out
    assert actions.index("create") < actions.index("start") < actions.index("die") < actions.index("destroy")
    die = next(l for l in out.splitlines() if l.split()[2] == "die")
    assert "exitCode=0" in die and f"name={name}" in die and "image=busybox" in die, die
    assert re.search(r"\bexecDuration=\d+\b", die), die
    assert die.split()[1] == "container" and die.split()[0].endswith("Z")

    out = daemon.ok("events", "--since", since, "--until", until, "--filter", f"container={name}",
                    "--filter", "event=die", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
    assert out.splitlines() == [f"container die {name}"], out


def test_events_stream_live_pause(daemon):
    name = unique("evlive")
    _run_ticker(daemon, name)
    proc = subprocess.Popen([str(daemon_hoist(daemon)), "events", "--filter", f"container={name}", "--format", "{{json .}}"],
                            env=daemon.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        daemon.ok("pause", name)
        daemon.ok("unpause", name)
        lines = []
        for _ in range(2):
            lines.append(json.loads(proc.stdout.readline()))
        assert [e["Action"] for e in lines] == ["pause", "unpause"], lines
        e = lines[0]
        assert e["Type"] == "container" and e["status"] == "pause" and e["scope"] == "local"
        assert e["Actor"]["Attributes"]["name"] == name and e["timeNano"] // 10**9 == e["time"]
    finally:
        proc.kill()
        proc.wait()
        daemon.hoist("rm", "-f", name)


def daemon_hoist(d):
    from conftest import HOIST
    return HOIST


# --------------------------------------------------------------------------- docker CLI

def test_docker_cli_control(daemon):
    name, new = unique("dk"), unique("dk")
    p = daemon.docker("run", "-d", "--name", name, "--memory", "64m", "busybox", *TICKER)
    assert p.returncode == 0, describe(p)
    try:
        assert daemon.docker("pause", name).returncode == 0
        p = daemon.docker("ps", "--filter", f"name={name}", "--format", "{{.Status}}")
        assert p.stdout.strip().endswith("(Paused)"), describe(p)
        assert daemon.docker("unpause", name).returncode == 0
        p = daemon.docker("rename", name, new)
        assert p.returncode == 0, describe(p)
        p = daemon.docker("top", new)
        assert p.returncode == 0 and "while :; do" in p.stdout, describe(p)
        p = daemon.docker("stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}|{{.PIDs}}", new)
        assert p.returncode == 0, describe(p)
        n, mem, pids = p.stdout.strip().split("|")
        assert n == new and mem.endswith("/ 64MiB") and int(pids) >= 1, p.stdout
        p = daemon.docker("exec", new, "touch", "/dkfile")
        assert p.returncode == 0, describe(p)
        p = daemon.docker("diff", new)
        assert p.returncode == 0 and "A /dkfile" in p.stdout.splitlines(), describe(p)
        p = daemon.docker("port", new)
        assert p.returncode == 0 and p.stdout == "", describe(p)
        since = str(int(time.time()) - 30)
        p = daemon.docker("events", "--since", since, "--until", str(int(time.time()) + 1),
                          "--filter", f"container={new}", "--filter", "event=rename")
        assert p.returncode == 0 and " container rename " in p.stdout and f"oldName=/{name}" in p.stdout, describe(p)
    finally:
        daemon.hoist("rm", "-f", name, new)


# --------------------------------------------------------------------------- docker-py

def test_docker_py_control(daemon):
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    name = unique("py")
    c = client.containers.run("busybox", TICKER, name=name, detach=True)
    try:
        c.pause()
        c.reload()
        assert c.status == "paused"
        c.unpause()
        c.reload()
        assert c.status == "running"
        top = c.top()
        assert top["Titles"][1] == "PID" and any("while :; do" in p[-1] for p in top["Processes"]), top
        s = c.stats(stream=False)
        assert s["name"] == "/" + name and s["memory_stats"]["usage"] > 0
        stream = c.stats(stream=True, decode=True)
        first, second = next(stream), next(stream)
        assert second["precpu_stats"]["cpu_usage"]["total_usage"] == first["cpu_stats"]["cpu_usage"]["total_usage"]
        stream.close()
        c.exec_run(["sh", "-c", "mkdir /pydir && touch /pydir/x"])
        diff = c.diff()
        assert {"Path": "/pydir", "Kind": 1} in diff and {"Path": "/pydir/x", "Kind": 1} in diff, diff
        c.rename(name + "x")
        c.reload()
        assert c.name == name + "x"

        events = client.events(decode=True, filters={"container": c.id})
        got = []

        def reader():
            for e in events:
                got.append(e)
                if e.get("Action") == "unpause":
                    return

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        time.sleep(0.5)
        c.pause()
        c.unpause()
        t.join(10)
        events.close()
        assert [e["Action"] for e in got] == ["pause", "unpause"], got
    finally:
        try:
            c.remove(force=True)
        finally:
            client.close()
