"""exec into running containers: `hoist exec`, the docker CLI, docker-py's exec_run.

The exec must join every namespace of the container (hostname, pid namespace, mount
namespace/filesystem) and leave nothing behind once it ends.
"""
import json
import os
import pty
import select
import shutil
import subprocess
import time

import pytest

from conftest import HOIST, describe, http_unix, unique, wait_for


def _pidns(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/pid")


def _procs_in_pidns(ns: str) -> list[int]:
    """Host PIDs of every live (non-zombie) process in a pid namespace."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{d}/ns/pid") != ns:
                continue
            with open(f"/proc/{d}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        out.append(int(d))
    return sorted(out)


def _zombies_of(ppid: int) -> list[int]:
    z = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == ppid:
            z.append(int(d))
    return z


@pytest.fixture
def box(daemon):
    """A running busybox container that wrote /tmp/fromctr; yields (name, id, init pid)."""
    name = unique("ex")
    p = daemon.hoist("run", "-d", "--name", name, "--hostname", "exechost", "busybox",
                     "sh", "-c", "echo written-by-container > /tmp/fromctr; exec sleep 600")
    assert p.returncode == 0, describe(p)
    cid = p.stdout.strip()
    info = json.loads(daemon.ok("inspect", name))[0]
    pid = info["State"]["Pid"]
    assert pid > 0
    wait_for(lambda: daemon.hoist("exec", name, "test", "-f", "/tmp/fromctr").returncode == 0,
             what="the container's file")
    yield name, cid, pid
    daemon.hoist("rm", "-f", name)


# --------------------------------------------------------------------------- hoist exec

def test_exec_joins_the_container(daemon, box):
    name, cid, pid = box
    p = daemon.hoist("exec", name, "cat", "/tmp/fromctr")
    assert p.returncode == 0 and p.stdout == "written-by-container\n", describe(p)
    p = daemon.hoist("exec", name, "hostname")
    assert p.returncode == 0 and p.stdout == "exechost\n", describe(p)
    # Same pid namespace: the container's init is PID 1 there, and ps shows it.
    p = daemon.hoist("exec", name, "ps", "-o", "pid,args")
    assert p.returncode == 0, describe(p)
    rows = [l.split(None, 1) for l in p.stdout.splitlines()[1:]]
    assert ["1", "sleep 600"] in rows, describe(p)


def test_exec_joins_every_namespace_and_the_cgroup(daemon, box):
    """Through the API: a detached exec's host process shares each namespace and each
    cgroup of the container's init; inspect reports it running, then its exit code."""
    name, cid, pid = box
    status, _, body = http_unix(daemon.sock, "POST", f"/containers/{name}/exec",
                                json.dumps({"Cmd": ["sh", "-c", "sleep 2; exit 6"]}).encode())
    assert status == 201, body
    eid = json.loads(body)["Id"]
    status, _, body = http_unix(daemon.sock, "POST", f"/exec/{eid}/start", b'{"Detach":true}')
    assert status == 200 and body == b"", body
    status, _, body = http_unix(daemon.sock, "GET", f"/exec/{eid}/json")
    info = json.loads(body)
    assert status == 200 and info["Running"] is True and info["ExitCode"] is None, info
    assert info["ContainerID"] == cid and info["ProcessConfig"]["entrypoint"] == "sh", info
    epid = info["Pid"]
    for ns in ("pid", "mnt", "net", "uts", "ipc", "cgroup"):
        assert os.readlink(f"/proc/{epid}/ns/{ns}") == os.readlink(f"/proc/{pid}/ns/{ns}"), ns
    with open(f"/proc/{pid}/cgroup") as f:
        init_cg = f.read()
    with open(f"/proc/{epid}/cgroup") as f:
        assert f.read() == init_cg
    wait_for(lambda: json.loads(http_unix(daemon.sock, "GET", f"/exec/{eid}/json")[2])["ExitCode"] == 6,
             what="the exec's exit code")
    # A second start is refused; unknown execs are 404.
    status, _, _ = http_unix(daemon.sock, "POST", f"/exec/{eid}/start", b'{"Detach":true}')
    assert status == 409
    status, _, _ = http_unix(daemon.sock, "GET", "/exec/" + "0" * 64 + "/json")
    assert status == 404


def test_exec_exit_codes_and_streams(daemon, box):
    name, _, _ = box
    p = daemon.hoist("exec", name, "sh", "-c", "exit 5")
    assert p.returncode == 5, describe(p)
    p = daemon.hoist("exec", name, "true")
    assert p.returncode == 0 and p.stdout == "" and p.stderr == "", describe(p)
    p = daemon.hoist("exec", name, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (p.returncode, p.stdout, p.stderr) == (3, "out\n", "err\n"), describe(p)
    p = daemon.hoist("exec", name, "nosuchcommand")
    assert p.returncode != 0, describe(p)
    assert "not found" in p.stdout + p.stderr, describe(p)


def test_exec_env_workdir_user(daemon, box):
    name, _, _ = box
    p = daemon.hoist("exec", "-e", "FOO=bar baz", "-e", "PATH=/bin", name, "sh", "-c", 'echo "$FOO:$PATH"')
    assert p.returncode == 0 and p.stdout == "bar baz:/bin\n", describe(p)
    p = daemon.hoist("exec", "-w", "/tmp", name, "pwd")
    assert p.returncode == 0 and p.stdout == "/tmp\n", describe(p)
    p = daemon.hoist("exec", "-u", "nobody", name, "id", "-u")
    assert p.returncode == 0 and p.stdout == "65534\n", describe(p)
    p = daemon.hoist("exec", "-u", "1234:5678", name, "sh", "-c", "id -u; id -g")
    assert p.returncode == 0 and p.stdout == "1234\n5678\n", describe(p)
    p = daemon.hoist("exec", name, "id", "-u")
    assert p.returncode == 0 and p.stdout == "0\n", describe(p)


def test_exec_stdin_tty_detach(daemon, box):
    name, _, _ = box
    p = daemon.hoist("exec", "-i", name, "sh", "-c", "cat; echo done", input="piped line\n")
    assert p.returncode == 0 and p.stdout == "piped line\ndone\n", describe(p)
    # Without -i the command sees EOF at once.
    p = daemon.hoist("exec", name, "cat", input="ignored\n")
    assert p.returncode == 0 and p.stdout == "", describe(p)
    # -t without a terminal on our side: the process still gets a pty.
    p = daemon.hoist("exec", "-t", name, "sh", "-c", "tty; test -t 0")
    assert p.returncode == 0 and p.stdout.strip().startswith("/dev/pts/"), describe(p)
    # -d returns at once, the command keeps running in the container.
    t0 = time.monotonic()
    p = daemon.hoist("exec", "-d", name, "sh", "-c", "sleep 1; echo late > /tmp/detached")
    assert p.returncode == 0 and p.stdout == "", describe(p)
    assert time.monotonic() - t0 < 1.0
    wait_for(lambda: daemon.hoist("exec", name, "cat", "/tmp/detached").stdout == "late\n",
             what="the detached exec's file")


def test_exec_it_in_a_real_pty(daemon, box):
    name, _, _ = box
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(HOIST), "exec", "-it", name, "sh"], stdin=slave, stdout=slave, stderr=slave,
                            env=daemon.env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        def read_until(token: bytes, timeout: float = 10.0):
            nonlocal seen
            deadline = time.monotonic() + timeout
            while token not in seen and time.monotonic() < deadline:
                r, _, _ = select.select([master], [], [], 0.2)
                if r:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:
                        break
            return token in seen
        time.sleep(0.5)
        os.write(master, b"echo $((6*7))-$(hostname)\r")
        assert read_until(b"42-exechost"), seen
        os.write(master, b"exit 7\r")
        assert proc.wait(timeout=10) == 7, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_exec_into_stopped_container_fails(daemon):
    name = unique("ex")
    p = daemon.hoist("run", "--name", name, "busybox", "true")
    assert p.returncode == 0, describe(p)
    p = daemon.hoist("exec", name, "true")
    assert p.returncode != 0, describe(p)
    assert "is not running" in p.stderr, describe(p)
    p = daemon.hoist("exec", "nosuchcontainer" + unique(), "true")
    assert p.returncode != 0 and "No such container" in p.stderr, describe(p)
    daemon.hoist("rm", "-f", name)


def test_exec_ends_when_the_container_stops(daemon):
    name = unique("ex")
    assert daemon.hoist("run", "-d", "--name", name, "busybox", "sleep", "600").returncode == 0
    proc = subprocess.Popen([str(HOIST), "exec", name, "sleep", "300"], env=daemon.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: "sleep 300" in daemon.hoist("exec", name, "ps", "-o", "args").stdout, what="the exec running")
        assert daemon.hoist("kill", name).returncode == 0
        # The exec died with the container's pid namespace; its client ends with 128+SIGKILL.
        assert proc.wait(timeout=15) == 137
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        daemon.hoist("rm", "-f", name)


def test_exec_start_errors(daemon, box):
    name, _, _ = box
    p = daemon.hoist("exec", "-u", "nosuchuser", name, "true")
    assert p.returncode == 126, describe(p)
    p = daemon.hoist("exec", "-w", "/nonexistent", name, "pwd")
    assert p.returncode != 0, describe(p)
    p = daemon.hoist("exec", "--privileged", name, "sh", "-c", "grep CapEff /proc/self/status")
    assert p.returncode == 0, describe(p)
    privileged = int(p.stdout.split()[1], 16)
    p = daemon.hoist("exec", name, "sh", "-c", "grep CapEff /proc/self/status")
    assert p.returncode == 0 and int(p.stdout.split()[1], 16) < privileged, describe(p)


def test_exec_leaves_nothing_behind(daemon, box):
    name, _, pid = box
    ns = _pidns(pid)
    before = _procs_in_pidns(ns)
    shim = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])  # the init's parent: the shim
    for args in (["true"], ["sh", "-c", "exit 4"], ["sh", "-c", "sleep 0.1 & wait"], ["nosuchcommand"]):
        daemon.hoist("exec", name, *args)
    daemon.hoist("exec", "-t", name, "true")
    daemon.hoist("exec", "-i", name, "cat", input="x")
    wait_for(lambda: _procs_in_pidns(ns) == before, what="no extra processes in the container")
    wait_for(lambda: not _zombies_of(shim), what="no zombies under the shim")
    # No exec leftovers in the shim's state dir (process files, pid files, console sockets).
    state_dirs = [os.path.join(r, d) for r, ds, _ in os.walk(str(daemon.root)) for d in ds if d.startswith(cid_prefix(daemon, name))]
    for d in state_dirs:
        assert not [f for f in os.listdir(d) if f.startswith("exec-")], os.listdir(d)


def cid_prefix(daemon, name):
    return json.loads(daemon.ok("inspect", name))[0]["Id"][:16]


# --------------------------------------------------------------------------- docker CLI

docker_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="docker CLI not on PATH")


@docker_cli
def test_docker_exec(daemon, box):
    name, _, _ = box
    p = daemon.docker("exec", name, "cat", "/tmp/fromctr")
    assert p.returncode == 0 and p.stdout == "written-by-container\n", describe(p)
    p = daemon.docker("exec", name, "hostname")
    assert p.returncode == 0 and p.stdout == "exechost\n", describe(p)
    p = daemon.docker("exec", name, "sh", "-c", "exit 5")
    assert p.returncode == 5, describe(p)
    p = daemon.docker("exec", "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", name, "sh", "-c", 'echo "$FOO $(pwd) $(id -u)"')
    assert p.returncode == 0 and p.stdout == "bar /tmp 65534\n", describe(p)
    p = daemon.docker("exec", "-i", name, "sh", "-c", "cat; echo done", input="from docker\n")
    assert p.returncode == 0 and p.stdout == "from docker\ndone\n", describe(p)
    p = daemon.docker("exec", name, "sh", "-c", "echo out; echo err >&2")
    assert p.stdout == "out\n" and p.stderr == "err\n", describe(p)
    p = daemon.docker("exec", "-d", name, "sh", "-c", "echo d > /tmp/docker-detached")
    assert p.returncode == 0, describe(p)
    wait_for(lambda: daemon.docker("exec", name, "cat", "/tmp/docker-detached").stdout == "d\n", what="detached exec")


@docker_cli
def test_docker_exec_stopped(daemon):
    name = unique("ex")
    assert daemon.hoist("run", "--name", name, "busybox", "true").returncode == 0
    p = daemon.docker("exec", name, "true")
    assert p.returncode != 0 and "is not running" in p.stderr, describe(p)
    daemon.hoist("rm", "-f", name)


# --------------------------------------------------------------------------- docker-py

def test_docker_py_exec_run(daemon, box):
    docker = pytest.importorskip("docker")
    name, _, _ = box
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    try:
        c = client.containers.get(name)
        code, out = c.exec_run("cat /tmp/fromctr")
        assert (code, out) == (0, b"written-by-container\n")
        code, out = c.exec_run(["sh", "-c", "exit 3"])
        assert code == 3
        code, out = c.exec_run("id -u", user="nobody")
        assert (code, out) == (0, b"65534\n")
        code, out = c.exec_run(["sh", "-c", 'echo "$A" $(pwd)'], environment={"A": "b"}, workdir="/tmp")
        assert (code, out) == (0, b"b /tmp\n")
        code, out = c.exec_run(["sh", "-c", "echo o; echo e >&2"], demux=True)
        assert code == 0 and out == (b"o\n", b"e\n")
        code, out = c.exec_run("hostname", tty=True)
        assert code == 0 and out.strip() == b"exechost"
        # Low-level: inspect shows the exit code (null while running).
        api = client.api
        e = api.exec_create(name, ["sh", "-c", "sleep 0.5; exit 9"])
        api.exec_start(e["Id"], detach=True)
        info = api.exec_inspect(e["Id"])
        assert info["Running"] is True and info["ExitCode"] is None and info["Pid"] > 0
        wait_for(lambda: api.exec_inspect(e["Id"])["ExitCode"] == 9, what="exit code 9")
        assert api.exec_inspect(e["Id"])["ProcessConfig"]["entrypoint"] == "sh"
        stopped = client.containers.run("busybox", "true", detach=True)
        stopped.wait()
        with pytest.raises(docker.errors.APIError) as ei:
            stopped.exec_run("true")
        assert ei.value.status_code == 409 and "is not running" in str(ei.value)
        stopped.remove()
    finally:
        client.close()
