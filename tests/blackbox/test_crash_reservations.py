"""Crash recovery: reservations processes killed with SIGKILL in the middle of many
bookings; after the restart, the recovery pass and the worker leave every booking
whole — confirmed and charged once, or failed with nothing held or charged."""
import datetime
import os
import sqlite3
import threading
import time

from stack import Stack, wait_until

BOOKINGS = 20


def query(s, service, sql, args=()):
    db = sqlite3.connect(os.path.join(s.var, "db", service + ".db"), timeout=10)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def test_kill9_mid_saga_leaves_no_half_done_booking():
    env = {"PAYMENT_DELAY_MS": "300", "SAGA_TIMEOUT_MS": "2000", "RECOVERY_INTERVAL_MS": "200"}
    with Stack(name="crashres", procs=2, env=env) as s:
        room = s.post("/rooms", {"name": "Crash room", "capacity": 100, "price": 10}).json["id"]
        night = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=5)).isoformat()
        answers = []

        def client(i):
            try:
                answers.append(s.post("/reservations", {"roomId": room, "checkIn": night,
                                                        "guests": 1 + i % 3}, timeout=20).status)
            except OSError:
                answers.append("dropped")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(BOOKINGS)]
        for t in threads:
            t.start()
        for pause in (0.4, 0.6):  # once mid-flight, once more after the restart
            time.sleep(pause)
            s.kill9("reservations")
        for t in threads:
            t.join()
        assert len(answers) == BOOKINGS
        assert query(s, "reservations", "SELECT count(*) FROM reservation")[0][0] > 0

        wait_until(lambda: not query(s, "reservations", "SELECT id FROM reservation WHERE status = 'requested'"),
                   timeout=30, interval=0.2, what="recovery to finish every requested booking")
        rows = query(s, "reservations", "SELECT id, status, guests, payment_id FROM reservation")
        confirmed = {r[0]: r for r in rows if r[1] == "confirmed"}
        assert all(r[1] in ("confirmed", "failed", "rejected") for r in rows), rows

        for rid, row in confirmed.items():
            pays = query(s, "payments", "SELECT id, status FROM payment WHERE reservation_id = ?", (rid,))
            assert len(pays) == 1 and pays[0][1] == "approved" and pays[0][0] == row[3], (rid, pays)

        def held():
            r = s.get("/rooms/%d/availability?from=%s&to=%s" % (room, night, night))
            return r.json["days"][0]["held"]

        want = sum(r[2] for r in confirmed.values())
        wait_until(lambda: held() == want, timeout=30, what="held capacity to equal confirmed guests")

        def no_stray_charge():
            approved = query(s, "payments", "SELECT reservation_id FROM payment WHERE status = 'approved'")
            return all(a[0] in confirmed for a in approved)

        wait_until(no_stray_charge, timeout=30, what="charges of unconfirmed bookings to be refunded")


def test_retrying_an_idempotency_key_after_a_crash_books_and_charges_once():
    env = {"PAYMENT_DELAY_MS": "700", "CALL_TIMEOUT_MS": "3000", "SAGA_TIMEOUT_MS": "1500",
           "RECOVERY_INTERVAL_MS": "200", "IDEMPOTENCY_CLAIM_TIMEOUT_S": "2"}
    with Stack(name="idemcrash", procs=1, env=env) as s:
        room = s.post("/rooms", {"name": "Once", "capacity": 5, "price": 10}).json["id"]
        body = {"roomId": room, "customer": "once@example.com"}
        key = {"Idempotency-Key": "crash-retry-1"}
        first = threading.Thread(target=lambda: s.post("/reservations", body, headers=key, timeout=15))
        first.start()
        time.sleep(0.4)  # the charge is on its way (700 ms at payments)
        s.kill9("reservations")
        first.join()

        def settled():  # the client retries with the same key until it gets a real answer
            r = s.post("/reservations", body, headers=key)
            return r if r.status == 201 else None
        booked = wait_until(settled, timeout=30, interval=0.3, what="the retried booking")
        assert s.post("/reservations", body, headers=key).json["id"] == booked.json["id"]
        mine = query(s, "reservations", "SELECT id, status FROM reservation WHERE customer = ?",
                     ("once@example.com",))
        assert [st for _, st in mine].count("confirmed") == 1, mine
        ids = [str(i) for i, _ in mine]
        charged = query(s, "payments", "SELECT reservation_id FROM payment WHERE status = 'approved' "
                        "AND reservation_id IN (%s)" % ",".join(ids))
        assert charged == [(booked.json["id"],)], (charged, mine)


def test_a_room_deleted_while_a_booking_is_in_flight_leaves_nothing_booked():
    with Stack(name="delinflight", procs=1, env={"PAYMENT_DELAY_MS": "800", "CALL_TIMEOUT_MS": "3000"}) as s:
        room = s.post("/rooms", {"name": "Going away", "capacity": 3, "price": 10}).json["id"]
        answer = []
        t = threading.Thread(target=lambda: answer.append(
            s.post("/reservations", {"roomId": room, "customer": "late@example.com"}, timeout=15)))
        t.start()
        time.sleep(0.3)  # held, the charge is on its way
        assert s.request("DELETE", "/rooms/%d" % room).status == 204
        t.join()
        r = answer[0]
        assert r.status == 409 and r.json["reservation"]["status"] == "force_cancelled", r
        res = r.json["reservation"]["id"]

        def undone():
            pay = s.get("/payments?reservationId=%d" % res).json["items"]
            hold = query(s, "rooms", "SELECT status FROM hold WHERE reservation_id = ?", (res,))
            msgs = s.get("/messages?reservationId=%d" % res).json["items"]
            return pay and pay[0]["status"] == "refunded" and hold == [("released",)] and msgs
        wait_until(undone, what="refund, release and message")
        assert [m["kind"] for m in s.get("/messages?reservationId=%d" % res).json["items"]] == ["force_cancellation"]
        assert s.get("/tickets?reservationId=%d" % res).json["items"] == []
