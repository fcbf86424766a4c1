"""The audit (build/<mode>/bin/audit): after a README-like flow every invariant holds and
it exits 0; each negative control breaks one invariant in one database (as an operator
would, as root) and the audit names it and exits non-zero, then passes again once the
database is put back. Events still in flight (worker stopped) are `behind`, not breaches."""
import os
import subprocess

from access_support import book, day, db_exec, new_room, shift_stay_back
from stack import wait_until

# The stack's own recovery pass stays away from the reservation planted as stuck in
# 'requested' (the audit's limit is SAGA_TIMEOUT_MS + RECOVERY_INTERVAL_MS + 5 s of its
# own environment: 16 s by default).
STACK_OPTIONS = {"env": {"RECOVERY_INTERVAL_MS": "3600000"}}

INVARIANTS = ["capacity.held_within_capacity", "capacity.held_equals_holds", "holds.active_reservations",
              "confirmed.one_approved_payment", "confirmed.one_issued_ticket",
              "confirmed.one_confirmation_message", "cancelled.refunded_once", "cancelled.ticket_voided",
              "cancelled.one_message_of_its_kind", "rejected_failed.nothing_kept", "saga.no_stuck_requested",
              "idempotency.one_booking_one_payment", "mypage.reservations_match_sources",
              "mypage.rooms_match_sources", "orphans.none", "consumers.at_head", "dead_letters.none_parked",
              "integrity_check.ok"]


def audit(stack, *args):
    """Runs the audit as root on the stack's databases; returns (exit code, {name: line})."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOMBOOK_VAR": stack.var}
    r = subprocess.run([os.path.join(stack.bin, "audit")] + list(args), env=env, capture_output=True,
                       text=True, timeout=120)
    lines = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ok", "FAIL", "behind"):
            lines[parts[1]] = line
    assert r.stdout.splitlines() and r.stdout.splitlines()[-1].startswith("audit: "), (r.stdout, r.stderr)
    return r.returncode, lines, r.stdout + r.stderr


def assert_clean(stack, *args):
    rc, lines, out = audit(stack, *args)
    assert rc == 0, out
    assert sorted(lines) == sorted(INVARIANTS), out
    assert all(line.startswith("ok ") for line in lines.values()), out
    return out


def assert_breach(stack, name):
    rc, lines, out = audit(stack, "--wait", "3")
    assert rc == 1, out
    assert lines[name].startswith("FAIL "), out
    return lines[name]


def settled(stack, token, reservation_id):
    """Waits until the reservation's ticket, message and mypage row are all there."""
    wait_until(lambda: stack.get("/tickets?reservationId=%d" % reservation_id, auth=token).json["items"],
               what="ticket")
    wait_until(lambda: [x for x in stack.get("/mypage", auth=token).json["reservations"]
                        if x["reservationId"] == reservation_id and x.get("ticketStatus")], what="mypage row")


def test_flow_audits_clean(stack):
    guest, token = stack.new_account("Audit guest")
    host, host_token = stack.new_account("Audit host")
    big = new_room(stack, host_token, capacity=3, price=700, name="Audit big")
    one = new_room(stack, host_token, capacity=1, price=500, name="Audit single")
    doomed = new_room(stack, host_token, capacity=4, price=300, name="Audit doomed")
    stay = new_room(stack, host_token, capacity=1, price=100, name="Audit stay")
    kept = book(stack, token, big["id"], check_in=day(30), nights=2)
    r = stack.post("/reservations", {"roomId": big["id"], "checkIn": day(31), "guests": 2, "card": "4242 4242 4242 4242"},
                   auth=token, headers={"Idempotency-Key": "audit-flow-1"})
    assert r.status == 201, r
    again = stack.post("/reservations", {"roomId": big["id"], "checkIn": day(31), "guests": 2,
                                         "card": "4242 4242 4242 4242"}, auth=token,
                       headers={"Idempotency-Key": "audit-flow-1"})
    assert again.status == 201 and again.json["id"] == r.json["id"], again
    declined = stack.post("/reservations", {"roomId": big["id"], "checkIn": day(30), "card": "4000000000000002"},
                          auth=token)
    assert declined.status == 402, declined
    single = book(stack, token, one["id"], check_in=day(40))
    sold_out = stack.post("/reservations", {"roomId": one["id"], "checkIn": day(40)}, auth=token)
    assert sold_out.status == 409, sold_out
    cancelled = book(stack, token, one["id"], check_in=day(50))
    settled(stack, token, cancelled["id"])
    assert stack.post("/reservations/%d/cancel" % cancelled["id"], {}, auth=token).status == 200
    victims = [book(stack, token, doomed["id"], check_in=day(60)), book(stack, token, doomed["id"], check_in=day(61))]
    for v in victims:
        settled(stack, token, v["id"])
    assert stack.request("DELETE", "/rooms/%d" % doomed["id"], auth=host_token).status == 204
    past = book(stack, token, stay["id"], check_in=day(0))
    settled(stack, token, past["id"])
    shift_stay_back(stack, past)
    review = stack.post("/rooms/%d/reviews" % stay["id"], {"rating": 4, "content": "fine"}, auth=token)
    assert review.status == 201, review
    wait_until(lambda: all(stack.get("/reservations/%d" % v["id"], auth=token).json["status"] == "force_cancelled"
                           for v in victims), what="force-cancel")
    out = assert_clean(stack)
    for counts in ("confirmed.one_approved_payment", "cancelled.refunded_once", "rejected_failed.nothing_kept"):
        line = [x for x in out.splitlines() if counts in x][0]
        assert "checked=0" not in line, out  # the flow reached every kind of ending
    assert kept["status"] == single["status"] == "confirmed"


def confirmed_booking(stack, capacity=2):
    room = new_room(stack, stack.token, capacity=capacity, price=250, name="Audit control")
    res = book(stack, stack.token, room["id"], check_in=day(70), nights=2)
    settled(stack, stack.token, res["id"])
    return room, res


def test_bumped_capacity_held_is_named(stack):
    room, _ = confirmed_booking(stack)
    bump = "UPDATE capacity SET held = held + ? WHERE room_id = ? AND date = ?"
    db_exec(stack, "rooms", bump, (1, room["id"], day(70)))
    try:
        assert room["id"] and "%d/%s" % (room["id"], day(70)) in assert_breach(stack, "capacity.held_equals_holds")
    finally:
        db_exec(stack, "rooms", bump, (-1, room["id"], day(70)))
    assert_clean(stack)


def test_cancelled_payment_approved_again_is_named(stack):
    _, res = confirmed_booking(stack)
    assert stack.post("/reservations/%d/cancel" % res["id"], {}).status == 200
    wait_until(lambda: stack.get("/payments?reservationId=%d" % res["id"]).json["items"][0]["status"] == "refunded",
               what="refund")
    assert_clean(stack)
    sql = "UPDATE payment SET status = ? WHERE reservation_id = ?"
    db_exec(stack, "payments", sql, ("approved", res["id"]))
    try:
        assert str(res["id"]) in assert_breach(stack, "cancelled.refunded_once")
    finally:
        db_exec(stack, "payments", sql, ("refunded", res["id"]))
    assert_clean(stack)


def test_deleted_ticket_is_named(stack):
    _, res = confirmed_booking(stack)
    row = db_exec(stack, "tickets", "SELECT * FROM ticket WHERE reservation_id = ?", (res["id"],))[0]
    db_exec(stack, "tickets", "DELETE FROM ticket WHERE reservation_id = ?", (res["id"],))
    try:
        assert str(res["id"]) in assert_breach(stack, "confirmed.one_issued_ticket")
    finally:
        db_exec(stack, "tickets", "INSERT INTO ticket VALUES (%s)" % ", ".join("?" * len(row)), row)
    assert_clean(stack)


def test_mypage_status_changed_is_named(stack):
    _, res = confirmed_booking(stack)
    sql = "UPDATE view_reservation SET status = ? WHERE reservation_id = ?"
    db_exec(stack, "mypage", sql, ("cancelled", res["id"]))
    try:
        assert str(res["id"]) in assert_breach(stack, "mypage.reservations_match_sources")
    finally:
        db_exec(stack, "mypage", sql, ("confirmed", res["id"]))
    assert_clean(stack)


def insert_reservation(stack, room, night, customer, status, key=None, age="-0 seconds"):
    """A one-night reservation written straight into reservations.db (as a process that
    died, or one of another version, would have left it), made `age` ago; its id."""
    rows = db_exec(stack, "reservations", "INSERT INTO reservation(room_id, check_in, check_out, nights, guests, "
                   "customer, currency, status, account_id, idempotency_key, created_at, updated_at) "
                   "VALUES (?, ?, ?, 1, 1, ?, 'EUR', ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?), "
                   "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)) RETURNING id",
                   (room["id"], day(night), day(night + 1), customer, status, stack.account["id"], key, age, age))
    return rows[0][0]


def test_reservation_stuck_in_requested_is_named(stack):
    room, _ = confirmed_booking(stack)
    stuck = insert_reservation(stack, room, 80, "stuck", "requested", age="-1 hour")
    try:
        assert str(stuck) in assert_breach(stack, "saga.no_stuck_requested")
    finally:
        db_exec(stack, "reservations", "DELETE FROM reservation WHERE id = ?", (stuck,))
    assert_clean(stack)


def test_one_key_booked_twice_by_one_account_is_named(stack):
    """The double booking a retry could make across versions (one booking carrying the
    key as the account's own, another carrying it as sent, as a process of the version
    before keys were per account stores it) is named, though each key row alone is fine."""
    room, res = confirmed_booking(stack)
    again = stack.post("/reservations", {"roomId": room["id"], "checkIn": day(72)},
                       headers={"Idempotency-Key": "audit-twice"})
    assert again.status == 201, again
    second = insert_reservation(stack, room, 73, "twice", "failed", key="audit-twice")
    twice = "twice:%d:audit-twice" % stack.account["id"]
    try:
        _, lines, out = audit(stack)  # a failed attempt holds nothing: not a second booking
        assert twice not in lines["idempotency.one_booking_one_payment"], out
        db_exec(stack, "reservations", "UPDATE reservation SET status = 'cancelled' WHERE id = ?", (second,))
        assert twice in assert_breach(stack, "idempotency.one_booking_one_payment")
    finally:
        db_exec(stack, "reservations", "DELETE FROM reservation WHERE id = ?", (second,))
    assert_clean(stack)


def test_parked_dead_letter_is_named(stack):
    db_exec(stack, "tickets", "INSERT INTO dead_letter(source, position, event_id, type, event, error, attempts, "
            "created_at) VALUES ('reservations', 0, 'audit-drill', 'Drill', '{}', 'drill', 5, 'now')")
    try:
        assert "tickets:" in assert_breach(stack, "dead_letters.none_parked")
    finally:
        db_exec(stack, "tickets", "DELETE FROM dead_letter WHERE event_id = 'audit-drill'")
    assert_clean(stack)


def test_worker_stopped_is_behind_not_a_breach(stack):
    room = new_room(stack, stack.token, capacity=2, price=90, name="Audit lag")
    assert "stopped" in stack.ctl("stop", "worker:*")
    try:
        res = book(stack, stack.token, room["id"], check_in=day(90))
        rc, lines, out = audit(stack, "--wait", "1")
        assert rc == 0, out
        assert lines["consumers.at_head"].startswith("behind "), out
        assert "tickets<-reservations behind by" in lines["consumers.at_head"], out
        assert all(line.startswith("ok ") for name, line in lines.items() if name != "consumers.at_head"), out
        rc, lines, out = audit(stack, "--wait", "0", "--strict")
        assert rc == 1 and lines["consumers.at_head"].startswith("FAIL "), out
    finally:
        assert "started" in stack.ctl("start", "worker:*")
    settled(stack, stack.token, res["id"])
    assert_clean(stack)


def test_audit_never_writes(stack):
    """On copies of the databases (the live ones change under a running stack): every
    file is byte for byte the same afterwards and the -wal files stay empty."""
    import hashlib
    import sqlite3
    import tempfile
    copy = tempfile.mkdtemp(prefix="audit-ro-", dir=os.path.dirname(stack.var))
    os.makedirs(os.path.join(copy, "db"))
    for name in stack.services:
        src = sqlite3.connect(os.path.join(stack.var, "db", name + ".db"))
        dst = sqlite3.connect(os.path.join(copy, "db", name + ".db"))
        src.backup(dst)
        dst.close()
        src.close()

    def digests():
        folder = os.path.join(copy, "db")
        return {f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest()
                for f in sorted(os.listdir(folder)) if f.endswith(".db")}
    before = digests()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOMBOOK_VAR": copy}
    r = subprocess.run([os.path.join(stack.bin, "audit"), "--wait", "0"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.stdout.splitlines()[-1].startswith("audit: "), r
    assert digests() == before
    for f in os.listdir(os.path.join(copy, "db")):
        if f.endswith("-wal"):
            assert os.path.getsize(os.path.join(copy, "db", f)) == 0, f
