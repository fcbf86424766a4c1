"""Failure isolation: with payments stopped, booking fails fast with 503 and holds
nothing; once payments is back (and the breaker's open window passed) booking works."""
import datetime
import time

from stack import Stack, wait_until


def test_booking_fails_fast_and_recovers_when_payments_is_down():
    with Stack(name="paydown", env={"BREAKER_OPEN_MS": "500"}) as s:
        room = s.post("/rooms", {"name": "Isolated", "capacity": 2, "price": 700}).json["id"]
        night = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=3)).isoformat()

        def available():
            r = s.get("/rooms/%d/availability?from=%s&to=%s" % (room, night, night))
            return r.json["days"][0]["available"]

        s.ctl("stop", "payments:*")
        failed = []
        for _ in range(3):  # the first calls reach a dead socket, later ones an open breaker
            t0 = time.time()
            r = s.post("/reservations", {"roomId": room, "checkIn": night})
            took = time.time() - t0
            assert r.status == 503 and took < 3, (r, took)
            assert r.header("Retry-After") and int(r.header("Retry-After")) >= 1, r
            assert r.header("Content-Type") == "application/problem+json", r
            res = r.json["reservation"]
            assert res["status"] == "failed" and res["reason"] == "unavailable", res
            assert available() == 2, "a failed booking must hold nothing"
            failed.append(res["id"])

        s.ctl("start", "payments:*")

        def books():
            r = s.post("/reservations", {"roomId": room, "checkIn": night})
            assert r.status in (201, 503), r
            return r if r.status == 201 else None

        r = wait_until(books, timeout=15, interval=0.3, what="booking to work again")
        assert r.json["status"] == "confirmed"
        assert available() == 1
        for rid in failed:
            assert s.get("/payments?reservationId=%d" % rid).json["items"] == [], "nothing may be charged"
