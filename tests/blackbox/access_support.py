"""Helpers shared by test_access.py and test_accounts.py: rooms, bookings, admins, the
stack's databases edited as root, and the checks every problem answer passes."""
import datetime
import os
import sqlite3

from stack import wait_until


def day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


def problem(r, status):
    assert r.status == status, r
    assert r.header("Content-Type").startswith("application/problem+json"), (r, r.headers)
    assert r.json["status"] == status and r.json["type"] and r.json["title"], r
    return r.json


def same_problem(a, b):
    """Two problem answers alike apart from what names the thing (detail) or the request."""
    assert a.status == b.status, (a, b)
    assert a.header("Content-Type") == b.header("Content-Type"), (a.headers, b.headers)
    assert (a.json["type"], a.json["title"], a.json["status"]) == (b.json["type"], b.json["title"],
                                                                  b.json["status"]), (a, b)
    assert sorted(a.json) == sorted(b.json), (a, b)


def db_exec(stack, service, sql, args=()):
    """Runs sql on a service's database as the operator would (sqlite3 as root), keeping
    the files owned by whoever owned them (the stack's user)."""
    path = os.path.join(stack.var, "db", service + ".db")
    owner = os.stat(path)
    con = sqlite3.connect(path, timeout=10)
    try:
        cur = con.execute(sql, args)
        rows = cur.fetchall()
        con.commit()
    finally:
        con.close()
    for suffix in ("", "-wal", "-shm"):
        try:
            os.chown(path + suffix, owner.st_uid, owner.st_gid)
        except FileNotFoundError:
            pass
    return rows


def shift_stay_back(stack, reservation, days=2):
    """Moves a stay `days` back in every database that knows its dates (the room must hold
    nothing else on them), so that it is over and reviewable while the invariants hold."""
    rid, shift = reservation["id"], "-%d day" % days
    db_exec(stack, "rooms", "UPDATE capacity SET date = date(date, ?) WHERE room_id = ?", (shift, reservation["roomId"]))
    db_exec(stack, "rooms", "UPDATE hold SET check_in = date(check_in, ?) WHERE reservation_id = ?", (shift, rid))
    db_exec(stack, "reservations", "UPDATE reservation SET check_in = date(check_in, ?), "
            "check_out = date(check_out, ?) WHERE id = ?", (shift, shift, rid))
    db_exec(stack, "mypage", "UPDATE view_reservation SET check_in = date(check_in, ?), "
            "check_out = date(check_out, ?) WHERE reservation_id = ?", (shift, shift, rid))


def accounts_command(stack, *args):
    """Runs the operator command `accounts ARGS...` against the stack (as root: it
    switches to the databases' owner itself); returns the CompletedProcess."""
    import subprocess
    env = dict(stack.env, ROOMBOOK_VAR=stack.var)
    return subprocess.run([os.path.join(stack.bin, "accounts")] + list(args), env=env, capture_output=True,
                          text=True, timeout=30)


def make_admin(stack, account):
    r = accounts_command(stack, "admin", "grant", account["email"])
    assert r.returncode == 0, (r.stdout, r.stderr)


def new_room(stack, token, capacity=5, price=1000, name="Access room"):
    r = stack.post("/rooms", {"name": name, "capacity": capacity, "price": price}, auth=token)
    assert r.status == 201, r
    return r.json


def book(stack, token, room_id, check_in=None, nights=1, card="4242424242424242"):
    r = stack.post("/reservations", {"roomId": room_id, "checkIn": check_in or day(20), "nights": nights,
                                      "card": card}, auth=token)
    assert r.status == 201 and r.json["status"] == "confirmed", r
    return r.json


def ticket_of(stack, token, reservation_id):
    return wait_until(lambda: (stack.get("/tickets?reservationId=%d" % reservation_id, auth=token).json
                               or {}).get("items"), what="ticket")[0]


def message_of(stack, token, reservation_id):
    return wait_until(lambda: (stack.get("/messages?reservationId=%d" % reservation_id, auth=token).json
                               or {}).get("items"), what="message")[0]
