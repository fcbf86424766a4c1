"""Health and self-healing (docs/operations.md): a service's ready means its database is
migrated and writable and no circuit of its synchronous calls is open; the gateway's
ready reflects every service; the in-app breaker opens after BREAKER_FAILURES failed
calls, fails fast without calling, and closes after a good probe; the watchdog replaces
a hung process. Time bounds are generous (the machine is shared): they tell "fast" from
"waited for a timeout", nothing finer."""
import datetime
import os
import signal
import threading
import time

from stack import Stack, process_gone, wait_until


def unready(r, check=None):
    assert r.status == 503, r
    assert r.header("Content-Type") == "application/problem+json", r
    assert int(r.header("Retry-After")) >= 1, r.headers
    if check:
        assert r.json["check"] == check, r
    return r.json


def test_a_stopped_service_makes_its_ready_and_the_gateways_503():
    with Stack(name="health-stop") as s:
        ready = s.get("/health/ready").json
        assert ready["status"] == "ready", ready
        s.ctl("stop", "tickets:*")
        unready(s.get("/health/tickets/ready"))
        r = wait_until(lambda: (lambda x: x if x.status == 503 else None)(s.get("/health/ready")),
                       timeout=15, what="the gateway's ready to turn 503")
        body = unready(r)
        assert list(body["unready"]) == ["tickets"], body
        assert s.get("/health/live").status == 200  # the gateway itself serves
        s.ctl("start", "tickets:*")
        wait_until(lambda: s.get("/health/ready").status == 200, timeout=15, what="the gateway ready again")


def test_the_gateways_checked_at_is_utc_whatever_the_time_zone():
    # TZ sets "today" (configuration.md); bash's %()T formats in it, so the watchdog wrote
    # a local time with a Z: 14 hours off at UTC+14
    with Stack(name="health-tz", env={"TZ": "Pacific/Kiritimati"}) as s:
        r = wait_until(lambda: (lambda x: x if x.status == 200 else None)(s.get("/health/ready")),
                       timeout=15, what="the gateway ready")
        checked = datetime.datetime.strptime(r.json["checkedAt"], "%Y-%m-%dT%H:%M:%SZ")
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        assert abs((now - checked).total_seconds()) < 120, (r.json, now)
        stamps = [line.split()[0] for line in s.logs("watchdog").splitlines() if " watchdog: " in line]
        for stamp in stamps:
            when = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
            assert abs((now - when).total_seconds()) < 120, (stamp, now)


def service_uid(s, program):
    with open("/proc/%d/status" % s.pids(program)[0]) as f:
        return int([line for line in f if line.startswith("Uid:")][0].split()[1])


def test_an_unwritable_database_is_not_ready():
    with Stack(name="health-ro", env={"HEALTH_WRITE_CHECK_MS": "200"}) as s:
        if service_uid(s, "rooms") == 0:
            print("skipped: the services run as root, for whom every file is writable")
            return
        db = os.path.join(s.var, "db", "rooms.db")
        mode = os.stat(db).st_mode & 0o777
        os.chmod(db, 0o400)  # as root: the service's user may no longer write it
        try:
            body = wait_until(lambda: (lambda x: x if x.status == 503 else None)(s.get("/health/rooms/ready")),
                              timeout=10, what="rooms not ready")
            body = unready(body, "writable")
            assert "rooms.db" in body["detail"], body
            wait_until(lambda: s.get("/health/ready").status == 503, timeout=15, what="gateway not ready")
        finally:
            os.chmod(db, mode)
        wait_until(lambda: s.get("/health/rooms/ready").status == 200, timeout=10, what="rooms ready again")
        wait_until(lambda: s.get("/health/ready").status == 200, timeout=15, what="gateway ready again")


def call_lines(s):
    return s.logs("reservations").count("/internal/payments -> ")


def test_payments_breaker_opens_fails_fast_and_closes_after_recovery():
    """One reservations process (breakers are per process); the threshold is reached."""
    env = {"BREAKER_FAILURES": "3", "BREAKER_OPEN_MS": "4000"}
    with Stack(name="health-breaker", env=env) as s:
        room = s.post("/rooms", {"name": "Breaker", "capacity": 50, "price": 100}).json["id"]
        night = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=5)).isoformat()

        def book():
            t0 = time.time()
            r = s.post("/reservations", {"roomId": room, "checkIn": night})
            return r, time.time() - t0

        assert book()[0].status == 201
        s.ctl("stop", "payments:*")
        for i in range(3):  # each reaches the stopped payments and fails
            r, took = book()
            assert r.status == 503 and r.json["reservation"]["reason"] == "unavailable", r
            assert call_lines(s) == i + 1, s.logs("reservations")
        s.wait_log("reservations", "circuit to payments is open")

        # Open: the next bookings fail at once without calling payments.
        for _ in range(3):
            r, took = book()
            assert r.status == 503 and int(r.header("Retry-After")) >= 1, r
            assert took < 2, took
        assert call_lines(s) == 3, "an open circuit makes no call"
        body = unready(s.get("/health/reservations/ready"), "circuit")
        assert body["target"] == "payments", body
        wait_until(lambda: s.get("/health/ready").status == 503, timeout=15, what="gateway not ready")
        assert s.get("/health/rooms/ready").status == 200  # only reservations depends on payments

        s.ctl("start", "payments:*")
        # After BREAKER_OPEN_MS the circuit is half-open (ready again), and one booking
        # probes payments: it goes through and closes the circuit.
        wait_until(lambda: s.get("/health/reservations/ready").status == 200, timeout=15,
                   what="reservations ready once the open window passed")
        r, _ = book()
        assert r.status == 201 and r.json["status"] == "confirmed", r
        assert call_lines(s) == 3  # the probe succeeded: no failure logged
        for _ in range(3):
            assert book()[0].status == 201
        wait_until(lambda: s.get("/health/ready").status == 200, timeout=15, what="gateway ready")


def test_the_watchdogs_probes_leave_no_line_in_the_access_log_but_failures_do():
    with Stack(name="health-quiet-log") as s:
        internal = s.get("/health/rooms/ready", internal=True, headers={"X-Request-Id": "internal-ok"})
        assert internal.status == 200
        gone = s.get("/health/nosuch/ready", internal=True, headers={"X-Request-Id": "internal-404"})
        assert gone.status == 404
        public = s.get("/health/rooms/ready", headers={"X-Request-Id": "public-ok"})
        assert public.status == 200
        log = os.path.join(s.var, "log", "access.log")
        wait_until(lambda: "rid=public-ok" in open(log).read(), what="the public probe's line")
        time.sleep(2.5)  # several watchdog rounds, past nginx's flush=1s
        text = open(log).read()
        assert "rid=internal-404" in text and "rid=internal-ok" not in text, text[-2000:]
        probes = [line for line in text.splitlines() if "/ready HTTP/1.0" in line]  # the watchdog's
        assert probes == [], probes[:3]


def test_watchdog_replaces_a_hung_process():
    env = {"WATCHDOG_STALE": "2"}
    with Stack(name="health-hung", procs=2, env=env) as s:
        old, other = s.pids("rooms")
        os.kill(old, signal.SIGSTOP)  # alive but serving nothing: its heartbeat stops
        t0 = time.time()
        try:
            new = wait_until(lambda: [p for p in s.pids("rooms") if p not in (old, other)], timeout=20, interval=0.2,
                             what="a new rooms process")
        finally:
            try:
                os.kill(old, signal.SIGCONT)
            except ProcessLookupError:
                pass
        took = time.time() - t0
        assert new and old not in s.pids("rooms")
        assert other in s.pids("rooms"), "only the hung process is replaced"
        assert s.get("/health/rooms/live").status == 200
        assert s.get("/rooms?limit=1").status == 200
        s.wait_log("watchdog", "rooms: process %d has not beaten for 2s" % old)
        print("hung rooms process replaced in %.1f s" % took)


def test_watchdog_leaves_a_busy_process_alone():
    """Overload is not a hang: one process, one thread, every request slow (a charge
    that takes 1.5 s, PAYMENT_DELAY_MS) and more of them queued than it can answer
    within the probe's second. Its heartbeat goes on; the watchdog kills nothing."""
    env = {"THREADS": "1", "PAYMENT_DELAY_MS": "1500", "WATCHDOG_STALE": "2"}
    with Stack(name="health-busy", env=env) as s:
        [pid] = s.pids("payments")
        statuses = []

        def charge(n):
            body = {"reservationId": 9000 + n, "amount": 100, "card": "4242 4242 4242 4242"}
            statuses.append(s.post("/internal/payments", body, internal=True).status)

        threads = [threading.Thread(target=charge, args=(n,)) for n in range(3)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - t0
        assert statuses == [201] * 3 and took >= 4.0, (statuses, took)  # one at a time: 3 x 1.5 s
        assert s.pids("payments") == [pid], s.logs("watchdog")
        assert "has not beaten" not in s.logs("watchdog")


def test_watchdog_leaves_a_draining_process_alone():
    """A process told to stop serves what it holds before it exits, however long that
    takes (here a connection that sent half a request and waits, past WATCHDOG_STALE=2):
    draining is not hanging. Its heartbeat file goes at the stop, so the watchdog lets it
    finish instead of killing it as hung."""
    import socket
    env = {"THREADS": "2", "WATCHDOG_STALE": "2", "DRAIN_MS": "8000"}
    with Stack(name="health-drain", procs=1, env=env) as s:
        [pid] = s.pids("payments")
        live = os.path.join(s.var, "run", "live", "payments.%d" % pid)
        assert os.path.exists(live)
        held = socket.socket(socket.AF_UNIX)
        held.connect(os.path.join(s.var, "run", "payments.sock"))
        held.sendall(bytes([1, 1, 0, 1, 0, 8, 0, 0]))  # a FastCGI BEGIN_REQUEST header, no body yet
        time.sleep(0.5)  # a thread has it
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not os.path.exists(live), timeout=1, interval=0.02,
                   what="the heartbeat file gone at the stop")
        time.sleep(3.5)  # past WATCHDOG_STALE: still draining, and not killed
        assert os.path.exists("/proc/%d" % pid), "the draining process was killed"
        held.close()
        wait_until(lambda: process_gone(pid), timeout=10,
                   what="the process ends once the connection is gone")
        assert "has not beaten" not in s.logs("watchdog"), s.logs("watchdog")


def test_a_capped_service_answers_503_at_once_beyond_its_cap():
    """MAX_CONNS_PAYMENTS=1: while one slow charge is in flight, another request to
    payments is refused by the gateway at once (problem+json, Retry-After), not queued."""
    import threading
    env = {"MAX_CONNS_PAYMENTS": "1", "PAYMENT_DELAY_MS": "3000", "CALL_TIMEOUT_MS": "20000"}
    with Stack(name="health-cap", env=env) as s:
        room = s.post("/rooms", {"name": "Capped", "capacity": 5}).json["id"]
        assert s.get("/payments").status == 200  # under the cap: served
        booked = {}
        t = threading.Thread(target=lambda: booked.update(r=s.post("/reservations", {"roomId": room})))
        t.start()
        time.sleep(1.0)  # the charge is now waiting in payments
        t0 = time.time()
        r = s.get("/payments")
        took = time.time() - t0
        t.join(30)
        assert r.status == 503 and r.header("Content-Type") == "application/problem+json", r
        assert int(r.header("Retry-After")) >= 1, r.headers
        assert took < 1.5, took  # refused at once, not after the 3 s charge
        assert booked["r"].status == 201, booked
        assert s.get("/health/payments/live").status == 200  # probes are never capped
        assert s.get("/payments").status == 200
