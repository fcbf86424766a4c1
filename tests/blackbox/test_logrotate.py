"""Log rotation (docs/operations.md "Logs"): Debian's logrotate with deploy/logrotate/roombook
(rendered for the test stack's var, its own state file) moves every log away by rename and
`scripts/stack reopen` makes supervisord and nginx write new ones: what a request logs
before the rotation is in the rotated files, what it logs after is in the new access.log
and the new service log only, and nothing more reaches a rotated file once the reopen
returned. A second rotation compresses the first one's files; on a stopped stack the
reopen has nothing to do and says so."""
import gzip
import os
import subprocess
import time

from stack import ROOT, Stack, wait_until

LOGS = os.path.join(ROOT, "deploy", "logrotate", "roombook")


def render(stack):
    """deploy/logrotate/roombook for this stack's var and this tree, and a state file."""
    folder = os.path.join(stack.var, "logrotate")
    os.makedirs(folder, exist_ok=True)
    with open(LOGS) as f:
        text = f.read()
    assert "copytruncate" not in text.replace("never copytruncate", "")
    text = text.replace("/opt/roombook/var", stack.var).replace("/opt/roombook", ROOT)
    conf = os.path.join(folder, "roombook.conf")
    with open(conf, "w") as f:
        f.write(text)
    os.chmod(conf, 0o644)
    return conf, os.path.join(folder, "state")


def rotate(conf, state):
    r = subprocess.run(["logrotate", "-f", "-s", state, conf], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def logged(stack, rid, *names):
    """True once every log of names has a line with rid=<rid>."""
    return all("rid=" + rid in read(os.path.join(stack.var, "log", n)) for n in names)


def test_rotated_by_rename_and_reopened():
    assert os.access("/usr/sbin/logrotate", os.X_OK), "logrotate missing: apt-get install logrotate (make deps)"
    # REQUEST_LOG=1: rooms logs each request with its rid; LOG_MAXBYTES=0: supervisord
    # leaves the rotating to logrotate (as the configuration's header asks).
    with Stack(name="logrotate", env={"REQUEST_LOG": "1", "LOG_MAXBYTES": "0"}) as s:
        log = os.path.join(s.var, "log")
        conf, state = render(s)
        before = "before-rotation-%d" % os.getpid()
        assert s.get("/rooms?limit=1", headers={"X-Request-Id": before}).status == 200
        wait_until(lambda: logged(s, before, "access.log", "rooms.log"), timeout=10, what="the first lines")

        rotate(conf, state)
        for name in ("access.log", "rooms.log", "supervisord.log", "worker.log"):
            assert os.path.exists(os.path.join(log, name + ".1")), sorted(os.listdir(log))
        assert "rid=" + before in read(os.path.join(log, "access.log.1"))
        assert "rid=" + before in read(os.path.join(log, "rooms.log.1"))
        # The reopen has returned: the rotated files are finished.
        rotated = sorted(f for f in os.listdir(log) if f.endswith(".1"))
        sizes = {f: os.stat(os.path.join(log, f)).st_size for f in rotated}

        after = "after-rotation-%d" % os.getpid()
        for i in range(20):
            r = s.get("/rooms?limit=1", headers={"X-Request-Id": after if i == 0 else "%s-%d" % (after, i)})
            assert r.status == 200, r
        wait_until(lambda: logged(s, after, "access.log", "rooms.log"), timeout=10,
                   what="the new lines in the new access.log and rooms.log")
        time.sleep(2.5)  # past nginx's access_log flush=1s and supervisord's 1 s loop
        assert s.get("/health/ready").status == 200
        for f in rotated:
            text = read(os.path.join(log, f))
            assert "rid=" + after not in text, f
            assert os.stat(os.path.join(log, f)).st_size == sizes[f], (f, sizes[f], len(text))
        assert "rid=" + before not in read(os.path.join(log, "access.log"))

        rotate(conf, state)  # the second time: .1 becomes .2.gz (delaycompress)
        assert "rid=" + before in read(os.path.join(log, "access.log.2.gz"))
        assert "rid=" + after in read(os.path.join(log, "access.log.1"))
        last = "third-%d" % os.getpid()
        assert s.get("/rooms?limit=1", headers={"X-Request-Id": last}).status == 200
        wait_until(lambda: logged(s, last, "access.log", "rooms.log"), timeout=10, what="lines after the second")
    r = subprocess.run([os.path.join(ROOT, "scripts", "stack"), "reopen"], env=dict(s.env), capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and "no log to reopen" in r.stderr, (r.stdout, r.stderr)


def test_a_log_once_followed_with_supervisorctl_tail_does_not_hold_up_the_reopen():
    """`supervisorctl tail -f` (docs/operations.md, Supervisor) leaves supervisord with the
    log open to read; the reopen waits only for handles that write."""
    with Stack(name="logrotate-tail", env={"LOG_MAXBYTES": "0"}) as s:
        conf, state = render(s)
        name = [line.split()[0] for line in s.ctl("status", "rooms:*").splitlines() if "RUNNING" in line][0]
        subprocess.run(["timeout", "2", "supervisorctl", "-c", os.path.join(s.var, "etc", "supervisord.conf"),
                        "tail", "-f", name], env=s.env, capture_output=True, timeout=30)
        rooms_log = os.path.join(s.var, "log", "rooms.log")
        sup = int(open(os.path.join(s.var, "run", "supervisord.pid")).read())
        assert any(os.path.realpath(os.path.join("/proc/%d/fd" % sup, fd)) == rooms_log
                   for fd in os.listdir("/proc/%d/fd" % sup)), "supervisord reads the followed log"
        t0 = time.time()
        r = rotate(conf, state)
        assert "still writing" not in r.stderr, r.stderr
        assert time.time() - t0 < 8, "the reopen waited for a handle that only reads"
        assert s.get("/rooms?limit=1").status == 200
