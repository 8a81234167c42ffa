"""Integration tests: a real hoistd on a temporary data root and socket, real containers.

Every session starts its own daemon under a unique /tmp directory (never the default
socket or data root), imports busybox:latest from the busybox-static package, and tears
everything down by PID and by path afterwards, so tests never depend on leftovers and
several sessions (or pytest-xdist workers) can run side by side.

Binaries come from .build/release (override with HOIST_BIN_DIR).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("HOIST_BIN_DIR", REPO / ".build" / "release"))
HOIST = BIN_DIR / "hoist"
HOISTD = BIN_DIR / "hoistd"
ROOTFS_SCRIPT = REPO / "scripts" / "make-busybox-rootfs.sh"

# Default per-command timeout: a hang fails the test instead of hanging CI.
CMD_TIMEOUT = 60


# --------------------------------------------------------------------------- helpers

def unique(prefix: str = "t") -> str:
    """A container/image name no other test (or session) uses."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def free_port(count: int = 1) -> int:
    """The first of `count` consecutive host ports that are free for TCP and UDP on every
    address. Drawn below the kernel's ephemeral range (32768 and up), so an outgoing
    connection made between this check and the port's use cannot take one of them."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32768 - count)
        held = []
        try:
            for port in range(base, base + count):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(socket.AF_INET, kind)
                    held.append(s)
                    s.bind(("0.0.0.0", port))
            return base
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports found")


def http_unix(sock: str, method: str, path: str, body: bytes | None = None,
              headers: dict | None = None, timeout: float = 10.0):
    """A minimal HTTP/1.1 request over a unix socket; returns (status, headers, body)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock)
        hdrs = {"Host": "localhost", "Connection": "close"}
        if body is not None:
            hdrs["Content-Length"] = str(len(body))
            hdrs.setdefault("Content-Type", "application/json")
        hdrs.update(headers or {})
        req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        s.sendall(req.encode() + (body or b""))
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            chunks.append(data)
            if method == "HEAD" and b"\r\n\r\n" in b"".join(chunks):
                break
    finally:
        s.close()
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise ConnectionError(f"no HTTP response from {sock}: {raw[:200]!r}")
    status = int(lines[0].split()[1])
    out_headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        out_headers[k.strip().lower()] = v.strip()
    if out_headers.get("transfer-encoding", "").lower() == "chunked":
        rest = _dechunk(rest)
    return status, out_headers, rest


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def run_cmd(args, env=None, input=None, timeout=CMD_TIMEOUT, cwd=None):
    """Runs a command and returns CompletedProcess with text stdout/stderr."""
    if isinstance(input, str):
        input = input.encode()
    try:
        p = subprocess.run([str(a) for a in args], env=env, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        pytest.fail(f"timed out after {timeout}s: {' '.join(map(str, args))}\n"
                    f"stdout: {out}\nstderr: {err}")
    return subprocess.CompletedProcess(p.args, p.returncode,
                                       p.stdout.decode(errors="replace"),
                                       p.stderr.decode(errors="replace"))


def describe(p: subprocess.CompletedProcess) -> str:
    """For assertion messages: the command, its exit status and its output."""
    return (f"\n$ {' '.join(p.args)}\nexit {p.returncode}\n"
            f"--- stdout\n{p.stdout}--- stderr\n{p.stderr}")


def make_busybox_tar(dest: Path) -> Path:
    """The busybox rootfs tar: scripts/make-busybox-rootfs.sh when present, else the same
    layout built here (so the suite can run before that script lands)."""
    if ROOTFS_SCRIPT.exists():
        p = run_cmd(["bash", ROOTFS_SCRIPT, dest], timeout=120)
        assert p.returncode == 0 and dest.exists(), "make-busybox-rootfs.sh failed" + describe(p)
        return dest
    sys.stderr.write(f"note: {ROOTFS_SCRIPT} missing; building the busybox rootfs in conftest\n")
    busybox = shutil.which("busybox") or "/bin/busybox"
    applets = run_cmd([busybox, "--list"], timeout=10).stdout.split()
    with tempfile.TemporaryDirectory(prefix="hoist-it-rootfs-") as d:
        r = Path(d)
        for sub in ("bin", "etc", "tmp", "root", "proc", "sys", "dev", "usr/bin", "usr/sbin", "sbin", "var"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(r / "tmp", 0o1777)
        os.chmod(r / "root", 0o700)
        shutil.copy2(busybox, r / "bin" / "busybox")
        for a in applets:
            if a != "busybox" and not (r / "bin" / a).exists():
                os.symlink("busybox", r / "bin" / a)
        (r / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        (r / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
        with tarfile.open(dest, "w") as t:
            for entry in sorted(r.iterdir()):
                t.add(entry, arcname=entry.name)
    return dest


def _mounts_under(prefix: str) -> list[str]:
    """Mount points under prefix from /proc/self/mountinfo, deepest first."""
    points = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4]
                mp = mp.encode().decode("unicode_escape") if "\\" in mp else mp
                if mp == prefix or mp.startswith(prefix.rstrip("/") + "/"):
                    points.append(mp)
    except OSError:
        pass
    return sorted(set(points), key=lambda m: (m.count("/"), len(m)), reverse=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cgroup_dirs(pid: int) -> list[Path]:
    """The host cgroup directories of a process (v1 controllers and the unified tree)."""
    dirs = []
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return dirs
    for line in lines:
        hid, ctrls, path = line.split(":", 2)
        if path in ("", "/"):
            continue
        if hid == "0" and ctrls == "":
            base = "unified" if Path("/sys/fs/cgroup/unified").is_dir() else ""
        else:
            base = ctrls.replace("name=", "")
        d = Path("/sys/fs/cgroup") / base / path.lstrip("/")
        if d.is_dir():
            dirs.append(d)
    return dirs


def _proc_root(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/root")
    except OSError:
        return ""


def _proc_cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------- daemon

class Daemon:
    """One hoistd on its own data root and socket under a unique /tmp directory."""

    def __init__(self, tag: str = "s", extra_args: list[str] | None = None):
        # hoistd flags beyond the data root, socket, pidfile and bridge (`--registry-mirror`...).
        self.extra_args = list(extra_args or [])
        self.tmp = Path(tempfile.mkdtemp(prefix=f"hoist-it-{tag}-", dir="/tmp"))
        self.root = self.tmp / "root"
        self.sock = str(self.tmp / "hoist.sock")
        self.pidfile = self.tmp / "hoistd.pid"
        self.log = self.tmp / "hoistd.log"
        self.host = f"unix://{self.sock}"
        self.proc: subprocess.Popen | None = None
        self.needed_sigkill = False
        # Each daemon gets its own default bridge and subnet, so daemons started side by
        # side (other sessions, xdist workers) never share a bridge or iptables chains.
        self.bridge, self.bip = _unique_bridge()
        self._logf = None
        env = {k: v for k, v in os.environ.items()
               if k not in ("DOCKER_HOST", "HOIST_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY",
                            "DOCKER_CERT_PATH", "DOCKER_API_VERSION", "HOIST_DATA_ROOT")}
        env["PATH"] = f"{BIN_DIR}:{env.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}"
        # The docker CLI must not read the machine's ~/.docker (contexts, credential helpers).
        (self.tmp / "docker-config").mkdir()
        env["DOCKER_CONFIG"] = str(self.tmp / "docker-config")
        self.base_env = dict(env)
        self.env = dict(env, HOIST_HOST=self.host, DOCKER_HOST=self.host)

    # -- lifecycle
    def start(self, timeout: float = 30.0):
        self.root.mkdir(exist_ok=True)
        self._logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(HOISTD), "--data-root", str(self.root), "-H", self.host, "--pidfile", str(self.pidfile),
             "--bridge", self.bridge, "--bip", self.bip, *self.extra_args],
            env=self.base_env, stdin=subprocess.DEVNULL, stdout=self._logf, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hoistd exited with {self.proc.returncode}:\n{self.log_text()}")
            if self.ping():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"hoistd did not answer /_ping on {self.sock} within {timeout}s:\n{self.log_text()}")

    def ping(self) -> bool:
        try:
            status, _, body = http_unix(self.sock, "GET", "/_ping", timeout=2)
            return status == 200
        except (OSError, ConnectionError):
            return False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def kill9(self):
        """Simulates a crash: SIGKILL the daemon, nothing else."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None
        if self._logf:
            self._logf.close()
            self._logf = None

    def stop(self, grace: float = 10.0):
        if self.proc is None:
            return
        self.needed_sigkill = False
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.needed_sigkill = True
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        if self._logf:
            self._logf.close()
            self._logf = None

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    # -- commands
    def hoist(self, *args, input=None, timeout=CMD_TIMEOUT, env=None):
        return run_cmd([HOIST, *args], env=env or self.env, input=input, timeout=timeout)

    def docker(self, *args, input=None, timeout=CMD_TIMEOUT):
        return run_cmd(["docker", *args], env=self.env, input=input, timeout=timeout)

    def ok(self, *args, **kw) -> str:
        """hoist ARGS, asserting exit 0; returns stdout."""
        p = self.hoist(*args, **kw)
        assert p.returncode == 0, describe(p)
        return p.stdout

    def import_busybox(self, tar: Path):
        p = self.hoist("import", tar, "busybox:latest", timeout=120)
        assert p.returncode == 0, "import of busybox failed" + describe(p) + self.log_text()

    # -- teardown
    def cleanup(self):
        try:
            if self.proc is not None and self.proc.poll() is None:
                p = run_cmd([HOIST, "ps", "-aq"], env=self.env, timeout=30)
                ids = p.stdout.split() if p.returncode == 0 else []
                if ids:
                    run_cmd([HOIST, "rm", "-f", *ids], env=self.env, timeout=60)
        except (OSError, subprocess.SubprocessError):
            pass  # best effort (the CLI may not even run): what stays is killed below
        self.stop(grace=5)
        self._kill_leftovers()
        _remove_networks(self.root)
        for mp in _mounts_under(str(self.tmp)):
            if subprocess.run(["umount", mp], stderr=subprocess.DEVNULL, timeout=30).returncode != 0:
                subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL, timeout=30)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _kill_leftovers(self):
        """Shims (by the pid files under the data root) and container processes (by their
        root directory under our tmp, or a cgroup named after one of our container ids).
        Never by process name: others run containers on this machine."""
        mine = str(self.tmp).rstrip("/") + "/"
        ids = set()
        cdir = self.root / "containers"
        if cdir.is_dir():
            ids = {e.name for e in cdir.iterdir() if len(e.name) >= 12}

        def ours(pid: int) -> bool:
            if _proc_root(pid).startswith(mine) or mine in _proc_cmdline(pid):
                return True
            if ids:
                try:
                    with open(f"/proc/{pid}/cgroup") as f:
                        cg = f.read()
                except OSError:
                    return False
                return any(i in cg for i in ids)
            return False

        victims = set()
        pidfiles = []
        if self.root.exists():
            pidfiles = [p for p in self.root.rglob("*pid*")
                        if "rootfs" not in p.parts and p.is_file() and p.stat().st_size < 64]
        for pf in pidfiles:
            try:
                pid = int(pf.read_text().strip() or "0")
            except (OSError, ValueError):
                continue
            if pid > 1 and _pid_alive(pid) and ("hoist-shim" in _proc_cmdline(pid) or ours(pid)):
                victims.add(pid)
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) != os.getpid() and ours(int(d)):
                victims.add(int(d))
        victims.discard(os.getpid())
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while victims and time.monotonic() < deadline:
            victims = {p for p in victims if _pid_alive(p)}
            time.sleep(0.05)
        # Empty cgroups named after our containers (rmdir only succeeds on empty ones).
        for cid in ids:
            for d in Path("/sys/fs/cgroup").glob(f"*/hoist/{cid}"):
                try:
                    d.rmdir()
                except OSError:
                    pass


def _unique_bridge() -> tuple[str, str]:
    """A bridge name and a 10.x.y.1/24 that no route of the host uses yet."""
    import random
    used = set()
    try:
        with open("/proc/net/route") as f:
            for line in list(f)[1:]:
                dest = int(line.split()[1], 16)
                used.add((dest & 0xff, (dest >> 8) & 0xff, (dest >> 16) & 0xff))
    except OSError:
        pass
    while True:
        a, b = random.randint(200, 250), random.randint(0, 255)
        if (10, a, b) not in used:
            return f"hb{uuid.uuid4().hex[:8]}", f"10.{a}.{b}.1/24"


def _remove_networks(root: Path):
    """The bridges and per-bridge iptables chains of a daemon's networks (hoistd leaves
    them on stop, as dockerd does)."""
    ndir = root / "network" / "networks"
    if not ndir.is_dir():
        return
    for f in ndir.glob("*.json"):
        try:
            bridge = json.loads(f.read_text()).get("bridge", "")
        except (OSError, ValueError):
            continue
        if not bridge:
            continue
        jumps = [("nat", "PREROUTING", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", f"HOIST-{bridge}"]),
                 ("nat", "OUTPUT", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", f"HOIST-{bridge}"]),
                 ("nat", "POSTROUTING", ["-j", f"HOIST-POST-{bridge}"]),
                 ("filter", "FORWARD", ["-j", f"HOIST-FWD-{bridge}"])]
        for table, chain, rule in jumps:
            for _ in range(5):
                if subprocess.run(["iptables", "-w", "-t", table, "-D", chain, *rule],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
                    break
        for table, chain in (("nat", f"HOIST-{bridge}"), ("nat", f"HOIST-POST-{bridge}"), ("filter", f"HOIST-FWD-{bridge}")):
            subprocess.run(["iptables", "-w", "-t", table, "-F", chain], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run(["iptables", "-w", "-t", table, "-X", chain], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", bridge], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _require_binaries():
    missing = [str(b) for b in (HOIST, HOISTD, BIN_DIR / "hoist-shim") if not b.exists()]
    if missing:
        pytest.fail("missing binaries (run `make build`): " + ", ".join(missing), pytrace=False)


@pytest.fixture(scope="session")
def busybox_tar(tmp_path_factory) -> Path:
    d = Path(tempfile.mkdtemp(prefix="hoist-it-tar-", dir="/tmp"))
    try:
        yield make_busybox_tar(d / "busybox.tar")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def daemon(busybox_tar) -> Daemon:
    """The session's hoistd with busybox:latest imported."""
    _require_binaries()
    d = Daemon("s")
    try:
        d.start()
        d.import_busybox(busybox_tar)
        yield d
    finally:
        d.cleanup()


@pytest.fixture
def fresh_daemon(busybox_tar):
    """A private hoistd for tests that kill or restart the daemon."""
    _require_binaries()
    d = Daemon("p")
    try:
        d.start()
        d.import_busybox(busybox_tar)
        yield d
    finally:
        d.cleanup()


@pytest.fixture
def hoist(daemon):
    """hoist(*args, input=None, timeout=60) -> CompletedProcess against the session daemon."""
    return daemon.hoist


@pytest.fixture
def env(daemon) -> dict:
    """Environment with HOIST_HOST and DOCKER_HOST pointing at the session daemon."""
    return dict(daemon.env)


def inspect(d: Daemon, name: str) -> dict:
    p = d.hoist("inspect", name)
    assert p.returncode == 0, describe(p)
    data = json.loads(p.stdout)
    assert isinstance(data, list) and len(data) == 1, p.stdout
    return data[0]


def wait_for(pred, timeout: float = 10.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def parse_table(text: str) -> list[dict]:
    """Parses docker-style table output (columns aligned to the header) into dicts."""
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines, "empty table output"
    header = lines[0]
    import re as _re
    cols = [(m.start(), m.group(0)) for m in _re.finditer(r"\S+(?: \S+)*", header)]
    rows = []
    for line in lines[1:]:
        row = {}
        for i, (start, name) in enumerate(cols):
            end = cols[i + 1][0] if i + 1 < len(cols) else None
            row[name] = line[start:end].strip() if end is not None else line[start:].strip()
        rows.append(row)
    return rows


def header_columns(text: str) -> list[str]:
    import re as _re
    first = text.splitlines()[0] if text.strip() else ""
    return _re.findall(r"\S+(?: \S+)*", first)
