"""Run options (--init, --ulimit, --env-file, --cidfile, --stop-timeout, -l/--label-file)
and ps (filters, --format, -n/-l, -s), as a docker user sees them."""
import json
import re

from conftest import describe, inspect, parse_table, unique, wait_for


def test_init_runs_tini_as_pid_1_and_forwards_signals(daemon):
    p = daemon.hoist("run", "--rm", "--init", "busybox", "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline")
    assert p.returncode == 0, describe(p)
    assert p.stdout.startswith("/sbin/docker-init -- sh -c"), p.stdout
    name = unique("init")
    daemon.ok("run", "-d", "--init", "--name", name, "busybox", "sleep", "300")
    try:
        assert inspect(daemon, name)["HostConfig"]["Init"] is True
        # sleep as PID 1 would ignore SIGTERM (and be killed: 137); under tini it dies of it.
        daemon.ok("stop", "-t", "20", name)
        assert inspect(daemon, name)["State"]["ExitCode"] == 143
    finally:
        daemon.hoist("rm", "-f", name)


def test_ulimit(daemon):
    p = daemon.hoist("run", "--rm", "--ulimit", "nofile=1024:2048", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn")
    assert p.returncode == 0 and p.stdout.split() == ["1024", "2048"], describe(p)
    name = unique("ulim")
    daemon.ok("create", "--name", name, "--ulimit", "nproc=100", "busybox", "true")
    try:
        assert inspect(daemon, name)["HostConfig"]["Ulimits"] == [{"Name": "nproc", "Soft": 100, "Hard": 100}]
    finally:
        daemon.hoist("rm", "-f", name)
    p = daemon.hoist("run", "--rm", "--ulimit", "nofile=2048:1024", "busybox", "true")
    assert p.returncode == 125, describe(p)
    assert ('invalid argument "nofile=2048:1024" for "--ulimit" flag: '
            "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024") in p.stderr, describe(p)
    p = daemon.hoist("run", "--rm", "--ulimit", "bogus=1", "busybox", "true")
    assert p.returncode == 125 and "invalid ulimit type: bogus" in p.stderr, describe(p)


def test_env_file_and_label_file(daemon, tmp_path):
    envf = tmp_path / "env"
    envf.write_text("# comment\nA=1\n\nFROM_HOST\nSPACED=a b\n")
    labels = tmp_path / "labels"
    labels.write_text("# labels\nteam=core\nstage=dev\n")
    env = dict(daemon.env, FROM_HOST="yes")
    name = unique("envf")
    p = daemon.hoist("run", "--name", name, "--env-file", str(envf), "--label-file", str(labels), "-l", "stage=prod",
                     "busybox", "sh", "-c", 'echo "$A|$FROM_HOST|$SPACED"', env=env)
    try:
        assert p.returncode == 0 and p.stdout == "1|yes|a b\n", describe(p)
        assert inspect(daemon, name)["Config"]["Labels"] == {"team": "core", "stage": "prod"}
    finally:
        daemon.hoist("rm", "-f", name)
    p = daemon.hoist("run", "--rm", "--env-file", str(tmp_path / "missing"), "busybox", "true")
    assert p.returncode != 0 and "no such file or directory" in p.stderr, describe(p)


def test_cidfile(daemon, tmp_path):
    cid_path = tmp_path / "cid"
    name = unique("cid")
    cid = daemon.ok("run", "-d", "--name", name, "--cidfile", str(cid_path), "busybox", "sleep", "300").strip()
    try:
        assert cid_path.read_text() == cid
        before = daemon.ok("ps", "-aq", "--no-trunc").split()
        p = daemon.hoist("run", "-d", "--cidfile", str(cid_path), "busybox", "true")
        assert p.returncode == 125, describe(p)
        assert (f"container ID file found, make sure the other container isn't running or delete {cid_path}"
                in p.stderr), describe(p)
        assert daemon.ok("ps", "-aq", "--no-trunc").split() == before, "a container was created anyway"
        assert cid_path.read_text() == cid
        # A failed create leaves no file behind.
        other = tmp_path / "cid2"
        p = daemon.hoist("create", "--cidfile", str(other), "no-such-image-here")
        assert p.returncode != 0 and not other.exists(), describe(p)
    finally:
        daemon.hoist("rm", "-f", name)


def test_stop_timeout(daemon):
    name = unique("stopto")
    daemon.ok("run", "-d", "--name", name, "--stop-timeout", "1", "busybox", "sleep", "300")
    try:
        assert inspect(daemon, name)["Config"]["StopTimeout"] == 1
        daemon.ok("stop", name)  # sleep ignores SIGTERM as PID 1: killed after 1 s
        assert inspect(daemon, name)["State"]["ExitCode"] == 137
    finally:
        daemon.hoist("rm", "-f", name)


def test_ps_filters_format_last_and_size(daemon):
    tag = unique("ps")
    a, b, c = f"{tag}a", f"{tag}b", f"{tag}c"
    daemon.ok("run", "--name", a, "-l", f"grp={tag}", "busybox", "true")
    assert daemon.hoist("run", "--name", b, "-l", f"grp={tag}", "-l", "odd=1", "busybox", "sh", "-c", "exit 3").returncode == 3
    cid_c = daemon.ok("run", "-d", "--name", c, "-l", f"grp={tag}", "busybox", "sh", "-c",
                      "head -c 3000 /dev/zero > /big; sleep 300").strip()
    try:
        def names(*args):
            out = daemon.ok("ps", "-a", "--filter", f"label=grp={tag}", *args, "--format", "{{.Names}}")
            return sorted(out.split())
        assert names() == sorted([a, b, c])
        assert names("-f", "status=exited") == sorted([a, b])
        assert names("-f", "status=running") == [c]
        assert names("-f", "exited=3") == [b]
        assert names("-f", "exited=0") == [a]
        assert names("-f", "label=odd") == [b]
        assert names("-f", f"name={b}") == [b]
        assert names("-f", f"id={cid_c[:12]}") == [c]
        assert names("-f", "ancestor=busybox") == sorted([a, b, c])
        assert names("-f", f"before={c}") == sorted([a, b])
        assert names("-f", f"since={a}") == sorted([b, c])
        p = daemon.hoist("ps", "-f", "colour=red")
        assert p.returncode == 1 and "invalid filter 'colour'" in p.stderr, describe(p)

        out = daemon.ok("ps", "-a", "--filter", f"label=grp={tag}", "--format", "{{.ID}} {{.Names}} {{.Status}}")
        line = [l for l in out.splitlines() if l.split()[1] == c][0]
        assert line.split()[0] == cid_c[:12] and " Up " in f" {line} "
        assert daemon.ok("ps", "-l", "--format", "{{.Names}}").strip() == c
        assert daemon.ok("ps", "-n", "2", "--format", "{{.Names}}").split() == [c, b]

        wait_for(lambda: daemon.hoist("exec", c, "test", "-s", "/big").returncode == 0, what="/big written")
        rows = [r for r in parse_table(daemon.ok("ps", "-s", "--filter", f"name={c}")) if r["NAMES"] == c]
        assert rows and re.fullmatch(r"3(\.\d+)?kB \(virtual [\d.]+[kM]B\)", rows[0]["SIZE"]), rows
        data = json.loads(daemon.ok("ps", "-s", "--filter", f"name={c}", "--format", "{{json .}}"))
        assert data["Size"].startswith("3")
    finally:
        daemon.hoist("rm", "-f", a, b, c)


def test_ps_filters_volume_network_ports_health_task(daemon):
    """moby's other ps filters, through the docker CLI."""
    tag = unique("psf")
    vol, net = f"{tag}v", f"{tag}n"
    web, db, plain = f"{tag}web", f"{tag}db", f"{tag}plain"
    daemon.ok("network", "create", net)
    try:
        daemon.ok("run", "-d", "--name", web, "-l", f"grp={tag}", "-p", "127.0.0.1:18181:80", "--expose", "9000/udp",
                  "busybox", "sleep", "300")
        daemon.ok("run", "-d", "--name", db, "-l", f"grp={tag}", "--network", net, "-v", f"{vol}:/data", "busybox", "sleep", "300")
        daemon.ok("run", "-d", "--name", plain, "-l", f"grp={tag}", "--network", "none", "busybox", "sleep", "300")

        def names(*filters):
            args = ["ps", "-a", "--filter", f"label=grp={tag}", "--format", "{{.Names}}"]
            for f in filters:
                args += ["--filter", f]
            p = daemon.docker(*args)
            assert p.returncode == 0, describe(p)
            return sorted(p.stdout.split())
        assert names(f"volume={vol}") == [db]
        assert names("volume=/data") == [db]
        assert names(f"network={net}") == [db]
        net_id = daemon.ok("network", "inspect", "-f", "{{.Id}}", net).strip()
        assert names(f"network={net_id[:12]}") == [db]
        assert names("network=none") == [plain]
        assert names("publish=18181") == [web]
        assert names("publish=18000-18200/tcp") == [web]
        assert names("publish=80") == []
        assert names("expose=80") == [web]
        assert names("expose=9000/udp") == [web]
        assert names("health=none") == sorted([web, db, plain])
        assert names("health=healthy") == []
        assert names("is-task=false") == sorted([web, db, plain])
        assert names("is-task=true") == []
        for bad, msg in (("health=fine", "Unrecognised filter value for health: fine"),
                         ("is-task=maybe", "Invalid filter 'is-task=maybe'"),
                         ("publish=1:2", "filter for 'publish' should not contain ':': 1:2")):
            p = daemon.docker("ps", "--filter", bad)
            assert p.returncode == 1 and msg in p.stderr, describe(p)
    finally:
        daemon.hoist("rm", "-f", web, db, plain)
        daemon.hoist("volume", "rm", vol)
        daemon.hoist("network", "rm", net)
