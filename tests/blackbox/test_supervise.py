"""scripts/supervise starts each program with posix_spawn (and setpriv for its user)
instead of stock supervisord's fork: every service process and the worker must still
start as stock supervisord's child would have made them, and so must a replacement
started after a kill -9; the worker at its CPU niceness (WORKER_NICE)."""
import configparser
import os
import pwd
import signal

from stack import Stack, wait_until


def _status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return fields


def _started_as_supervisord_would(s, program, pid, supervisord):
    with open("/proc/%d/stat" % pid) as f:
        after_name = f.read().rsplit(")", 1)[1].split()
    ppid, pgrp = int(after_name[1]), int(after_name[2])
    assert ppid == supervisord, (program, pid, ppid)  # its own child, not a helper's
    assert pgrp == pid, (program, pid, pgrp)  # its own process group (setpgrp)
    with open("/proc/%d/environ" % pid, "rb") as f:
        env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    assert env[b"SUPERVISOR_ENABLED"] == b"1"
    assert env[b"SUPERVISOR_GROUP_NAME"] == program.encode()
    assert env[b"SUPERVISOR_PROCESS_NAME"].startswith(program.encode() + b"_")
    assert env[b"SUPERVISOR_SERVER_URL"].startswith(b"unix://")
    conf = configparser.RawConfigParser()
    conf.read(os.path.join(s.var, "etc", "supervisord.conf"))
    section = "program:worker" if program == "worker" else "fcgi-program:" + program
    user = conf.get(section, "user", fallback=None)
    st = _status(pid)
    if user:  # a root stack: the run user's uid, gid and groups, as supervisord's own drop
        pw = pwd.getpwnam(user)
        assert st["Uid"] == [str(pw.pw_uid)] * 4, (program, st["Uid"])
        assert st["Gid"] == [str(pw.pw_gid)] * 4, (program, st["Gid"])
        assert str(pw.pw_gid) in st["Groups"], (program, st["Groups"])
        assert "0" not in st["Groups"], (program, st["Groups"])
    else:
        assert st["Uid"][0] == str(os.getuid())
    # 0, 1 and 2 from supervisord; nothing else of it (its log, the other programs' logs,
    # its control socket): what the process holds besides is its own
    fds = {int(n): os.readlink("/proc/%d/fd/%s" % (pid, n)) for n in os.listdir("/proc/%d/fd" % pid)}
    assert fds[1] == fds[2] and fds[1].startswith("pipe:"), (program, fds)
    if program != "worker":
        assert fds[0].startswith("socket:"), (program, fds)  # the FastCGI socket
    log_dir = os.path.join(s.var, "log") + "/"
    assert not [t for t in fds.values() if t.startswith(log_dir) or t.endswith("supervisor.sock")], (program, fds)
    # the worker goes before the services for the CPU (ROOMBOOK_NICE, WORKER_NICE: -5), in
    # every thread; the services at the default
    want = -5 if program == "worker" and os.getuid() == 0 else 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            nice = int(f.read().rsplit(")", 1)[1].split()[16])
        assert nice == want, (program, pid, tid, nice)


def test_programs_start_as_stock_supervisord_children_would():
    with Stack(name="spawn", procs=2) as s:
        with open(os.path.join(s.var, "run", "supervisord.pid")) as f:
            supervisord = int(f.read())
        for program in s.services + ["worker"]:
            pids = s.pids(program)
            assert pids, program
            for pid in pids:
                _started_as_supervisord_would(s, program, pid, supervisord)
        # a replacement after a kill -9 is started the same way
        old = s.pids("rooms")[0]
        os.kill(old, signal.SIGKILL)
        wait_until(lambda: len([p for p in s.pids("rooms") if p != old]) == 2, what="a new rooms process")
        new = [p for p in s.pids("rooms") if p != old]
        _started_as_supervisord_would(s, "rooms", new[0], supervisord)
        assert s.get("/rooms?limit=1").status == 200
