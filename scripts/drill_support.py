"""drill_support.py — what scripts/drill-breaker and scripts/drill-heal share: a stack of
their own (tests/blackbox/stack.py: free ports, its own var/ under tests/out), siege
always under `timeout` (4.0.7 may hang at the end of a -t run), and the figures per
phase from siege's own lines (one per request: status and seconds)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "blackbox"))
from stack import Stack, wait_until  # noqa: E402,F401

LINE = re.compile(r"^HTTP/\d\.\d (\d{3})\s+([\d.]+) secs:")


def siegerc(var):
    """A siege configuration of the drill's own (nothing read from or written to ~/.siege)."""
    path = os.path.join(var, "siegerc")
    with open(path, "w") as f:
        f.write("verbose = true\ncolor = off\nquiet = false\nshow-logfile = false\nlogging = false\n"
                "protocol = HTTP/1.1\nconnection = close\nparser = false\nfailures = 1000000\n"
                "timeout = 10\naccept-encoding = identity\n")
    return path


def siege(stack, url, concurrency, seconds, headers=(), body=None, url_file=None):
    """Runs siege -c concurrency for seconds on url (POST body when given) or on every URL
    of url_file in turn; returns [(status, secs)], one per request (status 0: a socket
    error, no answer)."""
    cmd = ["timeout", "-k", "5", str(seconds + 20), "siege", "-R", siegerc(stack.var), "-b",
           "-c", str(concurrency), "-t", "%dS" % seconds, "-T", "application/json"]
    for h in headers:
        cmd += ["-H", h]
    if url_file:
        cmd += ["-f", url_file]
    else:
        cmd.append(url if body is None else "%s POST %s" % (url, body))
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, HOME=stack.var))
    out = []
    for line in (p.stdout + "\n" + p.stderr).splitlines():
        m = LINE.match(line.strip())
        if m:
            out.append((int(m.group(1)), float(m.group(2))))
        elif line.startswith("[error]") and "socket" in line:
            out.append((0, 0.0))
    return out


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def summary(name, results, ok=lambda status: 200 <= status < 400):
    """Prints one line of figures; returns availability in percent."""
    n = len(results)
    good = [t for s, t in results if ok(s)]
    bad = [t for s, t in results if not ok(s)]
    codes = {}
    for s, _ in results:
        codes[s] = codes.get(s, 0) + 1
    avail = 100.0 * len(good) / n if n else 0.0
    print("%-34s %6d requests  availability %7.3f %%  ok p50 %5.0f ms p95 %5.0f ms  "
          "failed p50 %5.0f ms max %5.0f ms  statuses %s" % (
              name, n, avail, 1000 * pct(good, .5), 1000 * pct(good, .95), 1000 * pct(bad, .5),
              1000 * max(bad) if bad else float("nan"), dict(sorted(codes.items()))), flush=True)
    return avail
