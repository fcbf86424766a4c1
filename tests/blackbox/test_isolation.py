"""Failure isolation: with tickets, messages and mypage stopped, booking and
cancellation still succeed; when they come back, everything shows, exactly once."""
from stack import Stack, wait_until


def test_booking_works_while_tickets_messages_and_mypage_are_down():
    with Stack(name="isolation") as s:
        room = s.post("/rooms", {"name": "Isolated", "capacity": 3}).json
        s.ctl("stop", "tickets:*", "messages:*", "mypage:*")
        first = s.post("/reservations", {"roomId": room["id"], "customer": "iso@example.com"})
        assert first.status == 201, first
        cancel = s.post("/reservations/%d/cancel" % first.json["id"])
        assert cancel.status == 200 and cancel.json["status"] == "cancelled", cancel
        second = s.post("/reservations", {"roomId": room["id"], "customer": "iso@example.com"})
        assert second.status == 201, second
        down = s.get("/mypage?customer=iso@example.com")
        assert down.status == 503 and down.header("Content-Type") == "application/problem+json", down
        assert down.header("Retry-After")

        s.ctl("start", "tickets:*", "messages:*", "mypage:*")
        s.wait_ready()

        def caught_up():
            rows = s.get("/mypage?customer=iso@example.com").json["reservations"]
            done = {r["reservationId"]: r for r in rows if r.get("ticketStatus")}
            return done if len(done) == 2 and done[first.json["id"]]["ticketStatus"] == "voided" else None
        rows = wait_until(caught_up, what="mypage caught up")
        assert rows[first.json["id"]]["status"] == "cancelled"
        assert rows[first.json["id"]]["paymentStatus"] == "refunded"
        assert rows[second.json["id"]]["status"] == "confirmed"
        assert rows[second.json["id"]]["paymentStatus"] == "approved"
        for res, kinds in ((first.json["id"], ["cancellation", "confirmation"]),
                           (second.json["id"], ["confirmation"])):
            tickets = s.get("/tickets?reservationId=%d" % res).json["items"]
            assert len(tickets) == 1, tickets
            messages = s.get("/messages?reservationId=%d" % res).json["items"]
            assert [m["kind"] for m in messages] == kinds, messages
