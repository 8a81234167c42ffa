"""container prune, image prune, system prune: hoist, the docker CLI, docker-py."""
import json

import pytest

from conftest import describe, unique


def _ids(d, label):
    return set(d.ok("ps", "-aq", "--no-trunc", "--filter", f"label=grp={label}").split())


def test_container_prune_with_filters_and_prompt(daemon):
    grp = unique("pr")
    daemon.ok("run", "-l", f"grp={grp}", "busybox", "true")
    exited = daemon.ok("ps", "-lq", "--no-trunc").strip()
    created = daemon.ok("create", "-l", f"grp={grp}", "busybox", "true").strip()
    running = daemon.ok("run", "-d", "-l", f"grp={grp}", "busybox", "sleep", "300").strip()
    try:
        # until=1h: everything is younger, nothing goes.
        out = daemon.ok("container", "prune", "-f", "--filter", f"label=grp={grp}", "--filter", "until=1h")
        assert out == "Total reclaimed space: 0B\n", out
        # No confirmation: nothing happens, status 0.
        p = daemon.hoist("container", "prune", "--filter", f"label=grp={grp}", input="n\n")
        assert p.returncode == 0, describe(p)
        assert p.stdout == "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "
        assert _ids(daemon, grp) == {exited, created, running}
        p = daemon.hoist("container", "prune", "--filter", f"label=grp={grp}", input="y\n")
        assert p.returncode == 0, describe(p)
        lines = p.stdout.split("\n")
        assert lines[0] == "WARNING! This will remove all stopped containers.", p.stdout
        assert lines[1] == "Are you sure you want to continue? [y/N] Deleted Containers:", p.stdout
        assert set(lines[2:4]) == {exited, created}
        assert lines[4] == "" and lines[5].startswith("Total reclaimed space: "), p.stdout
        assert _ids(daemon, grp) == {running}
    finally:
        daemon.hoist("rm", "-f", running)


def test_image_prune_dangling_and_all(fresh_daemon):
    d = fresh_daemon
    keep = d.ok("run", "-d", "busybox", "sleep", "300").strip()  # busybox is in use
    d.ok("run", "busybox", "sh", "-c", "echo one > /f")
    c1 = d.ok("ps", "-lq").strip()
    first = d.ok("commit", c1, "prunable:1").strip()
    second = d.ok("commit", c1, "prunable:1").strip()  # the first loses its tag: dangling
    tagged = d.ok("commit", c1, "other:1").strip()
    d.ok("rm", c1)
    assert first != second
    out = d.ok("image", "prune", "-f")
    assert out.startswith(f"Deleted Images:\ndeleted: {first}\n"), out
    assert "\n\nTotal reclaimed space: " in out
    images = d.ok("images", "--format", "{{.ID}}", "--no-trunc").split()
    assert first not in images and second in images and tagged in images
    # -a: every image no container uses; busybox stays (the running container uses it).
    p = d.hoist("image", "prune", "-a", input="y\n")
    assert p.returncode == 0, describe(p)
    assert p.stdout.startswith("WARNING! This will remove all images without at least one container associated to them.\n"
                               "Are you sure you want to continue? [y/N] Deleted Images:\n"), p.stdout
    assert "untagged: prunable:1" in p.stdout and "untagged: other:1" in p.stdout
    left = d.ok("images", "--format", "{{.Repository}}").split()
    assert left == ["busybox"], left
    d.ok("rm", "-f", keep)


def test_system_prune(fresh_daemon):
    d = fresh_daemon
    keep = d.ok("run", "-d", "busybox", "sleep", "300").strip()
    d.ok("run", "--name", "gone1", "busybox", "true")
    p = d.hoist("system", "prune", input="n\n")
    assert p.returncode == 0, describe(p)
    assert p.stdout == ("WARNING! This will remove:\n"
                        "  - all stopped containers\n"
                        "  - all networks not used by at least one container\n"
                        "  - all dangling images\n"
                        "  - unused build cache\n\n"
                        "Are you sure you want to continue? [y/N] "), p.stdout
    p = d.hoist("system", "prune", "-a", "--volumes", "--filter", "label=x=y", input="n\n")
    assert ("  - all anonymous volumes not used by at least one container\n"
            "  - all images without at least one container associated to them\n"
            "  - all build cache\n\n"
            "  Items to be pruned will be filtered with:\n"
            "  - label=x=y\n\n") in p.stdout, p.stdout
    out = d.ok("system", "prune", "-f")
    assert out.startswith("Deleted Containers:\n"), out
    assert out.rstrip().splitlines()[-1].startswith("Total reclaimed space: ")
    names = d.ok("ps", "-a", "--format", "{{.Names}}").split()
    assert "gone1" not in names and len(names) == 1
    d.ok("rm", "-f", keep)


def test_prune_through_docker_cli_and_docker_py(fresh_daemon):
    d = fresh_daemon
    keep = d.ok("run", "-d", "busybox", "sleep", "300").strip()
    d.ok("run", "--name", "dgone", "busybox", "true")
    cid = d.ok("ps", "-lq", "--no-trunc").strip()
    p = d.docker("container", "prune", "-f")
    assert p.returncode == 0, describe(p)
    assert p.stdout.startswith(f"Deleted Containers:\n{cid}\n\nTotal reclaimed space: "), p.stdout
    d.ok("run", "busybox", "true")
    p = d.docker("system", "prune", "-f")
    assert p.returncode == 0, describe(p)
    assert "Deleted Containers:" in p.stdout and "Total reclaimed space:" in p.stdout, p.stdout

    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=d.host, timeout=60)
    try:
        c = client.containers.run("busybox", ["true"], detach=True, labels={"py": "1"})
        c.wait()
        report = client.containers.prune(filters={"label": "py=1"})
        assert report["ContainersDeleted"] == [c.id] and isinstance(report["SpaceReclaimed"], int)
        report = client.images.prune(filters={"dangling": True})
        assert report["ImagesDeleted"] is None and report["SpaceReclaimed"] == 0
    finally:
        client.close()
    d.ok("rm", "-f", keep)
    assert json.loads(d.ok("inspect", "busybox"))[0]["Id"]


def test_image_prune_reclaims_only_layers_no_image_keeps(fresh_daemon):
    """A dangling image sharing its lower layers with a tagged one: prune frees (and reports)
    its own top layer only; rmi lists each layer it deletes, as moby."""
    d = fresh_daemon
    base = d.ok("run", "--name", unique("big"), "busybox", "sh", "-c", "head -c 300000 /dev/urandom > /big")
    assert base == ""
    c1 = d.ok("ps", "-lq").strip()
    kept = d.ok("commit", c1, "kept:1").strip()
    d.ok("run", "--name", unique("small"), "kept:1", "sh", "-c", "head -c 5000 /dev/urandom > /small")
    c2 = d.ok("ps", "-lq").strip()
    dangling = d.ok("commit", c2).strip()
    d.ok("rm", c1, c2)

    def size(ref):
        return json.loads(d.ok("image", "inspect", ref))[0]["Size"]
    own = size(dangling) - size(kept)
    assert 5000 <= own < 300000, (size(dangling), size(kept))
    from conftest import http_unix
    status, _, body = http_unix(d.sock, "POST", "/images/prune", body=b"")
    assert status == 200, body
    report = json.loads(body)
    deleted = [i["Deleted"] for i in report["ImagesDeleted"] if i.get("Deleted")]
    # The image, then the one layer that went with it.
    assert deleted[0] == dangling and len(deleted) == 2, report
    assert report["SpaceReclaimed"] == own, (report, own)
    assert size("kept:1") == size(kept)
    # rmi: the kept image's own layer goes, busybox's stays.
    out = d.ok("rmi", "kept:1")
    lines = out.splitlines()
    assert lines[0] == "Untagged: kept:1" and lines[1] == f"Deleted: {kept}" and len(lines) == 3, out
    assert lines[2].startswith("Deleted: sha256:"), out
    assert d.ok("images", "-q", "busybox").strip()
    assert d.ok("run", "--rm", "busybox", "true") == ""
