"""The real `docker` CLI (client only) driving hoistd through DOCKER_HOST."""
import io
import json
import re
import shutil
import tarfile

import pytest

from conftest import describe, parse_table, unique

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="docker CLI not on PATH")


def test_docker_version_sees_server(daemon):
    p = daemon.docker("version")
    assert p.returncode == 0, describe(p)
    assert re.search(r"^Server:", p.stdout, re.M), describe(p)


def test_docker_run_echo(daemon):
    name = unique()
    p = daemon.docker("run", "--name", name, "busybox", "echo", "hi", "there")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "hi there\n", describe(p)
    p = daemon.docker("logs", name)
    assert p.returncode == 0 and p.stdout == "hi there\n", describe(p)
    p = daemon.docker("rm", name)
    assert p.returncode == 0 and p.stdout.strip() == name, describe(p)
    p = daemon.docker("ps", "-a", "--format", "{{.Names}}")
    assert name not in p.stdout.split(), describe(p)


def test_docker_run_rm_and_stderr(daemon):
    p = daemon.docker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "out\n" and p.stderr == "err\n", describe(p)


def test_docker_run_stdin(daemon):
    p = daemon.docker("run", "--rm", "-i", "busybox", "tr", "a-z", "A-Z", input="shout\n")
    assert p.returncode == 0, describe(p)
    assert p.stdout == "SHOUT\n", describe(p)


def test_docker_run_exit_codes(daemon):
    p = daemon.docker("run", "--rm", "busybox", "sh", "-c", "exit 3")
    assert p.returncode == 3, describe(p)
    p = daemon.docker("run", "--rm", "busybox", "nosuchcmd-xyz")
    assert p.returncode == 127, describe(p)
    assert "nosuchcmd-xyz" in p.stderr, describe(p)
    p = daemon.docker("run", "--rm", "busybox", "/etc/passwd")
    assert p.returncode == 126, describe(p)


def test_docker_run_unknown_image(daemon):
    image = unique("nosuchimage")
    p = daemon.docker("run", "--rm", image, "true", timeout=120)
    assert p.returncode != 0, describe(p)
    assert p.returncode == 125, describe(p)
    assert image in p.stderr, describe(p)
    assert "Error" in p.stderr, describe(p)


def test_docker_run_bad_memory(daemon):
    p = daemon.docker("run", "--rm", "--memory", "lots", "busybox", "true")
    assert p.returncode == 125, describe(p)


def test_docker_ps_a_and_inspect(daemon):
    name = unique()
    p = daemon.docker("run", "--name", name, "busybox", "sh", "-c", "exit 2")
    assert p.returncode == 2, describe(p)
    p = daemon.docker("ps", "-a")
    assert p.returncode == 0, describe(p)
    rows = {r["NAMES"]: r for r in parse_table(p.stdout)}
    assert name in rows, describe(p)
    assert rows[name]["IMAGE"] == "busybox"
    assert re.match(r"Exited \(2\) ", rows[name]["STATUS"]), describe(p)
    p = daemon.docker("inspect", name)
    assert p.returncode == 0, describe(p)
    c = json.loads(p.stdout)[0]
    assert c["Name"] == f"/{name}" and c["State"]["ExitCode"] == 2, c["State"]
    p = daemon.docker("inspect", "-f", "{{.State.Status}} {{.Config.Image}}", name)
    assert p.stdout.strip() == "exited busybox", describe(p)
    p = daemon.docker("ps", "-q", "--filter", f"name={name}")
    assert p.returncode == 0 and p.stdout.strip() == "", describe(p)
    daemon.docker("rm", name)


def test_docker_detached_stop_wait_rm(daemon):
    name = unique()
    p = daemon.docker("run", "-d", "--name", name, "busybox", "sh", "-c",
                      "echo up; trap 'exit 0' TERM; while :; do sleep 0.1; done")
    assert p.returncode == 0 and re.fullmatch(r"[0-9a-f]{64}\n", p.stdout), describe(p)
    p = daemon.docker("ps", "--format", "{{.Names}} {{.Status}}")
    assert any(l.startswith(f"{name} Up") for l in p.stdout.splitlines()), describe(p)
    p = daemon.docker("rm", name)
    assert p.returncode != 0, "rm of a running container must fail" + describe(p)
    p = daemon.docker("stop", name)
    assert p.returncode == 0 and p.stdout.strip() == name, describe(p)
    p = daemon.docker("wait", name)
    assert p.returncode == 0 and p.stdout.strip() == "0", describe(p)
    p = daemon.docker("logs", name)
    assert p.stdout == "up\n", describe(p)
    p = daemon.docker("rm", name)
    assert p.returncode == 0, describe(p)


def test_docker_create_start_attach(daemon):
    name = unique()
    p = daemon.docker("create", "--name", name, "busybox", "sh", "-c", "echo created; exit 6")
    assert p.returncode == 0, describe(p)
    p = daemon.docker("start", "-a", name)
    assert p.returncode == 6 and p.stdout == "created\n", describe(p)
    p = daemon.docker("rm", "-f", name)
    assert p.returncode == 0, describe(p)


def test_docker_images_import_rmi(daemon, tmp_path):
    p = daemon.docker("images")
    assert p.returncode == 0, describe(p)
    rows = parse_table(p.stdout)
    assert any(r["REPOSITORY"] == "busybox" and r["TAG"] == "latest" for r in rows), describe(p)

    tar = tmp_path / "rootfs.tar"
    data = f"{unique()}\n".encode()
    with tarfile.open(tar, "w") as t:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    name = unique("dimp")
    p = daemon.docker("import", str(tar), f"{name}:v1")
    assert p.returncode == 0 and re.fullmatch(r"sha256:[0-9a-f]{64}\n", p.stdout), describe(p)
    p = daemon.docker("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert f"{name}:v1" in p.stdout.split(), describe(p)
    p = daemon.docker("image", "inspect", "-f", "{{.Os}}", f"{name}:v1")
    assert p.returncode == 0 and p.stdout.strip() == "linux", describe(p)
    # stdin import
    p = daemon.docker("import", "-", f"{name}:stdin", input=tar.read_bytes())
    assert p.returncode == 0, describe(p)
    p = daemon.docker("rmi", f"{name}:v1", f"{name}:stdin")
    assert p.returncode == 0 and f"Untagged: {name}:v1" in p.stdout, describe(p)
    p = daemon.docker("images", "--format", "{{.Repository}}")
    assert name not in p.stdout.split(), describe(p)


def test_docker_errors_for_unknown_objects(daemon):
    p = daemon.docker("logs", "nosuchcontainer123")
    assert p.returncode != 0 and "No such container" in p.stderr, describe(p)
    p = daemon.docker("rmi", "nosuchimage123")
    assert p.returncode != 0 and "No such image" in p.stderr, describe(p)
    p = daemon.docker("inspect", "nosuchthing123")
    assert p.returncode != 0 and "nosuchthing123" in p.stderr, describe(p)


def test_docker_tag_and_rmi_untags(daemon):
    name = unique("dtag")
    p = daemon.docker("tag", "busybox", f"{name}:1")
    assert p.returncode == 0, p.stderr
    p = daemon.docker("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert f"{name}:1" in p.stdout.split(), p.stdout
    p = daemon.docker("rmi", f"{name}:1")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"Untagged: {name}:1", p.stdout
    # busybox itself is untouched.
    assert daemon.docker("image", "inspect", "busybox").returncode == 0
