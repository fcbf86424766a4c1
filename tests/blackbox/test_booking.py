"""Booking: the saga's outcomes (201, 409, 402, 422), idempotency keys, every cancel
form, cancellation rules, and the payments read API."""
import datetime
import os
import re
import sqlite3

from stack import wait_until

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}

DECLINED = "4000000000000002"


def day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


def new_room(stack, capacity=3, price=1000):
    r = stack.post("/rooms", {"name": "Booking room", "capacity": capacity, "price": price})
    assert r.status == 201, r
    return r.json["id"]


def book(stack, room, **fields):
    body = {"roomId": room, "checkIn": day(10)}
    body.update(fields)
    return stack.post("/reservations", body)


def available(stack, room, date):
    r = stack.get("/rooms/%d/availability?from=%s&to=%s" % (room, date, date))
    assert r.status == 200, r
    return r.json["days"][0]["available"]


def payments_of(stack, reservation_id):
    r = stack.get("/payments?reservationId=%d" % reservation_id)
    assert r.status == 200, r
    return r.json["items"]


def test_happy_path_confirms_and_charges(stack):
    room = new_room(stack, capacity=4, price=1500)
    r = book(stack, room, nights=3, guests=2, customer="ann@example.com", card="4242 4242 4242 4242")
    assert r.status == 201, r
    res = r.json
    assert r.header("Location") == "/reservations/%d" % res["id"]
    assert res["status"] == "confirmed" and res["reason"] is None
    assert res["amount"] == 1500 * 2 * 3 and res["nights"] == 3 and res["checkOut"] == day(13)
    assert res["paymentId"] and res["currency"]
    assert stack.get(r.header("Location")).json == res
    listed = stack.get("/reservations?customer=ann@example.com").json["items"]
    assert [x["id"] for x in listed] == [res["id"]]
    pays = payments_of(stack, res["id"])
    assert len(pays) == 1 and pays[0]["status"] == "approved" and pays[0]["cardLast4"] == "4242"
    assert pays[0]["amount"] == res["amount"] and pays[0]["id"] == res["paymentId"]
    assert available(stack, room, day(10)) == 2


def test_a_booking_and_its_messages_are_named_as_the_guest_knows_them(stack):
    """The pages of a booking, its payment and its messages are titled with the room and the
    booking's reference (what the confirmation and the e-mail show), not with ids; the
    JSON is unchanged."""
    import html as htmllib
    import re
    room = stack.post("/rooms", {"name": "Cedar <cabin>", "capacity": 2}).json["id"]
    res = book(stack, room).json
    ref, rid = res["reference"], res["id"]
    page = stack.get("/reservations/%d" % rid, headers={"Accept": "text/html"}).body
    title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
    assert title == "Stay at Cedar <cabin>, booking %s · Roombook" % ref, title
    assert "<h1>Stay at Cedar &lt;cabin&gt;</h1>" in page, page
    # the step that asks before cancelling is titled for what it asks, not as the booking
    page = stack.get("/reservations/%d/cancel" % rid, headers={"Accept": "text/html"}).body
    title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
    assert title == "Cancel booking %s at Cedar <cabin> · Roombook" % ref, title
    page = stack.get("/rooms/%d/availability" % room, headers={"Accept": "text/html"}).body
    title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
    assert title == "Availability of Cedar <cabin> · Roombook", title
    # an attempt that booked nothing is not called a stay
    declined = book(stack, room, card=DECLINED)
    assert declined.status == 402, declined
    page = stack.get("/reservations/%d" % declined.json["reservation"]["id"], headers={"Accept": "text/html"}).body
    title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
    assert title == "Not booked: stay at Cedar <cabin>, attempt %s · Roombook" % declined.json["reservation"]["reference"], title
    assert "<h1>Not booked: stay at Cedar &lt;cabin&gt;</h1>" in page, page
    # its payment: a card in the list, and a page named by the stay
    pid = res["paymentId"]
    page = stack.get("/payments", headers={"Accept": "text/html"}).body
    card = page.split('data-payment-id="%d"' % pid, 1)[1].split("</li>", 1)[0]
    assert '<h2><a href="/payments/%d">Cedar &lt;cabin&gt;</a></h2>' % pid in card, card
    assert '<a href="/reservations/%d">%s</a>' % (rid, ref) in card and "1 night, 1 guest" in card, card
    page = stack.get("/payments/%d" % pid, headers={"Accept": "text/html"}).body
    assert "<h1>Payment for the stay at Cedar &lt;cabin&gt;</h1>" in page, page
    assert set(stack.get("/payments/%d" % pid).json) == set(stack.get("/payments").json["items"][0]), \
        "the JSON has no page fields"
    page = stack.get("/payments/%d/receipt" % pid, headers={"Accept": "text/html"}).body
    assert '<a href="/payments/%d">Payment for the stay at Cedar &lt;cabin&gt;</a>' % pid in page, page
    for kind, heading in (("confirmation", "Booking confirmed"), ("cancellation", "Booking cancelled")):
        if kind == "cancellation":
            assert stack.post("/reservations/%d/cancel" % rid).status == 200
        msg = wait_until(lambda: [m for m in stack.get("/messages?reservationId=%d" % rid).json["items"]
                                  if m["kind"] == kind], what=kind)[0]
        page = stack.get("/messages/%d" % msg["id"], headers={"Accept": "text/html"}).body
        title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
        assert title == "%s: Cedar <cabin> · Roombook" % heading, title
        assert "<h1>%s</h1>" % heading in page and "Message %d" % msg["id"] not in page, page
        assert '<a href="/reservations/%d">Stay at Cedar &lt;cabin&gt;</a>' % rid in page, page
        assert '<span class="reference">%s</span>' % ref in page, page
        assert set(stack.get("/messages/%d" % msg["id"]).json) == set(msg), "the JSON is as the list's"


def test_minimal_compatibility_body(stack):
    room = new_room(stack)
    r = stack.post("/reservations", {"roomId": room, "status": "reqReserve"})
    assert r.status == 201, r
    assert r.json["checkIn"] == day(0) and r.json["nights"] == 1 and r.json["guests"] == 1
    assert r.json["customer"] == "guest"


def test_check_out_sets_nights(stack):
    room = new_room(stack)
    r = book(stack, room, checkOut=day(12))
    assert r.status == 201 and r.json["nights"] == 2, r


def test_sold_out_is_409_and_charges_nothing(stack):
    room = new_room(stack, capacity=1)
    assert book(stack, room).status == 201
    r = book(stack, room)
    assert r.status == 409 and r.header("Content-Type") == "application/problem+json", r
    res = r.json["reservation"]
    assert res["status"] == "rejected" and res["reason"] == "sold_out"
    assert payments_of(stack, res["id"]) == []
    assert stack.get("/reservations/%d" % res["id"]).json["status"] == "rejected"


def test_declined_card_is_402_and_gives_capacity_back(stack):
    room = new_room(stack, capacity=2)
    r = book(stack, room, guests=2, card=DECLINED)
    assert r.status == 402 and r.header("Content-Type") == "application/problem+json", r
    res = r.json["reservation"]
    assert res["status"] == "rejected" and res["reason"] == "payment_declined"
    assert available(stack, room, day(10)) == 2
    pays = payments_of(stack, res["id"])
    assert len(pays) == 1 and pays[0]["status"] == "declined" and pays[0]["cardLast4"] == "0002"


def assert_invalid(stack, body, field):
    before = len(stack.get("/reservations?limit=100").json["items"])
    r = stack.post("/reservations", body)
    assert r.status == 422, (body, r)
    assert r.header("Content-Type") == "application/problem+json", r
    assert field in [e["field"] for e in r.json["errors"]], (body, r.json)
    assert len(stack.get("/reservations?limit=100").json["items"]) == before, "something was stored"


def test_validation_errors_are_422(stack):
    room = new_room(stack)
    assert_invalid(stack, {"roomId": room, "nights": 0}, "nights")
    assert_invalid(stack, {"roomId": room, "nights": 31}, "nights")
    assert_invalid(stack, {"roomId": room, "checkIn": "2030-02-30"}, "checkIn")
    assert_invalid(stack, {"roomId": room, "checkIn": "tomorrow"}, "checkIn")
    assert_invalid(stack, {"roomId": room, "checkIn": day(-1)}, "checkIn")
    assert_invalid(stack, {"roomId": room, "checkIn": day(5), "checkOut": day(5)}, "checkOut")
    assert_invalid(stack, {"roomId": room, "checkIn": day(5), "checkOut": day(40)}, "checkOut")
    assert_invalid(stack, {"roomId": room, "checkIn": day(5), "checkOut": day(7), "nights": 3}, "checkOut")
    assert_invalid(stack, {"roomId": room, "guests": 0}, "guests")
    assert_invalid(stack, {"roomId": str(room)}, "roomId")
    assert_invalid(stack, {"roomId": room, "nights": "2"}, "nights")
    assert_invalid(stack, {"roomId": room, "customer": 7}, "customer")
    assert_invalid(stack, {"roomId": room, "card": "4242"}, "card")
    assert_invalid(stack, {"roomId": room, "card": "4242-4242-4242-abcd"}, "card")
    assert_invalid(stack, {"checkIn": day(1)}, "roomId")
    assert_invalid(stack, {"roomId": 999999}, "roomId")


def test_malformed_json_is_400(stack):
    r = stack.request("POST", "/reservations", body='{"roomId": 1,',
                      headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.header("Content-Type") == "application/problem+json", r


def test_idempotency_key_replays_and_refuses_other_body(stack):
    room = new_room(stack)
    key = {"Idempotency-Key": "booking-key-1"}
    first = stack.post("/reservations", {"roomId": room, "checkIn": day(3)}, headers=key)
    assert first.status == 201, first
    again = stack.post("/reservations", {"roomId": room, "checkIn": day(3)}, headers=key)
    assert again.status == 201 and again.json["id"] == first.json["id"], again
    assert again.json["status"] == first.json["status"]
    assert again.header("Location") == first.header("Location")
    assert available(stack, room, day(3)) == 2, "the replay must not book again"
    other = stack.post("/reservations", {"roomId": room, "checkIn": day(4)}, headers=key)
    assert other.status == 422, other
    assert [e["field"] for e in other.json["errors"]] == ["Idempotency-Key"], other


def test_an_empty_idempotency_key_is_400_not_no_key(stack):
    """A key header sent empty (a client whose key variable was unset) is refused, not
    taken as no key: run without one, each retry booked and charged again."""
    room = new_room(stack)
    for value in ("", " ", "\t"):
        r = stack.post("/reservations", {"roomId": room, "checkIn": day(5)}, headers={"Idempotency-Key": value})
        assert r.status == 400 and r.header("Content-Type") == "application/problem+json", (repr(value), r)
        assert "Idempotency-Key" in r.json["detail"], r
        r = stack.post("/rooms", {"name": "Keyless", "capacity": 1, "price": 100}, headers={"Idempotency-Key": value})
        assert r.status == 400, (repr(value), r)
    assert available(stack, room, day(5)) == 3, "nothing may be booked"


def test_an_idempotency_key_belongs_to_the_account_that_sent_it(stack):
    """Two accounts sending the same key (and body) each book their own stay: a key is
    remembered per account, so neither is replayed the other's private booking or room,
    nor refused because the other used the key for something else."""
    room = new_room(stack, capacity=5)
    key = {"Idempotency-Key": "shared-key-1"}
    body = {"roomId": room, "checkIn": day(6), "nights": 2, "guests": 2}
    mine = stack.post("/reservations", body, headers=key)
    assert mine.status == 201, mine
    _, other = stack.new_account("Other")
    theirs = stack.post("/reservations", body, headers=key, auth=other)
    assert theirs.status == 201 and theirs.header("Idempotent-Replayed") is None, theirs
    assert theirs.json["id"] != mine.json["id"] and theirs.json["accountId"] != mine.json["accountId"], theirs
    assert theirs.json["customer"] != mine.json["customer"], theirs
    assert available(stack, room, day(6)) == 1, "two bookings of two guests each"
    # each account's retry still replays its own, and another body is refused for its key only
    again = stack.post("/reservations", body, headers=key, auth=other)
    assert again.header("Idempotent-Replayed") == "true" and again.json["id"] == theirs.json["id"], again
    _, third = stack.new_account("Third")
    fresh = stack.post("/reservations", dict(body, checkIn=day(10)), headers=key, auth=third)
    assert fresh.status == 201 and fresh.header("Idempotent-Replayed") is None, fresh
    # rooms too: the same key makes each host a room of their own
    rooms_key = {"Idempotency-Key": "shared-room-key"}
    a = stack.post("/rooms", {"name": "Mine", "capacity": 1}, headers=rooms_key)
    b = stack.post("/rooms", {"name": "Mine", "capacity": 1}, headers=rooms_key, auth=other)
    assert a.status == 201 and b.status == 201 and b.header("Idempotent-Replayed") is None, b
    assert a.json["id"] != b.json["id"] and a.json["hostId"] != b.json["hostId"], b


def test_every_cancel_form_cancels(stack):
    room = new_room(stack, capacity=5)
    forms = [
        lambda i: stack.post("/reservations/%d/cancel" % i),
        lambda i: stack.request("DELETE", "/reservations/%d" % i),
        lambda i: stack.request("PATCH", "/reservations/%d" % i, json={"status": "reqCancel"}),
        lambda i: stack.request("PUT", "/reservations/%d" % i, json={"status": "CANCELED"}),
        lambda i: stack.request("PATCH", "/reservations/%d" % i, json={"status": "cancelled"}),
    ]
    for form in forms:
        booked = book(stack, room, checkIn=day(20))
        assert booked.status == 201, booked
        res = booked.json
        r = form(res["id"])
        assert r.status == 200, r
        assert r.json["id"] == res["id"] and r.json["status"] == "cancelled" and r.json["reason"] == "customer"
        assert stack.get("/reservations/%d" % res["id"]).json["status"] == "cancelled"


def test_other_status_values_are_422(stack):
    room = new_room(stack)
    res = book(stack, room, checkIn=day(21)).json
    for body in ({"status": "confirmed"}, {"status": 3}, {}):
        r = stack.request("PATCH", "/reservations/%d" % res["id"], json=body)
        assert r.status == 422 and r.json["errors"][0]["field"] == "status", (body, r)
    assert stack.get("/reservations/%d" % res["id"]).json["status"] == "confirmed"


def test_cancelling_twice_is_the_same_answer(stack):
    room = new_room(stack)
    res = book(stack, room, checkIn=day(22)).json
    first = stack.post("/reservations/%d/cancel" % res["id"])
    second = stack.request("DELETE", "/reservations/%d" % res["id"])
    assert first.status == 200 and second.status == 200, (first, second)
    assert first.json == second.json


def test_cancel_unknown_is_404(stack):
    r = stack.post("/reservations/987654/cancel")
    assert r.status == 404 and r.header("Content-Type") == "application/problem+json", r


def test_cancel_after_check_in_date_is_409(stack):
    room = new_room(stack)
    res = book(stack, room, checkIn=day(1)).json
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    with db:
        db.execute("UPDATE reservation SET check_in = ?, check_out = ? WHERE id = ?",
                   (day(-2), day(-1), res["id"]))
    db.close()
    r = stack.post("/reservations/%d/cancel" % res["id"])
    assert r.status == 409 and r.header("Content-Type") == "application/problem+json", r
    assert stack.get("/reservations/%d" % res["id"]).json["status"] == "confirmed"
    page = stack.get("/reservations/%d/cancel" % res["id"], headers={"Accept": "text/html"}).body
    assert "can no longer be cancelled: a booking can be cancelled until the end of its check-in day" in page, page


def test_rejected_reservation_cannot_be_cancelled(stack):
    room = new_room(stack)
    r = book(stack, room, card=DECLINED)
    assert r.status == 402, r
    assert stack.post("/reservations/%d/cancel" % r.json["reservation"]["id"]).status == 409
    page = stack.get("/reservations/%d/cancel" % r.json["reservation"]["id"], headers={"Accept": "text/html"}).body
    assert "did not go through: there is nothing to cancel" in page and "Yes, cancel it" not in page, page


def test_list_filters_and_pages(stack):
    room = new_room(stack, capacity=10)
    ids = [book(stack, room, customer="pager@example.com").json["id"] for _ in range(3)]
    first = stack.get("/reservations?customer=pager@example.com&limit=2")
    assert first.status == 200 and [x["id"] for x in first.json["items"]] == ids[::-1][:2]
    assert first.json["nextCursor"] and 'rel="next"' in first.header("Link")
    second = stack.get("/reservations?customer=pager@example.com&limit=2&cursor=" + first.json["nextCursor"])
    assert [x["id"] for x in second.json["items"]] == [ids[0]] and second.json["nextCursor"] is None
    by_room = stack.get("/reservations?roomId=%d&status=confirmed" % room).json["items"]
    assert sorted(x["id"] for x in by_room) == sorted(ids)
    assert stack.get("/reservations?roomId=abc").status == 400
    assert stack.get("/reservations?colour=red").status == 400
    for typo in ("bogus", "Confirmed", "canceled"):  # a status no booking can have: said so
        bad = stack.get("/reservations?status=" + typo)
        assert bad.status == 400 and "status" in bad.json["detail"], bad
    assert stack.get("/reservations?roomId=%d&status=rejected" % room).json["items"] == []


def test_payments_read_api(stack):
    room = new_room(stack)
    res = book(stack, room, card="5555555555554444").json
    listed = stack.get("/payments").json
    assert res["paymentId"] in [p["id"] for p in listed["items"]]
    one = stack.get("/payments/%d" % res["paymentId"])
    assert one.status == 200 and one.json["reservationId"] == res["id"] and one.json["cardLast4"] == "4444"
    assert "card" not in one.json
    assert stack.get("/payments/99999999").status == 404
    r = stack.post("/payments", {"reservationId": res["id"], "amount": 1})
    assert r.status == 405 and "GET" in r.header("Allow"), r


def test_internal_charge_is_idempotent_and_hidden(stack):
    body = {"reservationId": 7700001, "amount": 500, "currency": "EUR", "card": "4111111111111111"}
    assert stack.post("/internal/payments", body).status == 404
    first = stack.post("/internal/payments", body, internal=True)
    assert first.status == 201 and first.json["status"] == "approved", first
    again = stack.post("/internal/payments", body, internal=True)
    assert again.status == 200 and again.json["id"] == first.json["id"], again
    found = stack.get("/internal/payments?reservationId=7700001", internal=True)
    assert found.status == 200 and found.json["id"] == first.json["id"]
    assert stack.get("/internal/payments?reservationId=7700002", internal=True).status == 404
    declined = stack.post("/internal/payments", dict(body, reservationId=7700003, card=DECLINED), internal=True)
    assert declined.status == 402 and declined.json["payment"]["status"] == "declined", declined


def insert_stale_requested(stack, room, rid=None, key=None):
    """A booking left `requested` by a process that died long ago (made with the
    Idempotency-Key key, or none); returns its id."""
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    with db:
        cur = db.execute("INSERT INTO reservation(id, room_id, check_in, check_out, nights, guests, customer, amount, "
                         "currency, status, account_id, idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, "
                         "1, 1, 'crash', 100, 'EUR', 'requested', ?, ?, '2000-01-01T00:00:00.000Z', "
                         "'2000-01-01T00:00:00.000Z')", (rid, room, day(30), day(31), stack.account["id"],
                                                           key and "%d\u00a7%s" % (stack.account["id"], key)))
        rid = cur.lastrowid
    db.close()
    return rid


def test_recovery_fails_a_stale_booking_without_payment(stack):
    room = new_room(stack)
    rid = insert_stale_requested(stack, room)
    got = wait_until(lambda: stack.get("/reservations/%d" % rid).json["status"] != "requested" and
                     stack.get("/reservations/%d" % rid).json, timeout=15, what="recovery")
    assert got["status"] == "failed" and got["reason"] == "unavailable", got


def stale_charged_booking(stack, rid, charged, key=None):
    """A booking whose process died after rooms held it (one night, one guest, price
    1000) and payments charged `charged`; returns (room, charge)."""
    room = new_room(stack)
    hold = stack.post("/internal/holds", {"reservationId": rid, "roomId": room, "checkIn": day(30), "nights": 1,
                                          "guests": 1, "accountId": stack.account["id"]}, internal=True)
    assert hold.status == 201 and hold.json["amount"] == 1000, hold
    charge = stack.post("/internal/payments", {"reservationId": rid, "amount": charged, "currency": "EUR",
                                               "accountId": stack.account["id"]}, internal=True)
    assert charge.status == 201, charge
    insert_stale_requested(stack, room, rid, key)
    return room, charge


def test_recovery_confirms_a_stale_booking_that_was_charged(stack):
    """With an Idempotency-Key the client can learn the outcome by retrying: it stands."""
    _, charge = stale_charged_booking(stack, 8800001, 1000, key="stale-charged-1")
    got = wait_until(lambda: stack.get("/reservations/8800001").json["status"] != "requested" and
                     stack.get("/reservations/8800001").json, timeout=15, what="recovery")
    assert got["status"] == "confirmed" and got["paymentId"] == charge.json["id"], got


def test_recovery_undoes_a_charged_booking_the_client_was_told_had_failed(stack):
    """Without an Idempotency-Key the client that saw its request die cannot learn that it
    was charged: the booking is undone (released, refunded) and the customer told so."""
    room, _ = stale_charged_booking(stack, 8800010, 1000)
    got = wait_until(lambda: stack.get("/reservations/8800010").json["status"] != "requested" and
                     stack.get("/reservations/8800010").json, timeout=15, what="recovery")
    assert got["status"] == "failed" and got["reason"] == "interrupted", got
    wait_until(lambda: payments_of(stack, 8800010)[0]["status"] == "refunded", what="refund")
    wait_until(lambda: available(stack, room, day(30)) == 3, what="hold released")
    said = wait_until(lambda: stack.get("/messages?reservationId=8800010").json["items"], what="message")
    assert [m["kind"] for m in said] == ["booking_failed"] and "refunded" in said[0]["text"], said


def test_recovery_never_confirms_a_charge_that_differs_from_the_hold(stack):
    room, charge = stale_charged_booking(stack, 8800003, 3, key="stale-odd-3")
    got = wait_until(lambda: stack.get("/reservations/8800003").json["status"] != "requested" and
                     stack.get("/reservations/8800003").json, timeout=15, what="recovery")
    assert got["status"] == "failed", got
    wait_until(lambda: payments_of(stack, 8800003)[0]["status"] == "refunded", what="refund of the odd charge")
    wait_until(lambda: available(stack, room, day(30)) == 3, what="hold released")


def test_idempotency_keys_expire_after_their_ttl_but_not_before_a_day(stack):
    import sqlite3
    room = stack.post("/rooms", {"name": "Expiry", "capacity": 1000}).json
    body = {"roomId": room["id"], "customer": "ttl@example.com"}
    first = stack.post("/reservations", body, headers={"Idempotency-Key": "ttl-old"})
    assert first.status == 201, first
    db = sqlite3.connect(stack.var + "/db/reservations.db", timeout=10)
    with db:  # age the key and its booking by three days: past the two-day default
        db.execute("UPDATE idempotency SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-3 days') "
                   "WHERE key LIKE '%ttl-old'")  # the account's own ("<account>§<key>") and as sent
        db.execute("UPDATE reservation SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-3 days') "
                   "WHERE idempotency_key LIKE '%\u00a7ttl-old'")
    db.close()
    recent = stack.post("/reservations", body, headers={"Idempotency-Key": "ttl-new"})
    assert recent.status == 201 and recent.header("Idempotent-Replayed") is None, recent
    # Expired, pruned or not (the prune runs now and then): the key books afresh, even
    # for another body; a key a moment old still replays.
    again = stack.post("/reservations", dict(body, guests=2), headers={"Idempotency-Key": "ttl-old"})
    assert again.status == 201 and again.json["id"] not in (first.json["id"], recent.json["id"]), again
    assert again.header("Idempotent-Replayed") is None and again.json["guests"] == 2, again
    replay = stack.post("/reservations", body, headers={"Idempotency-Key": "ttl-new"})
    assert replay.header("Idempotent-Replayed") == "true" and replay.json["id"] == recent.json["id"], replay
    twice = stack.post("/reservations", dict(body, guests=2), headers={"Idempotency-Key": "ttl-old"})
    assert twice.header("Idempotent-Replayed") == "true" and twice.json["id"] == again.json["id"], twice


def test_check_in_beyond_the_horizon_is_422_and_dates_never_overflow(stack):
    room = stack.post("/rooms", {"name": "Far future"}).json["id"]
    assert_invalid(stack, {"roomId": room, "checkIn": "9999-12-31", "nights": 2}, "checkIn")
    r = stack.get("/rooms/%d/availability?from=9999-12-29" % room)
    assert r.status == 200 and [d["date"] for d in r.json["days"]] == ["9999-12-29", "9999-12-30", "9999-12-31"], r


def test_the_availability_page_keeps_its_form_and_says_what_to_correct(stack):
    room = stack.post("/rooms", {"name": "Calendar", "capacity": 4}).json["id"]
    path = "/rooms/%d/availability" % room
    # a page: the form again with what was typed, each mistake beside its field, the next nights below
    r = stack.get(path + "?from=2027-02-30&to=%3Cb%3E", headers={"Accept": "text/html"})
    page = r.body
    assert r.status == 400 and r.header("Content-Type").startswith("text/html"), r
    assert 'class="error-summary"' in page and '<a href="#from">From is not a date of the calendar' in page, page
    assert '<a href="#to">To must be a date as YYYY-MM-DD</a>' in page, page
    assert 'id="from" name="from" value="2027-02-30" aria-invalid="true" aria-describedby="from-error"' in page
    assert 'name="to" value="&lt;b&gt;"' in page and "<b>" not in page.split("<main", 1)[1], "escaped"
    assert page.count('<th scope="row"') == 30, "the next 30 nights meanwhile"
    r = stack.get(path + "?from=2027-01-10&to=2027-01-01", headers={"Accept": "text/html"})
    assert r.status == 400 and '<a href="#to">To must be on or after the first night' in r.body, r
    # only "to", before today (the first night when "from" is left out): the form too, not a bare error
    r = stack.get(path + "?to=2020-01-01", headers={"Accept": "text/html"})
    assert r.status == 400 and '<a href="#to">To must be on or after the first night' in r.body, r
    assert 'id="to" name="to" value="2020-01-01"' in r.body, r
    # a good range: the form shows it, no error
    r = stack.get(path + "?from=2027-01-01&to=2027-01-03", headers={"Accept": "text/html"})
    page = r.body
    assert r.status == 200 and 'value="2027-01-01"' in page and 'value="2027-01-03"' in page, r
    assert "error-summary" not in page and page.count('<th scope="row"') == 3, page
    # a script still gets the problem, as before
    r = stack.get(path + "?from=2027-02-30")
    assert r.status == 400 and r.header("Content-Type") == "application/problem+json", r
    assert r.json["detail"] == "parameter 'from' is not a date of the calendar (no such day in that month)", r.json
    assert stack.get("/rooms/987654/availability?from=x", headers={"Accept": "text/html"}).status == 404


def test_a_double_clicked_booking_form_books_once(stack):
    room = stack.post("/rooms", {"name": "Double click", "capacity": 5}).json["id"]
    # the form that books is on "check your answers", with its one-time token
    page = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (room, day(10), day(11)),
                     headers={"Accept": "text/html"})
    assert page.status == 200, page
    token = page.header("Set-Cookie").split("csrf=")[1].split(";")[0]
    once = page.body.split('name="_form" value="')[1].split('"')[0]
    form = {"_csrf": token, "_form": once, "roomId": str(room), "checkIn": day(10), "nights": "1", "guests": "1",
            "customer": "double@example.com", "card": "4242 4242 4242 4242"}
    headers = {"Accept": "text/html", "Cookie": "csrf=" + token}
    first = stack.post("/reservations", form=form, headers=headers)
    second = stack.post("/reservations", form=form, headers=headers)
    assert first.status == second.status == 303, (first, second)
    assert first.header("Location") == second.header("Location")
    mine = stack.get("/reservations?customer=double@example.com").json["items"]
    assert len(mine) == 1 and first.header("Location") == "/reservations/%d/confirmation" % mine[0]["id"], mine


def test_the_payment_form_asks_for_the_card_it_marks_required(stack):
    """The page's payment form left empty is sent back with the card's error (nothing
    booked, nothing charged); a script may still leave the card out (SPEC: none is
    approved)."""
    room = stack.post("/rooms", {"name": "Card asked", "capacity": 5, "price": 9000}).json["id"]
    for card in ("", None, "  "):
        page = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (room, day(12), day(13)),
                         headers={"Accept": "text/html"})
        token = page.header("Set-Cookie").split("csrf=")[1].split(";")[0]
        once = page.body.split('name="_form" value="')[1].split('"')[0]
        form = {"_csrf": token, "_form": once, "roomId": str(room), "checkIn": day(12), "checkOut": day(13),
                "guests": "1", "customer": "Empty card"}
        if card is not None:
            form["card"] = card
        r = stack.post("/reservations", form=form, headers={"Accept": "text/html", "Cookie": "csrf=" + token})
        assert r.status == 422 and 'id="card-error"' in r.body and "Enter your card number" in r.body, (card, r)
        assert 'action="/reservations"' in r.body, "the payment form again"
    assert stack.get("/reservations?roomId=%d" % room).json["items"] == []
    r = stack.post("/reservations", {"roomId": room, "checkIn": day(12)})  # a script, as SPEC §4 allows
    assert r.status == 201 and r.json["status"] == "confirmed", r


def test_a_free_stay_is_booked_without_a_card(stack):
    """A room with price 0: "check your answers" asks for no card ("Nothing to pay",
    "Confirm booking") and its form books without one; a page shown free whose room has
    since been given a price is sent back asking for the card, nothing booked."""
    room = stack.post("/rooms", {"name": "Free hall", "capacity": 5, "price": 0}).json["id"]
    summary = "/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (room, day(14), day(15))

    def form_of(page):
        token = page.header("Set-Cookie").split("csrf=")[1].split(";")[0]
        once = page.body.split('name="_form" value="')[1].split('"')[0]
        form = {"_csrf": token, "_form": once, "roomId": str(room), "checkIn": day(14), "checkOut": day(15),
                "guests": "1", "customer": "Free guest"}
        if 'name="free" value="1"' in page.body:
            form["free"] = "1"
        return form, {"Accept": "text/html", "Cookie": "csrf=" + token}

    for shown in ("/rooms/%d" % room, "/rooms"):  # "Free", not "0.00 EUR per guest per night"
        body = stack.get(shown, headers={"Accept": "text/html"}).body
        assert "<dt>Price</dt><dd>Free</dd>" in body and not re.search(r"(?<![\d.])0\.00 ", body), body
    page = stack.get(summary, headers={"Accept": "text/html"})
    assert page.status == 200 and "<h2>Nothing to pay</h2>" in page.body and 'name="card"' not in page.body, page
    assert "<small>Free</small>" in page.body and not re.search(r"(?<![\d.])0\.00 ", page.body), page
    assert ">Confirm booking</button>" in page.body and "<h1>Check your answers</h1>" in page.body, page
    form, headers = form_of(page)
    r = stack.post("/reservations", form=form, headers=headers)
    assert r.status == 303, r
    booked = stack.get("/reservations?roomId=%d" % room).json["items"]
    assert [b["status"] for b in booked] == ["confirmed"] and booked[0]["amount"] == 0, booked
    page = stack.get(r.header("Location"), headers={"Accept": "text/html"}).body
    assert "is booked for Free guest" in page and "paid" not in page.split("<h2>What happens next")[0], page
    page = stack.get("/reservations/%d/cancel" % booked[0]["id"], headers={"Accept": "text/html"}).body
    assert "The stay was free: there is nothing to refund." in page and "refunded in full" not in page, page
    # shown free, then the host sets a price: the card is asked for, nothing is booked
    form, headers = form_of(stack.get(summary, headers={"Accept": "text/html"}))
    assert stack.request("PATCH", "/rooms/%d" % room, json={"price": 5000}).status == 200
    r = stack.post("/reservations", form=form, headers=headers)
    assert r.status == 422 and "The stay is no longer free: enter your card number" in r.body, r
    assert 'name="card"' in r.body and "Nothing to pay" not in r.body, "the card field, with the new total"
    assert len(stack.get("/reservations?roomId=%d" % room).json["items"]) == 1
    # a paid room's form claiming "free" is asked for the card the same way
    paid = stack.post("/rooms", {"name": "Paid hall", "capacity": 5, "price": 100}).json["id"]
    page = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (paid, day(14), day(15)),
                     headers={"Accept": "text/html"})
    assert 'name="free"' not in page.body and 'name="card"' in page.body
    form, headers = form_of(page)
    form.update(roomId=str(paid), free="1")
    r = stack.post("/reservations", form=form, headers=headers)
    assert r.status == 422 and "enter your card number" in r.body, r
    assert stack.get("/reservations?roomId=%d" % paid).json["items"] == []
    # "free" where rooms quotes nothing: the booking's own answer, not "try again"
    for fields, status in (({"roomId": "987654321"}, 422), ({"roomId": str(room), "guests": "9"}, 409)):
        form, headers = form_of(stack.get(summary, headers={"Accept": "text/html"}))
        form.update(free="1", **fields)
        r = stack.post("/reservations", form=form, headers=dict(headers, Accept="application/json"))
        assert r.status == status, (fields, r)


def test_keys_stored_before_they_were_per_account_stay_with_their_account(stack):
    """Rows stored with the key as sent (before keys were per account, or by an old
    process during a deploy): the account whose answer it is still gets its replay
    (never a second booking or room), another account sending the key is not replayed
    nor refused, and an old row without a booking of the caller's counts as not there."""
    owner, token = stack.new_account("Owner")
    room = stack.post("/rooms", {"name": "Old", "capacity": 5}, headers={"Idempotency-Key": "old-room"}, auth=token)
    body = {"roomId": room.json["id"], "checkIn": day(5)}
    booked = stack.post("/reservations", body, headers={"Idempotency-Key": "old-booking"}, auth=token)
    refused = stack.post("/reservations", {"roomId": 999999}, headers={"Idempotency-Key": "old-refused"}, auth=token)
    assert room.status == 201 and booked.status == 201 and refused.status == 422, (room, booked, refused)
    mine = "%d\u00a7" % owner["id"]
    old_keys = "('old-room', 'old-booking', 'old-refused') AND %d AND '%s' <> ''"  # this version's rows as sent
    for db_name, sql in (("reservations", "DELETE FROM idempotency WHERE key IN " + old_keys),
                         ("rooms", "DELETE FROM idempotency WHERE key IN " + old_keys),
                         ("reservations", "UPDATE idempotency SET key = substr(key, %d) WHERE key LIKE '%s%%'"),
                         ("rooms", "UPDATE idempotency SET key = substr(key, %d) WHERE key LIKE '%s%%'"),
                         ("reservations", "UPDATE reservation SET idempotency_key = substr(idempotency_key, %d) "
                                          "WHERE idempotency_key LIKE '%s%%'")):
        db = sqlite3.connect(os.path.join(stack.var, "db", db_name + ".db"), timeout=10)
        with db:  # the keys as an old process stored them
            db.execute(sql % (len(mine) + 1, mine))
        db.close()
    again = stack.post("/reservations", body, headers={"Idempotency-Key": "old-booking"}, auth=token)
    assert again.header("Idempotent-Replayed") == "true" and again.json["id"] == booked.json["id"], again
    other_body = stack.post("/reservations", dict(body, guests=2), headers={"Idempotency-Key": "old-booking"},
                            auth=token)
    assert other_body.status == 422, other_body  # still the owner's key: another body is refused
    same_room = stack.post("/rooms", {"name": "Old", "capacity": 5}, headers={"Idempotency-Key": "old-room"},
                           auth=token)
    assert same_room.header("Idempotent-Replayed") == "true" and same_room.json["id"] == room.json["id"], same_room
    _, other = stack.new_account("Other")
    theirs = stack.post("/reservations", body, headers={"Idempotency-Key": "old-booking"}, auth=other)
    assert theirs.status == 201 and theirs.header("Idempotent-Replayed") is None, theirs
    assert theirs.json["id"] != booked.json["id"], theirs
    their_room = stack.post("/rooms", {"name": "Old", "capacity": 5}, headers={"Idempotency-Key": "old-room"},
                            auth=other)
    assert their_room.status == 201 and their_room.json["id"] != room.json["id"], their_room
    retried = stack.post("/reservations", {"roomId": 999999}, headers={"Idempotency-Key": "old-refused"}, auth=token)
    assert retried.status == 422 and retried.header("Idempotent-Replayed") is None, retried
    # a booking an old process made whose answer it never stored (it died): found by the
    # key as sent and the account, so the retry does not book a second time
    stale = stack.post("/reservations", dict(body, checkIn=day(8)), headers={"Idempotency-Key": "old-died"},
                       auth=token)
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    with db:
        db.execute("DELETE FROM idempotency WHERE key IN (?, 'old-died')", (mine + "old-died",))
        db.execute("UPDATE reservation SET idempotency_key = 'old-died' WHERE id = ?", (stale.json["id"],))
    db.close()
    after = stack.post("/reservations", dict(body, checkIn=day(8)), headers={"Idempotency-Key": "old-died"},
                       auth=token)
    assert after.status == 201 and after.json["id"] == stale.json["id"], after
    from test_audit import audit  # every 201 key still names exactly its one booking
    _, lines, out = audit(stack)
    assert lines.get("idempotency.one_booking_one_payment", "").startswith("ok "), out


def test_a_key_is_also_kept_as_sent_for_processes_of_the_version_before(stack):
    """During a rolling deploy (or after a rollback) a process of the version before keys
    were per account looks keys up as sent. Beside the account's own row the claim keeps
    one with the key as sent, holding the same answer, so such a process replays a retry
    instead of booking again; another account's claim never takes it over. A claim such
    a process is still working on (no answer yet) is waited for: 409, as it would say."""
    owner, token = stack.new_account("Compat")
    room = new_room(stack, capacity=5)
    body = {"roomId": room, "checkIn": day(9)}
    booked = stack.post("/reservations", body, headers={"Idempotency-Key": "compat-1"}, auth=token)
    assert booked.status == 201, booked

    def as_sent(key):
        db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
        try:
            return db.execute("SELECT state, status, json_extract(body, '$.id'), json_extract(body, '$.accountId') "
                              "FROM idempotency WHERE key = ?", (key,)).fetchone()
        finally:
            db.close()
    assert as_sent("compat-1") == ("done", 201, booked.json["id"], owner["id"])
    _, other = stack.new_account("Compat other")
    theirs = stack.post("/reservations", body, headers={"Idempotency-Key": "compat-1"}, auth=other)
    assert theirs.status == 201 and theirs.json["id"] != booked.json["id"], theirs
    assert as_sent("compat-1")[2] == booked.json["id"], "another account's claim never takes it over"
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    with db:  # an old process's claim, still running
        db.execute("INSERT INTO idempotency(key, fingerprint, state, created_at) VALUES "
                   "('compat-old', 'x', 'running', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
    db.close()
    r = stack.post("/reservations", body, headers={"Idempotency-Key": "compat-old"}, auth=token)
    assert r.status == 409 and "in progress" in r.json["detail"], r
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    with db:  # ...whose process died long ago
        db.execute("UPDATE idempotency SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-1 hour') "
                   "WHERE key = 'compat-old'")
    db.close()
    r = stack.post("/reservations", body, headers={"Idempotency-Key": "compat-old"}, auth=token)
    assert r.status == 201, r
    assert as_sent("compat-old")[:2] == ("done", 201), "the dead claim's row now holds this answer"


def test_control_characters_are_refused_in_names_and_text(stack):
    room = stack.post("/rooms", {"name": "Quiet room", "capacity": 5}).json
    stay = {"roomId": room["id"], "checkIn": "2031-03-01", "nights": 1}
    for customer, why in (("a\u0007b", "must not contain control characters"), ("Ann\nX", "must be one line"),
                          ("Ann\x1b[31m", "must not contain control characters"), ("Ann\tB", "must be one line")):
        r = stack.post("/reservations", dict(stay, customer=customer))
        assert r.status == 422 and r.json["errors"][0]["field"] == "customer", (customer, r)
        assert r.json["errors"][0]["message"].startswith(why), r.json
    for name in ("Hall\r\nX", "Hall\u0000", "Hall\u0085ok\u0007"):
        r = stack.post("/rooms", {"name": name})
        assert r.status in (400, 422), (name, r)
        assert "JSON_ALLOW_NUL" not in r.body, r  # the library's own words are not the client's
    r = stack.post("/rooms", {"name": "Hall", "desc": "Two lines:\n\tand a tab are fine here"})
    assert r.status == 201 and r.json["desc"] == "Two lines:\n\tand a tab are fine here", r
    assert stack.post("/rooms", {"name": "Hall", "desc": "bell\u0007"}).status == 422


def test_a_room_without_a_name_is_room_n_on_every_page_of_its_booking(stack):
    """A room with a description only is 'Room N' on its page, and so on the pages of a
    booking of it: the stay ('Stay at room N', not 'Reservation 7'), and the room page a
    booking refused at the pay step comes back as (not 'Book')."""
    room = stack.post("/rooms", {"desc": "A bunk in the loft", "capacity": 1, "price": 100}).json["id"]
    html = {"Accept": "text/html"}
    title = lambda body: re.search(r"<title>(.*?)</title>", body).group(1)
    assert title(stack.get("/rooms/%d" % room, headers=html).body) == "Room %d · Roombook" % room
    booked = stack.post("/reservations", {"roomId": room, "checkIn": day(40), "card": "4242424242424242"}).json
    page = stack.get("/reservations/%d" % booked["id"], headers=html).body
    assert title(page) == "Stay at room %d, booking %s · Roombook" % (room, booked["reference"]), title(page)
    summary = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (room, day(40), day(41)), headers=html)
    token = summary.header("Set-Cookie").split("csrf=")[1].split(";")[0]
    form = {"_csrf": token, "roomId": str(room), "checkIn": day(40), "checkOut": day(41), "guests": "1",
            "card": "4242424242424242"}
    r = stack.post("/reservations", form=form, headers=dict(html, Cookie="csrf=" + token))
    assert r.status == 409 and title(r.body) == "Error: Room %d · Roombook" % room, (r.status, title(r.body))
