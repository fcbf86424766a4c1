"""Money: card numbers never leave the request (no hash, event, log or database holds
more than the last four digits), one set of limits so every valid booking can be
charged, and the saga refuses a payment that does not charge the held amount."""
import glob
import json
import os
import re
import sqlite3

from stack import wait_until
from test_booking import available, day, new_room, payments_of

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}

CARD = "4000 7391 8264 5550"  # approved; middle digits distinctive enough to search for
MIDDLE = "73918264"
SAME_LAST4 = "4000 1234 9876 5550"  # only the middle digits differ from CARD


def secret_headers(stack):
    """The stack's internal secret, once internal routes ask for one."""
    path = os.path.join(stack.var, "secret")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {"X-Roombook-Secret": f.read().strip()}


def internal_post(stack, path, body):
    return stack.post(path, body, internal=True, headers=secret_headers(stack))


def rows_of_every_database(stack):
    """(database, table, row as text) of every table of every database of the stack."""
    for path in sorted(glob.glob(os.path.join(stack.var, "db", "*.db"))):
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
        try:
            tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in db.execute('SELECT * FROM "%s"' % table.replace('"', '""')):
                    yield os.path.basename(path), table, " ".join(str(v) for v in row)
        finally:
            db.close()


def card_traces(text):
    """The ways a card number could show up in text."""
    digits = re.sub(r"\D", "", CARD)
    return [t for t in (digits, CARD, MIDDLE, MIDDLE[:4] + " " + MIDDLE[4:], digits[:12]) if t in text]


def fingerprint(stack, key):
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    try:
        # stored as the account's own: "<account id>§<key>"
        row = db.execute("SELECT fingerprint FROM idempotency WHERE substr(key, instr(key, '\u00a7') + 1) = ?",
                         (key,)).fetchone()
    finally:
        db.close()
    assert row, "no idempotency row for " + key
    return row[0]


def test_card_reaches_no_hash_event_log_or_database(stack):
    room = new_room(stack, capacity=5, price=700)
    body = {"roomId": room, "checkIn": day(5), "nights": 2, "card": CARD}
    first = stack.post("/reservations", body, headers={"Idempotency-Key": "money-card-a"})
    assert first.status == 201 and first.json["amount"] == 1400, first
    rid = first.json["id"]
    # the behaviour of the key is kept: same body replays, another body is 422
    again = stack.post("/reservations", body, headers={"Idempotency-Key": "money-card-a"})
    assert again.status == 201 and again.header("Idempotent-Replayed") == "true", again
    assert again.json["id"] == rid
    other = stack.post("/reservations", dict(body, nights=3), headers={"Idempotency-Key": "money-card-a"})
    assert other.status == 422, other
    other_card = stack.post("/reservations", dict(body, card="4000 7391 8264 5551"),
                            headers={"Idempotency-Key": "money-card-a"})
    assert other_card.status == 422, other_card
    # the fingerprint carries nothing of the middle digits: two cards that differ only
    # there fingerprint alike (the old 64-bit FNV of the whole body gave the card away)
    twin = stack.post("/reservations", dict(body, card=SAME_LAST4), headers={"Idempotency-Key": "money-card-b"})
    assert twin.status == 201 and twin.json["id"] != rid, twin
    fp = fingerprint(stack, "money-card-a")
    assert re.fullmatch(r"[0-9a-f]{64}", fp), fp
    assert fingerprint(stack, "money-card-b") == fp

    pays = payments_of(stack, rid)
    assert len(pays) == 1 and pays[0]["cardLast4"] == "5550" and pays[0]["amount"] == 1400, pays
    # let every consumer see the booking, then cancel it so refund events exist too
    wait_until(lambda: stack.get("/tickets?reservationId=%d" % rid).json["items"], what="ticket")
    assert stack.post("/reservations/%d/cancel" % rid).status == 200
    wait_until(lambda: payments_of(stack, rid)[0]["status"] == "refunded", what="refund")

    for name, table, text in rows_of_every_database(stack):
        assert not card_traces(text), "%s %s holds card digits: %s" % (name, table, text[:300])
    for path in glob.glob(os.path.join(stack.var, "db", "*")) + glob.glob(os.path.join(stack.var, "log", "*")):
        if os.path.isfile(path):
            with open(path, "rb") as f:
                raw = f.read().decode("latin-1")
            assert not card_traces(raw), "%s holds card digits" % path
    for service in ("reservations", "payments"):
        db = sqlite3.connect(os.path.join(stack.var, "db", service + ".db"), timeout=10)
        try:
            events = [json.loads(d) for (d,) in db.execute("SELECT data FROM outbox")]
        finally:
            db.close()
        assert events, service
        for data in events:
            assert "card" not in data, (service, data)


def test_a_fingerprint_of_the_old_format_is_refused_not_a_crash(stack):
    room = new_room(stack)
    db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
    with db:  # as the 64-bit FNV-1a left it before the upgrade
        db.execute("INSERT INTO idempotency(key, fingerprint, state, status, body, created_at) VALUES "
                   "(? || '\u00a7money-legacy', 'beef3d545ae15ce3', 'done', 201, '{}', "
                   "strftime('%Y-%m-%dT%H:%M:%fZ','now'))", (stack.account["id"],))
    db.close()
    r = stack.post("/reservations", {"roomId": room, "checkIn": day(7)}, headers={"Idempotency-Key": "money-legacy"})
    assert r.status == 422, r
    r = stack.post("/reservations", {"roomId": room, "checkIn": day(7)}, headers={"Idempotency-Key": "money-new"})
    assert r.status == 201, r


def test_the_largest_valid_booking_can_be_charged(stack):
    room = new_room(stack, capacity=1000, price=1000000000)
    r = stack.post("/reservations", {"roomId": room, "checkIn": day(40), "nights": 2, "guests": 1000})
    assert r.status == 201 and r.json["amount"] == 2000000000000, r
    top = new_room(stack, capacity=10000, price=1000000000)
    r = stack.post("/reservations", {"roomId": top, "checkIn": day(40), "nights": 30, "guests": 10000})
    assert r.status == 201 and r.json["amount"] == 300000000000000, r
    assert payments_of(stack, r.json["id"])[0]["amount"] == 300000000000000
    for too_much in ({"price": 1000000001}, {"capacity": 10001}):
        bad = stack.post("/rooms", dict({"name": "Too much"}, **too_much))
        assert bad.status == 422, bad
    bad = stack.post("/reservations", {"roomId": top, "checkIn": day(80), "nights": 31})
    assert bad.status == 422, bad
    bad = stack.post("/reservations", {"roomId": top, "checkIn": day(80), "guests": 10001})
    assert bad.status == 422, bad


def test_a_payment_for_another_amount_never_confirms_a_booking(stack):
    room = new_room(stack, capacity=2, price=1000)
    probe = stack.post("/reservations", {"roomId": room, "checkIn": day(60)})
    assert probe.status == 201, probe
    assert stack.post("/reservations/%d/cancel" % probe.json["id"]).status == 200
    wait_until(lambda: available(stack, room, day(60)) == 2, what="release of the probe")
    nxt = probe.json["id"] + 1
    forged = internal_post(stack, "/internal/payments", {"reservationId": nxt, "amount": 3, "card": "4242424242424242",
                                                            "accountId": stack.account["id"]})
    assert forged.status == 201 and forged.json["status"] == "approved", forged

    r = stack.post("/reservations", {"roomId": room, "checkIn": day(60), "guests": 2})
    assert not (r.status == 201 and r.json.get("amount") == 3), r
    assert r.status != 201, r
    res = stack.get("/reservations/%d" % nxt).json
    assert res["status"] in ("rejected", "failed"), res
    assert available(stack, room, day(60)) == 2, "nothing stays held"
    wait_until(lambda: payments_of(stack, nxt)[0]["status"] == "refunded", what="refund of the mismatching payment")
    logged = ""
    for path in glob.glob(os.path.join(stack.var, "log", "*")):
        with open(path, errors="replace") as f:
            logged += f.read()
    assert re.search(r"ERROR reservations .*reservation %d: payment \d+ does not charge the held 2000" % nxt, logged)
    # the customer can simply book again
    retry = stack.post("/reservations", {"roomId": room, "checkIn": day(60), "guests": 2})
    assert retry.status == 201 and retry.json["amount"] == 2000, retry
