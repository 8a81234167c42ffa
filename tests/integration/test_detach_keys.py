"""Detach keys: Ctrl-P Ctrl-Q (or --detach-keys) leave the container running; in a real pty
through hoist and the docker CLI, and in the daemon's attach stdin for any client."""
import os
import select
import socket
import subprocess
import time

import pytest

from conftest import HOIST, describe, inspect, unique, wait_for


class PtyProc:
    """A command on a fresh pty, as a user's terminal."""

    def __init__(self, args, env):
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen([str(a) for a in args], env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)
        self.out = b""

    def read_until(self, needle: bytes, timeout: float = 15.0) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"timed out waiting for {needle!r}; screen so far: {self.out!r}")
            r, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if r:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""
                if not data and self.proc.poll() is not None:
                    pytest.fail(f"process ended before {needle!r}; screen: {self.out!r}")
                self.out += data
        return self.out

    def keys(self, *chunks: bytes):
        """Each chunk as its own key press."""
        for c in chunks:
            os.write(self.master, c)
            time.sleep(0.15)

    def wait(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            r, _, _ = select.select([self.master], [], [], 0.1)
            if r:
                try:
                    self.out += os.read(self.master, 4096)
                except OSError:
                    pass
        if self.proc.poll() is None:
            self.proc.kill()
            pytest.fail(f"still running after the detach keys; screen: {self.out!r}")
        try:
            while True:
                r, _, _ = select.select([self.master], [], [], 0.1)
                if not r:
                    break
                data = os.read(self.master, 4096)
                if not data:
                    break
                self.out += data
        except OSError:
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.master)


def _running(d, name) -> bool:
    return inspect(d, name)["State"]["Running"] is True


def test_run_it_detach_with_ctrl_p_ctrl_q_then_attach_again(daemon):
    name = unique("detach")
    t = PtyProc([HOIST, "run", "-it", "--name", name, "busybox", "sh"], daemon.env)
    try:
        t.read_until(b"# ")
        t.keys(b"echo first-$((40+2))\r")
        t.read_until(b"first-42")
        t.keys(b"\x10", b"\x11")
        assert t.wait() == 0, t.out
        assert b"read escape sequence" not in t.out
        assert _running(daemon, name), "the container stopped on detach"
    finally:
        t.close()
    # attach again: the same shell; a detach there is reported as docker does.
    a = PtyProc([HOIST, "attach", name], daemon.env)
    try:
        time.sleep(0.5)
        a.keys(b"echo second-$((50+5))\r")
        a.read_until(b"second-55")
        a.keys(b"\x10", b"\x11")
        assert a.wait() == 1, a.out
        assert b"read escape sequence" in a.out
        assert _running(daemon, name)
    finally:
        a.close()
    # Ctrl-P followed by another key is not a detach: both keys reach the shell.
    a = PtyProc([HOIST, "attach", name], daemon.env)
    try:
        time.sleep(0.5)
        a.keys(b"\x10", b"\x03")  # Ctrl-P then Ctrl-C: the shell just gets a new line
        a.keys(b"echo third-$((60+6))\r")
        a.read_until(b"third-66")
        assert a.proc.poll() is None, "detached on a broken sequence"
        a.keys(b"exit\r")
        assert a.wait() == 0, a.out
    finally:
        a.close()
    wait_for(lambda: not _running(daemon, name), what="the shell to exit")
    daemon.hoist("rm", "-f", name)


def test_custom_detach_keys_on_run_and_docker_attach(daemon):
    name = unique("dkeys")
    t = PtyProc([HOIST, "run", "-it", "--detach-keys", "ctrl-a,x", "--name", name, "busybox", "sh"], daemon.env)
    try:
        t.read_until(b"# ")
        t.keys(b"\x10", b"\x11")  # the default keys mean nothing now
        t.keys(b"echo still-$((1+1))\r")
        t.read_until(b"still-2")
        t.keys(b"\x01", b"x")
        assert t.wait() == 0, t.out
        assert _running(daemon, name)
    finally:
        t.close()
    # The docker CLI against hoistd: its own detach handling with a TTY.
    env = dict(daemon.env)
    d = PtyProc(["docker", "attach", name], env)
    try:
        time.sleep(0.8)
        d.keys(b"echo docker-$((3+4))\r")
        d.read_until(b"docker-7")
        d.keys(b"\x10", b"\x11")
        d.wait()
        assert b"read escape sequence" in d.out, d.out
        assert _running(daemon, name)
    finally:
        d.close()
    daemon.hoist("rm", "-f", name)


def _hijack(sock_path: str, request: bytes) -> socket.socket:
    """Sends an upgrading request; returns the socket once the 101 head is read."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path)
    s.sendall(request)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def _raw_attach(sock_path: str, name: str, query: str = "") -> socket.socket:
    return _hijack(sock_path, (f"POST /containers/{name}/attach?stream=1&stdin=1&stdout=1&stderr=1{query} HTTP/1.1\r\n"
                               "Host: localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n").encode())


def _read_until(s: socket.socket, needle: bytes) -> bytes:
    data = b""
    deadline = time.monotonic() + 10
    while needle not in data and time.monotonic() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_daemon_detects_detach_keys_in_attach_stdin(daemon):
    """For clients that do not detect the keys themselves (no TTY): the daemon ends the stream."""
    name = unique("dd")
    p = daemon.hoist("run", "-d", "-i", "--name", name, "busybox", "cat")
    assert p.returncode == 0, describe(p)
    try:
        s = _raw_attach(daemon.sock, name)
        s.sendall(b"ping\n")
        assert b"ping" in _read_until(s, b"ping")
        # Two keys in one packet are data (as moby: a key counts when read alone).
        s.sendall(b"\x10\x11\n")
        assert b"\x10\x11" in _read_until(s, b"\x11")
        s.sendall(b"\x10")
        time.sleep(0.2)
        s.sendall(b"\x11")
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except socket.timeout:
            pytest.fail("the daemon did not end the attach on the detach keys")
        s.close()
        assert _running(daemon, name), "the container stopped on detach"
        # stdin stays open: a new attach still talks to cat.
        s = _raw_attach(daemon.sock, name, "&detachKeys=ctrl-x")
        s.sendall(b"pong\n")
        assert b"pong" in _read_until(s, b"pong")
        s.sendall(b"\x18")
        try:
            while s.recv(4096):
                pass
        except socket.timeout:
            pytest.fail("the daemon did not end the attach on ctrl-x")
        s.close()
        assert _running(daemon, name)
        from conftest import http_unix
        status, _, body = http_unix(daemon.sock, "POST", f"/containers/{name}/attach?stream=1&stdin=1&detachKeys=bogus")
        assert status == 400 and b"Invalid detach keys (bogus) provided" in body, body
    finally:
        daemon.hoist("rm", "-f", name)


def _sh_count(d, name) -> int:
    out = d.ok("exec", name, "ps", "-o", "comm")
    return sum(1 for line in out.split() if line == "sh")


def test_exec_it_custom_detach_keys_with_hoist_and_docker(daemon):
    name = unique("exdk")
    daemon.ok("run", "-d", "--name", name, "busybox", "sleep", "300")
    try:
        for cli in ([HOIST], ["docker"]):
            before = _sh_count(daemon, name)
            t = PtyProc([*cli, "exec", "-it", "--detach-keys", "ctrl-a,x", name, "sh"], daemon.env)
            try:
                t.read_until(b"# ")
                t.keys(b"\x10", b"\x11")  # the default keys mean nothing now
                t.keys(b"echo exec-$((6*7))\r")
                t.read_until(b"exec-42")
                t.keys(b"\x01", b"x")
                assert t.wait() != 0 and b"read escape sequence" in t.out, t.out
            finally:
                t.close()
            # The exec's shell runs on in the container.
            assert _sh_count(daemon, name) == before + 1, cli
            assert _running(daemon, name)
    finally:
        daemon.hoist("rm", "-f", name)


def _raw_exec_start(sock_path: str, exec_id: str) -> socket.socket:
    body = b'{"Detach": false, "Tty": false}'
    return _hijack(sock_path, (f"POST /exec/{exec_id}/start HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
                               f"Upgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)


def _deframe(data: bytes) -> bytes:
    """The payload of docker's multiplexed frames (8-byte headers)."""
    out = b""
    while len(data) >= 8:
        n = int.from_bytes(data[4:8], "big")
        out += data[8:8 + n]
        data = data[8 + n:]
    return out


def _ends(s: socket.socket) -> bool:
    try:
        while s.recv(4096):
            pass
        return True
    except socket.timeout:
        return False


def test_daemon_honours_exec_detach_keys(daemon):
    """The exec's DetachKeys (else Ctrl-P Ctrl-Q) end its stream in the daemon, for clients
    that do not watch for them; the process runs on."""
    import json
    from conftest import http_unix
    name = unique("exdd")
    daemon.ok("run", "-d", "--name", name, "busybox", "sleep", "300")
    try:
        for keys, presses in (("ctrl-x", [b"\x18"]), (None, [b"\x10", b"\x11"])):
            req = {"AttachStdin": True, "AttachStdout": True, "AttachStderr": True, "Cmd": ["cat"]}
            if keys:
                req["DetachKeys"] = keys
            status, _, body = http_unix(daemon.sock, "POST", f"/containers/{name}/exec", body=json.dumps(req).encode())
            assert status == 201, body
            exec_id = json.loads(body)["Id"]
            s = _raw_exec_start(daemon.sock, exec_id)
            s.sendall(b"ping\n")
            assert b"ping" in _read_until(s, b"ping")
            if keys:
                s.sendall(b"\x10")  # a default key is data here
                time.sleep(0.2)
                s.sendall(b"\x11")
                assert _deframe(_read_until(s, b"\x11")) == b"\x10\x11"
            for k in presses:
                s.sendall(k)
                time.sleep(0.2)
            assert _ends(s), f"the daemon did not end the exec stream on {presses!r}"
            s.close()
            status, _, body = http_unix(daemon.sock, "GET", f"/exec/{exec_id}/json")
            assert status == 200 and json.loads(body)["Running"] is True, body
        status, _, body = http_unix(daemon.sock, "POST", f"/containers/{name}/exec",
                                    body=json.dumps({"Cmd": ["true"], "DetachKeys": "bogus"}).encode())
        assert status == 400 and b"Invalid escape keys (bogus) provided" in body, body
    finally:
        daemon.hoist("rm", "-f", name)
