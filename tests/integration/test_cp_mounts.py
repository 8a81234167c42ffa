"""cp through a container's mounts, as moby resolves paths against its mount points: named
and anonymous volumes, bind mounts (read-only ones refuse writes), the per-container
/etc/hostname, /etc/hosts and /etc/resolv.conf; running and stopped containers; the
docker CLI and docker-py. Symlinks inside a mount still resolve inside the container."""
import io
import os
import subprocess
import tarfile

import pytest

from conftest import HOIST, describe, inspect, unique


def _exec_out(d, name, *cmd) -> str:
    p = d.hoist("exec", name, *cmd)
    assert p.returncode == 0, describe(p)
    return p.stdout


def _volume_data(d, volume):
    return d.root / "volumes" / volume / "_data"


def _run_with_mounts(d, name, vol, bind, robind, *extra):
    p = d.hoist("run", "-d", "--name", name, "--hostname", "cphost", "-v", f"{vol}:/mnt/data", "-v", "/anon",
                "-v", f"{bind}:/bind", "-v", f"{robind}:/ro:ro", *extra, "busybox", "sleep", "300")
    assert p.returncode == 0, describe(p)


def test_cp_into_and_out_of_volumes_and_binds_of_a_running_container(daemon, tmp_path):
    name, vol = unique("cpm"), unique("cpvol")
    bind, robind = tmp_path / "bind", tmp_path / "robind"
    bind.mkdir()
    robind.mkdir()
    (robind / "given.txt").write_text("read-only source\n")
    _run_with_mounts(daemon, name, vol, bind, robind)
    try:
        src = tmp_path / "host.txt"
        src.write_text("from the host\n")
        # Into a named volume: the volume's directory gets it, the container sees it.
        daemon.ok("cp", str(src), f"{name}:/mnt/data/")
        assert (_volume_data(daemon, vol) / "host.txt").read_text() == "from the host\n"
        assert _exec_out(daemon, name, "cat", "/mnt/data/host.txt") == "from the host\n"
        # Out of an anonymous volume: what the process wrote there.
        daemon.ok("exec", name, "sh", "-c", "echo made in anon > /anon/made.txt")
        daemon.ok("cp", f"{name}:/anon/made.txt", str(tmp_path / "made.txt"))
        assert (tmp_path / "made.txt").read_text() == "made in anon\n"
        # Bind mount, both ways.
        daemon.ok("cp", str(src), f"{name}:/bind/in.txt")
        assert (bind / "in.txt").read_text() == "from the host\n"
        (bind / "hostside.txt").write_text("written on the host\n")
        daemon.ok("cp", f"{name}:/bind/hostside.txt", str(tmp_path / "hostside.txt"))
        assert (tmp_path / "hostside.txt").read_text() == "written on the host\n"
        # A read-only bind: readable, writes refused with docker's message.
        daemon.ok("cp", f"{name}:/ro/given.txt", str(tmp_path / "given.txt"))
        assert (tmp_path / "given.txt").read_text() == "read-only source\n"
        p = daemon.hoist("cp", str(src), f"{name}:/ro/")
        assert p.returncode == 1, describe(p)
        assert p.stderr.strip() == "Error response from daemon: mounted volume is marked read-only", describe(p)
        assert not (robind / "host.txt").exists()

        # A directory holding a mount: its files come from the volume, both ways.
        up = tmp_path / "up"
        (up / "data").mkdir(parents=True)
        (up / "data" / "deep.txt").write_text("through the parent\n")
        daemon.ok("cp", f"{up}/.", f"{name}:/mnt/")
        assert (_volume_data(daemon, vol) / "deep.txt").read_text() == "through the parent\n"
        out = tmp_path / "out"
        out.mkdir()
        daemon.ok("cp", f"{name}:/mnt", str(out))
        assert (out / "mnt" / "data" / "host.txt").read_text() == "from the host\n"
        assert (out / "mnt" / "data" / "deep.txt").read_text() == "through the parent\n"

        # /etc/hostname, /etc/hosts, /etc/resolv.conf: the container's own files.
        daemon.ok("cp", f"{name}:/etc/hostname", str(tmp_path / "hostname"))
        assert (tmp_path / "hostname").read_text() == "cphost\n"
        daemon.ok("cp", f"{name}:/etc", str(out))
        assert (out / "etc" / "hostname").read_text() == "cphost\n"
        assert "cphost" in (out / "etc" / "hosts").read_text()
        assert (out / "etc" / "resolv.conf").read_text() == _exec_out(daemon, name, "cat", "/etc/resolv.conf")
    finally:
        daemon.hoist("rm", "-f", "-v", name)
        daemon.hoist("volume", "rm", vol)


def test_cp_through_volumes_of_a_stopped_container(daemon, tmp_path):
    name, vol = unique("cpms"), unique("cpvols")
    p = daemon.hoist("create", "--name", name, "-v", f"{vol}:/data", "busybox", "cat", "/data/put.txt")
    assert p.returncode == 0, describe(p)
    try:
        src = tmp_path / "put.txt"
        src.write_text("put while created\n")
        daemon.ok("cp", str(src), f"{name}:/data/")
        assert (_volume_data(daemon, vol) / "put.txt").read_text() == "put while created\n"
        p = daemon.hoist("start", "-a", name)
        assert p.returncode == 0 and p.stdout == "put while created\n", describe(p)
        # Exited: the volume's file is read back, and written.
        (_volume_data(daemon, vol) / "put.txt").write_text("changed in the volume\n")
        daemon.ok("cp", f"{name}:/data/put.txt", str(tmp_path / "back.txt"))
        assert (tmp_path / "back.txt").read_text() == "changed in the volume\n"
        src.write_text("second\n")
        daemon.ok("cp", str(src), f"{name}:/data/put.txt")
        p = daemon.hoist("start", "-a", name)
        assert p.returncode == 0 and p.stdout == "second\n", describe(p)
    finally:
        daemon.hoist("rm", "-f", name)
        daemon.hoist("volume", "rm", vol)


def test_cp_symlinks_in_mounts_resolve_inside_the_container(daemon, tmp_path):
    """A link in a bind mount that climbs out, or points at /, lands in the container."""
    name = unique("cpml")
    bind = tmp_path / "bind"
    bind.mkdir()
    host_target = tmp_path / "hostonly"
    host_target.mkdir()
    p = daemon.hoist("run", "-d", "--name", name, "--hostname", "linkhost", "-v", f"{bind}:/bind", "busybox", "sleep", "300")
    assert p.returncode == 0, describe(p)
    try:
        # Made on the host side: links whose host meaning would escape the bind source.
        os.symlink("../" * 12 + str(host_target.relative_to("/")), bind / "climb")
        os.symlink("/etc", bind / "abs-etc")
        daemon.ok("exec", name, "mkdir", "-p", str(host_target))
        f = tmp_path / "payload.txt"
        f.write_text("payload\n")
        daemon.ok("cp", str(f), f"{name}:/bind/climb/")
        assert not (host_target / "payload.txt").exists(), "cp through a bind's symlink wrote on the host"
        assert _exec_out(daemon, name, "cat", f"{host_target}/payload.txt") == "payload\n"
        # /bind/abs-etc/hostname is the container's /etc/hostname, not the host's.
        daemon.ok("cp", f"{name}:/bind/abs-etc/hostname", str(tmp_path / "hn"))
        assert (tmp_path / "hn").read_text() == "linkhost\n"
        # A tar whose entries climb out of the mount is refused.
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            info = tarfile.TarInfo("../../../../../../../../" + str(host_target.relative_to("/")) + "/evil.txt")
            info.size = 5
            t.addfile(info, io.BytesIO(b"evil\n"))
        p = subprocess.run([str(HOIST), "cp", "-", f"{name}:/bind"], env=daemon.env, input=buf.getvalue(),
                           capture_output=True, timeout=60)
        assert p.returncode == 1 and b"escapes" in p.stderr, p.stderr
        assert not (host_target / "evil.txt").exists()
    finally:
        daemon.hoist("rm", "-f", name)


def test_docker_cli_cp_with_volumes(daemon, tmp_path):
    name, vol = unique("dcpm"), unique("dcpvol")
    robind = tmp_path / "robind"
    robind.mkdir()
    p = daemon.hoist("run", "-d", "--name", name, "-v", f"{vol}:/data", "-v", f"{robind}:/ro:ro", "--read-only",
                     "busybox", "sleep", "300")
    assert p.returncode == 0, describe(p)
    try:
        src = tmp_path / "d.txt"
        src.write_text("docker cp into a volume\n")
        # A read-only root still takes files into a writable volume (moby's rule).
        p = daemon.docker("cp", str(src), f"{name}:/data/")
        assert p.returncode == 0, describe(p)
        assert (_volume_data(daemon, vol) / "d.txt").read_text() == "docker cp into a volume\n"
        p = daemon.docker("cp", f"{name}:/data/d.txt", str(tmp_path / "back.txt"))
        assert p.returncode == 0 and (tmp_path / "back.txt").read_text() == "docker cp into a volume\n", describe(p)
        p = daemon.docker("cp", str(src), f"{name}:/ro/")
        assert p.returncode == 1 and "mounted volume is marked read-only" in p.stderr, describe(p)
        p = daemon.docker("cp", str(src), f"{name}:/tmp/")
        assert p.returncode == 1 and "container rootfs is marked read-only" in p.stderr, describe(p)
        mounts = {m["Destination"]: m for m in inspect(daemon, name)["Mounts"]}
        assert mounts["/data"]["Name"] == vol
    finally:
        daemon.hoist("rm", "-f", name)
        daemon.hoist("volume", "rm", vol)


def test_docker_py_archive_through_a_volume(daemon, tmp_path):
    """put_archive/get_archive (the archive API) into and out of a volume and a read-only bind."""
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    vol = unique("pyvol")
    ro = tmp_path / "ro"
    ro.mkdir()
    c = client.containers.run("busybox", ["sleep", "300"], detach=True, name=unique("pycpm"),
                              volumes={vol: {"bind": "/vol", "mode": "rw"}, str(ro): {"bind": "/ro", "mode": "ro"}})
    try:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            info = tarfile.TarInfo("py.txt")
            info.size = 3
            t.addfile(info, io.BytesIO(b"py\n"))
        assert c.put_archive("/vol", buf.getvalue()) is True
        assert (_volume_data(daemon, vol) / "py.txt").read_bytes() == b"py\n"
        stream, stat = c.get_archive("/vol/py.txt")
        assert stat["name"] == "py.txt" and stat["size"] == 3, stat
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as t:
            assert t.extractfile("py.txt").read() == b"py\n"
        with pytest.raises(docker.errors.APIError) as e:
            c.put_archive("/ro", buf.getvalue())
        assert e.value.status_code == 400 and "mounted volume is marked read-only" in str(e.value)
    finally:
        c.remove(force=True, v=True)
        client.volumes.get(vol).remove()
        client.close()


def test_cp_into_a_created_containers_volume_keeps_the_images_files(daemon, tmp_path):
    """docker fills a volume from the image at create: a file copied in before the first start
    joins the image's files instead of stopping the fill."""
    name, vol = unique("cpfill"), unique("cpfillv")
    daemon.ok("create", "--name", name, "-v", f"{vol}:/etc", "busybox", "sh", "-c", "ls /etc")
    try:
        f = tmp_path / "added.conf"
        f.write_text("added\n")
        daemon.ok("cp", str(f), f"{name}:/etc/")
        data = _volume_data(daemon, vol)
        assert (data / "added.conf").read_text() == "added\n"
        assert (data / "passwd").exists(), sorted(p.name for p in data.iterdir())
        p = daemon.hoist("start", "-a", name)
        assert p.returncode == 0, describe(p)
        assert "added.conf" in p.stdout.split() and "passwd" in p.stdout.split(), p.stdout
    finally:
        daemon.hoist("rm", "-f", name)
        daemon.hoist("volume", "rm", vol)
