"""The event worker under failure: stopped and restarted, killed -9 in a burst, two
workers at once, poison events parked and replayed, `worker once`, clean shutdown,
idle CPU, outbox pruning. Each test runs its own stack."""
import concurrent.futures
import json
import os
import re
import sqlite3
import subprocess
import time
import uuid

import stack as stacklib
import test_events as ev
from stack import Stack, wait_until

CHECK_IN = ev.CHECK_IN


def worker_cmd(stack, *args, timeout=60):
    env = dict(stack.env, ROOMBOOK_ROOT=stacklib.ROOT)
    return subprocess.run([os.path.join(stack.bin, "worker")] + list(args), env=env,
                          capture_output=True, text=True, timeout=timeout)


def dead_letters(stack):
    r = worker_cmd(stack, "deadletters")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def write(stack, service, sql, *args):
    con = sqlite3.connect(os.path.join(stack.var, "db", service + ".db"), timeout=10)
    try:
        with con:
            con.execute(sql, args)
    finally:
        con.close()


def insert_poison(stack, data_text, event_type="ReservationConfirmed"):
    """Appends an event the consumers cannot apply (by default a ReservationConfirmed) to
    the reservations outbox."""
    event_id = str(uuid.uuid4())
    write(stack, "reservations", "INSERT INTO outbox(event_id, type, aggregate_type, aggregate_id, seq, "
          "occurred_at, correlation_id, causation_id, data) VALUES (?, ?, 'Reservation', "
          "999999, 1, strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'poison-test', NULL, ?)", event_id, event_type,
          data_text)
    return event_id


def burst(stack, room_id, customer, n):
    """Books n reservations from 4 clients and cancels every other one. Returns
    (booked ids, cancelled ids)."""
    def one(i):
        r = stack.post("/reservations", {"roomId": room_id, "checkIn": CHECK_IN, "customer": customer})
        assert r.status == 201 and r.json["status"] == "confirmed", r
        if i % 2 == 0:
            c = stack.post("/reservations/%d/cancel" % r.json["id"])
            assert c.status == 200, c
            return r.json["id"], True
        return r.json["id"], False
    booked, cancelled = [], []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for rid, was_cancelled in pool.map(one, range(n)):
            booked.append(rid)
            if was_cancelled:
                cancelled.append(rid)
    return booked, cancelled


def assert_exactly_once(stack, room, customer, booked, cancelled):
    """Every effect of the booked and cancelled reservations happened exactly once."""
    wait_until(lambda: ev.consumers_caught_up(stack), timeout=60, what="worker caught up")
    q = lambda svc, sql, *a: ev.query(stack, svc, sql, *a)  # noqa: E731
    tickets = dict(q("tickets", "SELECT reservation_id, status FROM ticket"))
    assert sorted(tickets) == sorted(booked), (len(tickets), len(booked))
    assert sorted(r for r, st in tickets.items() if st == "voided") == sorted(cancelled)
    assert q("tickets", "SELECT count(*) FROM outbox WHERE type = 'TicketIssued'")[0][0] == len(booked)
    assert q("tickets", "SELECT count(*) FROM outbox WHERE type = 'TicketVoided'")[0][0] == len(cancelled)
    kinds = q("messages", "SELECT kind, count(*) FROM message WHERE customer = ? GROUP BY kind", customer)
    assert dict(kinds) == {"confirmation": len(booked), "cancellation": len(cancelled)}, kinds
    per_res = q("messages", "SELECT max(n) FROM (SELECT count(*) n FROM message GROUP BY reservation_id, kind)")
    assert per_res[0][0] == 1
    refunds = q("payments", "SELECT count(*), count(DISTINCT aggregate_id) FROM outbox WHERE type = 'PaymentRefunded'")
    assert refunds[0] == (len(cancelled), len(cancelled)), refunds
    released = q("rooms", "SELECT count(*) FROM outbox WHERE type = 'CapacityReleased'")[0][0]
    assert released == len(cancelled), released
    days = stack.get("/rooms/%d/availability?from=%s&to=%s" % (room["id"], CHECK_IN, CHECK_IN)).json["days"]
    assert days[0]["held"] == len(booked) - len(cancelled), days
    rows = {x["reservationId"]: x for x in mypage_all(stack, customer)}
    assert sorted(rows) == sorted(booked)
    for rid in booked:
        want = ("cancelled", "refunded", "voided") if rid in cancelled else ("confirmed", "approved", "issued")
        got = (rows[rid]["status"], rows[rid]["paymentStatus"], rows[rid]["ticketStatus"])
        assert got == want, (rid, got)
    view = [v for v in ev.all_roomviews(stack) if v["roomId"] == room["id"]][0]
    assert view["reservations"] == len(booked), view


def mypage_all(stack, customer):
    rows, cursor = [], None
    while True:
        r = stack.get("/mypage?customer=%s&limit=100%s" % (customer, "&cursor=" + cursor if cursor else ""))
        rows += r.json["reservations"]
        cursor = r.json["nextCursor"]
        if not cursor:
            return rows


def test_worker_down_then_everything_catches_up_exactly_once():
    with Stack(name="worker-down") as s:
        assert "stopped" in s.ctl("stop", "worker:*")
        room = ev.room(s, capacity=10)
        booked, cancelled = burst(s, room["id"], "down", 6)
        assert s.get("/tickets").json["items"] == []
        assert s.get("/messages?customer=down").json["items"] == []
        assert "started" in s.ctl("start", "worker:*")
        assert_exactly_once(s, room, "down", booked, cancelled)


def test_kill9_in_a_burst_loses_and_duplicates_nothing():
    with Stack(name="worker-kill9") as s:
        room = ev.room(s, capacity=100)
        kills = []

        def killer():
            for _ in range(3):
                wait_until(lambda: s.pids("worker"), timeout=10, what="worker running")
                time.sleep(0.15)
                s.kill9("worker")
                kills.append(time.time())
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            k = pool.submit(killer)
            booked, cancelled = burst(s, room["id"], "burst", 50)
            k.result()
        assert len(kills) == 3
        assert_exactly_once(s, room, "burst", booked, cancelled)


def test_two_workers_never_duplicate_an_effect():
    with Stack(name="worker-two", workers=2) as s:
        assert len(s.pids("worker")) == 2
        room = ev.room(s, capacity=100)
        booked, cancelled = burst(s, room["id"], "pair", 40)
        s.kill9("worker")  # both die; restarted ones take over the leases
        more, more_cancelled = burst(s, room["id"], "pair", 10)
        assert_exactly_once(s, room, "pair", booked + more, cancelled + more_cancelled)
        owners = {ev.query(s, c, "SELECT owner FROM consumer_lease")[0][0] for c in ev.SUBSCRIPTIONS}
        assert all(o.split(":")[1] in {str(p) for p in s.pids("worker")} for o in owners), owners


def test_two_workers_without_leases_are_kept_apart_by_the_offset_check():
    with Stack(name="worker-nolease", workers=2, env={"WORKER_LEASES": "0", "WORKER_TRACE": "1"}) as s:
        room = ev.room(s, capacity=100)
        booked, cancelled = burst(s, room["id"], "race", 40)
        assert_exactly_once(s, room, "race", booked, cancelled)
        expected = expected_applied(s, len(booked), len(cancelled))
        # the worker writes its log at most 50 ms after a line (LOG_FLUSH_MS)
        wait_until(lambda: len(applied_lines(s)) >= expected, 5, what="%d applied lines" % expected)
        applied = applied_lines(s)
        assert len(applied) == expected
        # two workers share one log file: every line arrives whole, never cut by the other
        torn = [line for line in s.logs("worker").splitlines()
                if line and not re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \w+ worker ", line)]
        assert not torn, torn[:3]
        by_pid = {}
        for line in applied:
            pid = line.rsplit(" pid=", 1)[1]
            by_pid[pid] = by_pid.get(pid, 0) + 1
        print("    deliveries per worker process: %s" % sorted(by_pid.values()))


def applied_lines(stack):
    return [line for line in stack.logs("worker").splitlines() if " outcome=applied " in line]


def expected_applied(stack, booked, cancelled):
    """How many "outcome=applied" lines the worker logs, one per committed delivery, after
    `booked` bookings of which `cancelled` were then cancelled (as burst returns them):
    exactly what the subscriptions call for. A confirmation: tickets, messages, and
    reservations for the payment and the ticket; a cancellation: those four again, and
    rooms and payments; mypage: every event of every source but the capacity bookkeeping,
    which its table ignores on purpose."""
    every_event = sum(ev.query(stack, src, "SELECT count(*) FROM outbox WHERE type NOT LIKE 'Capacity%'")[0][0]
                      for src in ("rooms", "reservations", "payments", "tickets", "messages"))
    return 4 * booked + 6 * cancelled + every_event


def test_an_idle_workers_last_lines_reach_its_log():
    """The worker writes its log at most every 50 ms, and when it then has nothing to do it
    still writes what it holds: every delivery of one booking on a quiet stack shows in the
    log while the worker sleeps (it would otherwise wait for the next event)."""
    with Stack(name="worker-logflush") as s:
        room = ev.room(s)
        wait_until(lambda: ev.consumers_caught_up(s), what="caught up")
        wait_until(lambda: len(applied_lines(s)) == expected_applied(s, 0, 0), 2, 0.01,
                   what="the room's delivery in the log")
        res = ev.book(s, room["id"], "flush")
        wait_until(lambda: ev.tickets(s, res["id"]), what="ticket")
        wait_until(lambda: ev.consumers_caught_up(s), what="caught up")
        wait_until(lambda: len(applied_lines(s)) == expected_applied(s, 1, 0), 2, 0.01,
                   what="every delivery of the booking in the log")


def inotify_watches(pid):
    """The inodes the process's inotify instances watch (/proc/<pid>/fdinfo)."""
    found = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                found |= {int(m, 16) for m in re.findall(r"^inotify wd:\S+ ino:([0-9a-f]+)", f.read(), re.M)}
        except OSError:
            pass
    return found


def test_the_worker_wakes_on_its_doorbell_not_on_every_write():
    """The worker watches the doorbell services ring after a commit that recorded events,
    not the database folder, whose every WAL write (its own too) woke it for nothing
    (lib/delivery.c). When the doorbell cannot be made (a folder stands in its place here)
    it says so and watches the database folder instead, and bookings still flow."""
    with Stack(name="worker-bell") as s:
        bell = os.stat(os.path.join(s.var, "run", "outbox.bell")).st_ino
        wait_until(lambda: inotify_watches(s.pids("worker")[0]), what="the watch")
        assert inotify_watches(s.pids("worker")[0]) == {bell}
    s = Stack(name="worker-nobell")
    os.makedirs(os.path.join(s.var, "run", "outbox.bell"))
    with s:
        assert "waking on database writes" in s.wait_log("worker", "doorbell")
        assert inotify_watches(s.pids("worker")[0]) == {os.stat(os.path.join(s.var, "db")).st_ino}
        room = ev.room(s)
        for i in range(3):
            res = ev.book(s, room["id"], "nobell%d" % i)
            wait_until(lambda: ev.tickets(s, res["id"]), what="ticket")


def test_the_watchdog_replaces_a_hung_worker():
    """The worker beats like the services (var/run/live/worker.<pid>) while its loop comes
    round: stopped, it stops beating, and the watchdog kills it so that supervisord starts
    another; events booked meanwhile are delivered by the new one."""
    import signal
    with Stack(name="worker-hung", env={"WATCHDOG_STALE": "2"}) as s:
        room = ev.room(s)
        [old] = wait_until(lambda: s.pids("worker"), what="the worker")
        live = os.path.join(s.var, "run", "live", "worker.%d" % old)
        wait_until(lambda: os.path.exists(live), what="the worker's heartbeat file")
        os.kill(old, signal.SIGSTOP)  # alive but delivering nothing
        try:
            res = ev.book(s, room["id"], "while-hung")
            new = wait_until(lambda: [p for p in s.pids("worker") if p != old], timeout=20, interval=0.2,
                             what="a new worker")
        finally:
            try:
                os.kill(old, signal.SIGCONT)
            except ProcessLookupError:
                pass
        wait_until(lambda: ev.tickets(s, res["id"]), timeout=10, what="the ticket, from the new worker")
        s.wait_log("watchdog", "worker: process %d has not beaten for 2s" % old)
        wait_until(lambda: os.path.exists(os.path.join(s.var, "run", "live", "worker.%d" % new[0])),
                   what="the new worker's heartbeat file")


def test_poison_event_is_parked_and_later_events_flow():
    with Stack(name="worker-poison", env={"WORKER_BACKOFF_MS": "20"}) as s:
        room = ev.room(s)
        missing_id = insert_poison(s, json.dumps({"customer": "mallory", "status": "confirmed"}))
        not_json = insert_poison(s, "{this is not json")
        res = ev.book(s, room["id"], "after-poison")
        wait_until(lambda: ev.tickets(s, res["id"]), timeout=10, what="ticket after the poison")
        wait_until(lambda: ev.messages(s, res["id"]), timeout=10, what="message after the poison")
        parked = wait_until(lambda: (lambda d: d if len(d) == 6 else None)(dead_letters(s)), what="6 dead letters")
        assert sorted((d["consumer"], d["eventId"]) for d in parked) == sorted(
            (c, e) for c in ("messages", "mypage", "tickets") for e in (missing_id, not_json)), parked
        assert all(d["attempts"] == 5 and d["state"] == "parked" and d["source"] == "reservations"
                   and d["type"] == "ReservationConfirmed" for d in parked), parked
        assert "without reservationId" in [d for d in parked if d["eventId"] == missing_id][0]["error"]
        assert "not a JSON object" in [d for d in parked if d["eventId"] == not_json][0]["error"]
        s.wait_log("worker", "parked as a dead letter")
        # Events that can never apply are discarded: each printed whole, then gone, and the
        # audit's dead_letters.none_parked no longer names them.
        from test_audit import audit
        assert "dead_letters.none_parked" in audit(s)[1] and audit(s)[0] != 0
        for d in parked:
            r = worker_cmd(s, "discard", "%s:%d" % (d["consumer"], d["id"]))
            assert r.returncode == 0, r.stderr
            kept = json.loads(r.stdout)
            assert kept["eventId"] == d["eventId"] and kept["consumer"] == d["consumer"], kept
            assert "{this is not json" in kept["event"] or "mallory" in kept["event"], kept
        assert dead_letters(s) == []
        assert worker_cmd(s, "discard", "tickets:%d" % parked[0]["id"]).returncode == 1  # gone already
        assert worker_cmd(s, "discard", "nosuch:1").returncode == 2
        assert audit(s)[1]["dead_letters.none_parked"].startswith("ok"), audit(s)[2]
        # A letter parked after the discards never takes an id of theirs: the same discard
        # run again (shell history) finds nothing, not the new letter.
        insert_poison(s, json.dumps({"customer": "eve", "status": "confirmed"}))
        later = wait_until(lambda: [d for d in dead_letters(s) if d["consumer"] == "tickets"], what="a new letter")
        gone = max(d["id"] for d in parked if d["consumer"] == "tickets")
        assert later[0]["id"] > gone, (later, parked)
        assert worker_cmd(s, "discard", "tickets:%d" % gone).returncode == 1
        assert [d["id"] for d in dead_letters(s) if d["consumer"] == "tickets"] == [later[0]["id"]]


def test_unknown_event_type_is_parked_at_once_with_the_reason():
    # WORKER_MAX_ATTEMPTS is high: only a type no subscription row names is parked at once.
    with Stack(name="worker-unknown", env={"WORKER_MAX_ATTEMPTS": "1000"}) as s:
        room = ev.room(s)
        unknown = insert_poison(s, json.dumps({"reservationId": 999999}), "ReservationExploded")
        res = ev.book(s, room["id"], "after-unknown")
        wait_until(lambda: ev.tickets(s, res["id"]), timeout=10, what="ticket after the unknown event")
        wait_until(lambda: ev.messages(s, res["id"]), timeout=10, what="message after the unknown event")
        readers = ("messages", "mypage", "payments", "rooms", "tickets")  # every consumer of reservations
        parked = wait_until(lambda: (lambda d: d if len(d) == len(readers) else None)(dead_letters(s)),
                            what="one dead letter per consumer of reservations")
        assert sorted(d["consumer"] for d in parked) == list(readers), parked
        for d in parked:
            assert (d["eventId"], d["type"], d["source"], d["attempts"], d["state"]) == (
                unknown, "ReservationExploded", "reservations", 1, "parked"), d
            assert d["error"] == "no handler for reservations/ReservationExploded in consumer %s" % d["consumer"], d
        wait_until(lambda: ev.consumers_caught_up(s), what="every consumer past the unknown event")
        s.wait_log("worker", "no handler for reservations/ReservationExploded")


def test_replay_retries_a_dead_letter_and_applies_it_once_fixed():
    with Stack(name="worker-replay", env={"WORKER_BACKOFF_MS": "10", "WORKER_MAX_ATTEMPTS": "2"}) as s:
        event_id = insert_poison(s, json.dumps({"customer": "mallory"}))
        letter = wait_until(lambda: [d for d in dead_letters(s) if d["consumer"] == "tickets"], what="parked")[0]
        target = "tickets:%d" % letter["id"]
        r = worker_cmd(s, "replay", target)
        assert r.returncode != 0, r
        again = [d for d in dead_letters(s) if d["consumer"] == "tickets"][0]
        assert again["attempts"] == letter["attempts"] + 1 and again["state"] == "parked", again
        write(s, "tickets", "UPDATE dead_letter SET event = json_set(event, '$.data.reservationId', 777777, "
              "'$.data.accountId', ?) WHERE id = ?", s.account["id"], letter["id"])
        r = worker_cmd(s, "replay", str(letter["id"]), "--consumer", "tickets")
        assert r.returncode == 0, r.stderr
        assert [d for d in dead_letters(s) if d["consumer"] == "tickets"][0]["state"] == "replayed"
        ticket = ev.tickets(s, 777777)
        assert len(ticket) == 1 and ticket[0]["status"] == "issued", ticket
        issued = ev.query(s, "tickets", "SELECT causation_id, correlation_id FROM outbox WHERE type = 'TicketIssued'")
        assert issued == [(event_id, "poison-test")], issued
        assert worker_cmd(s, "replay", target).returncode == 0  # already replayed: nothing happens
        r = worker_cmd(s, "discard", target)  # the record of a replay is kept
        assert r.returncode == 1 and "not parked" in r.stderr and r.stdout == "", r
        assert len(ev.tickets(s, 777777)) == 1
        assert worker_cmd(s, "replay", "tickets:999999").returncode != 0
        assert worker_cmd(s, "replay", "nosuch:1").returncode == 2


def test_worker_once_delivers_everything_then_exits():
    with Stack(name="worker-once") as s:
        s.ctl("stop", "worker:*")
        room = ev.room(s)
        res = ev.book(s, room["id"], "once")
        r = worker_cmd(s, "once", timeout=30)
        assert r.returncode == 0, r.stderr
        assert ev.tickets(s, res["id"]) and ev.messages(s, res["id"])
        assert ev.consumers_caught_up(s)


def test_sigterm_stops_the_worker_cleanly_and_frees_its_leases():
    with Stack(name="worker-term") as s:
        room = ev.room(s)
        ev.book(s, room["id"], "term")
        wait_until(lambda: ev.consumers_caught_up(s), what="caught up")
        t0 = time.time()
        assert "stopped" in s.ctl("stop", "worker:*")
        # before supervisord's stopwaitsecs (10 s) would SIGKILL it; the freed leases below
        # show it was SIGTERM that stopped it (a loaded machine makes supervisorctl slow)
        assert time.time() - t0 < 9
        for consumer in ev.SUBSCRIPTIONS:
            assert ev.query(s, consumer, "SELECT expires_ms FROM consumer_lease")[0][0] == 0, consumer


def test_idle_worker_uses_almost_no_cpu():
    with Stack(name="worker-idle") as s:
        wait_until(lambda: ev.consumers_caught_up(s), what="caught up")
        pid = s.pids("worker")[0]

        def cpu_ticks():
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        before = cpu_ticks()
        time.sleep(3)
        used = cpu_ticks() - before
        print("    idle worker: %d cpu ticks in 3 s" % used)
        assert used <= 5, used  # at most 50 ms of CPU in 3 s


def test_only_the_messages_program_loads_libcurl():
    """The worker applies messages' subscriptions but never sends e-mail: it must not load
    the e-mail sender's libcurl and its twenty-odd libraries (about 5 MB of RSS); the
    messages service must, or no e-mail would go out."""
    def libraries(pid):
        with open("/proc/%d/maps" % pid) as f:
            return {os.path.basename(line.split()[-1]) for line in f if ".so" in line}
    with Stack(name="worker-libs") as s:
        worker = libraries(s.pids("worker")[0])
        messages = libraries(s.pids("messages")[0])
        assert any(name.startswith("libsqlite3.so") for name in worker), worker
        assert not any(name.startswith("libcurl") for name in worker), sorted(worker)
        assert any(name.startswith("libcurl") for name in messages), sorted(messages)


def test_outbox_is_pruned_only_past_every_consumer():
    env = {"OUTBOX_RETENTION_S": "0", "WORKER_PRUNE_INTERVAL_MS": "200", "WORKER_MAX_ATTEMPTS": "1000000",
           "WORKER_BACKOFF_MS": "50", "WORKER_BACKOFF_MAX_MS": "100"}
    with Stack(name="worker-prune", env=env) as s:
        room = ev.room(s)
        first = ev.book(s, room["id"], "prune")
        wait_until(lambda: ev.tickets(s, first["id"]), what="ticket")
        ids = lambda svc: [r[0] for r in ev.query(s, svc, "SELECT id FROM outbox")]  # noqa: E731
        wait_until(lambda: not ids("reservations"), what="reservations outbox pruned")
        insert_poison(s, json.dumps({"customer": "stuck"}))  # tickets, messages, mypage stall on it
        stuck = ev.book(s, room["id"], "prune")
        pay_event = ev.query(s, "payments", "SELECT id FROM outbox WHERE json_extract(data, '$.reservationId') = ?",
                             stuck["id"])[0][0]
        wait_until(lambda: pay_event not in ids("payments"), what="payments outbox pruned past mypage")
        left = ev.query(s, "reservations", "SELECT type, aggregate_id FROM outbox ORDER BY id")
        assert left == [("ReservationConfirmed", 999999), ("ReservationConfirmed", stuck["id"])], left
        assert ev.tickets(s, stuck["id"]) == []


def test_two_workers_share_the_consumers_out():
    with Stack(name="worker-share", workers=2) as s:
        pids = {str(p) for p in s.pids("worker")}
        assert len(pids) == 2

        def shared():
            owners = [ev.query(s, c, "SELECT owner FROM consumer_lease WHERE expires_ms > 0")
                      for c in ev.SUBSCRIPTIONS]
            held = {}
            for rows in owners:
                for (owner,) in rows:
                    held[owner.split(":")[1]] = held.get(owner.split(":")[1], 0) + 1
            return held if set(held) == pids and sorted(held.values()) == [3, 3] else None
        wait_until(shared, timeout=20, interval=0.2, what="each worker holding three consumers")
        room = ev.room(s, capacity=100)
        booked, cancelled = burst(s, room["id"], "share", 20)
        assert_exactly_once(s, room, "share", booked, cancelled)
