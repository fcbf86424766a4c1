"""Backups (build/<mode>/bin/backup, docs/operations.md "Backups"): taken several times
while clients keep booking, each one holds every database of var/db (accounts included),
0700/0600, owned like the databases, with a manifest whose sha256 match and copies that
pass PRAGMA integrity_check. The last one, restored into a new var after the stack
stopped, is one instant of the whole system: the audit passes on the files as restored
and, with --strict, on a stack started on them; every booking answered 201 before that
backup started is there, none asked for after it ended is. A restore is refused while
the stack runs and when a file does not match the manifest (nothing is touched then)."""
import hashlib
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import threading
import time

from access_support import day, new_room
from stack import OUT, Stack

CLIENTS = 6
BACKUPS = 4


def tool(stack_bin, var, *args, timeout=120, env=None):
    """Runs bin/backup (or bin/audit) as the operator would, as root, on var."""
    env = dict(env or {}, PATH=os.environ.get("PATH", "/usr/bin:/bin"), ROOMBOOK_VAR=var)
    return subprocess.run([os.path.join(stack_bin, args[0])] + list(args[1:]), env=env, capture_output=True,
                          text=True, timeout=timeout)


def manifest_of(folder):
    with open(os.path.join(folder, "manifest")) as f:
        text = f.read()
    files = dict((name, sha) for sha, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", text, re.M))
    return text, files


def integrity(path):
    # immutable: read the file alone, make no -wal/-shm beside the copy
    con = sqlite3.connect("file:%s?immutable=1" % path, uri=True)
    try:
        return [row[0] for row in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()


def check_backup(var, folder, out):
    """What every backup must be; returns how long writes were paused (ms)."""
    paused = re.search(r"writes paused ([0-9.]+) ms", out)
    assert paused, out
    owner = os.stat(os.path.join(var, "db"))
    live = sorted(f for f in os.listdir(os.path.join(var, "db")) if f.endswith(".db"))
    assert "accounts.db" in live and "reservations.db" in live and len(live) >= 7, live
    st = os.stat(folder)
    assert stat.S_IMODE(st.st_mode) == 0o700 and (st.st_uid, st.st_gid) == (owner.st_uid, owner.st_gid), st
    text, files = manifest_of(folder)
    assert sorted(files) == live, (text, live)  # every database, nothing else
    assert re.search(r"^# taken \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", text, re.M), text
    assert sorted(os.listdir(folder)) == sorted(live + ["manifest"]), os.listdir(folder)
    for name in live + ["manifest"]:
        st = os.stat(os.path.join(folder, name))
        assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == owner.st_uid, (name, st)
    for name, sha in files.items():
        with open(os.path.join(folder, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha, name
        assert integrity(os.path.join(folder, name)) == ["ok"], name
    return float(paused.group(1))


def test_backups_under_load_restore_to_one_instant():
    src = Stack(name="backup", procs=2)
    dst = None
    stop = threading.Event()
    try:
        src.start()
        host, host_token = src.new_account("Backup host")
        rooms = [new_room(src, host_token, capacity=10000, price=100 + i, name="Backup big %d" % i)["id"]
                 for i in range(3)]
        tight = new_room(src, host_token, capacity=1, price=90, name="Backup tight")["id"]
        clients = [src.new_account("Backup guest %d" % i) for i in range(CLIENTS)]

        # A write transaction kept open elsewhere: the backup gives up after
        # BACKUP_LOCK_TIMEOUT_MS, says which database, leaves no manifest and holds no lock.
        held = sqlite3.connect(os.path.join(src.var, "db", "reservations.db"), isolation_level=None)
        held.execute("BEGIN IMMEDIATE")
        try:
            folder = os.path.join(src.var, "backups", "blocked")
            t0 = time.time()
            r = tool(src.bin, src.var, "backup", folder, env={"BACKUP_LOCK_TIMEOUT_MS": "1500"})
            assert r.returncode == 1 and "could not lock reservations.db for writing within 1500 ms" in r.stderr, \
                (r.stdout, r.stderr)
            assert 1.4 < time.time() - t0 < 15 and not os.path.exists(os.path.join(folder, "manifest"))
        finally:
            held.execute("ROLLBACK")
            held.close()
        r = src.post("/reservations", {"roomId": rooms[0], "checkIn": day(3)}, auth=clients[0][1])
        assert r.status == 201, r  # nothing left locked
        log = []  # (client, sent, answered, status, reservation id)
        lock = threading.Lock()

        def client(i):
            token, n = clients[i][1], 0
            while not stop.is_set():
                n += 1
                room = tight if n % 5 == 0 else rooms[(i + n) % len(rooms)]
                sent = time.time()
                try:
                    r = src.post("/reservations", {"roomId": room, "checkIn": day(1 + (i * 7 + n) % 300),
                                                   "nights": 1 + n % 3}, auth=token)
                    status, rid = r.status, r.json["id"] if r.status == 201 else None
                except (OSError, ValueError) as e:  # counted as a failure below
                    status, rid = repr(e), None
                with lock:
                    log.append((i, sent, time.time(), status, rid))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        backups = []  # (folder, started, ended, paused ms)
        for k in range(BACKUPS):
            time.sleep(0.8)
            folder = os.path.join(src.var, "backups", "b%d" % k)
            started = time.time()
            r = tool(src.bin, src.var, "backup", folder)
            ended = time.time()
            assert r.returncode == 0, (r.stdout, r.stderr)
            backups.append((folder, started, ended, check_backup(src.var, folder, r.stdout)))
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        statuses = [x[3] for x in log]
        assert statuses.count(201) > 50 and set(statuses) <= {201, 409}, sorted(set(statuses))
        assert statuses.count(409) > 0  # the tight room sold out: rejections are in the copies too
        # No file in var/db became root's (the backup ran as the databases' owner).
        owner = os.stat(os.path.join(src.var, "db")).st_uid
        for f in os.listdir(os.path.join(src.var, "db")):
            assert os.stat(os.path.join(src.var, "db", f)).st_uid == owner, f

        last, started, ended, _ = backups[-1]
        fresh = tempfile.mkdtemp(prefix="backup-restored-", dir=OUT)
        refused = tool(src.bin, src.var, "backup", "--restore", last)
        assert refused.returncode == 1 and "is running" in refused.stderr, (refused.stdout, refused.stderr)
        src.stop()

        # A copy whose file does not match its manifest is refused, and the stopped stack's
        # databases are left exactly as they were.
        def files(folder):
            out = {}
            for f in sorted(os.listdir(folder)):
                with open(os.path.join(folder, f), "rb") as fh:
                    out[f] = hashlib.sha256(fh.read()).hexdigest()
            return out
        before = files(os.path.join(src.var, "db"))
        tampered = tempfile.mkdtemp(prefix="backup-tampered-", dir=OUT)
        shutil.rmtree(tampered)
        shutil.copytree(last, tampered)
        with open(os.path.join(tampered, "reservations.db"), "r+b") as f:
            f.seek(-100, os.SEEK_END)
            byte = f.read(1)
            f.seek(-100, os.SEEK_END)
            f.write(bytes([byte[0] ^ 0xFF]))
        r = tool(src.bin, src.var, "backup", "--restore", tampered)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert "reservations.db does not match the manifest" in r.stderr and "nothing was restored" in r.stderr, \
            r.stderr
        assert files(os.path.join(src.var, "db")) == before
        r = tool(src.bin, fresh, "backup", "--verify", tampered)
        assert r.returncode == 1 and "reservations.db does not match" in r.stderr, r.stderr
        assert tool(src.bin, fresh, "backup", "--verify", last).returncode == 0

        r = tool(src.bin, fresh, "backup", "--restore", last)
        assert r.returncode == 0 and "restored %d databases" % len(manifest_of(last)[1]) in r.stdout, \
            (r.stdout, r.stderr)
        restored = os.path.join(fresh, "db")
        for name, sha in manifest_of(last)[1].items():
            st = os.stat(os.path.join(restored, name))
            assert st.st_uid == owner and stat.S_IMODE(st.st_mode) == 0o600, (name, st)
            with open(os.path.join(restored, name), "rb") as f:
                assert hashlib.sha256(f.read()).hexdigest() == sha, name
        # The files as restored are one instant: no invariant is broken before anything ran
        # on them (events not yet applied are `behind`, which only --strict counts).
        r = tool(src.bin, fresh, "audit", "--wait", "0")
        assert r.returncode == 0 and "FAIL" not in r.stdout, r.stdout + r.stderr

        dst = Stack(name="backup-restored", procs=2, var=fresh).start()
        answered_before = [x for x in log if x[3] == 201 and x[2] < started]
        asked_after = [x for x in log if x[3] == 201 and x[1] > ended]
        assert len(answered_before) > 20 and asked_after, (len(answered_before), len(asked_after))
        for i, _, _, _, rid in answered_before:
            r = dst.get("/reservations/%d" % rid, auth=clients[i][1])
            assert r.status == 200 and r.json["status"] == "confirmed", (rid, r)
        for i, _, _, _, rid in asked_after:  # made after the copy: not in it (ids not reused yet)
            assert dst.get("/reservations/%d" % rid, auth=clients[i][1]).status == 404, rid
        r = tool(dst.bin, dst.var, "audit", "--wait", "30", "--strict")
        assert r.returncode == 0, r.stdout + r.stderr
        again = dst.post("/reservations", {"roomId": rooms[0], "checkIn": day(2)}, auth=clients[0][1])
        assert again.status == 201, again
        print("  %d bookings (%d answered 201), backups paused writes %s ms; %d bookings before the last" %
              (len(log), statuses.count(201), ", ".join("%.1f" % b[3] for b in backups), len(answered_before)))
    finally:
        stop.set()
        src.stop()
        if dst:
            dst.stop()
