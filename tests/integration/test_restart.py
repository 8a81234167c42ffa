"""Restart policies: on-failure[:N], always, unless-stopped; RestartCount, Restarting state,
a user stop/kill cancels them as moby's killWithSignal does (SIGKILL, the stop signal, or any
signal when none is configured), and daemon start brings containers back."""
import re
import time
from pathlib import Path

import pytest

from conftest import describe, inspect, parse_table, unique, wait_for


def _state(d, name) -> dict:
    data = inspect(d, name)
    return {"count": data["RestartCount"], **data["State"]}


def _settled(d, name, count):
    """The container is exited with RestartCount == count."""
    def check():
        s = _state(d, name)
        return s if s["Status"] == "exited" and s["count"] == count else None
    return check


def test_on_failure_restarts_up_to_the_maximum(daemon):
    name = unique("onfail")
    p = daemon.hoist("run", "-d", "--name", name, "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3")
    assert p.returncode == 0, describe(p)
    try:
        s = wait_for(_settled(daemon, name, 2), timeout=20, what="two restarts then exited")
        assert s["ExitCode"] == 3 and s["Restarting"] is False and s["Running"] is False
        # Three runs in all: the first and two restarts.
        assert daemon.ok("logs", name).splitlines() == ["run"] * 3
        time.sleep(1.0)
        assert _state(daemon, name)["count"] == 2, "restarted beyond MaximumRetryCount"
        hc = inspect(daemon, name)["HostConfig"]["RestartPolicy"]
        assert hc == {"Name": "on-failure", "MaximumRetryCount": 2}
        # A user start resets the count, as in Docker.
        daemon.ok("start", name)
        s = wait_for(_settled(daemon, name, 2), timeout=20, what="restarts after a user start")
        assert daemon.ok("logs", name).splitlines() == ["run"] * 6
    finally:
        daemon.hoist("rm", "-f", name)


def test_on_failure_does_not_restart_a_clean_exit(daemon):
    name = unique("onfail0")
    p = daemon.hoist("run", "-d", "--name", name, "--restart", "on-failure", "busybox", "true")
    assert p.returncode == 0, describe(p)
    try:
        wait_for(_settled(daemon, name, 0), what="exited")
        time.sleep(0.5)
        s = _state(daemon, name)
        assert s["Status"] == "exited" and s["count"] == 0
    finally:
        daemon.hoist("rm", "-f", name)


def test_always_shows_restarting_then_stop_keeps_it_down(daemon):
    name = unique("always")
    p = daemon.hoist("run", "-d", "--name", name, "--restart", "always", "busybox", "sh", "-c", "exit 1")
    assert p.returncode == 0, describe(p)
    try:
        # The backoff doubles (100 ms, 200 ms, ...): soon the container spends most of its
        # time waiting to restart, which ps and inspect show.
        def restarting_row():
            rows = [r for r in parse_table(daemon.ok("ps", "-a")) if r["NAMES"] == name]
            return rows and re.fullmatch(r"Restarting \(1\) (Less than a second|\d+ seconds?) ago", rows[0]["STATUS"]) and rows[0]
        wait_for(restarting_row, timeout=20, what="Restarting (1) in ps")
        # Running containers include restarting ones, as in Docker.
        assert any(r["NAMES"] == name for r in parse_table(daemon.ok("ps")))
        s = wait_for(lambda: (lambda st: st if st["Restarting"] else None)(_state(daemon, name)), timeout=20,
                     what="State.Restarting")
        assert s["Status"] == "restarting" and s["Running"] is True and s["ExitCode"] == 1 and s["count"] >= 1

        p = daemon.hoist("stop", name)
        assert p.returncode == 0 and p.stdout.strip() == name, describe(p)
        s = wait_for(lambda: (lambda st: st if st["Status"] == "exited" else None)(_state(daemon, name)), what="exited")
        count = s["count"]
        time.sleep(2.0)
        s = _state(daemon, name)
        assert s["Status"] == "exited" and s["count"] == count, "restarted after a user stop"
    finally:
        daemon.hoist("rm", "-f", name)


def test_kill_and_stop_of_a_running_container_cancel_the_policy(daemon):
    for action in ("kill", "stop"):
        name = unique(action)
        p = daemon.hoist("run", "-d", "--name", name, "--restart", "always", "busybox", "sleep", "300")
        assert p.returncode == 0, describe(p)
        try:
            args = [action, "-t", "1", name] if action == "stop" else [action, name]
            daemon.ok(*args)
            wait_for(_settled(daemon, name, 0), what=f"exited after {action}")
            time.sleep(1.0)
            s = _state(daemon, name)
            assert s["Status"] == "exited" and s["count"] == 0, f"restarted after {action}: {s}"
            # A kill from inside (not by the user) is restarted.
            daemon.ok("start", name)
            pid = inspect(daemon, name)["State"]["Pid"]
            import os, signal
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: (lambda st: st if st["Status"] == "running" and st["count"] == 1 else None)(_state(daemon, name)),
                     timeout=20, what="restarted after the process was killed")
        finally:
            daemon.hoist("rm", "-f", name)


def _trapper(d, name, policy, *extra):
    """Exits 3 on SIGUSR1, 143 on SIGTERM (PID 1 ignores signals it has no handler for)."""
    p = d.hoist("run", "-d", "--name", name, "--restart", policy, *extra, "busybox", "sh", "-c",
                'trap "exit 3" USR1; trap "exit 143" TERM; while :; do sleep 0.1; done')
    assert p.returncode == 0, describe(p)


def test_kill_with_another_signal_than_the_stop_signal_keeps_the_policy(daemon):
    """moby: a kill cancels the policy only for SIGKILL or the container's stop signal (any
    signal when it has none); the container counts as manually stopped either way."""
    always, unless, plain = unique("ksig"), unique("ksigu"), unique("ksign")
    _trapper(daemon, always, "always", "--stop-signal", "SIGTERM")
    _trapper(daemon, unless, "unless-stopped", "--stop-signal", "SIGTERM")
    _trapper(daemon, plain, "always")
    try:
        for n in (always, unless, plain):
            daemon.ok("kill", "-s", "USR1", n)
        # `always` with a stop signal configured: restarted, RestartCount 1.
        wait_for(lambda: (lambda st: st if st["Status"] == "running" and st["count"] == 1 else None)(_state(daemon, always)),
                 timeout=20, what="always container restarted after kill -s USR1")
        # unless-stopped: the kill marked it manually stopped; no stop signal: cancelled.
        for n in (unless, plain):
            s = wait_for(_settled(daemon, n, 0), timeout=20, what=f"{n} exited")
            assert s["ExitCode"] == 3
        time.sleep(1.0)
        assert _state(daemon, unless)["Status"] == "exited" and _state(daemon, plain)["Status"] == "exited"
        # The stop signal itself cancels it, and so does SIGKILL.
        daemon.ok("kill", "-s", "SIGTERM", always)
        s = wait_for(_settled(daemon, always, 1), timeout=20, what="exited after kill -s SIGTERM")
        assert s["ExitCode"] == 143
        time.sleep(1.0)
        assert _state(daemon, always)["Status"] == "exited"
        # The docker CLI's kill (SIGKILL) leaves it down too.
        daemon.ok("start", always)
        p = daemon.docker("kill", always)
        assert p.returncode == 0, describe(p)
        wait_for(_settled(daemon, always, 0), timeout=20, what="exited after docker kill")
        time.sleep(1.0)
        assert _state(daemon, always)["Status"] == "exited"
    finally:
        daemon.hoist("rm", "-f", always, unless, plain)


def test_restart_policies_at_daemon_start(fresh_daemon):
    d = fresh_daemon
    names = {k: unique(k) for k in ("always", "unless", "onfail", "none", "onfailstop")}
    d.ok("run", "-d", "--name", names["always"], "--restart", "always", "busybox", "sleep", "300")
    d.ok("run", "-d", "--name", names["unless"], "--restart", "unless-stopped", "busybox", "sleep", "300")
    d.ok("run", "-d", "--name", names["none"], "busybox", "sleep", "300")
    # Exits with 4 once /tmp/go exists: made while the daemon is down.
    cid = d.ok("run", "-d", "--name", names["onfail"], "--restart", "on-failure:1", "busybox", "sh", "-c",
               "echo run; while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 4").strip()
    d.ok("stop", "-t", "1", names["always"])
    d.ok("stop", "-t", "1", names["unless"])
    d.ok("stop", "-t", "1", names["none"])
    # on-failure stopped by the user: its exit status (137) is a failure, so a new daemon
    # starts it again (moby's restore asks a fresh policy, which ignores the user's stop).
    d.ok("run", "-d", "--name", names["onfailstop"], "--restart", "on-failure", "busybox", "sleep", "300")
    d.ok("stop", "-t", "1", names["onfailstop"])
    assert _state(d, names["onfailstop"])["ExitCode"] == 137
    pid = inspect(d, names["onfail"])["State"]["Pid"]

    d.kill9()
    rootfs = Path(d.root) / "containers" / cid / "rootfs"
    (rootfs / "tmp" / "go").touch()
    wait_for(lambda: not Path(f"/proc/{pid}").exists(), what="the on-failure container to exit")
    d.start()

    def state(n):
        return _state(d, names[n])
    # `always` comes back even after a user stop; `unless-stopped` does not.
    wait_for(lambda: state("always")["Status"] == "running", timeout=20, what="always container running")
    assert state("unless")["Status"] == "exited"
    assert state("none")["Status"] == "exited"
    wait_for(lambda: state("onfailstop")["Status"] == "running", timeout=20, what="on-failure container restarted")
    # The exit that happened while the daemon was down counts for on-failure: one restart
    # (which exits 4 again at once, /tmp/go being there), then it stays down.
    s = wait_for(lambda: (lambda st: st if st["count"] == 1 and st["Status"] == "exited" else None)(state("onfail")),
                 timeout=20, what="on-failure container restarted once")
    assert s["ExitCode"] == 4
    assert d.ok("logs", names["onfail"]).split() == ["run", "run"]
    # unless-stopped, running when the daemon stopped and gone meanwhile, comes back too.
    d.ok("start", names["unless"])
    upid = inspect(d, names["unless"])["State"]["Pid"]
    d.kill9()
    import os, signal
    os.kill(upid, signal.SIGKILL)
    wait_for(lambda: not Path(f"/proc/{upid}").exists(), what="unless-stopped process gone")
    d.start()
    wait_for(lambda: state("unless")["Status"] == "running" and state("unless")["Pid"] != upid, timeout=20,
             what="unless-stopped restarted at daemon start")


def test_docker_cli_inspect_and_docker_py_restart_policy(daemon):
    name = unique("dcli")
    daemon.ok("run", "-d", "--name", name, "--restart", "on-failure:1", "busybox", "false")
    try:
        wait_for(_settled(daemon, name, 1), timeout=20, what="one restart")
        p = daemon.docker("inspect", "-f", "{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}} {{.State.ExitCode}}", name)
        assert p.returncode == 0 and p.stdout.strip() == "1 on-failure 1", describe(p)
    finally:
        daemon.hoist("rm", "-f", name)

    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    name = unique("dpy")
    c = client.containers.run("busybox", ["sh", "-c", "exit 2"], name=name, detach=True,
                              restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})
    try:
        wait_for(_settled(daemon, name, 2), timeout=20, what="two restarts")
        c.reload()
        assert c.attrs["RestartCount"] == 2
        assert c.attrs["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
        assert c.attrs["State"]["ExitCode"] == 2
    finally:
        c.remove(force=True)
        client.close()
