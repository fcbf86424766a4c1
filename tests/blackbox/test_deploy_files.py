"""deploy/: the systemd units pass `systemd-analyze verify` (Debian's systemd package, in
TEST_PACKAGES; it needs no running systemd), start every service of cgi-bin/services.c,
and the Kubernetes manifests pass the offline schema check (tests/deploy/k8s_check.mjs)."""
import os
import re
import shutil
import subprocess
import tempfile

from stack import ALL_SERVICES, ROOT

UNITS = os.path.join(ROOT, "deploy", "systemd")


def _bin_dir():
    return os.environ.get("BIN", os.path.join(ROOT, "build", "release", "bin"))


def test_systemd_units_verify():
    """Units name /opt/roombook (docs/operations.md); here they point at this tree and its
    BIN, so verify also checks that every ExecStart's program exists."""
    assert shutil.which("systemd-analyze"), "systemd-analyze missing: apt-get install systemd (make deps)"
    tmp = tempfile.mkdtemp(prefix="units-", dir=os.path.join(ROOT, "tests", "out"))
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
