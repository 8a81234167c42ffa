"""`attach` to a running container: stdin in, output out, the container's exit status back."""
import subprocess
import threading

from conftest import HOIST, describe, unique


def test_attach_pipes_stdin_and_returns_exit_status(daemon):
    name = unique("att")
    daemon.ok("run", "-di", "--name", name, "busybox", "sh")
    p = daemon.hoist("attach", name, input="echo hello from attach; exit 4\n", timeout=20)
    assert p.returncode == 4, describe(p)
    assert p.stdout == "hello from attach\n", describe(p)
    assert daemon.ok("ps", "-a", "--filter", f"name={name}", "--format", "{{.Status}}").startswith("Exited (4)")
    daemon.ok("rm", name)


def test_attach_to_a_stopped_container_fails(daemon):
    name = unique("att")
    daemon.ok("create", "--name", name, "busybox", "true")
    p = daemon.hoist("attach", name)
    assert p.returncode != 0, describe(p)
    assert "You cannot attach to a stopped container, start it first" in p.stderr, describe(p)
    daemon.ok("rm", name)


def test_several_clients_see_the_same_output(daemon):
    name = unique("att")
    # Sleeps first so both clients are attached before the lines come.
    daemon.ok("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; for i in 1 2 3; do echo tick $i; done")
    outs = [None, None]

    def attach(i):
        outs[i] = subprocess.run([str(HOIST), "attach", name], env=daemon.env, capture_output=True, text=True, timeout=20)

    threads = [threading.Thread(target=attach, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in outs:
        assert p.returncode == 0, describe(p)
        assert p.stdout == "tick 1\ntick 2\ntick 3\n", describe(p)
    daemon.ok("rm", name)


def test_docker_attach(daemon):
    name = unique("att")
    daemon.ok("run", "-di", "--name", name, "busybox", "sh")
    p = daemon.docker("attach", name, input="echo via docker; exit 3\n", timeout=20)
    assert p.returncode == 3, describe(p)
    assert "via docker" in p.stdout, describe(p)
    daemon.ok("rm", name)
