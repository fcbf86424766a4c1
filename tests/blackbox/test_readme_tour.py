"""The README's 60-second tour, run as written (only the port changed) against a fresh
stack: every step answers as the README says, and afterwards the audit finds every
cross-service invariant holding."""
import os
import re
import subprocess

from stack import ROOT, Stack, wait_until


def tour_script():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    start = text.index("## A 60-second tour")
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)
    return block


def test_the_readme_tour_runs_as_written_and_the_audit_passes():
    with Stack(name="readme-tour") as s:
        script = tour_script().replace("127.0.0.1:8080", "127.0.0.1:%d" % s.port)
        r = subprocess.run(["bash", "-c", "set -o pipefail\n" + script], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:])
        out = r.stdout
        assert '"status":"confirmed"' in out and '"amount":48000' in out, out[-3000:]
        assert '"status":"cancelled"' in out and '"status":"refunded"' in out, out[-3000:]
        assert out.rstrip().splitlines()[-3:] == ["401", "204", "401"], out[-500:]
        # the tour's asynchronous steps settle; then the books must balance
        audit = os.path.join(s.bin, "audit")
        env = dict(s.env, ROOMBOOK_VAR=s.var)
        result = wait_until(lambda: (lambda a: a if a.returncode == 0 else None)(
            subprocess.run([audit, "--wait", "10", "--strict"], env=env, capture_output=True, text=True,
                           timeout=60)), timeout=60, interval=1, what="a clean audit")
        lines = result.stdout.splitlines()
        assert not [x for x in lines if x.startswith("FAIL")], result.stdout
        assert sum(x.startswith("ok") for x in lines) >= 15, result.stdout
