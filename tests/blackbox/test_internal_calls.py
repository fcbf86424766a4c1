"""Calls between services (docs/architecture.md "Calls between services"): by default
reservations reaches rooms and payments in FastCGI straight on their sockets
(<var>/run/<service>.sock), carrying the request id and the stack's secret, never
through the gateway; <SERVICE>_URL=http://... still sends them through a gateway's
internal listener, and so do the calls to a service the gateway caps (MAX_CONNS_<SERVICE>),
so that the cap counts them; a socket that is not there is a failed call (503, nothing charged),
never a hang."""
import datetime
import os
import sqlite3
import time

from stack import Stack, wait_until


def night(days):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=days)).isoformat()


def correlated(s, service, rid):
    """The event types service recorded for the request id rid."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "db", service + ".db"), uri=True, timeout=10)
    try:
        return [t for (t,) in db.execute("SELECT type FROM outbox WHERE correlation_id = ?", (rid,))]
    finally:
        db.close()


def book(s, room, rid):
    return s.post("/reservations", {"roomId": room, "checkIn": night(9)}, headers={"X-Request-Id": rid})


def test_calls_go_straight_to_the_services_sockets(stack):
    room = stack.post("/rooms", {"name": "Direct", "capacity": 5, "price": 1200}).json["id"]
    rid = "direct-%d" % int(time.time() * 1000)
    r = book(stack, room, rid)
    assert r.status == 201 and r.json["status"] == "confirmed", r
    # the request id reached rooms and payments with the calls
    assert "CapacityHeld" in correlated(stack, "rooms", rid), correlated(stack, "rooms", rid)
    assert correlated(stack, "payments", rid), "payments recorded nothing for %s" % rid
    access = wait_until(lambda: (lambda a: a if "rid=%s " % rid in a else None)(stack.logs("access")),
                        timeout=10, what="the booking in the access log")
    mine = [line for line in access.splitlines() if "rid=%s " % rid in line]
    assert len(mine) == 1 and "POST /reservations " in mine[0], mine  # the gateway saw the booking only


def test_http_urls_still_go_through_the_gateways_internal_listener():
    s = Stack(name="calls-http")
    url = "http://127.0.0.1:%d" % s.internal_port
    s.env.update({"ROOMS_URL": url, "PAYMENTS_URL": url})
    with s:
        room = s.post("/rooms", {"name": "Through", "capacity": 5, "price": 1200}).json["id"]
        rid = "through-%d" % int(time.time() * 1000)
        r = book(s, room, rid)
        assert r.status == 201 and r.json["status"] == "confirmed", r
        assert "CapacityHeld" in correlated(s, "rooms", rid)
        for path in ("POST /internal/holds ", "POST /internal/payments "):
            wait_until(lambda: any(path in line and "rid=%s " % rid in line
                                   for line in s.logs("access").splitlines()),
                       timeout=10, what="%s in the access log" % path)


def test_calls_to_a_capped_service_go_through_the_gateway_so_the_cap_counts_them():
    with Stack(name="calls-capped", env={"MAX_CONNS_PAYMENTS": "8"}) as s:
        room = s.post("/rooms", {"name": "Capped", "capacity": 5, "price": 1200}).json["id"]
        rid = "capped-%d" % int(time.time() * 1000)
        r = book(s, room, rid)
        assert r.status == 201 and r.json["status"] == "confirmed", r
        wait_until(lambda: any("POST /internal/payments " in line and "rid=%s " % rid in line
                               for line in s.logs("access").splitlines()),
                   timeout=10, what="the charge in the access log")
        assert not any("/internal/holds" in line for line in s.logs("access").splitlines()), \
            "rooms is not capped: its hold goes straight to its socket"


def test_a_missing_socket_is_a_failed_call_not_a_hang():
    s = Stack(name="calls-missing")
    s.env.update({"PAYMENTS_URL": "unix:" + os.path.join(s.var, "run", "nowhere.sock"), "BREAKER_FAILURES": "100"})
    with s:
        room = s.post("/rooms", {"name": "Nowhere", "capacity": 5, "price": 1200}).json["id"]
        t0 = time.time()
        r = s.post("/reservations", {"roomId": room, "checkIn": night(9)})
        took = time.time() - t0
        assert r.status == 503 and r.json["reservation"]["reason"] == "unavailable", r
        assert took < 3, took
        s.wait_log("reservations", "nowhere.sock/internal/payments -> connect")
        # the hold made before the charge was given back
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "db", "rooms.db"), uri=True, timeout=10)
        try:
            held = db.execute("SELECT status FROM hold WHERE reservation_id = ?", (r.json["reservation"]["id"],))
            assert [st for (st,) in held] == ["released"]
        finally:
            db.close()
