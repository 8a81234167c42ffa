"""cp (both ways, files, directories, tar streams, docker's path rules), the archive API
(HEAD/GET/PUT /containers/{id}/archive), and export: hoist, the docker CLI, docker-py."""
import base64
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import HOIST, describe, http_unix, inspect, unique


def _sleeper(d, name):
    p = d.hoist("run", "-d", "--name", name, "busybox", "sleep", "300")
    assert p.returncode == 0, describe(p)
    return p.stdout.strip()


def _exec_out(d, name, *cmd) -> str:
    p = d.hoist("exec", name, *cmd)
    assert p.returncode == 0, describe(p)
    return p.stdout


def _raw(d, *args, input: bytes | None = None) -> subprocess.CompletedProcess:
    """hoist with binary stdin/stdout (tar streams)."""
    return subprocess.run([str(HOIST), *args], env=d.env, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)


def _rootfs_mounted(d, cid: str) -> bool:
    target = str(d.root / "containers" / cid / "rootfs")
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == target for line in f)


def _rm(d, *names):
    d.hoist("rm", "-f", *names)


# --------------------------------------------------------------------------- hoist cp

def test_cp_file_into_dir_new_name_and_back(daemon, tmp_path):
    name = unique("cp")
    _sleeper(daemon, name)
    try:
        src = tmp_path / "hello.txt"
        src.write_text("hello from the host\n")
        os.chmod(src, 0o640)
        # Into an existing directory: keeps its name and mode.
        p = daemon.hoist("cp", str(src), f"{name}:/tmp/")
        assert p.returncode == 0 and p.stdout == "", describe(p)
        assert _exec_out(daemon, name, "cat", "/tmp/hello.txt") == "hello from the host\n"
        assert _exec_out(daemon, name, "stat", "-c", "%a", "/tmp/hello.txt").strip() == "640"
        # To a new name.
        daemon.ok("cp", str(src), f"{name}:/tmp/renamed.txt")
        assert _exec_out(daemon, name, "cat", "/tmp/renamed.txt") == "hello from the host\n"
        # Over an existing file.
        src.write_text("second version\n")
        daemon.ok("cp", str(src), f"{name}:/tmp/renamed.txt")
        assert _exec_out(daemon, name, "cat", "/tmp/renamed.txt") == "second version\n"
        # Relative container paths are relative to /.
        daemon.ok("cp", str(src), f"{name}:tmp/rel.txt")
        assert _exec_out(daemon, name, "cat", "/tmp/rel.txt") == "second version\n"

        # Back out: to a new local name, into an existing local directory.
        daemon.hoist("exec", name, "sh", "-c", "echo made inside > /tmp/inside.txt")
        out = tmp_path / "out"
        out.mkdir()
        daemon.ok("cp", f"{name}:/tmp/inside.txt", str(out / "copy.txt"))
        assert (out / "copy.txt").read_text() == "made inside\n"
        daemon.ok("cp", f"{name}:/tmp/inside.txt", str(out))
        assert (out / "inside.txt").read_text() == "made inside\n"
        # Relative local destination.
        p = subprocess.run([str(HOIST), "cp", f"{name}:/etc/passwd", "pw"], env=daemon.env, cwd=out,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, describe(p)
        assert (out / "pw").read_text().startswith("root:x:0:0:")
    finally:
        _rm(daemon, name)


def test_cp_directories_both_ways(daemon, tmp_path):
    name = unique("cpdir")
    _sleeper(daemon, name)
    try:
        src = tmp_path / "tree"
        (src / "sub").mkdir(parents=True)
        (src / "a.txt").write_text("A\n")
        (src / "sub" / "b.txt").write_text("B\n")
        os.symlink("a.txt", src / "link")
        # Into an existing dir: /tmp/tree/...
        daemon.ok("cp", str(src), f"{name}:/tmp")
        assert _exec_out(daemon, name, "cat", "/tmp/tree/a.txt", "/tmp/tree/sub/b.txt") == "A\nB\n"
        assert _exec_out(daemon, name, "readlink", "/tmp/tree/link").strip() == "a.txt"
        # To a new name: the directory takes that name.
        daemon.ok("cp", str(src), f"{name}:/tmp/newname")
        assert _exec_out(daemon, name, "cat", "/tmp/newname/sub/b.txt") == "B\n"
        # `dir/.`: the contents into an existing directory.
        daemon.hoist("exec", name, "mkdir", "/tmp/dest")
        daemon.ok("cp", f"{src}/.", f"{name}:/tmp/dest")
        assert sorted(_exec_out(daemon, name, "ls", "/tmp/dest").split()) == ["a.txt", "link", "sub"]

        # Out of the container: to a new name, into an existing dir, and `/.` contents.
        daemon.hoist("exec", name, "sh", "-c", "mkdir -p /data/x && echo one > /data/1 && echo two > /data/x/2")
        daemon.ok("cp", f"{name}:/data", str(tmp_path / "fresh"))
        assert (tmp_path / "fresh" / "1").read_text() == "one\n"
        assert (tmp_path / "fresh" / "x" / "2").read_text() == "two\n"
        existing = tmp_path / "existing"
        existing.mkdir()
        daemon.ok("cp", f"{name}:/data", str(existing))
        assert (existing / "data" / "x" / "2").read_text() == "two\n"
        contents = tmp_path / "contents"
        contents.mkdir()
        daemon.ok("cp", f"{name}:/data/.", str(contents))
        assert sorted(os.listdir(contents)) == ["1", "x"]
    finally:
        _rm(daemon, name)


def test_cp_into_and_out_of_stopped_containers(daemon, tmp_path):
    name = unique("cpstop")
    p = daemon.hoist("create", "--name", name, "busybox", "cat", "/injected.txt")
    assert p.returncode == 0, describe(p)
    cid = p.stdout.strip()
    try:
        f = tmp_path / "injected.txt"
        f.write_text("put there before start\n")
        daemon.ok("cp", str(f), f"{name}:/")
        assert not _rootfs_mounted(daemon, cid), "the rootfs stayed mounted after cp into a created container"
        p = daemon.hoist("start", "-a", name)
        assert p.returncode == 0 and p.stdout == "put there before start\n", describe(p)
        assert inspect(daemon, name)["State"]["Status"] == "exited"
        assert not _rootfs_mounted(daemon, cid)
        # Out of the exited container, and into it again.
        daemon.ok("cp", f"{name}:/injected.txt", str(tmp_path / "back.txt"))
        assert (tmp_path / "back.txt").read_text() == "put there before start\n"
        f.write_text("changed while stopped\n")
        daemon.ok("cp", str(f), f"{name}:/injected.txt")
        assert not _rootfs_mounted(daemon, cid)
        p = daemon.hoist("start", "-a", name)
        assert p.returncode == 0 and p.stdout == "changed while stopped\n", describe(p)
    finally:
        _rm(daemon, name)


def test_cp_errors_as_docker(daemon, tmp_path):
    name = unique("cperr")
    _sleeper(daemon, name)
    try:
        p = daemon.hoist("cp", f"{name}:/nope", str(tmp_path / "x"))
        assert p.returncode == 1, describe(p)
        assert p.stderr.strip() == f"Error response from daemon: Could not find the file /nope in container {name}", describe(p)
        p = daemon.hoist("cp", "nosuchcontainer:/etc/hostname", str(tmp_path / "x"))
        assert p.returncode == 1 and "No such container: nosuchcontainer" in p.stderr, describe(p)
        p = daemon.hoist("cp", str(tmp_path), str(tmp_path / "y"))
        assert p.returncode == 1 and p.stderr.strip() == "must specify at least one container source", describe(p)
        p = daemon.hoist("cp", f"{name}:/a", f"{name}:/b")
        assert p.returncode == 1 and p.stderr.strip() == "copying between containers is not supported", describe(p)
        # A file to a directory path that does not exist.
        f = tmp_path / "f.txt"
        f.write_text("x")
        p = daemon.hoist("cp", str(f), f"{name}:/tmp/notthere/")
        assert p.returncode == 1 and p.stderr.strip() == "no such directory", describe(p)
        # A directory to a new name whose parent does not exist: the daemon says so.
        p = daemon.hoist("cp", str(tmp_path), f"{name}:/no/such/newname")
        assert p.returncode == 1, describe(p)
        assert p.stderr.strip() == f"Error response from daemon: Could not find the file /no/such in container {name}", describe(p)
        # A directory onto an existing file.
        p = daemon.hoist("cp", str(tmp_path), f"{name}:/etc/passwd")
        assert p.returncode == 1 and p.stderr.strip() == "cannot copy directory", describe(p)
        # A file over a directory.
        daemon.hoist("exec", name, "mkdir", "-p", "/tmp/isdir/f.txt")
        p = daemon.hoist("cp", str(f), f"{name}:/tmp/isdir")
        assert p.returncode == 1 and "cannot overwrite directory" in p.stderr, describe(p)
        # A missing local source.
        p = daemon.hoist("cp", str(tmp_path / "missing"), f"{name}:/tmp/")
        assert p.returncode == 1 and "no such file or directory" in p.stderr, describe(p)
        p = daemon.hoist("cp", str(f))
        assert p.returncode == 1 and '"hoist cp" requires exactly 2 arguments.' in p.stderr, describe(p)
    finally:
        _rm(daemon, name)


def test_cp_paths_that_escape_resolve_inside_the_container(daemon, tmp_path):
    """Symlinks and `..` in the container resolve against the container root, never the host."""
    name = unique("cpesc")
    _sleeper(daemon, name)
    host_dir = tmp_path / "hostside"
    host_dir.mkdir()
    secret = host_dir / "secret.txt"
    secret.write_text("host secret\n")
    try:
        depth = "../" * 12
        daemon.hoist("exec", name, "sh", "-c",
                     f"ln -s {depth}{host_dir.relative_to('/')} /tmp/rel-escape && ln -s {host_dir} /tmp/abs-escape"
                     f" && mkdir -p {host_dir}")
        f = tmp_path / "payload.txt"
        f.write_text("payload\n")
        for link in ("/tmp/rel-escape/", "/tmp/abs-escape/", f"/tmp/../../../../..{host_dir}/"):
            p = daemon.hoist("cp", str(f), f"{name}:{link}")
            assert p.returncode == 0, describe(p)
            assert not (host_dir / "payload.txt").exists(), f"cp through {link} wrote on the host"
            assert _exec_out(daemon, name, "cat", f"{host_dir}/payload.txt") == "payload\n"
            daemon.hoist("exec", name, "rm", f"{host_dir}/payload.txt")
        # A tar whose entries climb out is refused.
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            data = b"evil\n"
            info = tarfile.TarInfo("../../../../../../../../" + str(host_dir.relative_to("/")) + "/evil.txt")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        p = _raw(daemon, "cp", "-", f"{name}:/tmp", input=buf.getvalue())
        assert p.returncode == 1 and b"escapes" in p.stderr, p.stderr
        assert not (host_dir / "evil.txt").exists()

        # Reading: the host's file is not what a container symlink reaches.
        daemon.hoist("exec", name, "ln", "-s", str(secret), "/tmp/secret-link")
        p = daemon.hoist("cp", "-L", f"{name}:/tmp/secret-link", str(tmp_path / "stolen"))
        assert p.returncode == 1 and "Could not find the file" in p.stderr, describe(p)
        assert not (tmp_path / "stolen").exists()
        p = daemon.hoist("cp", f"{name}:/../../../../..{secret}", str(tmp_path / "stolen2"))
        assert p.returncode == 1 and "Could not find the file" in p.stderr, describe(p)
        # Without -L the link itself is copied.
        daemon.ok("cp", f"{name}:/tmp/secret-link", str(tmp_path / "link-copy"))
        assert os.readlink(tmp_path / "link-copy") == str(secret)
    finally:
        _rm(daemon, name)


def test_cp_tar_streams_on_stdin_and_stdout(daemon, tmp_path):
    name = unique("cptar")
    _sleeper(daemon, name)
    try:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for fname, data in (("streamed/one.txt", b"1\n"), ("streamed/two.txt", b"22\n")):
                info = tarfile.TarInfo(fname)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        p = _raw(daemon, "cp", "-", f"{name}:/tmp", input=buf.getvalue())
        assert p.returncode == 0, p.stderr
        assert _exec_out(daemon, name, "cat", "/tmp/streamed/one.txt", "/tmp/streamed/two.txt") == "1\n22\n"
        # `-` needs a directory destination.
        p = _raw(daemon, "cp", "-", f"{name}:/etc/passwd", input=buf.getvalue())
        assert p.returncode == 1 and p.stderr.decode().strip() == f'destination "{name}:/etc/passwd" must be a directory'

        p = _raw(daemon, "cp", f"{name}:/tmp/streamed", "-")
        assert p.returncode == 0, p.stderr
        with tarfile.open(fileobj=io.BytesIO(p.stdout)) as t:
            names = sorted(m.name.rstrip("/") for m in t.getmembers())
            assert names == ["streamed", "streamed/one.txt", "streamed/two.txt"]
            assert t.extractfile("streamed/two.txt").read() == b"22\n"
    finally:
        _rm(daemon, name)


def test_archive_api_stat_header(daemon):
    name = unique("cpapi")
    _sleeper(daemon, name)
    try:
        daemon.hoist("exec", name, "ln", "-s", "/etc/hostname", "/tmp/hn-link")
        status, headers, body = http_unix(daemon.sock, "HEAD", f"/containers/{name}/archive?path=/tmp")
        assert status == 200 and body == b""
        stat = json.loads(base64.b64decode(headers["x-docker-container-path-stat"]))
        assert stat["name"] == "tmp" and stat["mode"] & (1 << 31), stat  # Go's os.ModeDir
        assert stat["mode"] & 0o777 == 0o777 and stat["mode"] & (1 << 20)  # sticky, as /tmp is
        assert stat["linkTarget"] == "" and "T" in stat["mtime"]
        status, headers, _ = http_unix(daemon.sock, "HEAD", f"/containers/{name}/archive?path=/tmp/hn-link")
        stat = json.loads(base64.b64decode(headers["x-docker-container-path-stat"]))
        assert stat["name"] == "hn-link" and stat["mode"] & (1 << 27) and stat["linkTarget"] == "/etc/hostname", stat
        status, _, _ = http_unix(daemon.sock, "HEAD", f"/containers/{name}/archive?path=/nope")
        assert status == 404
        status, _, body = http_unix(daemon.sock, "GET", f"/containers/{name}/archive?path=/nope")
        assert status == 404 and json.loads(body)["message"] == f"Could not find the file /nope in container {name}"
        # PUT into a file (not a directory) is refused.
        status, _, body = http_unix(daemon.sock, "PUT", f"/containers/{name}/archive?path=/etc/passwd", body=b"",
                                    headers={"Content-Type": "application/x-tar"})
        assert status == 400 and json.loads(body)["message"] == "extraction point is not a directory", body
    finally:
        _rm(daemon, name)


# --------------------------------------------------------------------------- export

def test_export_with_hoist(daemon, tmp_path):
    name = unique("exp")
    p = daemon.hoist("run", "--name", name, "busybox", "sh", "-c", "echo exported > /marker.txt")
    assert p.returncode == 0, describe(p)
    try:
        out = tmp_path / "fs.tar"
        daemon.ok("export", "-o", str(out), name)
        with tarfile.open(out) as t:
            names = {m.name.rstrip("/") for m in t.getmembers()}
            assert {"bin", "bin/busybox", "etc/passwd", "marker.txt"} <= names, sorted(names)[:20]
            assert t.extractfile("marker.txt").read() == b"exported\n"
        p = _raw(daemon, "export", name)
        assert p.returncode == 0, p.stderr
        with tarfile.open(fileobj=io.BytesIO(p.stdout)) as t:
            assert "marker.txt" in t.getnames()
        p = daemon.hoist("export", "nosuch")
        assert p.returncode == 1 and "No such container: nosuch" in p.stderr, describe(p)
    finally:
        _rm(daemon, name)


# --------------------------------------------------------------------------- docker CLI

def test_docker_cli_cp_and_export(daemon, tmp_path):
    name = unique("dcp")
    _sleeper(daemon, name)
    try:
        f = tmp_path / "from-docker.txt"
        f.write_text("via docker cp\n")
        p = daemon.docker("cp", str(f), f"{name}:/tmp/")
        assert p.returncode == 0, describe(p)
        assert _exec_out(daemon, name, "cat", "/tmp/from-docker.txt") == "via docker cp\n"
        d = tmp_path / "dir"
        (d / "in").mkdir(parents=True)
        (d / "in" / "x").write_text("x\n")
        p = daemon.docker("cp", str(d), f"{name}:/tmp/dcopy")
        assert p.returncode == 0, describe(p)
        assert _exec_out(daemon, name, "cat", "/tmp/dcopy/in/x") == "x\n"
        p = daemon.docker("cp", f"{name}:/tmp/dcopy", str(tmp_path / "back"))
        assert p.returncode == 0, describe(p)
        assert (tmp_path / "back" / "in" / "x").read_text() == "x\n"
        p = daemon.docker("cp", f"{name}:/tmp/from-docker.txt", str(tmp_path / "back.txt"))
        assert p.returncode == 0 and (tmp_path / "back.txt").read_text() == "via docker cp\n", describe(p)
        p = daemon.docker("cp", f"{name}:/nope", str(tmp_path))
        assert p.returncode == 1, describe(p)
        assert p.stderr.strip() == f"Error response from daemon: Could not find the file /nope in container {name}", describe(p)
        out = tmp_path / "d.tar"
        p = daemon.docker("export", "-o", str(out), name)
        assert p.returncode == 0, describe(p)
        with tarfile.open(out) as t:
            assert "tmp/from-docker.txt" in t.getnames()
    finally:
        _rm(daemon, name)


# --------------------------------------------------------------------------- docker-py

@pytest.fixture
def dclient(daemon):
    docker = pytest.importorskip("docker")
    c = docker.DockerClient(base_url=daemon.host, timeout=60)
    yield c
    c.close()


def test_docker_py_archive(daemon, dclient):
    name = unique("dpy")
    c = dclient.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    try:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            data = b"from docker-py\n"
            info = tarfile.TarInfo("pyfile.txt")
            info.size = len(data)
            info.mode = 0o600
            t.addfile(info, io.BytesIO(data))
        assert c.put_archive("/tmp", buf.getvalue()) is True
        code, out = c.exec_run(["cat", "/tmp/pyfile.txt"])
        assert code == 0 and out == b"from docker-py\n"
        stream, stat = c.get_archive("/tmp/pyfile.txt")
        assert stat["name"] == "pyfile.txt" and stat["size"] == 15 and stat["mode"] & 0o777 == 0o600, stat
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as t:
            assert t.extractfile("pyfile.txt").read() == b"from docker-py\n"
        data = b"".join(c.export())
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            assert "tmp/pyfile.txt" in t.getnames()
        import docker as docker_mod
        with pytest.raises(docker_mod.errors.NotFound):
            c.get_archive("/no/such/file")
    finally:
        c.remove(force=True)
