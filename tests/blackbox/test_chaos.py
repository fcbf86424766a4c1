"""The chaos test, short (make chaos runs it for minutes): tests/chaos/chaos.py puts mixed
load on a stack (2 processes per service, 2 workers) while random processes are SIGKILLed
every 1-3 s for 30 s; then every 201 a client saw must be there and the audit must pass.
Then the negative control: the same with the build that skips refunds
(make CHAOS_BROKEN=1 programs -> build/broken/bin) must make the audit name
cancelled.refunded_once. The driver starts and stops its own stack (and ends any nginx
worker a killed master left behind)."""
import os
import subprocess
import sys

from stack import ROOT

DRIVER = os.path.join(ROOT, "tests", "chaos", "chaos.py")


def bin_dir():
    return os.environ.get("BIN") or os.path.join(ROOT, "build", "release", "bin")


def broken_bin():
    """build/<mode>/bin -> build/broken/bin (asan: build/broken-asan/bin)."""
    b = os.path.abspath(bin_dir())
    mode = os.path.basename(os.path.dirname(b))
    return os.path.join(os.path.dirname(os.path.dirname(b)), "broken" + ("-asan" if mode == "asan" else ""), "bin")


def drive(bindir, *args, timeout=400):
    env = dict(os.environ, BIN=bindir)
    r = subprocess.run([sys.executable, DRIVER, "--bin", bindir] + list(args), env=env, capture_output=True,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def test_thirty_seconds_of_kills_audit_clean():
    rc, out = drive(bin_dir(), "--seconds", "30", "--clients", "6", "--min-kills", "8")
    assert rc == 0 and "\nchaos: PASSED" in out, out[-6000:]
    assert "audit --wait 30 --strict: exit 0 " in out, out[-6000:]


def test_negative_control_without_refunds_fails_the_audit():
    broken = broken_bin()
    assert os.access(os.path.join(broken, "payments"), os.X_OK), \
        "%s is not built: make CHAOS_BROKEN=1 programs (make test does it)" % broken
    rc, out = drive(broken, "--seconds", "20", "--clients", "6", "--min-kills", "4",
                    "--expect-breach", "cancelled.refunded_once")
    assert rc == 0 and "negative control PASSED" in out, out[-6000:]
    assert "FAIL cancelled.refunded_once" in out and "audit --wait 30 --strict: exit 1 " in out, out[-6000:]
