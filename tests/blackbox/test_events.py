"""Events end to end: what a booking, a cancellation and a room deletion cause
asynchronously (tickets, messages, refunds, capacity, mypage), and the read APIs of
tickets, messages and mypage."""
import os
import re
import sqlite3
import time

from stack import wait_until

CHECK_IN = "2031-03-01"


def room(stack, **fields):
    body = {"name": "Events room", "capacity": 5, "price": 100}
    body.update(fields)
    r = stack.post("/rooms", body)
    assert r.status == 201, r
    return r.json


def book(stack, room_id, customer, auth="default", **fields):
    body = {"roomId": room_id, "checkIn": CHECK_IN, "nights": 2, "customer": customer}
    body.update(fields)
    r = stack.post("/reservations", body, auth=auth)
    assert r.status == 201, r
    assert r.json["status"] == "confirmed", r
    return r.json


def tickets(stack, reservation_id):
    return stack.get("/tickets?reservationId=%d" % reservation_id).json["items"]


def messages(stack, reservation_id):
    return stack.get("/messages?reservationId=%d" % reservation_id).json["items"]


def mypage_row(stack, customer, reservation_id):
    r = stack.get("/mypage?customer=" + customer)
    assert r.status == 200, r
    rows = [x for x in r.json["reservations"] if x["reservationId"] == reservation_id]
    return rows[0] if rows else None


def payment(stack, reservation_id):
    items = stack.get("/payments?reservationId=%d" % reservation_id).json["items"]
    return items[0] if items else None


def available(stack, room_id):
    r = stack.get("/rooms/%d/availability?from=%s&to=%s" % (room_id, CHECK_IN, CHECK_IN))
    return r.json["days"][0]["available"]


def test_booking_issues_ticket_message_and_mypage(stack):
    rm = room(stack, name="Harbour view")
    res = book(stack, rm["id"], "ann@example.com")
    ticket = wait_until(lambda: tickets(stack, res["id"]), what="ticket")[0]
    assert ticket["status"] == "issued" and re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", ticket["code"]), ticket
    assert ticket["reference"] == res["reference"] and ticket["checkIn"] == res["checkIn"], ticket
    assert stack.get("/tickets/%d" % ticket["id"]).json == ticket
    msg = wait_until(lambda: messages(stack, res["id"]), what="message")
    assert [m["kind"] for m in msg] == ["confirmation"], msg
    assert msg[0]["customer"] == "ann@example.com", msg
    # The text names the room and the stay in words (lib/human.c), not "reservation N".
    assert msg[0]["text"] == ("Booking confirmed: Harbour view, Sat 1 Mar 2031 to Mon 3 Mar 2031 "
                              "(2 nights, 1 guest). 2.00 EUR paid."), msg
    row = wait_until(lambda: (lambda x: x if x and x["ticketCode"] and x["paymentStatus"] else None)(
        mypage_row(stack, "ann@example.com", res["id"])), what="mypage row")
    assert row["status"] == "confirmed" and row["paymentStatus"] == "approved", row
    assert row["ticketCode"] == ticket["code"] and row["ticketStatus"] == "issued", row
    assert row["roomName"] == "Harbour view" and row["roomId"] == rm["id"], row
    assert (row["checkIn"], row["checkOut"], row["guests"], row["amount"]) == (CHECK_IN, "2031-03-03", 1, 200)


def test_cancel_refunds_voids_frees_capacity_and_updates_mypage(stack):
    rm = room(stack, capacity=2)
    res = book(stack, rm["id"], "bob", guests=2)
    wait_until(lambda: tickets(stack, res["id"]), what="ticket")
    assert available(stack, rm["id"]) == 0
    r = stack.post("/reservations/%d/cancel" % res["id"])
    assert r.status == 200 and r.json["status"] == "cancelled", r
    wait_until(lambda: payment(stack, res["id"])["status"] == "refunded", what="refund")
    wait_until(lambda: tickets(stack, res["id"])[0]["status"] == "voided", what="voided ticket")
    wait_until(lambda: available(stack, rm["id"]) == 2, what="capacity back")
    kinds = wait_until(lambda: (lambda k: k if len(k) == 2 else None)(
        [m["kind"] for m in messages(stack, res["id"])]), what="two messages")
    assert kinds == ["cancellation", "confirmation"], kinds  # newest first
    row = wait_until(lambda: (lambda x: x if x["ticketStatus"] == "voided" and x["paymentStatus"] == "refunded"
                              and x["status"] == "cancelled" else None)(mypage_row(stack, "bob", res["id"])),
                     what="mypage cancelled")
    assert row["ticketCode"] == tickets(stack, res["id"])[0]["code"]


def test_mypage_read_again_and_again_shows_each_change(stack):
    """A list read many times is answered from each connection's copy until a commit
    (db_rows_json_cached): every change that lands afterwards shows on the next read,
    whichever thread answers it; so does the rooms list after a new room."""
    rm = room(stack, name="Kept page room")
    res = book(stack, rm["id"], "dora")
    wait_until(lambda: (mypage_row(stack, "dora", res["id"]) or {}).get("ticketStatus") == "issued",
               what="ticket on mypage")
    pages = {stack.get("/mypage").body for _ in range(24)}  # every thread keeps the page
    assert len(pages) == 1, pages
    assert stack.request("PATCH", "/rooms/%d" % rm["id"], json={"name": "Renamed kept room"}).status == 200
    wait_until(lambda: all(mypage_row(stack, "dora", res["id"])["roomName"] == "Renamed kept room"
                           for _ in range(8)), what="the new name on every read")
    assert stack.post("/reservations/%d/cancel" % res["id"]).status == 200
    wait_until(lambda: all(mypage_row(stack, "dora", res["id"])["status"] == "cancelled" for _ in range(8)),
               what="the cancellation on every read")
    before = {stack.get("/rooms?limit=100").body for _ in range(24)}
    assert len(before) == 1
    new = room(stack, name="Listed at once")
    for _ in range(8):
        ids = [x["id"] for x in stack.get("/rooms?limit=100").json["items"]]
        assert new["id"] in ids or len(ids) == 100, ids


def test_cancelling_twice_refunds_once(stack):
    rm = room(stack)
    res = book(stack, rm["id"], "cara")
    for _ in range(2):
        r = stack.post("/reservations/%d/cancel" % res["id"])
        assert r.status == 200 and r.json["status"] == "cancelled", r
    wait_until(lambda: len(messages(stack, res["id"])) >= 2, what="messages")
    wait_until(lambda: payment(stack, res["id"])["status"] == "refunded", what="refund")
    wait_until(lambda: consumers_caught_up(stack), what="worker caught up")
    kinds = sorted(m["kind"] for m in messages(stack, res["id"]))
    assert kinds == ["cancellation", "confirmation"], kinds
    assert count_events(stack, "payments", "PaymentRefunded", res["id"]) == 1
    assert count_events(stack, "tickets", "TicketVoided", res["id"]) == 1


def test_room_deletion_force_cancels_its_reservations(stack):
    rm = room(stack, name="Doomed hall")
    booked = [book(stack, rm["id"], "dan") for _ in range(2)]
    for res in booked:
        wait_until(lambda: tickets(stack, res["id"]), what="ticket")
    assert stack.request("DELETE", "/rooms/%d" % rm["id"]).status == 204
    for res in booked:
        wait_until(lambda: stack.get("/reservations/%d" % res["id"]).json["status"] == "force_cancelled",
                   what="force_cancelled")
        got = stack.get("/reservations/%d" % res["id"]).json
        assert got["reason"] == "room_deleted", got
        wait_until(lambda: payment(stack, res["id"])["status"] == "refunded", what="refund")
        wait_until(lambda: tickets(stack, res["id"])[0]["status"] == "voided", what="voided ticket")
        wait_until(lambda: "force_cancellation" in [m["kind"] for m in messages(stack, res["id"])],
                   what="force_cancellation message")
        wait_until(lambda: (mypage_row(stack, "dan", res["id"]) or {}).get("status") == "force_cancelled",
                   what="mypage force_cancelled")
    view = wait_until(lambda: [v for v in all_roomviews(stack) if v["roomId"] == rm["id"]
                               and v["status"] == "deleted"], what="roomview deleted")[0]
    assert view["reservations"] == 2 and view["name"] == "Doomed hall", view
    # the guest's pages name the room but no longer link to its page (404 now)
    html = {"Accept": "text/html"}
    for page in ("/reservations/%d", "/reservations/%d/confirmation"):
        shown = stack.get(page % booked[0]["id"], headers=html)
        assert shown.status == 200 and "No longer offered by its host" in shown.body, shown
        assert 'href="/rooms/%d"' % rm["id"] not in shown.body, shown
    assert stack.get("/rooms/%d" % rm["id"]).status == 404


def test_roomviews_follow_reviews_and_bookings(stack):
    rm = room(stack, name="Reviewed loft")
    for rating in (4, 5):
        stack.past_stay(rm["id"])
        assert stack.post("/rooms/%d/reviews" % rm["id"], {"rating": rating, "content": "fine"}).status == 201
    res = book(stack, rm["id"], "eve")
    view = wait_until(lambda: [v for v in all_roomviews(stack) if v["roomId"] == rm["id"]
                               and v["reviewCnt"] == 2 and v["lastReservationId"] == res["id"]],
                      what="roomview")[0]
    assert view["rating"] == 4.5 and view["reservations"] == 3, view  # the two stays and this one
    assert view["lastReservationStatus"] == "confirmed" and view["status"] == "available", view
    # an attempt that booked nothing is neither counted nor the room's last booking
    declined = stack.post("/reservations", {"roomId": rm["id"], "checkIn": CHECK_IN, "customer": "eve",
                                            "card": "4000000000000002"})
    assert declined.status == 402, declined
    gone = declined.json["reservation"]["id"]
    wait_until(lambda: any(r["reservationId"] == gone and r["status"] == "rejected"
                           for r in stack.get("/mypage?limit=100").json["reservations"]), what="the attempt projected")
    view = [v for v in all_roomviews(stack) if v["roomId"] == rm["id"]][0]
    assert view["lastReservationId"] == res["id"] and view["reservations"] == 3, view
    # the last booking is the newest, whatever an older one does afterwards
    newer = book(stack, rm["id"], "eve")
    assert stack.post("/reservations/%d/cancel" % res["id"]).status == 200
    wait_until(lambda: any(r["reservationId"] == res["id"] and r["status"] == "cancelled"
                           for r in stack.get("/mypage?limit=100").json["reservations"]), what="the cancel projected")
    view = [v for v in all_roomviews(stack) if v["roomId"] == rm["id"]][0]
    assert (view["lastReservationId"], view["lastReservationStatus"]) == (newer["id"], "confirmed"), view
    assert stack.post("/reservations/%d/cancel" % newer["id"]).status == 200
    wait_until(lambda: [v for v in all_roomviews(stack) if v["roomId"] == rm["id"]
                        and (v["lastReservationId"], v["lastReservationStatus"]) == (newer["id"], "cancelled")],
               what="the newest booking's cancel on its room")
    page = stack.get("/roomviews", headers={"Accept": "text/html"})
    assert page.status == 200 and "<h1>Rooms you host</h1>" in page.body and "Room views" not in page.body, page
    room_page = stack.get("/rooms/%d" % rm["id"], headers={"Accept": "text/html"})
    assert '<a href="/roomviews">All the rooms you host</a>' in room_page.body, "the host finds its rooms again"
    def row(body, rid):  # "" while the room is not on the page yet (wait_until)
        m = re.search(r'<tr data-room-id="%d".*?</tr>' % rid, body, re.S)
        return m.group(0) if m else ""
    assert re.search(r'<a href="/reservations\?roomId=%d">\d+</a>' % rm["id"], row(page.body, rm["id"])), \
        "its bookings, a click away"
    assert '<a href="/rooms/%d">' % rm["id"] in row(page.body, rm["id"])
    # a room its host deleted has no page: named, not linked
    gone_room = room(stack, name="Torn down")
    assert stack.request("DELETE", "/rooms/%d" % gone_room["id"]).status == 204
    wait_until(lambda: 'data-status="deleted"' in row(stack.get("/roomviews?limit=100", headers={"Accept": "text/html"})
                                                      .body, gone_room["id"]), what="the deletion projected")
    gone_row = row(stack.get("/roomviews?limit=100", headers={"Accept": "text/html"}).body, gone_room["id"])
    assert "Torn down" in gone_row and 'href="/rooms/%d"' % gone_room["id"] not in gone_row, gone_row


def test_ticket_appears_within_a_second(stack):
    rm = room(stack, capacity=50)
    seen = []
    for _ in range(20):
        t0 = time.time()
        res = book(stack, rm["id"], "fay")
        wait_until(lambda: tickets(stack, res["id"]), timeout=1.0, interval=0.002, what="ticket within 1 s")
        seen.append((time.time() - t0) * 1000)
    # Commit-to-commit latency of the worker, from the events' own timestamps.
    lag = sorted(r[0] for r in query(
        stack, "tickets", "SELECT (julianday(t.occurred_at) - julianday(c.occurred_at)) * 86400000 "
        "FROM outbox t JOIN r.outbox c ON c.event_id = t.causation_id WHERE t.type = 'TicketIssued' "
        "AND json_extract(c.data, '$.customer') = 'fay'", attach={"r": "reservations"}))
    print("    booking + ticket visible: median %.1f ms, worst %.1f ms; confirmed -> issued: median %.0f ms, "
          "worst %.0f ms" % (sorted(seen)[len(seen) // 2], max(seen), lag[len(lag) // 2], lag[-1]))
    assert len(lag) == 20 and lag[-1] < 1000, lag


def test_events_carry_correlation_and_causation(stack):
    rm = room(stack)
    r = stack.post("/reservations", {"roomId": rm["id"], "checkIn": CHECK_IN, "customer": "gil"},
                   headers={"X-Request-Id": "trace-me-42"})
    assert r.status == 201, r
    wait_until(lambda: tickets(stack, r.json["id"]), what="ticket")
    confirmed = query(stack, "reservations", "SELECT event_id, correlation_id FROM outbox "
                      "WHERE type = 'ReservationConfirmed' AND aggregate_id = ?", r.json["id"])[0]
    issued = query(stack, "tickets", "SELECT correlation_id, causation_id FROM outbox "
                   "WHERE type = 'TicketIssued' AND json_extract(data, '$.reservationId') = ?", r.json["id"])[0]
    assert confirmed[1] == "trace-me-42", confirmed
    assert issued == ("trace-me-42", confirmed[0]), issued


def test_read_apis_reject_bad_input(stack):
    assert stack.get("/mypage", auth=None).status == 401
    assert stack.get("/mypage", auth=None).header("Content-Type") == "application/problem+json"
    assert stack.get("/tickets?reservationId=abc").status == 400
    assert stack.get("/messages?limit=0").status == 400
    assert stack.get("/tickets/999999").status == 404
    assert stack.get("/messages/999999").status == 404
    assert stack.get("/roomviews?cursor=x").status == 400
    _, nobody = stack.new_account("nobody")
    assert stack.get("/mypage?customer=someone", auth=nobody).json == {"customer": "nobody", "reservations": [],
                                                                      "nextCursor": None}


def test_mypage_pages_newest_first(stack):
    rm = room(stack)
    _, hal = stack.new_account("hal")
    ids = [book(stack, rm["id"], "hal", auth=hal)["id"] for _ in range(3)]
    wait_until(lambda: len(stack.get("/mypage", auth=hal).json["reservations"]) == 3, what="mypage rows")
    first = stack.get("/mypage?limit=2", auth=hal)
    assert [x["reservationId"] for x in first.json["reservations"]] == [ids[2], ids[1]], first
    assert 'rel="next"' in first.header("Link")
    second = stack.get("/mypage?limit=2&cursor=" + first.json["nextCursor"], auth=hal)
    assert [x["reservationId"] for x in second.json["reservations"]] == [ids[0]], second
    assert second.json["nextCursor"] is None


# ---- helpers reading the stack's databases (read-only) ----

def query(stack, service, sql, *args, attach=None):
    path = lambda svc: "file:%s?mode=ro" % os.path.join(stack.var, "db", svc + ".db")  # noqa: E731
    con = sqlite3.connect(path(service), uri=True, timeout=10)
    for alias, other in (attach or {}).items():
        con.execute("ATTACH DATABASE ? AS %s" % alias, (path(other),))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def count_events(stack, service, type_, reservation_id):
    return query(stack, service, "SELECT count(*) FROM outbox WHERE type = ? "
                 "AND json_extract(data, '$.reservationId') = ?", type_, reservation_id)[0][0]


SUBSCRIPTIONS = {
    "rooms": ["reservations"], "reservations": ["rooms", "payments", "tickets"], "payments": ["reservations"],
    "tickets": ["reservations"], "messages": ["reservations"],
    "mypage": ["rooms", "reservations", "payments", "tickets", "messages"],
}


def delivery_snapshot(stack):
    """(every consumer at the end of every source it reads, the outbox ends)."""
    ends = {src: query(stack, src, "SELECT coalesce(max(id), 0) FROM outbox")[0][0]
            for src in ("rooms", "reservations", "payments", "tickets", "messages")}
    caught_up = True
    for consumer, sources in SUBSCRIPTIONS.items():
        for source in sources:
            pos = query(stack, consumer, "SELECT coalesce(max(position), 0) FROM consumer_offset "
                        "WHERE source = ?", source)[0][0]
            caught_up = caught_up and pos >= ends[source]
    return caught_up, ends


def consumers_caught_up(stack):
    """True when twice in a row every consumer has reached the end of every source, with
    no new event in between (a chain of events still in flight shows as a moved end)."""
    first = delivery_snapshot(stack)
    if not first[0]:
        return False
    time.sleep(0.05)
    return delivery_snapshot(stack) == first


def all_roomviews(stack):
    items, cursor = [], None
    while True:
        r = stack.get("/roomviews?limit=100" + ("&cursor=" + cursor if cursor else ""))
        items += r.json["items"]
        cursor = r.json["nextCursor"]
        if not cursor:
            return items


def test_deleting_a_review_of_a_deleted_room_parks_nothing(stack):
    room = stack.post("/rooms", {"name": "Gone with reviews"}).json
    stack.past_stay(room["id"])
    review = stack.post("/rooms/%d/reviews" % room["id"], {"rating": 4}).json
    assert stack.request("DELETE", "/rooms/%d" % room["id"]).status == 204
    assert stack.request("DELETE", "/reviews/%d" % review["id"]).status == 204
    wait_until(lambda: consumers_caught_up(stack), what="caught up")
    for consumer in SUBSCRIPTIONS:
        assert query(stack, consumer, "SELECT count(*) FROM dead_letter")[0][0] == 0, consumer
    view = [v for v in stack.get("/roomviews?limit=100").json["items"] if v["roomId"] == room["id"]]
    assert view and view[0]["reviewCnt"] == 0 and view[0]["status"] == "deleted", view
