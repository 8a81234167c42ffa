"""Containers through `hoist`: run, create/start, ps, logs, stop, kill, rm, wait, inspect."""
import json
import re
import time

import pytest

from conftest import cgroup_dirs, describe, header_columns, inspect, parse_table, unique, wait_for, _pid_alive

# A container that exits 0 promptly on SIGTERM (pid 1 ignores signals it has no handler for).
TERMINABLE = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
ID64 = re.compile(r"[0-9a-f]{64}")
ID12 = re.compile(r"[0-9a-f]{12}")
SECONDS = r"(Less than a second|\d+ seconds?|About a minute)"


def ps_rows(daemon, *flags):
    out = daemon.ok("ps", *flags)
    return out, parse_table(out)


def row_for(daemon, name, *flags):
    out, rows = ps_rows(daemon, *flags)
    mine = [r for r in rows if r["NAMES"] == name]
    return out, (mine[0] if mine else None)


def container_names(daemon) -> set[str]:
    return {r["NAMES"] for r in parse_table(daemon.ok("ps", "-a"))}


# ------------------------------------------------------------------ run

def test_run_echo_attached(daemon):
    p = daemon.hoist("run", "--rm", "busybox", "echo", "Hello from Hoist")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "Hello from Hoist\n", describe(p)


def test_run_keeps_stdout_and_stderr_apart(daemon):
    p = daemon.hoist("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; echo out2")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "out\nout2\n", describe(p)
    assert p.stderr == "err\n", describe(p)


def test_run_large_output_is_complete(daemon):
    p = daemon.hoist("run", "--rm", "busybox", "sh", "-c", "seq 1 20000")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "".join(f"{i}\n" for i in range(1, 20001)), "output truncated or garbled"


def test_run_env_workdir_and_command_override(daemon):
    p = daemon.hoist("run", "--rm", "-e", "FOO=bar", "--env", "TWO=2 words", "-w", "/tmp",
                     "busybox", "sh", "-c", 'echo "$FOO|$TWO"; pwd')
    assert p.returncode == 0, describe(p)
    assert p.stdout == "bar|2 words\n/tmp\n", describe(p)


def test_run_defaults_path_and_root_workdir(daemon):
    p = daemon.hoist("run", "--rm", "busybox", "sh", "-c", 'pwd; echo "$PATH"; id -u')
    assert p.returncode == 0, describe(p)
    lines = p.stdout.splitlines()
    assert lines[0] == "/", describe(p)
    assert "/bin" in lines[1].split(":"), describe(p)
    assert lines[2] == "0", describe(p)


def test_run_workdir_is_created(daemon):
    p = daemon.hoist("run", "--rm", "-w", "/new/dir", "busybox", "pwd")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "/new/dir\n"


def test_run_detached_prints_id(daemon):
    name = unique()
    p = daemon.hoist("run", "-d", "--name", name, "busybox", *TERMINABLE)
    assert p.returncode == 0, describe(p)
    assert ID64.fullmatch(p.stdout.strip()), describe(p)
    c = inspect(daemon, name)
    assert c["Id"] == p.stdout.strip()
    assert c["State"]["Running"] is True and c["State"]["Status"] == "running"
    assert c["Name"] == f"/{name}"
    daemon.ok("stop", "-t", "5", name)
    daemon.ok("rm", name)


def test_run_rm_removes_container(daemon):
    name = unique()
    p = daemon.hoist("run", "--rm", "--name", name, "busybox", "true")
    assert p.returncode == 0, describe(p)
    assert name not in container_names(daemon)
    p = daemon.hoist("inspect", name)
    assert p.returncode != 0, describe(p)


def test_run_rm_name_is_free_at_once(daemon):
    """The row of an auto-removed container is deleted behind the answer: the name must be
    free for the very next `run` all the same."""
    name = unique()
    for i in range(5):
        p = daemon.hoist("run", "--rm", "--name", name, "busybox", "echo", f"round {i}")
        assert p.returncode == 0 and p.stdout == f"round {i}\n", describe(p)
    assert name not in container_names(daemon)


def test_run_name_conflict_is_125(daemon):
    name = unique()
    daemon.ok("create", "--name", name, "busybox", "true")
    p = daemon.hoist("run", "--name", name, "busybox", "true")
    assert p.returncode == 125, describe(p)
    assert "already in use" in p.stderr and name in p.stderr, describe(p)
    daemon.ok("rm", name)


# ------------------------------------------------------------------ exit statuses and errors

def test_exit_status_zero_and_three(daemon):
    assert daemon.hoist("run", "--rm", "busybox", "true").returncode == 0
    p = daemon.hoist("run", "--rm", "busybox", "sh", "-c", "exit 3")
    assert p.returncode == 3, describe(p)


def test_missing_command_is_127(daemon):
    before = container_names(daemon)
    p = daemon.hoist("run", "--rm", "busybox", "nosuchcmd-xyz")
    assert p.returncode == 127, describe(p)
    assert "nosuchcmd-xyz" in p.stderr, describe(p)
    assert "executable file not found" in p.stderr, "want docker's message" + describe(p)
    assert container_names(daemon) == before, "--rm container left behind"


def test_not_executable_is_126(daemon):
    p = daemon.hoist("run", "--rm", "busybox", "/etc/passwd")
    assert p.returncode == 126, describe(p)
    assert "permission denied" in p.stderr.lower(), describe(p)


def test_bad_memory_value_is_125_and_creates_nothing(daemon):
    before = container_names(daemon)
    p = daemon.hoist("run", "--rm", "--memory", "lots", "busybox", "true")
    assert p.returncode == 125, describe(p)
    assert "lots" in p.stderr and "invalid" in p.stderr.lower(), describe(p)
    assert p.stdout == "", describe(p)
    assert container_names(daemon) == before


def test_unknown_image_fails_clearly(daemon):
    image = unique("nosuchimage")
    before = container_names(daemon)
    p = daemon.hoist("run", "--rm", image, "true", timeout=120)
    assert p.returncode == 125, describe(p)
    assert image in p.stderr, describe(p)
    assert container_names(daemon) == before


def test_unknown_container_errors(daemon):
    name = unique("ghost")
    for args in (["logs", name], ["start", name], ["stop", name], ["kill", name],
                 ["rm", name], ["wait", name]):
        p = daemon.hoist(*args)
        assert p.returncode != 0, describe(p)
        assert "No such container" in p.stderr and name in p.stderr, describe(p)
    p = daemon.hoist("inspect", name)
    assert p.returncode != 0, describe(p)
    assert name in p.stderr and ("No such object" in p.stderr or "No such container" in p.stderr), describe(p)


# ------------------------------------------------------------------ create / start

def test_create_then_start(daemon):
    name = unique()
    p = daemon.hoist("create", "--name", name, "busybox", "echo", "created then started")
    assert p.returncode == 0, describe(p)
    cid = p.stdout.strip()
    assert ID64.fullmatch(cid), describe(p)
    out, row = row_for(daemon, name, "-a")
    assert row is not None and row["STATUS"] == "Created", out
    _, running = row_for(daemon, name)
    assert running is None, "a created container is not running"

    p = daemon.hoist("start", name)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == name, describe(p)
    assert daemon.ok("wait", name).strip() == "0"
    assert daemon.ok("logs", name) == "created then started\n"
    daemon.ok("rm", name)


def test_start_attach_returns_exit_code(daemon):
    name = unique()
    daemon.ok("create", "--name", name, "busybox", "sh", "-c", "echo attached; exit 4")
    p = daemon.hoist("start", "-a", name)
    assert p.returncode == 4, describe(p)
    assert p.stdout == "attached\n", describe(p)
    daemon.ok("rm", name)


def test_restart_of_exited_container_runs_command_again(daemon):
    name = unique()
    p = daemon.hoist("run", "--name", name, "busybox", "echo", "ran")
    assert p.stdout == "ran\n", describe(p)
    first = inspect(daemon, name)["State"]["StartedAt"]
    p = daemon.hoist("start", name)
    assert p.returncode == 0, describe(p)
    assert daemon.ok("wait", name).strip() == "0"
    assert daemon.ok("logs", name) == "ran\nran\n"
    state = inspect(daemon, name)["State"]
    assert state["Status"] == "exited" and state["StartedAt"] != first
    p = daemon.hoist("start", "-a", name)
    assert p.returncode == 0 and p.stdout == "ran\n", describe(p)
    assert daemon.ok("logs", name) == "ran\nran\nran\n"
    daemon.ok("rm", name)


def test_start_of_running_container_is_noop(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", *TERMINABLE)
    p = daemon.hoist("start", name)
    assert p.returncode == 0, describe(p)
    assert inspect(daemon, name)["State"]["Running"] is True
    daemon.ok("rm", "-f", name)


# ------------------------------------------------------------------ ps

def test_ps_columns_status_and_random_names(daemon):
    running = daemon.ok("run", "-d", "busybox", *TERMINABLE).strip()
    exited = daemon.ok("run", "-d", "busybox", "true").strip()
    assert daemon.ok("wait", exited).strip() == "0"
    time.sleep(1.2)

    out, rows = ps_rows(daemon)
    assert header_columns(out) == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], out
    ids = [r["CONTAINER ID"] for r in rows]
    assert running[:12] in ids, out
    assert exited[:12] not in ids, "ps without -a lists only running containers\n" + out
    row = next(r for r in rows if r["CONTAINER ID"] == running[:12])
    assert row["IMAGE"] == "busybox", out
    assert row["COMMAND"].startswith('"sh -c'), out
    assert re.fullmatch(rf"{SECONDS} ago", row["CREATED"]), out
    assert re.fullmatch(rf"Up {SECONDS}", row["STATUS"]), out
    assert re.fullmatch(r"[a-z]+_[a-z]+\d*", row["NAMES"]), f"not an adjective_surname name: {row['NAMES']}"
    assert inspect(daemon, running)["Name"] == "/" + row["NAMES"]

    out, rows = ps_rows(daemon, "-a")
    row = next((r for r in rows if r["CONTAINER ID"] == exited[:12]), None)
    assert row is not None, "ps -a lists exited containers\n" + out
    assert re.fullmatch(rf"Exited \(0\) {SECONDS} ago", row["STATUS"]), out
    assert re.fullmatch(r"[a-z]+_[a-z]+\d*", row["NAMES"]), row["NAMES"]
    out2, rows2 = ps_rows(daemon, "--all")
    assert exited[:12] in [r["CONTAINER ID"] for r in rows2], out2

    q = daemon.ok("ps", "-q").split()
    assert running[:12] in q and exited[:12] not in q, q
    assert all(ID12.fullmatch(x) for x in q), q
    qa = daemon.ok("ps", "-aq").split()
    assert running[:12] in qa and exited[:12] in qa, qa
    daemon.ok("rm", "-f", running, exited)


def test_ps_shows_nonzero_exit_code(daemon):
    name = unique()
    daemon.hoist("run", "--name", name, "busybox", "sh", "-c", "exit 42")
    out, row = row_for(daemon, name, "-a")
    assert row is not None, out
    assert re.fullmatch(rf"Exited \(42\) {SECONDS} ago", row["STATUS"]), out
    daemon.ok("rm", name)


def test_ps_format(daemon):
    name = unique()
    daemon.ok("create", "--name", name, "busybox", "true")
    out = daemon.ok("ps", "-a", "--format", "{{.Names}}|{{.Image}}|{{.Status}}")
    assert f"{name}|busybox|Created" in out.splitlines(), out
    daemon.ok("rm", name)


# ------------------------------------------------------------------ logs

def test_logs_after_exit_and_streams(daemon):
    name = unique()
    daemon.hoist("run", "--name", name, "busybox", "sh", "-c", "echo one; echo two >&2; echo three")
    p = daemon.hoist("logs", name)
    assert p.returncode == 0, describe(p)
    assert p.stdout == "one\nthree\n", describe(p)
    assert p.stderr == "two\n", describe(p)
    daemon.ok("rm", name)


def test_logs_tail_and_timestamps(daemon):
    name = unique()
    daemon.hoist("run", "--name", name, "busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done")
    assert daemon.ok("logs", "--tail", "2", name) == "line4\nline5\n"
    out = daemon.ok("logs", "-t", name)
    lines = out.splitlines()
    assert len(lines) == 5, out
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line1$", lines[0]), out
    daemon.ok("rm", name)


def test_logs_of_running_container_and_follow(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c", "echo started; sleep 1; echo finished")
    wait_for(lambda: "started" in daemon.ok("logs", name), timeout=10, what="first log line")
    p = daemon.hoist("logs", "-f", name, timeout=30)
    assert p.returncode == 0, describe(p)
    assert p.stdout == "started\nfinished\n", describe(p)
    daemon.ok("rm", name)


# ------------------------------------------------------------------ stop / kill / wait / rm

def test_stop_terminates_with_sigterm(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c",
              "trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.1; done")
    t0 = time.monotonic()
    p = daemon.hoist("stop", name)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == name, describe(p)
    assert elapsed < 5, f"stop of a TERM-handling container took {elapsed:.1f}s"
    state = inspect(daemon, name)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 0, state
    assert "got TERM" in daemon.ok("logs", name)
    daemon.ok("rm", name)


def test_stop_kills_after_timeout_when_sigterm_ignored(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c",
              "trap '' TERM; while :; do sleep 0.1; done")
    time.sleep(0.3)  # let the shell install its trap
    t0 = time.monotonic()
    p = daemon.hoist("stop", "-t", "2", name, timeout=30)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, describe(p)
    assert 1.8 <= elapsed <= 6, f"stop -t 2 took {elapsed:.2f}s"
    state = inspect(daemon, name)["State"]
    assert state["ExitCode"] == 137 and state["Status"] == "exited", state
    out, row = row_for(daemon, name, "-a")
    assert row["STATUS"].startswith("Exited (137)"), out
    daemon.ok("rm", name)


def test_stop_of_stopped_container_succeeds(daemon):
    name = unique()
    daemon.hoist("run", "--name", name, "busybox", "true")
    p = daemon.hoist("stop", name)
    assert p.returncode == 0, describe(p)
    daemon.ok("rm", name)


def test_kill(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sleep", "60")
    p = daemon.hoist("kill", name)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == name, describe(p)
    assert daemon.ok("wait", name).strip() == "137"
    state = inspect(daemon, name)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 137, state
    p = daemon.hoist("kill", name)
    assert p.returncode != 0 and "not running" in p.stderr, describe(p)
    daemon.ok("rm", name)


def test_kill_with_signal(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c",
              "trap 'echo got USR1; exit 7' USR1; while :; do sleep 0.1; done")
    time.sleep(0.3)
    daemon.ok("kill", "-s", "USR1", name)
    assert daemon.ok("wait", name).strip() == "7"
    assert "got USR1" in daemon.ok("logs", name)
    daemon.ok("rm", name)


def test_wait_blocks_until_exit(daemon):
    name = unique()
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 5")
    t0 = time.monotonic()
    p = daemon.hoist("wait", name)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == "5", describe(p)
    assert time.monotonic() - t0 > 0.5
    daemon.ok("rm", name)


def test_rm_running_needs_force(daemon):
    name = unique()
    cid = daemon.ok("run", "-d", "--name", name, "busybox", "sleep", "60").strip()
    pid = inspect(daemon, name)["State"]["Pid"]
    assert pid > 0
    cgroups = [d for d in cgroup_dirs(pid) if cid in str(d)]
    assert cgroups, f"container process {pid} is not in a cgroup of its own"
    p = daemon.hoist("rm", name)
    assert p.returncode != 0, describe(p)
    assert "running" in p.stderr and ("force" in p.stderr or "stop" in p.stderr.lower()), describe(p)
    assert inspect(daemon, name)["State"]["Running"] is True
    p = daemon.hoist("rm", "-f", name)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == name, describe(p)
    assert name not in container_names(daemon)
    wait_for(lambda: not _pid_alive(pid), timeout=10, what="container process to exit")
    assert not (daemon.root / "containers" / cid).exists(), "container directory left behind"
    wait_for(lambda: not any(d.exists() for d in cgroups), timeout=10, what=f"cgroups {cgroups} to go")
    assert not any(m for m in open("/proc/self/mountinfo") if cid in m), "rootfs still mounted"


def test_inspect_fields(daemon):
    name = unique()
    daemon.hoist("run", "--name", name, "-e", "A=1", "-w", "/tmp", "busybox", "sh", "-c", "exit 2")
    c = inspect(daemon, name)
    assert ID64.fullmatch(c["Id"])
    assert c["Name"] == f"/{name}"
    assert c["State"]["Status"] == "exited"
    assert c["State"]["Running"] is False
    assert c["State"]["ExitCode"] == 2
    assert re.match(r"\d{4}-\d\d-\d\dT", c["State"]["StartedAt"])
    assert re.match(r"\d{4}-\d\d-\d\dT", c["State"]["FinishedAt"])
    assert re.match(r"\d{4}-\d\d-\d\dT", c["Created"])
    assert c["Path"] == "sh" and c["Args"] == ["-c", "exit 2"], (c["Path"], c["Args"])
    assert c["Config"]["Cmd"] == ["sh", "-c", "exit 2"]
    assert c["Config"]["Image"] == "busybox"
    assert "A=1" in c["Config"]["Env"]
    assert c["Config"]["WorkingDir"] == "/tmp"
    assert c["Config"]["Hostname"] == c["Id"][:12]
    assert c["Image"].startswith("sha256:")
    assert c["HostConfig"]["Memory"] == 0
    out = daemon.ok("inspect", "--format", "{{.State.ExitCode}} {{.Name}}", name)
    assert out.strip() == f"2 /{name}"
    daemon.ok("rm", name)


def test_inspect_by_short_id(daemon):
    cid = daemon.ok("create", "busybox", "true").strip()
    assert inspect(daemon, cid[:12])["Id"] == cid
    daemon.ok("rm", cid[:12])
