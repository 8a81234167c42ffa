"""Volumes and mounts: `hoist volume ...`, `run -v/--mount/--tmpfs/--volumes-from`, `rm -v`,
through `hoist`, the `docker` CLI (DOCKER_HOST) and docker-py. After each test no mount
is left under the daemon's directory beyond the ones it had before."""
import json
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from conftest import _mounts_under, describe, header_columns, inspect, parse_table, unique

HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture(autouse=True)
def no_stray_mounts(request):
    """Containers made by the test are removed by it; afterwards the mounts under the
    daemon's tmp dir are the ones that were there before."""
    d = request.getfixturevalue("fresh_daemon") if "fresh_daemon" in request.fixturenames else request.getfixturevalue("daemon")
    before = set(_mounts_under(str(d.tmp)))
    yield
    if d.proc is None:
        return
    ids = d.hoist("ps", "-aq", "--no-trunc").stdout.split()
    after = set(_mounts_under(str(d.tmp)))
    # Rootfs mounts of containers other tests left running are not ours to judge.
    running = {f"{d.root}/containers/{i}/rootfs" for i in ids}
    assert after - before - running == set(), f"stray mounts: {sorted(after - before - running)}"
    with open("/proc/mounts") as f:
        volmounts = [l for l in f if f"{d.root}/volumes" in l]
    assert volmounts == [], volmounts


def rm(d, *names):
    d.hoist("rm", "-f", *names)


def vol_rm(d, *names):
    d.hoist("volume", "rm", "-f", *names)


def volume_names(d):
    return set(d.ok("volume", "ls", "-q").split())


# --------------------------------------------------------------------------- volume commands

def test_volume_create_ls_inspect_rm(daemon):
    name = unique("v")
    assert daemon.ok("volume", "create", "--label", "team=storage", "--label", "plain", name) == name + "\n"
    try:
        # Creating it again returns the same volume.
        assert daemon.ok("volume", "create", name) == name + "\n"
        out = daemon.ok("volume", "ls")
        assert header_columns(out) == ["DRIVER", "VOLUME NAME"], out
        assert out.splitlines()[0] == "DRIVER    VOLUME NAME", out
        rows = parse_table(out)
        assert {"DRIVER": "local", "VOLUME NAME": name} in rows, out
        assert name in daemon.ok("volume", "ls", "-q").split()
        assert daemon.ok("volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}", "-f", f"name={name}") == f"{name} local local\n"
        assert daemon.ok("volume", "ls", "-q", "-f", "label=team=storage", "-f", f"name={name}") == name + "\n"
        assert daemon.ok("volume", "ls", "-q", "-f", "label=team=other", "-f", f"name={name}") == ""
        assert daemon.ok("volume", "ls", "-q", "-f", "dangling=true", "-f", f"name={name}") == name + "\n"
        assert daemon.ok("volume", "ls", "-q", "-f", "driver=local", "-f", f"name={name}") == name + "\n"
        p = daemon.hoist("volume", "ls", "-f", "bogus=1")
        assert p.returncode == 1 and p.stderr.strip() == "Error response from daemon: invalid filter 'bogus'", describe(p)

        info = json.loads(daemon.ok("volume", "inspect", name))
        assert len(info) == 1
        v = info[0]
        assert list(v.keys()) == ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"], v
        assert v["Name"] == name and v["Driver"] == "local" and v["Scope"] == "local"
        assert v["Labels"] == {"team": "storage", "plain": ""}
        assert v["Mountpoint"] == f"{daemon.root}/volumes/{name}/_data"
        assert Path(v["Mountpoint"]).is_dir()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v["CreatedAt"]), v
        assert daemon.ok("volume", "inspect", "-f", "{{.Driver}}:{{.Name}}", name) == f"local:{name}\n"
    finally:
        assert daemon.ok("volume", "rm", name) == name + "\n"
    assert not (daemon.root / "volumes" / name).exists()
    p = daemon.hoist("volume", "inspect", name)
    assert p.returncode == 1 and p.stderr.strip() == f"Error response from daemon: get {name}: no such volume", describe(p)
    p = daemon.hoist("volume", "rm", name)
    assert p.returncode == 1 and p.stderr.strip() == f"Error response from daemon: get {name}: no such volume", describe(p)
    assert daemon.hoist("volume", "rm", "-f", name).returncode == 0


def test_volume_create_without_name_is_random_hex(daemon):
    out = daemon.ok("volume", "create").strip()
    try:
        assert HEX64.fullmatch(out), out
    finally:
        vol_rm(daemon, out)


def test_volume_name_rules(daemon):
    p = daemon.hoist("volume", "create", "bad/name")
    assert p.returncode == 1, describe(p)
    assert p.stderr.strip() == ('Error response from daemon: create bad/name: "bad/name" includes invalid characters for a local '
                                'volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
                                'directory, use absolute path'), describe(p)
    p = daemon.hoist("volume", "create", "-d", "nfsplugin", unique("v"))
    assert p.returncode == 1 and 'plugin "nfsplugin" not found' in p.stderr, describe(p)


# --------------------------------------------------------------------------- data across containers

def test_named_volume_data_is_shared_and_created_on_first_use(daemon):
    vol = unique("v")
    try:
        daemon.ok("run", "--rm", "-v", f"{vol}:/data", "busybox", "sh", "-c", "echo hello > /data/f")
        assert vol in volume_names(daemon)
        assert daemon.ok("run", "--rm", "-v", f"{vol}:/other", "busybox", "cat", "/other/f") == "hello\n"
        assert (daemon.root / "volumes" / vol / "_data" / "f").read_text() == "hello\n"
    finally:
        vol_rm(daemon, vol)


@pytest.fixture
def seeded_image(daemon):
    """An image with /data/f (uid 1000, mode 640) in a dir of mode 750, plus VOLUME /seeded."""
    name, repo = unique("c"), unique("seed")
    daemon.ok("run", "--name", name, "busybox", "sh", "-c",
              "mkdir -p /data/sub /seeded && echo seed > /data/f && chown 1000:1000 /data/f && chmod 640 /data/f "
              "&& chmod 750 /data && ln -s f /data/link && echo inimage > /seeded/g")
    daemon.ok("commit", "-c", 'VOLUME ["/seeded"]', name, repo)
    rm(daemon, name)
    yield repo
    daemon.hoist("rmi", "-f", repo)


def test_volume_prefilled_from_image_once(daemon, seeded_image):
    vol = unique("v")
    try:
        out = daemon.ok("run", "--rm", "-v", f"{vol}:/data", seeded_image, "sh", "-c",
                        "stat -c '%u %a' /data/f /data; readlink /data/link; cat /data/f")
        assert out == "1000 640\n0 750\nf\nseed\n", out
        data = daemon.root / "volumes" / vol / "_data"
        st = os.stat(data / "f")
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (1000, 0o640)
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o750
        assert (data / "link").is_symlink() and os.readlink(data / "link") == "f"
        # A volume that already has content is not overwritten by the image's.
        daemon.ok("run", "--rm", "-v", f"{vol}:/data", "busybox", "sh", "-c", "echo mine > /data/f")
        assert daemon.ok("run", "--rm", "-v", f"{vol}:/data", seeded_image, "cat", "/data/f") == "mine\n"
        # nocopy leaves a new volume empty.
        vol2 = unique("v")
        try:
            assert daemon.ok("run", "--rm", "-v", f"{vol2}:/data:nocopy", seeded_image, "ls", "-A", "/data") == ""
        finally:
            vol_rm(daemon, vol2)
    finally:
        vol_rm(daemon, vol)


def test_image_volume_is_anonymous_and_rm_v_removes_it(daemon, seeded_image):
    name = unique("c")
    daemon.ok("run", "--name", name, seeded_image, "cat", "/seeded/g")
    try:
        mounts = inspect(daemon, name)["Mounts"]
        assert len(mounts) == 1, mounts
        m = mounts[0]
        assert m["Type"] == "volume" and HEX64.fullmatch(m["Name"]) and m["Destination"] == "/seeded", m
        assert m == {"Type": "volume", "Name": m["Name"], "Source": f"{daemon.root}/volumes/{m['Name']}/_data",
                     "Destination": "/seeded", "Driver": "local", "Mode": "", "RW": True, "Propagation": ""}, m
        assert (Path(m["Source"]) / "g").read_text() == "inimage\n"
        v = json.loads(daemon.ok("volume", "inspect", m["Name"]))[0]
        assert v["Labels"] == {"com.docker.volume.anonymous": ""}, v
        assert daemon.ok("logs", name) == "inimage\n"
    finally:
        daemon.ok("rm", "-v", name)
    assert m["Name"] not in volume_names(daemon)


def test_rm_keeps_volumes_without_v_and_named_ones_with_v(daemon):
    name, vol = unique("c"), unique("v")
    daemon.ok("create", "--name", name, "-v", f"{vol}:/named", "-v", "/anon", "busybox", "true")
    mounts = {m["Destination"]: m for m in inspect(daemon, name)["Mounts"]}
    anon = mounts["/anon"]["Name"]
    assert mounts["/named"]["Name"] == vol and mounts["/named"]["Mode"] == "z", mounts
    assert HEX64.fullmatch(anon)
    daemon.ok("rm", "-v", name)
    try:
        names = volume_names(daemon)
        assert vol in names and anon not in names
        # Without -v the anonymous volume stays.
        name2 = unique("c")
        daemon.ok("create", "--name", name2, "-v", "/anon", "busybox", "true")
        anon2 = inspect(daemon, name2)["Mounts"][0]["Name"]
        daemon.ok("rm", name2)
        assert anon2 in volume_names(daemon)
        vol_rm(daemon, anon2)
    finally:
        vol_rm(daemon, vol)


def test_run_rm_removes_anonymous_volumes(daemon):
    before = volume_names(daemon)
    daemon.ok("run", "--rm", "-v", "/scratch", "busybox", "sh", "-c", "echo x > /scratch/y")
    assert volume_names(daemon) == before


def test_volume_in_use_cannot_be_removed(daemon):
    name, vol = unique("c"), unique("v")
    cid = daemon.ok("create", "--name", name, "-v", f"{vol}:/data", "busybox", "true").strip()
    try:
        for args in (["volume", "rm", vol], ["volume", "rm", "-f", vol]):
            p = daemon.hoist(*args)
            assert p.returncode == 1, describe(p)
            assert p.stderr.strip() == f"Error response from daemon: remove {vol}: volume is in use - [{cid}]", describe(p)
        assert daemon.ok("volume", "ls", "-q", "-f", "dangling=false", "-f", f"name={vol}") == vol + "\n"
        # Running or not: started, it is still refused.
        daemon.ok("start", name)
        assert daemon.hoist("volume", "rm", vol).returncode == 1
    finally:
        rm(daemon, name)
    assert daemon.ok("volume", "rm", vol) == vol + "\n"


def test_failed_create_leaves_no_volume(daemon):
    vol = unique("v")
    p = daemon.hoist("run", "--rm", "-v", f"{vol}:/data", "-v", f"{vol}x:/data", "busybox", "true")
    assert p.returncode == 125, describe(p)
    assert "Duplicate mount point: /data" in p.stderr, describe(p)
    names = volume_names(daemon)
    assert vol not in names and vol + "x" not in names
    assert not (daemon.root / "volumes" / vol).exists()
    p = daemon.hoist("run", "--rm", "--pull", "never", "-v", f"{vol}:/data", "no-such-image-here", "true")
    assert p.returncode != 0
    assert vol not in volume_names(daemon)


# --------------------------------------------------------------------------- binds

def test_bind_mount_both_ways_and_missing_path_created(daemon):
    host = Path(tempfile.mkdtemp(prefix="hoist-it-bind-"))
    try:
        (host / "in").write_text("from host\n")
        out = daemon.ok("run", "--rm", "-v", f"{host}:/mnt/h", "busybox", "sh", "-c", "cat /mnt/h/in; echo from ctr > /mnt/h/out")
        assert out == "from host\n"
        assert (host / "out").read_text() == "from ctr\n"
        missing = host / "made" / "deep"
        name = unique("c")
        daemon.ok("run", "--name", name, "-v", f"{missing}:/m:rw,rshared", "busybox", "touch", "/m/t")
        try:
            assert (missing / "t").exists()
            m = inspect(daemon, name)["Mounts"]
            assert m == [{"Type": "bind", "Source": str(missing), "Destination": "/m", "Mode": "rw,rshared", "RW": True,
                          "Propagation": "rshared"}], m
        finally:
            rm(daemon, name)
    finally:
        shutil.rmtree(host, ignore_errors=True)


def test_relative_bind_path_rejected(daemon):
    name = unique("c")
    p = daemon.hoist("run", "--name", name, "-v", "rel/dir:/x", "busybox", "true")
    assert p.returncode == 125, describe(p)
    assert ('Error response from daemon: create rel/dir: "rel/dir" includes invalid characters for a local volume name, '
            'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path') in p.stderr, describe(p)
    assert daemon.hoist("inspect", name).returncode != 0
    p = daemon.hoist("run", "--rm", "-v", "/tmp:relative", "busybox", "true")
    assert p.returncode == 125 and "invalid volume specification: '/tmp:relative'" in p.stderr \
        and "mount path must be absolute" in p.stderr, describe(p)


def test_readonly_enforced(daemon):
    vol = unique("v")
    host = Path(tempfile.mkdtemp(prefix="hoist-it-ro-"))
    try:
        for args in (["-v", f"{vol}:/data:ro"], ["-v", f"{host}:/data:ro"],
                     ["--mount", f"type=bind,source={host},target=/data,readonly"],
                     ["--mount", f"type=volume,source={vol},target=/data,ro=true"]):
            p = daemon.hoist("run", "--rm", *args, "busybox", "touch", "/data/x")
            assert p.returncode == 1, describe(p)
            assert "Read-only file system" in p.stderr, describe(p)
        assert not (host / "x").exists()
        name = unique("c")
        daemon.ok("create", "--name", name, "-v", f"{vol}:/data:ro", "busybox", "true")
        m = inspect(daemon, name)["Mounts"][0]
        rm(daemon, name)
        assert (m["Mode"], m["RW"]) == ("ro", False), m
    finally:
        vol_rm(daemon, vol)
        shutil.rmtree(host, ignore_errors=True)


def test_mount_flag(daemon):
    host = Path(tempfile.mkdtemp(prefix="hoist-it-mount-"))
    vol = unique("v")
    try:
        (host / "a").write_text("A\n")
        name = unique("c")
        daemon.ok("run", "--name", name, "--mount", f"type=bind,source={host},target=/b",
                  "--mount", f"type=volume,source={vol},target=/v,volume-label=k=v",
                  "--mount", "type=tmpfs,target=/t,tmpfs-size=1m",
                  "busybox", "sh", "-c", "cat /b/a && echo in-vol > /v/f && grep ' /t ' /proc/mounts")
        try:
            out = daemon.ok("logs", name)
            assert out.startswith("A\ntmpfs /t tmpfs ") and "size=1024k" in out, out
            mounts = {m["Destination"]: m for m in inspect(daemon, name)["Mounts"]}
            assert mounts["/b"] == {"Type": "bind", "Source": str(host), "Destination": "/b", "Mode": "", "RW": True,
                                    "Propagation": "rprivate"}, mounts
            assert mounts["/v"]["Name"] == vol and mounts["/v"]["Mode"] == "", mounts
            assert mounts["/t"]["Type"] == "tmpfs", mounts
            assert json.loads(daemon.ok("volume", "inspect", vol))[0]["Labels"] == {"k": "v"}
        finally:
            rm(daemon, name)
        assert (daemon.root / "volumes" / vol / "_data" / "f").read_text() == "in-vol\n"
    finally:
        vol_rm(daemon, vol)
        shutil.rmtree(host, ignore_errors=True)


def test_mount_flag_missing_bind_source_refused(daemon):
    name = unique("c")
    p = daemon.hoist("run", "--name", name, "--mount", "type=bind,source=/nonexistent-hoist-x,target=/x", "busybox", "true")
    assert p.returncode == 125, describe(p)
    assert ('Error response from daemon: invalid mount config for type "bind": bind source path does not exist: '
            '/nonexistent-hoist-x') in p.stderr, describe(p)
    assert not os.path.exists("/nonexistent-hoist-x")
    assert daemon.hoist("inspect", name).returncode != 0
    p = daemon.hoist("run", "--rm", "--mount", "type=bind,target=/x,foo=bar", "busybox", "true")
    assert p.returncode == 125 and "unexpected key 'foo' in 'foo=bar'" in p.stderr, describe(p)
    p = daemon.hoist("run", "--rm", "--mount", "type=bind,source=/tmp", "busybox", "true")
    assert p.returncode == 125 and "target is required" in p.stderr, describe(p)


def test_tmpfs_flag(daemon):
    out = daemon.ok("run", "--rm", "--tmpfs", "/scratch:size=2m,mode=1770", "busybox", "sh", "-c",
                    "grep ' /scratch ' /proc/mounts; stat -c %a /scratch; echo hi > /scratch/f && cat /scratch/f")
    lines = out.splitlines()
    assert lines[0].startswith("tmpfs /scratch tmpfs ") and "size=2048k" in lines[0] and "noexec" in lines[0], out
    assert lines[1:] == ["1770", "hi"], out


def test_volumes_from(daemon):
    src, vol = unique("c"), unique("v")
    host = Path(tempfile.mkdtemp(prefix="hoist-it-vf-"))
    daemon.ok("run", "--name", src, "-v", f"{vol}:/data", "-v", f"{host}:/hostdir", "-v", "/anon",
              "busybox", "sh", "-c", "echo shared > /data/f && echo a > /anon/f")
    try:
        out = daemon.ok("run", "--rm", "--volumes-from", src, "busybox", "sh", "-c",
                        "cat /data/f /anon/f; echo back > /hostdir/g; echo more > /data/h")
        assert out == "shared\na\n"
        assert (host / "g").read_text() == "back\n"
        p = daemon.hoist("run", "--rm", "--volumes-from", f"{src}:ro", "busybox", "touch", "/data/x")
        assert p.returncode == 1 and "Read-only file system" in p.stderr, describe(p)
        p = daemon.hoist("run", "--rm", "--volumes-from", "no-such-container-x", "busybox", "true")
        assert p.returncode == 125 and "No such container: no-such-container-x" in p.stderr, describe(p)
        cid = inspect(daemon, src)["Id"]
        p = daemon.hoist("volume", "rm", vol)
        assert p.returncode == 1 and f"volume is in use - [{cid}]" in p.stderr, describe(p)
    finally:
        daemon.ok("rm", "-v", src)
        vol_rm(daemon, vol)
        shutil.rmtree(host, ignore_errors=True)


# --------------------------------------------------------------------------- prune, survival (private daemons)

def test_prune(fresh_daemon):
    d = fresh_daemon
    keep, named, labelled = unique("keep"), unique("named"), unique("lab")
    d.ok("volume", "create", named)
    d.ok("volume", "create", "--label", "tier=cold", labelled)
    user = unique("c")
    d.ok("create", "--name", user, "-v", f"{keep}:/k", "-v", "/anon-used", "busybox", "true")
    anon_used = [m["Name"] for m in inspect(d, user)["Mounts"] if m["Destination"] == "/anon-used"][0]
    orphan = unique("c")
    d.ok("create", "--name", orphan, "-v", "/anon", "busybox", "true")
    anon = inspect(d, orphan)["Mounts"][0]["Name"]
    d.ok("rm", orphan)
    # Declined at the prompt: nothing removed.
    p = d.hoist("volume", "prune", input="n\n")
    assert p.returncode == 0 and p.stdout.startswith(
        "WARNING! This will remove anonymous local volumes not used by at least one container.\n"
        "Are you sure you want to continue? [y/N] "), describe(p)
    assert {named, labelled, anon} <= volume_names(d)
    # A label filter narrows it.
    out = d.ok("volume", "prune", "-f", "--filter", "label=tier=cold")
    assert out == f"Deleted Volumes:\n{labelled}\n\nTotal reclaimed space: 0B\n", out
    (d.root / "volumes" / anon / "_data" / "blob").write_bytes(b"x" * 2000)
    # The announced API (1.41) predates anonymous-only prune: unused named volumes go too.
    out = d.ok("volume", "prune", "-f")
    assert out.startswith("Deleted Volumes:\n") and out.endswith("\nTotal reclaimed space: 2kB\n"), out
    assert set(out.split("\n\n")[0].splitlines()[1:]) == {named, anon}, out
    assert volume_names(d) == {keep, anon_used}
    assert d.ok("volume", "prune", "-f") == "Total reclaimed space: 0B\n"
    d.ok("rm", user)


def test_data_survives_rm_of_all_containers_and_daemon_restart(fresh_daemon):
    d = fresh_daemon
    vol = unique("v")
    d.ok("run", "--name", unique("c"), "-v", f"{vol}:/data", "busybox", "sh", "-c", "echo durable > /data/f")
    d.ok("run", "-d", "--name", unique("c"), "-v", f"{vol}:/data", "busybox", "sleep", "300")
    d.ok("rm", "-f", *d.ok("ps", "-aq").split())
    assert d.ok("ps", "-aq") == ""
    d.stop()
    d.start()
    assert vol in volume_names(d)
    assert d.ok("run", "--rm", "-v", f"{vol}:/data", "busybox", "cat", "/data/f") == "durable\n"
    # In-use tracking survives the restart too.
    name = unique("c")
    d.ok("create", "--name", name, "-v", f"{vol}:/data", "busybox", "true")
    d.stop()
    d.start()
    assert d.hoist("volume", "rm", vol).returncode == 1
    d.ok("rm", name)
    assert d.ok("volume", "rm", vol) == vol + "\n"


# --------------------------------------------------------------------------- docker CLI, docker-py

def test_docker_cli_volumes(daemon):
    vol = unique("v")
    p = daemon.docker("volume", "create", "--label", "via=docker", vol)
    assert p.returncode == 0 and p.stdout == vol + "\n", describe(p)
    try:
        p = daemon.docker("volume", "ls", "-f", f"name={vol}")
        assert p.returncode == 0, describe(p)
        assert p.stdout.splitlines()[0] == "DRIVER    VOLUME NAME" and parse_table(p.stdout) == [{"DRIVER": "local", "VOLUME NAME": vol}], p.stdout
        p = daemon.docker("volume", "inspect", "--format", "{{.Mountpoint}} {{.Labels}}", vol)
        assert p.stdout == f"{daemon.root}/volumes/{vol}/_data map[via:docker]\n", describe(p)
        p = daemon.docker("run", "--rm", "--network", "none", "-v", f"{vol}:/data", "busybox", "sh", "-c", "echo d > /data/f")
        assert p.returncode == 0, describe(p)
        name = unique("c")
        p = daemon.docker("run", "--network", "none", "--name", name, "-v", f"{vol}:/data:ro", "busybox", "cat", "/data/f")
        assert p.returncode == 0 and p.stdout == "d\n", describe(p)
        p = daemon.docker("inspect", "--format", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}", name)
        assert p.stdout == f"volume {vol} /data false\n", describe(p)
        cid = inspect(daemon, name)["Id"]
        p = daemon.docker("volume", "rm", vol)
        assert p.returncode == 1 and p.stderr.strip() == f"Error response from daemon: remove {vol}: volume is in use - [{cid}]", describe(p)
        daemon.docker("rm", name)
        p = daemon.docker("run", "--rm", "--network", "none", "--mount", "type=bind,source=/nonexistent-hoist-y,target=/x", "busybox", "true")
        assert p.returncode == 125 and \
            'invalid mount config for type "bind": bind source path does not exist: /nonexistent-hoist-y' in p.stderr, describe(p)
        p = daemon.docker("run", "--rm", "--network", "none", "--tmpfs", "/tt", "busybox", "grep", "-c", " /tt tmpfs ", "/proc/mounts")
        assert p.returncode == 0 and p.stdout == "1\n", describe(p)
        p = daemon.docker("volume", "prune", "-f", "--filter", "label=via=nothing")
        assert p.returncode == 0 and p.stdout == "Total reclaimed space: 0B\n", describe(p)
    finally:
        p = daemon.docker("volume", "rm", vol)
    assert p.returncode == 0 and p.stdout == vol + "\n", describe(p)


def test_docker_py_volumes(daemon):
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.host, timeout=60)
    vol = unique("v")
    try:
        v = client.volumes.create(name=vol, labels={"py": "1"})
        assert v.name == vol and v.attrs["Driver"] == "local" and v.attrs["Labels"] == {"py": "1"}
        assert vol in [x.name for x in client.volumes.list()]
        assert [x.name for x in client.volumes.list(filters={"label": "py=1", "name": vol})] == [vol]
        assert client.volumes.get(vol).attrs["Mountpoint"] == f"{daemon.root}/volumes/{vol}/_data"
        out = client.containers.run("busybox", ["sh", "-c", "echo py > /data/f; cat /data/f"], remove=True,
                                    volumes={vol: {"bind": "/data", "mode": "rw"}})
        assert out == b"py\n"
        host = tempfile.mkdtemp(prefix="hoist-it-py-")
        try:
            out = client.containers.run("busybox", ["sh", "-c", "cat /v/f > /h/copy"], remove=True,
                                        volumes=[f"{vol}:/v:ro", f"{host}:/h"])
            assert Path(host, "copy").read_text() == "py\n"
        finally:
            shutil.rmtree(host, ignore_errors=True)
        c = client.containers.create("busybox", "true", volumes={vol: {"bind": "/data", "mode": "ro"}})
        with pytest.raises(docker.errors.APIError) as e:
            client.volumes.get(vol).remove()
        assert e.value.status_code == 409 and "volume is in use" in str(e.value)
        c.remove()
        with pytest.raises(docker.errors.NotFound):
            client.volumes.get("no-such-volume-here")
        res = client.volumes.prune(filters={"label": "py=nothing"})
        assert res.get("VolumesDeleted") in (None, []) and res["SpaceReclaimed"] == 0, res
        client.volumes.get(vol).remove()
        assert vol not in [x.name for x in client.volumes.list()]
    finally:
        vol_rm(daemon, vol)
        client.close()


def test_ps_lists_mounts_and_filters_by_volume_and_network(daemon):
    """`GET /containers/json` carries `Mounts` as moby's (ps --format {{.Mounts}}, the
    `volume=` and `network=` filters), through the docker CLI and docker-py."""
    vol, name, other = unique("v"), unique("c"), unique("c")
    host = tempfile.mkdtemp(prefix="hoist-it-psmounts-")
    try:
        daemon.ok("create", "--name", name, "--network", "none", "-v", f"{vol}:/data", "-v", f"{host}:/h:ro",
                  "busybox", "true")
        daemon.ok("create", "--name", other, "busybox", "true")
        p = daemon.docker("ps", "-a", "--no-trunc", "--filter", f"name={name}", "--format", "{{.Mounts}}|{{.LocalVolumes}}")
        assert p.returncode == 0 and p.stdout == f"{vol},{host}|1\n", describe(p)
        p = daemon.docker("ps", "-a", "--filter", f"name={name}", "--format", "{{.Mounts}}")
        assert p.stdout.split(",")[1].rstrip("\n") == host[:14] + "…", describe(p)
        for v in (vol, "/data", host, "/h"):
            p = daemon.docker("ps", "-a", "--filter", f"volume={v}", "--format", "{{.Names}}")
            assert p.returncode == 0 and p.stdout == f"{name}\n", (v, describe(p))
        p = daemon.docker("ps", "-a", "--filter", "volume=no-such-volume", "-q")
        assert p.returncode == 0 and p.stdout == "", describe(p)
        p = daemon.docker("ps", "-a", "--filter", "network=none", "--filter", f"name={name}", "--format", "{{.Names}}")
        assert p.stdout == f"{name}\n", describe(p)
        p = daemon.docker("ps", "-a", "--filter", "network=bridge", "--format", "{{.Names}}")
        assert other in p.stdout.split() and name not in p.stdout.split(), describe(p)

        docker = pytest.importorskip("docker")
        client = docker.DockerClient(base_url=daemon.host, timeout=60)
        try:
            [c] = client.containers.list(all=True, filters={"volume": vol})
            mounts = sorted(c.attrs["Mounts"], key=lambda m: m["Destination"])
            assert mounts == [
                {"Type": "volume", "Name": vol, "Source": f"{daemon.root}/volumes/{vol}/_data", "Destination": "/data",
                 "Driver": "local", "Mode": "z", "RW": True, "Propagation": ""},
                {"Type": "bind", "Source": host, "Destination": "/h", "Mode": "ro", "RW": False, "Propagation": "rprivate"},
            ], mounts
        finally:
            client.close()
    finally:
        daemon.hoist("rm", "-f", name, other)
        vol_rm(daemon, vol)
        shutil.rmtree(host, ignore_errors=True)
