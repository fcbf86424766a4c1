#!/usr/bin/env python3
"""tests/chaos/chaos.py — mixed load from many clients while random processes of the stack
are SIGKILLed every 1-3 s; then the stack must settle, every 201 a client saw must be there
(with the status the client last learnt), no Idempotency-Key may have booked twice, and the
audit (build/<mode>/bin/audit --wait 30 --strict) must pass.

  BIN=build/release/bin python3 tests/chaos/chaos.py [--seconds 300] [--clients 8]
  BIN=build/broken/bin  python3 tests/chaos/chaos.py --seconds 30 --expect-breach cancelled.refunded_once

The load, per client (each its own account): bookings with and without Idempotency-Key (a
keyed one is retried with the same key and body after a 5xx, a connection error or "still
in progress"), declined cards, cancellations (some twice), capacity changes, room deletions
and re-creations (POST /rooms with a key, retried the same way), reviews written and
deleted on a stay of the client's own, and reads. Every booking carries a `customer` that
names that one attempt, so GET /reservations shows how many reservations each attempt made.

The kill loop picks a kind at random (each service, the worker — two run —, an nginx
worker, the nginx master), then one process of that kind, and SIGKILLs it; supervisord
restarts what dies (`scripts/stack nginx` ends the workers a killed master leaves behind).

--expect-breach NAME is the negative control: the run passes only when the audit exits 1
with NAME failing (e.g. with the build that skips refunds, make CHAOS_BROKEN=1).
Exit status 0 when the run went as expected, 1 otherwise. See docs/chaos.md."""
import argparse
import collections
import datetime
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "blackbox"))
import stack as stacklib  # noqa: E402
from access_support import shift_stay_back  # noqa: E402

DECLINED = "4000000000000002"
SERVICES = stacklib.ALL_SERVICES
ENDED = ("cancelled", "force_cancelled")


def day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n


class Run:
    """What every client learnt, shared (under one lock) for the checks at the end."""

    def __init__(self, st, args):
        self.st = st
        self.args = args
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.requests = Tally()
        self.kills = Tally()
        self.pool = []            # room ids clients may book
        self.rooms = {}           # room id -> owner client (every 201 on POST /rooms)
        self.rooms_deleted = set()    # 204 seen
        self.rooms_maybe_deleted = set()  # DELETE without an answer
        self.reservations = {}    # id -> {"client", "room", "status", "customer", "cancel_unknown"}
        self.attempts = {}        # customer marker -> {"client", "key", "ids": set of ids seen in 201}
        self.reviews = {}         # content marker -> {"id", "client", "room", "deleted": True/False/None}
        self.problems = []
        self.run_id = uuid.uuid4().hex[:8]

    def problem(self, text):
        with self.lock:
            self.problems.append(text)
        print("PROBLEM " + text, flush=True)


# ---- HTTP with outcomes counted ---------------------------------------------------------

def call(run, what, method, path, token, json=None, headers=None):
    """One request; returns the Response or None (connection error / timeout)."""
    try:
        r = run.st.request(method, path, json=json, headers=headers, auth=token, timeout=15)
    except (OSError, ValueError) as e:  # refused, reset, timeout, a broken status line
        run.requests.add((what, "conn-error"))
        return None
    run.requests.add((what, str(r.status)))
    return r


def unknown(r):
    """An answer that says nothing about whether the request took effect."""
    return r is None or r.status >= 500


def in_progress(r):
    return r is not None and r.status == 409 and "still in progress" in r.body


def keyed(run, what, method, path, token, body, key, attempts=10):
    """Sends the same request with the same Idempotency-Key until it gets an answer that
    is not a 5xx, a connection error or "still in progress" (or attempts run out)."""
    r = None
    for i in range(attempts):
        r = call(run, what, method, path, token, json=body, headers={"Idempotency-Key": key})
        if not unknown(r) and not in_progress(r):
            return r
        run.requests.add((what, "retried"))
        time.sleep(min(0.3 * (i + 1), 3.0))
    return r


# ---- one client ----------------------------------------------------------------------

class Client:
    def __init__(self, run, n):
        self.run = run
        self.n = n
        self.rnd = random.Random(n * 7919 + int(time.time()))
        self.account, self.token = run.st.new_account("Chaos client %d" % n)
        self.rooms = []          # own rooms in the pool
        self.stay_room = None    # own room with a past stay, for reviews
        self.review = None       # (review id or None when unknown, content marker)
        self.seq = 0

    def marker(self, kind):
        self.seq += 1
        return "chaos-%s-c%d-%s%d" % (self.run.run_id, self.n, kind, self.seq)

    def new_room(self):
        run = self.run
        body = {"name": "Chaos room c%d" % self.n, "capacity": self.rnd.randint(2, 4),
                "price": self.rnd.choice([0, 100, 250, 700])}
        r = keyed(run, "room-create", "POST", "/rooms", self.token, body, self.marker("room"))
        if r is not None and r.status == 201:
            with run.lock:
                run.rooms[r.json["id"]] = self.n
                run.pool.append(r.json["id"])
            self.rooms.append(r.json["id"])

    def setup(self):
        """Two rooms in the pool, and a stay of this client's, over two days ago, in a
        room of its own (so it may review it); before any kill."""
        for _ in range(2):
            self.new_room()
        st = self.run.st
        r = st.post("/rooms", {"name": "Chaos stay c%d" % self.n, "capacity": 1, "price": 100}, auth=self.token)
        assert r.status == 201, r
        self.stay_room = r.json["id"]
        self.run.rooms[self.stay_room] = self.n
        res = st.post("/reservations", {"roomId": self.stay_room, "checkIn": day(0), "customer": "stay"},
                      auth=self.token)
        assert res.status == 201, res
        rid = res.json["id"]
        self.run.reservations[rid] = {"client": self.n, "room": self.stay_room, "status": "confirmed",
                                      "customer": "stay", "cancel_unknown": False, "token": self.token}
        stacklib.wait_until(lambda: [x for x in st.get("/mypage", auth=self.token).json["reservations"]
                                     if x["reservationId"] == rid and x.get("ticketStatus")],
                            timeout=30, what="the stay settled")
        shift_stay_back(st, {"id": rid, "roomId": self.stay_room})  # the stay is over, everywhere

    # -- operations --
    def book(self):
        run = self.run
        with run.lock:
            if not run.pool:
                return
            room = self.rnd.choice(run.pool)
        use_key = self.rnd.random() < 0.6
        customer = self.marker("k" if use_key else "n")
        key = customer if use_key else None
        body = {"roomId": room, "checkIn": day(self.rnd.randint(1, 14)), "nights": self.rnd.randint(1, 3),
                "guests": self.rnd.randint(1, 2), "customer": customer,
                "card": DECLINED if self.rnd.random() < 0.1 else "4242424242424242"}
        with run.lock:
            run.attempts[customer] = {"client": self.n, "key": key, "ids": set()}
        if key:
            r = keyed(run, "book-keyed", "POST", "/reservations", self.token, body, key)
        else:
            r = call(run, "book", "POST", "/reservations", self.token, json=body)
        if r is not None and r.status == 201:
            rid = r.json["id"]
            if r.json.get("customer") != customer or r.json.get("status") != "confirmed":
                run.problem("booking %s answered 201 with %s" % (customer, r.body[:300]))
            with run.lock:
                run.attempts[customer]["ids"].add(rid)
                run.reservations[rid] = {"client": self.n, "room": room, "status": r.json.get("status"),
                                         "customer": customer, "cancel_unknown": False, "token": self.token}

    def cancel(self):
        run = self.run
        with run.lock:
            mine = [rid for rid, x in run.reservations.items() if x["client"] == self.n and x["customer"] != "stay"
                    and (x["status"] == "confirmed" or (x["status"] in ENDED and self.rnd.random() < 0.1))]
        if not mine:
            return
        rid = self.rnd.choice(mine)
        r = None
        for i in range(5):  # cancelling is idempotent: retry until an answer
            r = call(run, "cancel", "POST", "/reservations/%d/cancel" % rid, self.token, json={})
            if not unknown(r):
                break
            time.sleep(0.3 * (i + 1))
        with run.lock:
            x = run.reservations[rid]
            if r is not None and r.status == 200:
                x["status"] = r.json["status"]
            elif unknown(r):
                x["cancel_unknown"] = True

    def change_capacity(self):
        if self.rooms:
            call(self.run, "room-capacity", "PATCH", "/rooms/%d" % self.rnd.choice(self.rooms), self.token,
                 json={"capacity": self.rnd.randint(1, 5)})

    def recreate_room(self):
        run = self.run
        if not self.rooms:
            self.new_room()
            return
        room = self.rnd.choice(self.rooms)
        r = None
        for i in range(5):
            r = call(run, "room-delete", "DELETE", "/rooms/%d" % room, self.token)
            if not unknown(r):
                break
            time.sleep(0.3 * (i + 1))
        with run.lock:
            run.pool.remove(room)
            if r is not None and r.status == 204:
                run.rooms_deleted.add(room)
            else:
                run.rooms_maybe_deleted.add(room)
        self.rooms.remove(room)
        self.new_room()

    def write_or_delete_review(self):
        run = self.run
        if self.review and self.review[0] is None:  # an earlier POST got no answer: find it
            r = call(run, "review-list", "GET", "/rooms/%d/reviews?limit=100" % self.stay_room, self.token)
            if r is None or r.status != 200:
                return
            found = [x for x in r.json["items"] if x.get("content") == self.review[1]]
            self.review = (found[0]["id"], self.review[1]) if found else None
            if found:
                with run.lock:
                    run.reviews[self.review[1]] = {"id": found[0]["id"], "client": self.n, "room": self.stay_room,
                                                   "deleted": False}
            return
        if self.review is None:
            content = self.marker("review")
            r = call(run, "review", "POST", "/rooms/%d/reviews" % self.stay_room, self.token,
                     json={"rating": self.rnd.randint(1, 5), "content": content})
            if r is not None and r.status == 201:
                self.review = (r.json["id"], content)
                with run.lock:
                    run.reviews[content] = {"id": r.json["id"], "client": self.n, "room": self.stay_room,
                                            "deleted": False}
            elif unknown(r):
                self.review = (None, content)
            return
        rid, content = self.review
        r = call(run, "review-delete", "DELETE", "/reviews/%d" % rid, self.token)
        with run.lock:
            # 404: gone, and only its author (this client) may delete it. nginx re-sends a
            # DELETE (an idempotent method) on a fresh connection when the process that
            # committed it was killed before it answered; the second attempt finds nothing.
            if r is not None and r.status in (204, 404):
                run.reviews[content]["deleted"] = True
                self.review = None
            elif unknown(r):
                run.reviews[content]["deleted"] = None  # either; looked up again next time
                self.review = (None, content)

    def read(self):
        if self.rnd.random() < 0.5:
            call(self.run, "mypage", "GET", "/mypage", self.token)
        else:
            with self.run.lock:
                room = self.rnd.choice(self.run.pool) if self.run.pool else None
            if room:
                call(self.run, "availability", "GET", "/rooms/%d/availability?from=%s&to=%s" % (room, day(1), day(14)),
                     self.token)

    def loop(self):
        ops = [(self.book, 55), (self.cancel, 10), (self.change_capacity, 8), (self.recreate_room, 1.5),
               (self.write_or_delete_review, 8), (self.read, 17.5)]
        funcs, weights = zip(*ops)
        while not self.run.stop.is_set():
            try:
                self.rnd.choices(funcs, weights)[0]()
            except Exception as e:  # a bug in the driver or an answer it cannot read
                self.run.problem("client %d: %r" % (self.n, e))
                time.sleep(0.5)


# ---- the kill loop -------------------------------------------------------------------

def processes():
    """{pid: (ppid, argv0)} of every process (supervisorctl is too slow under load)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            continue
        out[int(d)] = (ppid, argv0)
    return out


def supervised_pids(st):
    """{kind: [pids]}: the children of the stack's supervisord by program, and the nginx
    master's children as nginx-worker."""
    with open(os.path.join(st.var, "run", "supervisord.pid")) as f:
        sup = int(f.read().strip())
    procs = processes()
    out = {}
    for pid, (ppid, argv0) in procs.items():
        if ppid != sup:
            continue
        if argv0.startswith("nginx: master"):
            out.setdefault("nginx-master", []).append(pid)
            out.setdefault("nginx-worker", []).extend(p for p, (pp, _) in procs.items() if pp == pid)
        elif os.path.dirname(argv0) == st.bin:
            out.setdefault(os.path.basename(argv0), []).append(pid)
    return out


def kill_loop(run):
    kinds = [s for s in SERVICES if s in run.st.services] + ["worker", "nginx-worker", "nginx-master"]
    rnd = random.Random()
    while not run.stop.wait(rnd.uniform(1.0, 3.0)):
        kind = rnd.choice(kinds)
        try:
            pids = supervised_pids(run.st)
        except Exception:
            run.kills.add(("missed", kind))
            continue
        victims = pids.get(kind, [])
        if not victims:
            run.kills.add(("missed", kind))  # restarting right now
            continue
        try:
            os.kill(rnd.choice(victims), signal.SIGKILL)
            run.kills.add(("killed", kind))
        except ProcessLookupError:
            run.kills.add(("missed", kind))


def leftovers(var):
    """Processes still working in the stack's folders (nginx workers of a killed master)."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/cwd" % d).startswith(var + "/"):
                    found.append(int(d))
            except OSError:
                pass
    return found


# ---- the checks at the end -----------------------------------------------------------

def list_all(run, token, query=""):
    items, cursor = [], None
    while True:
        path = "/reservations?limit=100" + query + ("&cursor=" + cursor if cursor else "")
        for attempt in range(30):  # the gateway may be coming back from the last kill
            try:
                r = run.st.get(path, auth=token, timeout=30)
                break
            except OSError:
                if attempt == 29:
                    raise
                time.sleep(1)
        assert r.status == 200, r
        items += r.json["items"]
        cursor = r.json.get("nextCursor")
        if not cursor:
            return items


def settle(run, clients, timeout=90):
    """Health ready everywhere, then no booking of any client still `requested`."""
    run.st.wait_ready(timeout)
    deadline = time.time() + timeout
    while True:
        stuck = [x["id"] for c in clients for x in list_all(run, c.token, "&status=requested")]
        if not stuck:
            return
        if time.time() > deadline:
            run.problem("still requested after %ds: %s" % (timeout, stuck[:10]))
            return
        time.sleep(1)


def check_clients(run, clients):
    """Every 201 a client saw is there with the status it last learnt; no attempt (one
    customer marker: one key, or one unkeyed POST) made more than one reservation."""
    checked = collections.Counter()
    by_marker = collections.defaultdict(list)
    listed = {}
    for c in clients:
        for x in list_all(run, c.token):
            if x.get("accountId") == c.account["id"]:
                by_marker[x["customer"]].append(x)
                listed[x["id"]] = x
    for marker, a in run.attempts.items():
        rows = by_marker.get(marker, [])
        checked["attempts"] += 1
        # A keyed booking answered 5xx (status `failed`, nothing held or charged) is not
        # kept under its key (SPEC: retry after 503): its retry may make the one booking.
        made = [x for x in rows if x["status"] != "failed"] if a["key"] else rows
        if len(made) > 1:
            run.problem("%s (%s) made %d reservations: %s" % (
                marker, "key" if a["key"] else "no key", len(made), [(x["id"], x["status"]) for x in rows]))
        rows = made
        if len(a["ids"]) > 1:
            run.problem("%s answered 201 with different ids %s" % (marker, sorted(a["ids"])))
        if a["ids"] and (not rows or rows[0]["id"] not in a["ids"]):
            run.problem("%s answered 201 %s but its reservation is %s" % (marker, sorted(a["ids"]), rows))
        if a["key"]:
            checked["idempotency keys"] += 1
    gone = run.rooms_deleted | run.rooms_maybe_deleted
    for rid, x in sorted(run.reservations.items()):
        checked["reservations (201)"] += 1
        if rid in listed:  # in its owner's GET /reservations
            now = listed[rid]["status"]
        else:
            r = run.st.get("/reservations/%d" % rid, auth=x["token"], timeout=30)
            run.problem("reservation %d (201 to client %d) is not in its list; GET answers %s" % (rid, x["client"], r))
            continue
        allowed = {x["status"]}
        if x["status"] == "confirmed":
            if x["room"] in gone:
                allowed.add("force_cancelled")
            if x["cancel_unknown"]:
                allowed.add("cancelled")
        if now not in allowed:
            run.problem("reservation %d: client %d last learnt %s, now %s (room %d%s)" % (
                rid, x["client"], x["status"], now, x["room"], " deleted" if x["room"] in gone else ""))
    for room, owner in sorted(run.rooms.items()):
        r = run.st.get("/rooms/%d" % room, auth=None, timeout=30)
        checked["rooms (201)"] += 1
        want = {404} if room in run.rooms_deleted else {200, 404} if room in run.rooms_maybe_deleted else {200}
        if r.status not in want:
            run.problem("room %d (201 to client %d) answers %d, expected %s" % (room, owner, r.status, sorted(want)))
    lists = {}
    for content, x in sorted(run.reviews.items()):
        if x["room"] not in lists:
            r = run.st.get("/rooms/%d/reviews?limit=100" % x["room"], auth=None, timeout=30)
            assert r.status == 200, r
            lists[x["room"]] = {(y["id"], y["content"]) for y in r.json["items"]}
        checked["reviews (201)"] += 1
        there = (x["id"], content) in lists[x["room"]]
        if (x["deleted"] is False and not there) or (x["deleted"] is True and there):
            run.problem("review %d %s (201 to client %d, deleted=%s) %s" % (
                x["id"], content, x["client"], x["deleted"], "is there" if there else "is missing"))
    return checked


def audit(run):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOMBOOK_VAR": run.st.var}
    r = subprocess.run([os.path.join(run.st.bin, "audit"), "--wait", "30", "--strict"], env=env,
                       capture_output=True, text=True, timeout=300)
    lines = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ok", "FAIL", "behind"):
            lines[parts[1]] = line
    return r.returncode, lines, r.stdout + r.stderr


# ---- main ----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("CHAOS_SECONDS", 300)))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--bin", default=os.environ.get("BIN") or os.path.join(stacklib.ROOT, "build", "release", "bin"))
    ap.add_argument("--min-kills", type=int, default=None, help="default: one per 3 s of load")
    ap.add_argument("--expect-breach", metavar="INVARIANT", help="negative control: the audit must name it")
    ap.add_argument("--keep", action="store_true", help="keep the stack's folder (tests/out/chaos-*)")
    args = ap.parse_args()
    min_kills = args.min_kills if args.min_kills is not None else int(args.seconds // 3)
    os.environ["BIN"] = os.path.abspath(args.bin)
    st = stacklib.Stack(name="chaos-control" if args.expect_breach else "chaos", procs=2, workers=2,
                        env={"IDEMPOTENCY_CLAIM_TIMEOUT_S": "10"})
    run = Run(st, args)
    ok = False
    t_load = 0.0
    try:
        print("chaos: %s, %d clients, %gs of load, stack in %s" % (
            "NEGATIVE CONTROL (bin %s)" % args.bin if args.expect_breach else "bin " + args.bin,
            args.clients, args.seconds, st.var), flush=True)
        st.start(timeout=60)
        clients = [Client(run, i) for i in range(args.clients)]
        for c in clients:
            c.setup()
        threads = [threading.Thread(target=c.loop, name="client%d" % c.n) for c in clients]
        killer = threading.Thread(target=kill_loop, args=(run,), name="killer")
        t0 = time.time()
        for t in threads + [killer]:
            t.start()
        run.stop.wait(args.seconds)
        run.stop.set()
        killer.join()
        for t in threads:
            t.join()
        t_load = time.time() - t0
        t1 = time.time()
        settle(run, clients)
        t_settle = time.time() - t1
        checked = check_clients(run, clients)
        t2 = time.time()
        rc, lines, out = audit(run)
        t_audit = time.time() - t2

        # -- the report --
        print("\n== chaos: %.1f min of load (%.0f s), settled in %.0f s" % (t_load / 60, t_load, t_settle))
        print("-- requests by outcome (%d in all, %.0f/s)" % (
            sum(n for k, n in run.requests.counts.items() if k[1] != "retried"),
            sum(n for k, n in run.requests.counts.items() if k[1] != "retried") / max(t_load, 1)))
        ops = sorted({k[0] for k in run.requests.counts})
        for op in ops:
            row = sorted((k[1], n) for k, n in run.requests.counts.items() if k[0] == op)
            print("   %-14s %s" % (op, "  ".join("%s=%d" % kv for kv in row)))
        kills = sum(n for k, n in run.kills.counts.items() if k[0] == "killed")
        print("-- kills by process kind (%d SIGKILLs; missed = nothing of that kind running at that moment)" % kills)
        for kind in sorted({k[1] for k in run.kills.counts}):
            print("   %-14s %3d%s" % (kind, run.kills.counts[("killed", kind)],
                                     "  (missed %d)" % run.kills.counts[("missed", kind)]
                                     if run.kills.counts[("missed", kind)] else ""))
        print("-- client checks: " + ", ".join("%s=%d" % kv for kv in sorted(checked.items())) +
              ("; problems=%d" % len(run.problems)))
        for p in run.problems[:30]:
            print("   " + p)
        print("-- audit --wait 30 --strict: exit %d (%.1f s)" % (rc, t_audit))
        print("\n".join("   " + line for line in out.rstrip().splitlines()))
        verdicts = []
        if run.problems:
            verdicts.append("%d client-visible problems" % len(run.problems))
        if kills < min_kills:
            verdicts.append("only %d kills (want >= %d)" % (kills, min_kills))
        if args.expect_breach:
            if rc != 1 or not lines.get(args.expect_breach, "").startswith("FAIL"):
                verdicts.append("the audit did not name %s (exit %d)" % (args.expect_breach, rc))
        elif rc != 0:
            verdicts.append("the audit failed (exit %d)" % rc)
        ok = not verdicts
        if args.expect_breach:
            print("chaos: negative control %s: %s" % ("PASSED" if ok else "FAILED",
                                                      "; ".join(verdicts) or "the audit names " + args.expect_breach))
        else:
            print("chaos: %s" % ("PASSED" if ok else "FAILED: " + "; ".join(verdicts)))
    finally:
        run.stop.set()
        st.stop()
        left = leftovers(st.var)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if left:
            print("chaos: killed %d processes left in %s: %s" % (len(left), st.var, left))
        if ok and not args.keep:
            import shutil
            shutil.rmtree(st.var, ignore_errors=True)
        elif not ok:
            print("chaos: the stack's folder (logs, databases) is kept: %s" % st.var)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
