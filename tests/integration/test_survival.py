"""Survival: containers outlive a crashed hoistd; a new hoistd adopts them."""
import os
import re
import signal
import time

from conftest import describe, inspect, parse_table, unique, wait_for, _pid_alive

TICKER = ("i=0; trap 'echo stopping; exit 0' TERM; "
          "while :; do echo tick $i; i=$((i+1)); sleep 0.2; done")


def test_containers_survive_daemon_crash_and_are_adopted(fresh_daemon):
    d = fresh_daemon
    ticker = unique("ticker")
    short = unique("short")
    waiter = unique("waiter")
    d.ok("run", "-d", "--name", ticker, "busybox", "sh", "-c", TICKER)
    d.ok("run", "-d", "--name", short, "busybox", "sh", "-c", "sleep 1; echo bye; exit 7")
    d.ok("run", "-d", "--name", waiter, "busybox", "sh", "-c", "sleep 4; exit 5")
    wait_for(lambda: "tick 1" in d.ok("logs", ticker), timeout=10, what="ticker output")
    ticker_pid = inspect(d, ticker)["State"]["Pid"]
    assert ticker_pid > 0
    # Shims' sockets and exit files live in a tmpfs on the exec root (as dockerd's /run/docker).
    exec_root = str(d.root / "run")
    assert _mount_types(exec_root) == ["tmpfs"], _mount_types(exec_root)
    assert any(os.path.exists(os.path.join(exec_root, e, "shim.sock")) for e in os.listdir(exec_root))
    # So does the OCI runtime's state (its --root), not the runtime's default /run/crun.
    ticker_id = inspect(d, ticker)["Id"]
    assert os.path.isdir(os.path.join(exec_root, "runtime", ticker_id))
    assert not os.path.exists(os.path.join("/run/crun", ticker_id))

    # Crash the daemon. The containers must not notice.
    d.kill9()
    assert not d.ping()
    time.sleep(2.0)  # `short` exits while no daemon runs
    assert _pid_alive(ticker_pid), "the container died with the daemon"

    d.start()
    # The new daemon uses the same tmpfs, not one mounted over the live state.
    assert _mount_types(exec_root) == ["tmpfs"], _mount_types(exec_root)
    # ps shows the ticker still Up, and the exit of `short` with its real status.
    out = d.ok("ps")
    rows = {r["NAMES"]: r for r in parse_table(out)}
    assert ticker in rows and rows[ticker]["STATUS"].startswith("Up "), out
    out = d.ok("ps", "-a")
    rows = {r["NAMES"]: r for r in parse_table(out)}
    assert short in rows, out
    assert re.match(r"Exited \(7\) ", rows[short]["STATUS"]), out
    state = inspect(d, short)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 7, state
    assert d.ok("logs", short) == "bye\n"

    # The ticker kept logging while the daemon was down: its log has no gap.
    logs = d.ok("logs", ticker)
    ticks = [int(m) for m in re.findall(r"^tick (\d+)$", logs, re.M)]
    assert ticks == list(range(len(ticks))), "log lines lost or reordered while the daemon was down"
    assert len(ticks) >= 10, f"only {len(ticks)} ticks after ~2.5s: logging stopped while the daemon was down"

    # wait works on a container started by the previous daemon.
    p = d.hoist("wait", waiter, timeout=30)
    assert p.returncode == 0 and p.stdout.strip() == "5", describe(p)

    # stop works on an adopted container, and its output after adoption is logged.
    t0 = time.monotonic()
    p = d.hoist("stop", ticker, timeout=30)
    assert p.returncode == 0, describe(p)
    assert time.monotonic() - t0 < 5
    state = inspect(d, ticker)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 0, state
    assert "stopping" in d.ok("logs", ticker)
    wait_for(lambda: not _pid_alive(ticker_pid), timeout=10, what="ticker process to exit")

    # A stopped adopted container can be started again and removed.
    d.ok("start", ticker)
    assert inspect(d, ticker)["State"]["Running"] is True
    d.ok("rm", "-f", ticker, short, waiter)


def _mount_types(path: str) -> list[str]:
    """File system types of the mounts whose mount point is exactly path, oldest first."""
    with open("/proc/self/mountinfo") as f:
        return [line.split(" - ")[1].split()[0] for line in f if line.split()[4] == path]


def test_daemon_sigterm_leaves_containers_running(fresh_daemon):
    d = fresh_daemon
    name = unique()
    d.ok("run", "-d", "--name", name, "busybox", "sh", "-c", TICKER)
    pid = inspect(d, name)["State"]["Pid"]
    d.stop()  # graceful SIGTERM of hoistd
    assert not d.needed_sigkill, "hoistd ignored SIGTERM for 10 s"
    time.sleep(0.5)
    assert _pid_alive(pid), "a graceful daemon stop killed the container (docker's live-restore keeps it)"
    d.start()
    assert inspect(d, name)["State"]["Running"] is True
    d.ok("rm", "-f", name)
    wait_for(lambda: not _pid_alive(pid), timeout=10, what="container to exit after rm -f")


def test_pidfile_written(fresh_daemon):
    d = fresh_daemon
    assert d.pidfile.exists(), "--pidfile not written"
    assert int(d.pidfile.read_text().strip()) == d.pid


def test_daemon_exits_on_sigterm(fresh_daemon):
    d = fresh_daemon
    t0 = time.monotonic()
    d.stop(grace=10)
    assert not d.needed_sigkill, "hoistd did not exit within 10 s of SIGTERM"
    assert time.monotonic() - t0 < 5, "hoistd took over 5 s to shut down with no containers running"
    assert not d.pidfile.exists(), "hoistd left its pid file behind"
