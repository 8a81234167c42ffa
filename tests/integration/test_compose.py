"""docker-compose (Debian's 1.29) against hoistd, unchanged: a project with two services
on its default network resolving each other by service name, a named volume, a published
port fetched from the host, then `ps`, `logs`, `exec` and `down -v` leaving nothing."""
import json
import shutil
import time

import pytest

from conftest import describe, run_cmd, unique
from conftest import free_port
from test_network import fetch

COMPOSE = shutil.which("docker-compose")

pytestmark = pytest.mark.skipif(COMPOSE is None, reason="docker-compose is not installed (make deps)")


COMPOSE_FILE = """\
version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello-compose > /www/index.html && echo from-web > /data/note && exec httpd -f -p 80 -h /www"]
    ports:
      - "127.0.0.1:{port}:80"
    volumes:
      - data:/data
    labels:
      role: server
  client:
    image: busybox
    command: ["sh", "-c", "until wget -qO- http://web/index.html; do sleep 0.2; done; echo client-done; exec sleep 300"]
    depends_on:
      - web
    volumes:
      - data:/shared
volumes:
  data:
"""


def test_compose_up_ps_logs_exec_down(daemon, tmp_path):
    d = daemon
    project = unique("cp")
    port = free_port()
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_FILE.format(port=port))
    # Debian's compose 1.29 needs Debian's docker-py (5.x): pip's 7.x in /usr/local breaks it.
    env = dict(d.env, PYTHONPATH="/usr/lib/python3/dist-packages", COMPOSE_PROJECT_NAME=project)

    def compose(*args, timeout=120):
        return run_cmd([COMPOSE, *args], env=env, cwd=tmp_path, timeout=timeout)

    try:
        p = compose("up", "-d")
        assert p.returncode == 0, describe(p) + d.log_text()
        assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-compose"

        p = compose("ps")
        assert p.returncode == 0, describe(p)
        assert f"{project}_web_1" in p.stdout and f"{project}_client_1" in p.stdout, describe(p)
        assert f"127.0.0.1:{port}->80/tcp" in p.stdout, describe(p)
        p = compose("ps", "-q")
        assert len(p.stdout.split()) == 2, describe(p)

        # The client found the web service by its name on the project's network.
        deadline = time.monotonic() + 20
        while True:
            p = compose("logs", "--no-color", "client")
            if "client-done" in p.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert "hello-compose" in p.stdout and "client-done" in p.stdout, describe(p)

        # The named volume is shared: what web wrote, client reads.
        p = compose("exec", "-T", "client", "cat", "/shared/note")
        assert p.returncode == 0 and p.stdout.strip() == "from-web", describe(p)
        p = compose("exec", "-T", "web", "sh", "-c", "exit 3")
        assert p.returncode == 3, describe(p)

        p = d.docker("network", "ls", "--filter", f"label=com.docker.compose.project={project}", "--format", "{{.Name}}")
        assert p.stdout.split() == [f"{project}_default"], describe(p)
        p = d.docker("volume", "ls", "--filter", f"label=com.docker.compose.project={project}", "--format", "{{.Name}}")
        assert p.stdout.split() == [f"{project}_data"], describe(p)
        p = d.docker("ps", "--filter", f"label=com.docker.compose.service=web", "--filter",
                     f"label=com.docker.compose.project={project}", "--format", "{{.Names}} {{.Label \"role\"}}")
        assert p.stdout.split() == [f"{project}_web_1", "server"], describe(p)

        # moby (API < 1.44) lists the short ID among a live endpoint's aliases (compose may
        # have sent it itself when it reconnected the container: once only).
        info = d.docker("inspect", f"{project}_web_1").stdout
        c = json.loads(info)[0]
        aliases = c["NetworkSettings"]["Networks"][f"{project}_default"]["Aliases"]
        assert sorted(aliases) == sorted(["web", c["Id"][:12]]), info
        # A second `up -d` finds the running project and changes nothing.
        p = compose("up", "-d")
        assert p.returncode == 0 and "is up-to-date" in p.stderr, describe(p)

        # stop/start keeps the project working: web answers again, by name too.
        p = compose("stop", "-t", "1")
        assert p.returncode == 0, describe(p)
        p = compose("start")
        assert p.returncode == 0, describe(p) + d.log_text()
        assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-compose"
        p = compose("exec", "-T", "client", "wget", "-qO-", "http://web/index.html")
        assert p.returncode == 0 and p.stdout.strip() == "hello-compose", describe(p)

        p = compose("down", "-v", "-t", "1")  # the services ignore SIGTERM (pid 1)
        assert p.returncode == 0, describe(p)
    finally:
        compose("down", "-v", "-t", "1")
    assert d.docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}").stdout.strip() == ""
    assert project not in d.ok("network", "ls")
    assert project not in d.ok("volume", "ls")
