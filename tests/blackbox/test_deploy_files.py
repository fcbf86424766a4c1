"""deploy/: the systemd units pass `systemd-analyze verify` (Debian's systemd package, in
TEST_PACKAGES; it needs no running systemd), start every service of cgi-bin/services.c,
and the Kubernetes manifests pass the offline schema check (tests/deploy/k8s_check.mjs);
the edge gateway's nginx configuration runs for real in front of a stack."""
import http.client
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse

from stack import ALL_SERVICES, OUT, PASSWORD, ROOT, Stack, free_port, wait_until

UNITS = os.path.join(ROOT, "deploy", "systemd")


def _bin_dir():
    return os.environ.get("BIN", os.path.join(ROOT, "build", "release", "bin"))


def out_dir():
    """tests/out, made when this module runs first (a Stack makes it otherwise)."""
    os.makedirs(OUT, exist_ok=True)
    return OUT


def test_systemd_units_verify():
    """Units name /opt/roombook (docs/operations.md); here they point at this tree and its
    BIN, so verify also checks that every ExecStart's program exists."""
    assert shutil.which("systemd-analyze"), "systemd-analyze missing: apt-get install systemd (make deps)"
    tmp = tempfile.mkdtemp(prefix="units-", dir=out_dir())
    names = []
    for f in sorted(os.listdir(UNITS)):
        if not re.search(r"\.(service|socket|target)$", f):
            continue
        with open(os.path.join(UNITS, f)) as src:
            text = src.read().replace("/opt/roombook/build/release/bin", _bin_dir()).replace("/opt/roombook", ROOT)
        with open(os.path.join(tmp, f), "w") as dst:
            dst.write(text)
        if "@." not in f:
            names.append(f)
    for s in ALL_SERVICES:  # every instance of the templates
        names += ["roombook@%s.socket" % s, "roombook@%s.service" % s]
    r = subprocess.run(["systemd-analyze", "verify", "--man=no"] + [os.path.join(tmp, n) for n in names],
                       cwd=tmp, capture_output=True, text=True, timeout=120)
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 0 and not out, out
    shutil.rmtree(tmp)


def test_the_target_starts_every_service():
    with open(os.path.join(UNITS, "roombook.target")) as f:
        target = f.read()
    wanted = set(re.findall(r"roombook@([a-z_]+)\.socket", target))
    assert wanted == set(ALL_SERVICES), (sorted(wanted), ALL_SERVICES)
    for unit in ("roombook-nginx.service", "roombook-worker.service", "roombook-prepare.service"):
        assert unit in target, unit


def test_kubernetes_manifests_match_the_schemas():
    """Offline: the Kubernetes JSON schemas shipped by the npm package kubernetes-models
    (pinned), no cluster. Checks each object's fields and types, not that it would run."""
    r = subprocess.run(["node", os.path.join(ROOT, "tests", "deploy", "k8s_check.mjs")],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok   roombook.yaml: StatefulSet/roombook" in r.stdout, r.stdout + r.stderr


def _edge_conf():
    """nginx.conf of deploy/k8s/gateway.yaml's ConfigMap roombook-edge, as it ships."""
    with open(os.path.join(ROOT, "deploy", "k8s", "gateway.yaml")) as f:
        text = f.read()
    block = text.split("  nginx.conf: |\n", 1)[1]
    lines = []
    for line in block.split("\n"):
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    return "\n".join(lines)


def _ask(port, path, source, headers, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=dict(headers, Host="localhost"))
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("Set-Cookie") or ""
    finally:
        conn.close()


def _logged_address(stack, rid):
    def find():
        with open(os.path.join(stack.var, "log", "access.log")) as f:
            for line in f:
                if "rid=%s " % rid in line:
                    return line.split()[1].split("=", 1)[1]  # addr=...
        return None
    return wait_until(find, timeout=10, what="the access log line of %s" % rid)


def test_the_edge_gateway_passes_the_clients_address_and_nothing_forged():
    """deploy/k8s/gateway.yaml's edge nginx configuration, run for real in front of a stack
    that trusts it (TRUSTED_PROXIES=127.0.0.1/32): a client at 127.0.0.2 is seen as
    127.0.0.2 through the edge even when it sends its own X-Forwarded-For; a client
    talking to the stack directly from an untrusted address cannot set its address or
    claim TLS; from the trusted address both headers count."""
    conf = _edge_conf()
    with Stack(name="edge", env={"TRUSTED_PROXIES": "127.0.0.1/32"}) as s:
        d = tempfile.mkdtemp(prefix="edge-", dir=out_dir())
        os.chmod(d, 0o755)
        edge_port = free_port()
        conf = (conf.replace("server roombook-app:80;", "server 127.0.0.1:%d;" % s.port)
                    .replace("listen 8080;", "listen 127.0.0.1:%d;" % edge_port).replace("/tmp/", d + "/"))
        assert "127.0.0.1:%d" % s.port in conf and d in conf
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        edge = subprocess.Popen(["/usr/sbin/nginx", "-g", "daemon off;", "-p", d, "-c", os.path.join(d, "nginx.conf")],
                                stderr=open(os.path.join(d, "error.log"), "w"))
        try:
            def edge_up():
                try:
                    return _ask(edge_port, "/healthz", "127.0.0.1", {})[0] == 200
                except OSError:
                    return False
            wait_until(edge_up, timeout=10, what="the edge")
            assert _ask(edge_port, "/health/ready", "127.0.0.1", {})[0] == 200
            st, _ = _ask(edge_port, "/rooms?limit=1", "127.0.0.2", {"X-Forwarded-For": "6.6.6.6",
                                                                     "X-Request-Id": "edge-1"})
            assert st == 200 and _logged_address(s, "edge-1") == "127.0.0.2"
            st, _ = _ask(s.port, "/rooms?limit=1", "127.0.0.3", {"X-Forwarded-For": "6.6.6.6",
                                                                 "X-Request-Id": "edge-2"})
            assert st == 200 and _logged_address(s, "edge-2") == "127.0.0.3"
            st, _ = _ask(s.port, "/rooms?limit=1", "127.0.0.1", {"X-Forwarded-For": "6.6.6.6",
                                                                 "X-Request-Id": "edge-3"})
            assert st == 200 and _logged_address(s, "edge-3") == "6.6.6.6"
            # X-Forwarded-Proto: https makes the session cookie Secure only from the proxy
            email = "edge-%d@example.com" % os.getpid()
            assert s.post("/accounts", {"email": email, "password": PASSWORD, "name": "Edge"}, auth=None).status == 201
            csrf = "c" * 32  # the double-submit pair every form carries
            form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "_csrf": csrf})
            head = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https",
                    "Cookie": "csrf=" + csrf}
            st, cookie = _ask(s.port, "/sessions", "127.0.0.1", head, "POST", form)
            assert st in (201, 303) and "rb_session=" in cookie and "; Secure" in cookie, (st, cookie)
            st, cookie = _ask(s.port, "/sessions", "127.0.0.3", head, "POST", form)
            assert st in (201, 303) and "rb_session=" in cookie and "Secure" not in cookie, (st, cookie)
        finally:
            edge.terminate()
            edge.wait(timeout=10)


def test_the_configuration_takes_paths_and_names_literally():
    """scripts/stack renders with bash's own substitution: a '&', '|' or '\\' in the state
    directory's path or in HOSTS reaches nginx.conf as written (sed's s||| put the matched
    @NAME@ in place of '&'), and nginx accepts the result."""
    top = tempfile.mkdtemp(prefix="render-", dir=out_dir())
    var = os.path.join(top, "R&D|x\\y", "var")
    env = dict(os.environ, ROOMBOOK_VAR=var, HOSTS="rooms.example host&x.example", PORT=str(free_port()),
               INTERNAL_PORT=str(free_port()))
    p = subprocess.run([os.path.join(ROOT, "scripts", "stack"), "render"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(var, "etc", "nginx.conf")) as f:
        conf = f.read()
    assert "pid %s/run/nginx.pid;" % var in conf
    assert "server_name rooms.example host&x.example;" in conf
    assert not re.search(r"@[A-Z_]+@", re.sub(r"#.*", "", conf)), "a placeholder was left"
    with open(os.path.join(var, "etc", "nginx-errors.conf")) as f:
        assert "root %s;" % var in f.read()
    t = subprocess.run(["/usr/sbin/nginx", "-t", "-p", os.path.join(var, "nginx"), "-c",
                        os.path.join(var, "etc", "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert t.returncode == 0, t.stderr
    shutil.rmtree(top, ignore_errors=True)
