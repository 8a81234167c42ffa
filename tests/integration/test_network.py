"""Networking: the default bridge, published ports, user networks with DNS, network
modes, /etc/hosts and resolv.conf, and that nothing leaks (veth, netns mount, IPAM
entry, NAT rule) after rm, a container crash, or kill -9 of hoistd and a restart."""
import ipaddress
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import describe, free_port, inspect, unique, wait_for

HTTPD = "mkdir -p /www && echo hello-$0 > /www/index.html && exec httpd -f -p 80 -h /www"


def host_address() -> str:
    """The host's own (non-loopback) address: the source address of its default route."""
    out = subprocess.run(["ip", "-4", "-o", "route", "get", "1.1.1.1"], capture_output=True, text=True).stdout.split()
    return out[out.index("src") + 1]


def fetch(url: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                return r.read().decode()
        except OSError as e:  # httpd may need a moment to listen
            last = e
            time.sleep(0.1)
    raise AssertionError(f"GET {url} failed: {last}")


def veths_on(bridge: str) -> list[str]:
    out = subprocess.run(["ip", "-o", "link", "show", "master", bridge], capture_output=True, text=True).stdout
    return [l.split(":")[1].strip().split("@")[0] for l in out.splitlines() if l.strip()]


def netns_mounts(d) -> list[str]:
    with open("/proc/mounts") as f:
        return [l.split()[1] for l in f if l.split()[0] == "nsfs" and l.split()[1].startswith(str(d.tmp))]


def ipam_entries(d) -> list[str]:
    root = Path(d.root) / "network" / "ipam"
    return [p.name for p in root.rglob("*") if p.is_file() and p.name != "last"] if root.exists() else []


def nat_rules(bridge: str) -> list[str]:
    out = subprocess.run(["iptables", "-w", "-t", "nat", "-S", f"HOIST-{bridge}"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if "DNAT" in l]


_BASELINE: dict = {}


def state(d):
    return (set(veths_on(d.bridge)), set(netns_mounts(d)), set(ipam_entries(d)), set(nat_rules(d.bridge)))


@pytest.fixture(autouse=True)
def _baseline(request):
    """What other tests' containers hold on the shared daemon before this test starts:
    the cleanup checks compare against it."""
    for name in ("daemon", "fresh_daemon"):
        if name in request.fixturenames:
            d = request.getfixturevalue(name)
            _BASELINE[id(d)] = state(d)
    yield


def new(d, i: int) -> set:
    return state(d)[i] - _BASELINE.get(id(d), (set(),) * 4)[i]


def assert_clean(d):
    assert new(d, 0) == set(), "veth left on the bridge"
    assert new(d, 1) == set(), "netns mount left"
    assert new(d, 2) == set(), "IPAM entry left"
    assert new(d, 3) == set(), "DNAT rule left"


def rm_all(d, *names):
    if names:
        d.hoist("rm", "-f", *names)


# --------------------------------------------------------------------------- default bridge

def test_default_bridge_gives_an_address_route_and_files(daemon):
    d = daemon
    name = unique("br")
    try:
        d.ok("run", "-d", "--name", name, "--hostname", "webhost", "--add-host", "db.local:10.9.8.7", "busybox", "sleep", "300")
        info = inspect(d, name)
        ns = info["NetworkSettings"]
        assert info["HostConfig"]["NetworkMode"] == "bridge"
        ip = ns["IPAddress"]
        subnet = ipaddress.ip_network(d.bip, strict=False)
        assert ipaddress.ip_address(ip) in subnet, ns
        assert ns["Gateway"] == d.bip.split("/")[0]
        assert ns["Networks"]["bridge"]["IPAddress"] == ip
        assert ns["MacAddress"].startswith("02:42:")
        # The container's view: eth0 with the address, default route via the gateway.
        addr = d.ok("exec", name, "ip", "-o", "-4", "addr", "show", "eth0")
        assert ip in addr
        route = d.ok("exec", name, "ip", "route")
        assert f"default via {ns['Gateway']}" in route
        hosts = d.ok("exec", name, "cat", "/etc/hosts")
        assert f"{ip}\twebhost" in hosts and "10.9.8.7\tdb.local" in hosts, hosts
        resolv = d.ok("exec", name, "cat", "/etc/resolv.conf")
        assert "nameserver 127." not in resolv and "nameserver" in resolv, resolv
        # The host reaches the container directly.
        p = d.hoist("exec", name, "ping", "-c", "1", "-W", "2", ns["Gateway"])
        assert p.returncode == 0, describe(p)
        assert len(new(d, 0)) == 1
        # Addresses are never handed out twice.
        other = unique("br2")
        d.ok("run", "-d", "--name", other, "busybox", "sleep", "300")
        assert inspect(d, other)["NetworkSettings"]["IPAddress"] != ip
        rm_all(d, other)
    finally:
        rm_all(d, name)
    assert_clean(d)


def test_stop_frees_networking_and_start_restores_it(daemon):
    d = daemon
    name = unique("stop")
    try:
        d.ok("run", "-d", "--name", name, "busybox", "sleep", "300")
        d.ok("stop", "-t", "0", name)
        assert_clean(d)
        info = inspect(d, name)
        assert info["NetworkSettings"]["IPAddress"] == ""
        assert "bridge" in info["NetworkSettings"]["Networks"]
        d.ok("start", name)
        assert inspect(d, name)["NetworkSettings"]["IPAddress"] != ""
        # A crash of the container frees it too.
        pid = inspect(d, name)["State"]["Pid"]
        subprocess.run(["kill", "-9", str(pid)])
        wait_for(lambda: inspect(d, name)["State"]["Running"] is False, what="container exit")
        wait_for(lambda: new(d, 0) == set(), what="veth removal")
        assert_clean(d)
    finally:
        rm_all(d, name)


def test_network_none_has_loopback_only(daemon):
    out = daemon.ok("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
    links = [l.split(":")[1].strip() for l in out.splitlines()]
    assert links == ["lo"], out
    assert "UP" in out.splitlines()[0] or "LOOPBACK" in out


def test_network_host_sees_host_interfaces(daemon):
    out = daemon.ok("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link")
    assert daemon.bridge in out, out


def test_network_container_mode_shares_the_namespace(daemon):
    d = daemon
    a = unique("nsa")
    try:
        d.ok("run", "-d", "--name", a, "busybox", "sleep", "300")
        ip = inspect(d, a)["NetworkSettings"]["IPAddress"]
        out = d.ok("run", "--rm", "--network", f"container:{a}", "busybox", "ip", "-o", "-4", "addr")
        assert ip in out
    finally:
        rm_all(d, a)
    assert_clean(d)


# --------------------------------------------------------------------------- published ports

def test_published_port_serves_httpd_on_loopback_and_host_address(daemon):
    d = daemon
    name = unique("web")
    port = free_port()
    try:
        d.ok("run", "-d", "--name", name, "-p", f"{port}:80", "busybox", "sh", "-c", HTTPD, "one")
        assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-one"
        assert fetch(f"http://{host_address()}:{port}/index.html").strip() == "hello-one"
        assert d.ok("port", name).strip() == f"80/tcp -> 0.0.0.0:{port}"
        assert d.ok("port", name, "80").strip() == f"0.0.0.0:{port}"
        ps = d.ok("ps", "--filter", f"name={name}")
        assert f"0.0.0.0:{port}->80/tcp" in ps, ps
        info = inspect(d, name)
        assert info["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": str(port)}]}
        assert info["NetworkSettings"]["Ports"]["80/tcp"] == [{"HostIp": "0.0.0.0", "HostPort": str(port)}]
        assert len(new(d, 3)) == 1
    finally:
        rm_all(d, name)
    assert_clean(d)


def test_random_port_loopback_only_and_publish_all(daemon):
    d = daemon
    a, b = unique("rnd"), unique("pall")
    try:
        d.ok("run", "-d", "--name", a, "-p", "127.0.0.1::80", "busybox", "sh", "-c", HTTPD, "two")
        mapping = d.ok("port", a, "80/tcp").strip()
        assert mapping.startswith("127.0.0.1:"), mapping
        assert fetch(f"http://{mapping}/index.html").strip() == "hello-two"
        d.ok("run", "-d", "--name", b, "--expose", "80", "--expose", "7000-7001/udp", "-P", "busybox", "sh", "-c", HTTPD, "three")
        ports = inspect(d, b)["NetworkSettings"]["Ports"]
        assert set(ports) == {"80/tcp", "7000/udp", "7001/udp"}, ports
        assert all(v and int(v[0]["HostPort"]) > 0 for v in ports.values()), ports
        assert fetch(f"http://127.0.0.1:{ports['80/tcp'][0]['HostPort']}/index.html").strip() == "hello-three"
    finally:
        rm_all(d, a, b)
    assert_clean(d)


def test_expose_alone_publishes_nothing_and_ranges_map(daemon):
    d = daemon
    a, b = unique("exp"), unique("rng")
    try:
        d.ok("run", "-d", "--name", a, "--expose", "80", "busybox", "sleep", "300")
        assert d.ok("port", a).strip() == ""
        p = free_port(2)
        d.ok("run", "-d", "--name", b, "-p", f"{p}-{p + 1}:80-81", "-p", f"{p}:53/udp", "busybox", "sleep", "300")
        out = d.ok("port", b)
        assert f"80/tcp -> 0.0.0.0:{p}" in out and f"81/tcp -> 0.0.0.0:{p + 1}" in out and f"53/udp -> 0.0.0.0:{p}" in out, out
    finally:
        rm_all(d, a, b)
    assert_clean(d)


def test_port_already_taken_is_a_clear_error_and_nothing_is_half_wired(daemon):
    d = daemon
    holder = socket.socket()
    holder.bind(("0.0.0.0", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    a, b, c = unique("clash"), unique("first"), unique("second")
    try:
        p = d.hoist("run", "-d", "--name", a, "-p", f"{port}:80", "busybox", "sleep", "300")
        assert p.returncode == 125, describe(p)
        assert "port is already allocated" in p.stderr, p.stderr
        assert inspect(d, a)["State"]["Running"] is False
        assert_clean(d)
        # Between two containers too.
        free = free_port()
        d.ok("run", "-d", "--name", b, "-p", f"{free}:80", "busybox", "sleep", "300")
        p = d.hoist("run", "-d", "--name", c, "-p", f"{free}:80", "busybox", "sleep", "300")
        assert p.returncode == 125 and "port is already allocated" in p.stderr, describe(p)
        assert len(new(d, 0)) == 1
    finally:
        holder.close()
        rm_all(d, a, b, c)
    assert_clean(d)


def test_bad_publish_spec_is_refused(daemon):
    p = daemon.hoist("run", "--rm", "-p", "80:http", "busybox", "true")
    assert p.returncode == 125 and "invalid containerPort: http" in p.stderr, describe(p)


# --------------------------------------------------------------------------- user networks

def test_user_network_containers_resolve_each_other_by_name_and_alias(daemon):
    d = daemon
    net = unique("net")
    web = unique("web")
    try:
        out = d.ok("network", "create", "--label", "team=a", net).strip()
        assert len(out) == 64
        d.ok("run", "-d", "--name", web, "--network", net, "--network-alias", "frontend", "busybox", "sh", "-c", HTTPD, "four")
        for target in (web, "frontend"):
            out = d.ok("run", "--rm", "--network", net, "busybox", "wget", "-qO-", f"http://{target}/index.html")
            assert out.strip() == "hello-four", out
        p = d.hoist("run", "--rm", "--network", net, "busybox", "ping", "-c", "1", "-W", "2", web)
        assert p.returncode == 0, describe(p)
        # The default bridge does not resolve names, as in Docker.
        p = d.hoist("run", "--rm", "busybox", "nslookup", web)
        assert p.returncode != 0
        info = json.loads(d.ok("network", "inspect", net))[0]
        assert info["Name"] == net and info["Driver"] == "bridge" and info["Labels"] == {"team": "a"}
        assert [c["Name"] for c in info["Containers"].values()] == [web]
        p = d.hoist("network", "rm", net)
        assert p.returncode != 0 and "has active endpoints" in p.stderr, describe(p)
    finally:
        rm_all(d, web)
        d.hoist("network", "rm", net)
    assert net not in d.ok("network", "ls")
    assert_clean(d)


def test_network_create_options_ls_connect_disconnect_prune(daemon):
    d = daemon
    net, internal = unique("sub"), unique("int")
    c = unique("cn")
    try:
        d.ok("network", "create", "--subnet", "10.199.7.0/24", "--gateway", "10.199.7.254", net)
        info = json.loads(d.ok("network", "inspect", net))[0]
        assert info["IPAM"]["Config"] == [{"Subnet": "10.199.7.0/24", "Gateway": "10.199.7.254"}]
        p = d.hoist("network", "create", net)
        assert p.returncode != 0 and "already exists" in p.stderr
        p = d.hoist("network", "create", "--subnet", "10.199.7.128/25", unique("ovl"))
        assert p.returncode != 0 and "overlaps" in p.stderr
        d.ok("network", "create", "--internal", internal)
        ls = d.ok("network", "ls")
        assert ls.splitlines()[0].split() == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
        names = [l.split()[1] for l in ls.splitlines()[1:]]
        for n in ("bridge", "host", "none", net, internal):
            assert n in names, ls
        d.ok("run", "-d", "--name", c, "--network", net, "--ip", "10.199.7.50", "busybox", "sleep", "300")
        assert inspect(d, c)["NetworkSettings"]["Networks"][net]["IPAddress"] == "10.199.7.50"
        d.ok("network", "connect", internal, c)
        nets = inspect(d, c)["NetworkSettings"]["Networks"]
        assert set(nets) == {net, internal}
        assert "eth1" in d.ok("exec", c, "ip", "-o", "link")
        hostname = d.ok("exec", c, "hostname").strip()
        second = nets[internal]["IPAddress"]
        hosts = d.ok("exec", c, "cat", "/etc/hosts")
        assert f"10.199.7.50\t{hostname}\n" in hosts and f"{second}\t{hostname}\n" in hosts, hosts
        peer = d.ok("run", "--rm", "--network", internal, "busybox", "nslookup", c)
        assert second in peer, peer
        d.ok("network", "disconnect", internal, c)
        assert set(inspect(d, c)["NetworkSettings"]["Networks"]) == {net}
        assert "eth1" not in d.ok("exec", c, "ip", "-o", "link")
        # Its own line for the network it left is gone, as moby's sandbox deletes it;
        # the network's DNS no longer knows it.
        hosts = d.ok("exec", c, "cat", "/etc/hosts")
        assert f"10.199.7.50\t{hostname}\n" in hosts and second not in hosts, hosts
        p = d.hoist("run", "--rm", "--network", internal, "busybox", "nslookup", c)
        assert p.returncode != 0 and second not in p.stdout, describe(p)
        rm_all(d, c)
        out = d.ok("network", "prune", "-f")
        assert net in out and internal in out, out
        assert "bridge" in d.ok("network", "ls")
        p = d.hoist("network", "rm", "bridge")
        assert p.returncode != 0 and "pre-defined network" in p.stderr
    finally:
        rm_all(d, c)
        d.hoist("network", "rm", net)
        d.hoist("network", "rm", internal)
    assert_clean(d)


class FakeUpstreamDNS:
    """A DNS server on a loopback address of the host answering every A query with
    10.11.12.13: stands for the servers given with `--dns`."""

    ANSWER = bytes([10, 11, 12, 13])

    def __init__(self):
        import threading
        self.sock = None
        for last in range(2, 250):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((f"127.53.{last}.1", 53))
            except OSError:
                s.close()
                continue
            self.sock, self.address = s, f"127.53.{last}.1"
            break
        assert self.sock is not None, "no free loopback address for the fake DNS server"
        self.queries: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                q, peer = self.sock.recvfrom(1500)
            except OSError:
                return
            i, labels = 12, []
            while i < len(q) and q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode())
                i += 1 + q[i]
            qtype = q[i + 1] << 8 | q[i + 2]
            self.queries.append(".".join(labels))
            r = bytearray(q[:i + 5])
            r[2], r[3] = 0x81, 0x80
            r[6:12] = bytes([0, 1 if qtype == 1 else 0, 0, 0, 0, 0])
            if qtype == 1:
                r += bytes([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]) + self.ANSWER
            self.sock.sendto(bytes(r), peer)

    def close(self):
        self.sock.close()


def dns_query_tcp(server: str, name: str) -> list[str]:
    """A records for name from server over TCP (length-prefixed DNS)."""
    q = bytes([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += bytes([0, 0, 1, 0, 1])
    with socket.create_connection((server, 53), timeout=5) as s:
        s.sendall(len(q).to_bytes(2, "big") + q)
        size = int.from_bytes(s.recv(2), "big")
        r = b""
        while len(r) < size:
            chunk = s.recv(size - len(r))
            assert chunk, "short TCP DNS reply"
            r += chunk
    assert r[:2] == q[:2] and r[2] & 0x80, r
    count, i = r[7], len(q)
    out = []
    for _ in range(count):
        i += 2  # compressed name pointer
        rtype, rdlen = r[i] << 8 | r[i + 1], r[i + 8] << 8 | r[i + 9]
        if rtype == 1:
            out.append(".".join(str(b) for b in r[i + 10:i + 14]))
        i += 10 + rdlen
    return out


def test_dns_flag_on_user_network_keeps_the_embedded_dns_and_forwards(daemon):
    d = daemon
    net, web = unique("dnsnet"), unique("dweb")
    upstream = FakeUpstreamDNS()
    try:
        d.ok("network", "create", net)
        gw = json.loads(d.ok("network", "inspect", net))[0]["IPAM"]["Config"][0]["Gateway"]
        d.ok("run", "-d", "--name", web, "--network", net, "busybox", "sleep", "300")
        web_ip = inspect(d, web)["NetworkSettings"]["Networks"][net]["IPAddress"]
        flags = ["--network", net, "--dns", upstream.address, "--dns-search", "example.org", "--dns-option", "ndots:2"]
        out = d.ok("run", "--rm", *flags, "busybox", "cat", "/etc/resolv.conf")
        assert out == f"search example.org\nnameserver {gw}\noptions ndots:2\n", out
        # Container names still resolve; other names go to the --dns server.
        out = d.ok("run", "--rm", "--network", net, "--dns", upstream.address, "busybox", "sh", "-c",
                   f"nslookup {web}; nslookup outside.test")
        assert web_ip in out and "10.11.12.13" in out, out
        # Reverse lookups of container addresses answer `<name>.<network>`, as moby.
        out = d.ok("run", "--rm", "--network", net, "busybox", "nslookup", web_ip)
        assert f"name = {web}.{net}" in out, out
        assert "outside.test" in upstream.queries and web not in upstream.queries, upstream.queries
        # Without --dns, the host's resolvers are asked, never the fake one.
        upstream.queries.clear()
        d.hoist("run", "--rm", "--network", net, "busybox", "nslookup", "other.test")
        assert upstream.queries == [], upstream.queries
        out = d.ok("run", "--rm", "--network", net, "busybox", "cat", "/etc/resolv.conf")
        assert f"nameserver {gw}\n" in out and "ndots:0" in out, out
        # The embedded DNS answers over TCP too (from the host, on the gateway address),
        # and caps its open connections (64) rather than pile up threads.
        assert dns_query_tcp(gw, web) == [web_ip]
        held = [socket.create_connection((gw, 53), timeout=5) for _ in range(64)]
        try:
            with socket.create_connection((gw, 53), timeout=5) as extra:
                extra.settimeout(2)  # an admitted connection would idle 5 s before closing
                assert extra.recv(1) == b""  # closed at once
        finally:
            for h in held:
                h.close()

        def answers():
            try:
                return dns_query_tcp(gw, web) == [web_ip]
            except (OSError, AssertionError):
                return False
        wait_for(answers, what="TCP DNS answers again")
    finally:
        upstream.close()
        rm_all(d, web)
        d.hoist("network", "rm", net)
    assert_clean(d)


def test_internal_network_has_no_way_out_and_publishes_nothing(daemon):
    d = daemon
    net, c = unique("inet"), unique("ic")
    port = free_port()
    listener = socket.socket()
    listener.bind((host_address(), 0))
    listener.listen(4)
    target = f"{host_address()}:{listener.getsockname()[1]}"

    def accept_and_close():  # so a client that got through ends at once
        while True:
            try:
                listener.accept()[0].close()
            except OSError:
                return
    import threading
    threading.Thread(target=accept_and_close, daemon=True).start()
    try:
        d.ok("network", "create", "--internal", net)
        assert json.loads(d.ok("network", "inspect", net))[0]["Internal"] is True
        d.ok("run", "-d", "--name", c, "--network", net, "-p", f"{port}:80", "busybox", "sh", "-c", HTTPD, "in")
        assert "default" not in d.ok("exec", c, "ip", "route")
        p = d.hoist("exec", c, "nc", "-w", "2", *target.split(":"))
        assert p.returncode != 0, describe(p)
        # Published ports of an internal network are not published (moby skips them).
        assert d.ok("port", c).strip() == ""
        for addr in ("127.0.0.1", host_address()):
            with pytest.raises(OSError):
                socket.create_connection((addr, port), timeout=2).close()
        # Inside the network, names and addresses still work.
        out = d.ok("run", "--rm", "--network", net, "busybox", "wget", "-qO-", f"http://{c}/index.html")
        assert out.strip() == "hello-in"
        # The same from a normal network reaches the host.
        d.ok("run", "--rm", "busybox", "nc", "-w", "2", *target.split(":"))
    finally:
        listener.close()
        rm_all(d, c)
        d.hoist("network", "rm", net)
    assert_clean(d)


UDP_ECHO = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('0.0.0.0', 9999))\n"
            "while True:\n"
            "    data, peer = s.recvfrom(1500)\n"
            "    s.sendto(data.upper(), peer)\n")


def test_published_udp_port(daemon):
    """-p HOST:9999/udp to a UDP echo server (the host's python, /usr mounted read-only:
    busybox's nc has no UDP)."""
    d = daemon
    c = unique("udp")
    port = free_port()
    try:
        d.ok("run", "-d", "--name", c, "-p", f"{port}:9999/udp", "-v", "/usr:/usr:ro", "busybox", "/bin/sh", "-c",
             "ln -s usr/lib /lib; ln -s usr/lib64 /lib64; exec /usr/bin/python3 -c \"$0\"", UDP_ECHO)
        assert d.ok("port", c).strip() == f"9999/udp -> 0.0.0.0:{port}", d.hoist("logs", c)
        for addr in ("127.0.0.1", host_address()):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(0.5)
            try:
                got = None
                for _ in range(40):  # until the server listens
                    s.sendto(b"ping-" + addr.encode(), (addr, port))
                    try:
                        got = s.recv(1500)
                        break
                    except OSError:
                        continue
                assert got == b"PING-" + addr.upper().encode(), (addr, got, d.hoist("logs", c).stderr)
            finally:
                s.close()
        # The TCP port of the same number is not published.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        rm_all(d, c)
    assert_clean(d)


def test_dns_flags_and_ip_on_default_bridge(daemon):
    d = daemon
    out = d.ok("run", "--rm", "--dns", "9.9.9.9", "--dns-search", "example.org", "--dns-option", "ndots:2",
               "busybox", "cat", "/etc/resolv.conf")
    assert out == "search example.org\nnameserver 9.9.9.9\noptions ndots:2\n", out
    p = d.hoist("run", "--rm", "--ip", "10.1.1.1", "busybox", "true")
    assert p.returncode != 0 and "user defined networks only" in p.stderr, describe(p)


# --------------------------------------------------------------------------- crash recovery

def test_kill9_of_hoistd_keeps_running_containers_networked_and_cleans_the_rest(fresh_daemon):
    d = fresh_daemon
    up, down = unique("up"), unique("down")
    port = free_port()
    d.ok("run", "-d", "--name", up, "-p", f"127.0.0.1:{port}:80", "busybox", "sh", "-c", HTTPD, "five")
    port2 = free_port()
    d.ok("run", "-d", "--name", down, "-p", f"127.0.0.1:{port2}:80", "busybox", "sh", "-c", "sleep 2")
    assert len(nat_rules(d.bridge)) == 2
    assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-five"
    d.kill9()
    time.sleep(3)  # `down` exits while no daemon runs
    d.start()
    wait_for(lambda: inspect(d, down)["State"]["Running"] is False, what="exit seen")
    assert len(veths_on(d.bridge)) == 1
    assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-five"
    assert len(ipam_entries(d)) == 1 and len(netns_mounts(d)) == 1 and len(nat_rules(d.bridge)) == 1
    # The port is held again by the new daemon.
    p = d.hoist("run", "-d", "--name", unique("again"), "-p", f"127.0.0.1:{port}:80", "busybox", "true")
    assert p.returncode == 125 and "port is already allocated" in p.stderr, describe(p)
    # The port of the container that died meanwhile is free again.
    again = unique("again")
    d.ok("run", "-d", "--name", again, "-p", f"127.0.0.1:{port2}:80", "busybox", "sh", "-c", HTTPD, "six")
    assert fetch(f"http://127.0.0.1:{port2}/index.html").strip() == "hello-six"
    d.ok("rm", "-f", up, again)
    assert_clean(d)


# --------------------------------------------------------------------------- docker CLI, docker-py

def test_docker_cli_networks_and_ports(daemon):
    d = daemon
    net, web = unique("dnet"), unique("dweb")
    port = free_port()
    try:
        p = d.docker("network", "create", net)
        assert p.returncode == 0, describe(p)
        p = d.docker("run", "-d", "--name", web, "--network", net, "-p", f"{port}:80", "busybox", "sh", "-c", HTTPD, "six")
        assert p.returncode == 0, describe(p)
        assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-six"
        p = d.docker("port", web)
        assert p.returncode == 0 and f"80/tcp -> 0.0.0.0:{port}" in p.stdout, describe(p)
        p = d.docker("network", "ls", "--format", "{{.Name}} {{.Driver}}")
        assert f"{net} bridge" in p.stdout, describe(p)
        p = d.docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", net)
        assert p.stdout.strip() == web, describe(p)
        p = d.docker("run", "--rm", "--network", net, "busybox", "wget", "-qO-", f"http://{web}/index.html")
        assert p.stdout.strip() == "hello-six", describe(p)
        p = d.docker("inspect", "-f", "{{.NetworkSettings.Networks." + net + ".IPAddress}}", web)
        assert p.returncode == 0 and p.stdout.strip(), describe(p)
    finally:
        d.docker("rm", "-f", web)
        d.docker("network", "rm", net)
    assert_clean(d)


def test_docker_py_networks_and_ports(daemon):
    docker = pytest.importorskip("docker")
    d = daemon
    client = docker.DockerClient(base_url=f"unix://{d.sock}")
    net = client.networks.create(unique("pynet"), driver="bridge", labels={"k": "v"})
    c = None
    try:
        assert net.attrs["Labels"] == {"k": "v"}
        c = client.containers.run("busybox", ["sh", "-c", HTTPD, "seven"], detach=True, ports={"80/tcp": None},
                                  network=net.name)
        c.reload()
        host_port = c.ports["80/tcp"][0]["HostPort"]
        assert fetch(f"http://127.0.0.1:{host_port}/index.html").strip() == "hello-seven"
        net.reload()
        assert c.id in net.attrs["Containers"]
        assert net.name in [n.name for n in client.networks.list()]
    finally:
        if c is not None:
            c.remove(force=True)
        net.remove()
        client.close()
    assert_clean(d)


# --------------------------------------------------------------------------- legacy links, hairpin

def test_legacy_link_on_default_bridge_gives_hosts_entry_and_env(daemon):
    d = daemon
    db, app = unique("db"), unique("app")
    try:
        d.ok("run", "-d", "--name", db, "--hostname", "dbhost", "-e", "SECRET=s3", "--expose", "5432", "busybox", "sleep", "300")
        ip = inspect(d, db)["NetworkSettings"]["IPAddress"]
        out = d.ok("run", "--rm", "--name", app, "--link", f"{db}:my-db", "busybox", "sh", "-c", "cat /etc/hosts; env | sort")
        assert f"{ip}\tmy-db dbhost {db}\n" in out, out
        for line in (f"MY_DB_NAME=/{app}/my-db", f"MY_DB_PORT=tcp://{ip}:5432", f"MY_DB_PORT_5432_TCP=tcp://{ip}:5432",
                     f"MY_DB_PORT_5432_TCP_ADDR={ip}", "MY_DB_PORT_5432_TCP_PORT=5432", "MY_DB_PORT_5432_TCP_PROTO=tcp",
                     "MY_DB_ENV_SECRET=s3"):
            assert line + "\n" in out, (line, out)
        assert "MY_DB_ENV_PATH" not in out
        # The alias answers ping; the docker CLI's --link NAME links under the name.
        p = d.docker("run", "--rm", "--link", db, "busybox", "ping", "-c", "1", "-W", "2", db)
        assert p.returncode == 0, describe(p)
        p = d.docker("run", "-d", "--name", app, "--link", f"{db}:x", "busybox", "sleep", "300")
        assert p.returncode == 0, describe(p)
        assert inspect(d, app)["HostConfig"]["Links"] == [f"/{db}:/{app}/x"]
        # The child restarts with another address: the parent's hosts line follows it.
        d.ok("restart", "-t", "0", db)
        new_ip = inspect(d, db)["NetworkSettings"]["IPAddress"]
        assert new_ip != ip
        hosts = d.ok("exec", app, "cat", "/etc/hosts")
        assert f"{new_ip}\tx dbhost {db}\n" in hosts and f"{ip}\t" not in hosts, hosts
        d.ok("stop", "-t", "0", db, app)
        p = d.docker("start", app)
        assert p.returncode != 0 and f"Cannot link to a non running container: /{db} AS /{app}/x" in p.stderr, describe(p)
        p = d.docker("run", "--rm", "--link", "no-such-container-here:x", "busybox", "true")
        assert p.returncode == 125 and "could not get container for no-such-container-here" in p.stderr, describe(p)
    finally:
        rm_all(d, db, app)
    assert_clean(d)


def test_containers_reach_published_ports_through_the_host_address(daemon):
    """Hairpin NAT: a container reaches its own published port, and another container's on
    the same bridge, through the host's address (kernel NAT, no userland proxy)."""
    d = daemon
    web, other = unique("hp"), unique("hp")
    port = free_port()
    addr = host_address()
    try:
        d.ok("run", "-d", "--name", web, "-p", f"{port}:80", "busybox", "sh", "-c", HTTPD, "hairpin")
        assert fetch(f"http://127.0.0.1:{port}/index.html").strip() == "hello-hairpin"
        # (busybox wget -T crashes on a timeout: `timeout` bounds a failure instead.)
        out = d.ok("exec", web, "timeout", "5", "wget", "-qO-", f"http://{addr}:{port}/index.html")
        assert out.strip() == "hello-hairpin", out
        out = d.ok("run", "--rm", "--name", other, "busybox", "timeout", "5", "wget", "-qO-", f"http://{addr}:{port}/index.html")
        assert out.strip() == "hello-hairpin", out
    finally:
        rm_all(d, web, other)
    assert_clean(d)
