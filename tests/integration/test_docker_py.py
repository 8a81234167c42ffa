"""docker-py (pip package `docker`) against hoistd."""
import io
import tarfile

import pytest

from conftest import unique

docker = pytest.importorskip("docker")


@pytest.fixture
def client(daemon):
    c = docker.DockerClient(base_url=daemon.host, timeout=60)
    yield c
    c.close()


def test_ping_and_version(client):
    assert client.ping() is True
    v = client.version()
    assert v["Os"] == "linux" and v["ApiVersion"].startswith("1.")


def test_run_returns_output(client):
    name = unique()
    out = client.containers.run("busybox", "echo hi", name=name)
    assert out == b"hi\n"
    c = client.containers.get(name)
    assert c.status == "exited"
    assert c.attrs["State"]["ExitCode"] == 0
    c.remove()


def test_run_remove(client):
    name = unique()
    out = client.containers.run("busybox", ["sh", "-c", "echo a; echo b"], name=name, remove=True)
    assert out == b"a\nb\n"
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(name)


def test_run_nonzero_raises_container_error(client):
    name = unique()
    with pytest.raises(docker.errors.ContainerError) as e:
        client.containers.run("busybox", ["sh", "-c", "echo oops >&2; exit 3"], name=name, stderr=True)
    assert e.value.exit_status == 3
    client.containers.get(name).remove()


def test_detached_lifecycle(client):
    name = unique()
    c = client.containers.run("busybox",
                              ["sh", "-c", "echo ready; trap 'echo bye; exit 0' TERM; while :; do sleep 0.1; done"],
                              name=name, detach=True, environment={"X": "1"})
    assert c.name == name
    c.reload()
    assert c.status == "running"
    assert any(x.name == name for x in client.containers.list())
    c.stop(timeout=5)
    result = c.wait(timeout=30)
    assert result["StatusCode"] == 0
    logs = c.logs()
    assert logs == b"ready\nbye\n", logs
    c.reload()
    assert c.status == "exited"
    assert any(x.name == name for x in client.containers.list(all=True))
    assert not any(x.name == name for x in client.containers.list())
    c.remove()
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(name)


def test_wait_returns_exit_code(client):
    c = client.containers.run("busybox", ["sh", "-c", "sleep 0.5; exit 9"], detach=True)
    assert c.wait(timeout=30)["StatusCode"] == 9
    c.remove()


def test_kill_and_force_remove(client):
    c = client.containers.run("busybox", ["sleep", "60"], detach=True)
    c.kill()
    assert c.wait(timeout=30)["StatusCode"] == 137
    c2 = client.containers.run("busybox", ["sleep", "60"], detach=True)
    with pytest.raises(docker.errors.APIError) as e:
        c2.remove()
    assert e.value.status_code == 409
    c2.remove(force=True)
    c.remove()


def test_create_start_logs_stream(client):
    c = client.containers.create("busybox", ["sh", "-c", "echo 1; echo 2"])
    c.start()
    assert c.wait(timeout=30)["StatusCode"] == 0
    assert b"".join(c.logs(stream=True)) == b"1\n2\n"
    assert c.logs(stdout=False, stderr=True) == b""
    c.remove()


def test_images_list_get_import_remove(client, tmp_path):
    tags = [t for img in client.images.list() for t in img.tags]
    assert "busybox:latest" in tags
    img = client.images.get("busybox")
    assert img.id.startswith("sha256:") and "busybox:latest" in img.tags

    data = f"{unique()}\n".encode()
    tar = tmp_path / "x.tar"
    with tarfile.open(tar, "w") as t:
        info = tarfile.TarInfo("x.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    name = unique("pyimp")
    client.api.import_image(src=str(tar), repository=name, tag="v1")
    imported = client.images.get(f"{name}:v1")
    assert f"{name}:v1" in imported.tags
    client.images.remove(f"{name}:v1")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(f"{name}:v1")


def test_errors_map_to_docker_py_exceptions(client):
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("nosuchcontainer123")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("nosuchimage123")
    # run pulls the missing image from Docker Hub: NotFound where it answers, a 5xx
    # APIError where it cannot be reached (no network on the test machines).
    with pytest.raises(docker.errors.APIError):
        client.containers.run(unique("nosuchimage"), "true")
    name = unique()
    client.containers.create("busybox", "true", name=name)
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.create("busybox", "true", name=name)
    assert e.value.status_code == 409
    client.containers.get(name).remove()
