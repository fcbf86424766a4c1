"""Who may do what (SPEC §6), one rule per test, against the real stack: rooms, bookings,
their payments, tickets and messages, reviews and the lists; forged identities and
internal calls; the gateway's own answers (421, security headers, 403/416/408)."""
import http.client
import json
import os
import re
import signal
import socket
import stat
import time

from access_support import (book, day, db_exec, make_admin, message_of, new_room, problem, same_problem,
                            ticket_of)
from stack import PASSWORD, Stack, wait_until

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}


# ---- rooms ----

def test_anonymous_cannot_create_a_room(stack):
    r = stack.post("/rooms", {"name": "x", "capacity": 1, "price": 100}, auth=None)
    problem(r, 401)
    assert r.header("WWW-Authenticate").startswith("Bearer"), r.headers


def test_a_new_room_belongs_to_its_creator(stack):
    acct, tok = stack.new_account("Creator")
    room = new_room(stack, tok)
    assert room["hostId"] == acct["id"], room


def test_another_account_cannot_edit_or_delete_a_room(stack):
    _, host = stack.new_account("Host")
    _, other = stack.new_account("Other")
    room = new_room(stack, host)
    problem(stack.request("PATCH", "/rooms/%d" % room["id"], json={"name": "mine now"}, auth=other), 403)
    problem(stack.request("PUT", "/rooms/%d" % room["id"], json={"name": "mine now"}, auth=other), 403)
    problem(stack.request("DELETE", "/rooms/%d" % room["id"], auth=other), 403)
    assert stack.get("/rooms/%d" % room["id"], auth=None).json["name"] == "Access room"


def test_anonymous_cannot_edit_or_delete_a_room(stack):
    _, host = stack.new_account("Host")
    room = new_room(stack, host)
    problem(stack.request("PATCH", "/rooms/%d" % room["id"], json={"name": "x"}, auth=None), 401)
    problem(stack.request("DELETE", "/rooms/%d" % room["id"], auth=None), 401)


def test_the_host_edits_and_deletes_its_room(stack):
    _, host = stack.new_account("Host")
    room = new_room(stack, host)
    r = stack.request("PATCH", "/rooms/%d" % room["id"], json={"name": "Renamed"}, auth=host)
    assert r.status == 200 and r.json["name"] == "Renamed", r
    assert stack.request("DELETE", "/rooms/%d" % room["id"], auth=host).status == 204


def test_an_admin_edits_and_deletes_any_room(stack):
    _, host = stack.new_account("Host")
    admin, admin_tok = stack.new_account("Admin")
    make_admin(stack, admin)
    room = new_room(stack, host)
    r = stack.request("PATCH", "/rooms/%d" % room["id"], json={"name": "By admin"}, auth=admin_tok)
    assert r.status == 200 and r.json["name"] == "By admin", r
    assert r.json["hostId"] != admin["id"], r  # the host stays the host
    assert stack.request("DELETE", "/rooms/%d" % room["id"], auth=admin_tok).status == 204


def test_the_host_sees_its_rooms_reservations_and_others_do_not(stack):
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    _, other = stack.new_account("Other")
    room = new_room(stack, host)
    res = book(stack, guest, room["id"])
    mine = stack.get("/reservations?roomId=%d" % room["id"], auth=host).json["items"]
    assert [x["id"] for x in mine] == [res["id"]], mine
    assert stack.get("/reservations?roomId=%d" % room["id"], auth=other).json["items"] == []
    assert stack.get("/reservations", auth=other).json["items"] == []


def test_the_host_sees_the_bookings_its_room_refused(stack):
    """A booking refused as sold out, or for too many guests, is still a reservation of
    the host's room: the host sees it (by id and in the room's list), nobody else does."""
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    _, other = stack.new_account("Other")
    room = new_room(stack, host, capacity=1)
    book(stack, guest, room["id"], check_in=day(12))
    refused = [stack.post("/reservations", body, auth=guest) for body in (
        {"roomId": room["id"], "checkIn": day(12)}, {"roomId": room["id"], "checkIn": day(13), "guests": 2})]
    for r in refused:
        assert r.status == 409 and r.json["reservation"]["hostId"] == room["hostId"], r
        res = r.json["reservation"]
        assert res["status"] == "rejected", r
        seen = stack.get("/reservations/%d" % res["id"], auth=host)
        assert seen.status == 200 and seen.json["status"] == "rejected", seen
        assert stack.get("/reservations/%d" % res["id"], auth=other).status == 404
    listed = [x["id"] for x in stack.get("/reservations?roomId=%d" % room["id"], auth=host).json["items"]]
    assert all(r.json["reservation"]["id"] in listed for r in refused), listed


def test_roomviews_are_the_callers_rooms_only(stack):
    _, host = stack.new_account("Host")
    _, other = stack.new_account("Other")
    room = new_room(stack, host)
    rows = wait_until(lambda: stack.get("/roomviews?limit=100", auth=host).json["items"], what="room view")
    assert [x["roomId"] for x in rows] == [room["id"]], rows
    assert stack.get("/roomviews?limit=100", auth=other).json["items"] == []


def test_admin_sees_every_roomview_and_filters_by_account(stack):
    host_acct, host = stack.new_account("Host")
    admin, admin_tok = stack.new_account("Admin")
    make_admin(stack, admin)
    room = new_room(stack, host)
    wait_until(lambda: stack.get("/roomviews", auth=host).json["items"], what="room view")
    rows = stack.get("/roomviews?limit=100&accountId=%d" % host_acct["id"], auth=admin_tok).json["items"]
    assert [x["roomId"] for x in rows] == [room["id"]], rows
    everyone = stack.get("/roomviews?limit=100", auth=admin_tok).json["items"]
    assert room["id"] in [x["roomId"] for x in everyone]


# ---- booking and what it makes ----

def test_anonymous_cannot_book(stack):
    _, host = stack.new_account("Host")
    room = new_room(stack, host)
    r = stack.post("/reservations", {"roomId": room["id"], "checkIn": day(20)}, auth=None)
    problem(r, 401)
    assert r.header("WWW-Authenticate").startswith("Bearer")
    assert stack.get("/reservations?roomId=%d" % room["id"], auth=host).json["items"] == []


def booking(stack):
    """A confirmed booking with its ticket and message: (host, guest, other, res, ticket, message)."""
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    _, other = stack.new_account("Other")
    room = new_room(stack, host)
    res = book(stack, guest, room["id"])
    return host, guest, other, res, ticket_of(stack, guest, res["id"]), message_of(stack, guest, res["id"])


def test_the_booker_sees_everything_of_its_reservation(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    assert stack.get("/reservations/%d" % res["id"], auth=guest).status == 200
    pay = stack.get("/payments/%d" % res["paymentId"], auth=guest)
    assert pay.status == 200 and pay.json["cardLast4"] == "4242", pay
    t = stack.get("/tickets/%d" % ticket["id"], auth=guest)
    assert t.status == 200 and re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", t.json["code"]), t
    assert stack.get("/messages/%d" % msg["id"], auth=guest).status == 200


def test_the_host_sees_the_booking_but_not_the_card_or_the_ticket_code(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    r = stack.get("/reservations/%d" % res["id"], auth=host)
    assert r.status == 200 and "ticketCode" not in r.json, r
    page = stack.get("/reservations/%d" % res["id"], auth=host, headers={"Accept": "text/html"})
    assert page.status == 200 and ticket["code"] not in page.body
    pay = stack.get("/payments/%d" % res["paymentId"], auth=host)
    assert pay.status == 200 and "cardLast4" not in pay.json and "4242" not in pay.body, pay
    t = stack.get("/tickets/%d" % ticket["id"], auth=host)
    assert t.status == 200 and "code" not in t.json and ticket["code"] not in t.body, t
    m = stack.get("/messages/%d" % msg["id"], auth=host)
    assert m.status == 200 and ticket["code"] not in m.body, m


def test_the_host_finds_a_bookings_payment_ticket_and_messages_by_its_id_without_card_or_code(stack):
    # SPEC §6: the room's host sees a booking's payment, ticket and messages; the lists by
    # ?reservationId= are how SPEC §4 reaches a booking's ticket and payment
    host, guest, other, res, ticket, msg = booking(stack)
    for path, key, hidden in (("/payments", res["paymentId"], "cardLast4"), ("/tickets", ticket["id"], "code"),
                              ("/messages", msg["id"], None)):
        r = stack.get("%s?reservationId=%d" % (path, res["id"]), auth=host)
        assert r.status == 200 and [x["id"] for x in r.json["items"]] == [key], (path, r)
        assert hidden is None or hidden not in r.json["items"][0], (path, r)
        assert ticket["code"] not in r.body and "4242" not in r.body, (path, r)
        page = stack.get("%s?reservationId=%d" % (path, res["id"]), auth=host, headers={"Accept": "text/html"})
        assert page.status == 200 and ticket["code"] not in page.body and "4242" not in page.body, (path, page)
        # the guest still sees both; the host's own lists stay its own
        mine = stack.get("%s?reservationId=%d" % (path, res["id"]), auth=guest).json["items"]
        assert hidden is None or mine[0][hidden] in (ticket["code"], "4242"), (path, mine)
        assert key not in [x["id"] for x in stack.get(path, auth=host).json["items"]], path


def test_the_host_is_not_offered_a_cancellation_it_may_not_make(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    html = {"Accept": "text/html"}
    page = stack.get("/reservations/%d/cancel" % res["id"], auth=host, headers=html)
    assert page.status == 403 and "may cancel" in page.body, page
    assert stack.get("/reservations/%d/cancel" % res["id"], auth=guest, headers=html).status == 200
    assert stack.get("/reservations/%d/cancel" % res["id"], auth=other, headers=html).status == 404
    # the booking's page leads each back to where they came from: the guest to their
    # bookings, the host to the room's bookings (not to the host's own "My bookings")
    crumbs = lambda r: re.search(r'<p class="crumbs">(.*?)</p>', r.body).group(1)
    mine = stack.get("/reservations/%d" % res["id"], auth=guest, headers=html)
    assert mine.status == 200 and crumbs(mine) == '<a href="/mypage">My bookings</a>', mine
    hosts = stack.get("/reservations/%d" % res["id"], auth=host, headers=html)
    assert hosts.status == 200 and crumbs(hosts).startswith(
        '<a href="/reservations?roomId=%d">Bookings of ' % res["roomId"]), crumbs(hosts)


def test_another_account_gets_404_exactly_like_a_missing_one(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    for path, thing_id in (("/reservations/%d", res["id"]), ("/payments/%d", res["paymentId"]),
                           ("/tickets/%d", ticket["id"]), ("/messages/%d", msg["id"])):
        theirs = stack.get(path % thing_id, auth=other)
        missing = stack.get(path % 999999999, auth=other)
        problem(theirs, 404)
        problem(missing, 404)
        same_problem(theirs, missing)
        assert theirs.json["detail"] == missing.json["detail"].replace("999999999", str(thing_id)), (theirs, missing)


def test_lists_hide_other_accounts_bookings(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    for path in ("/payments", "/tickets", "/messages"):
        r = stack.get("%s?reservationId=%d" % (path, res["id"]), auth=other)
        assert r.status == 200 and r.json["items"] == [], (path, r)
    assert stack.get("/mypage", auth=other).json["reservations"] == []
    assert stack.get("/mypage?customer=guest", auth=other).json["reservations"] == []


def test_lists_are_the_callers_own(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    assert [x["id"] for x in stack.get("/payments", auth=guest).json["items"]] == [res["paymentId"]]
    assert [x["id"] for x in stack.get("/tickets", auth=guest).json["items"]] == [ticket["id"]]
    assert [x["id"] for x in stack.get("/messages", auth=guest).json["items"]] == [msg["id"]]
    rows = wait_until(lambda: stack.get("/mypage", auth=guest).json["reservations"], what="mypage")
    assert [x["reservationId"] for x in rows] == [res["id"]], rows


def test_a_user_cannot_widen_a_list_with_accountId(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    guest_id = stack.get("/account", auth=guest).json["id"]
    for path in ("/payments", "/tickets", "/messages", "/reservations", "/roomviews"):
        r = stack.get("%s?accountId=%d" % (path, guest_id), auth=other)
        assert r.status == 200 and r.json["items"] == [], (path, r)
    r = stack.get("/mypage?accountId=%d" % guest_id, auth=other)
    assert r.status == 200 and r.json["reservations"] == [], r


def test_an_admin_sees_everything_and_filters_by_account(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    admin, admin_tok = stack.new_account("Admin")
    make_admin(stack, admin)
    guest_id = stack.get("/account", auth=guest).json["id"]
    assert stack.get("/reservations/%d" % res["id"], auth=admin_tok).status == 200
    assert stack.get("/payments/%d" % res["paymentId"], auth=admin_tok).json["cardLast4"] == "4242"
    assert stack.get("/tickets/%d" % ticket["id"], auth=admin_tok).json["code"] == ticket["code"]
    assert stack.get("/messages/%d" % msg["id"], auth=admin_tok).status == 200
    for path, key in (("/payments", res["paymentId"]), ("/tickets", ticket["id"]), ("/messages", msg["id"]),
                      ("/reservations", res["id"])):
        everyone = stack.get(path + "?limit=100", auth=admin_tok).json["items"]
        assert key in [x["id"] for x in everyone], path
        only = stack.get("%s?limit=100&accountId=%d" % (path, guest_id), auth=admin_tok).json["items"]
        assert [x["id"] for x in only] == [key], (path, only)
    rows = wait_until(lambda: stack.get("/mypage?accountId=%d" % guest_id, auth=admin_tok).json["reservations"],
                      what="mypage")
    assert [x["reservationId"] for x in rows] == [res["id"]]
    # the page is the guest's: it names the guest's account, not the admin looking at it
    # (nor the name typed on the guest's last booking form)
    room = stack.get("/reservations/%d" % res["id"], auth=guest).json["roomId"]
    other_name = stack.post("/reservations", {"roomId": room, "checkIn": day(21), "customer": "Somebody Else"},
                            auth=guest)
    assert other_name.status == 201, other_name
    wait_until(lambda: len(stack.get("/mypage?accountId=%d" % guest_id, auth=admin_tok).json["reservations"]) == 2,
               what="mypage")
    page = stack.get("/mypage?accountId=%d" % guest_id, auth=admin_tok).json
    assert page["customer"] == stack.get("/account", auth=guest).json["name"] == "Guest", page
    assert page["customer"] != admin["name"], page


def test_cancel_rules(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    path = "/reservations/%d" % res["id"]
    problem(stack.request("DELETE", path, auth=host), 403)
    problem(stack.post(path + "/cancel", {}, auth=host), 403)
    problem(stack.request("PATCH", path, json={"status": "cancelled"}, auth=host), 403)
    theirs = stack.request("DELETE", path, auth=other)
    same_problem(theirs, stack.request("DELETE", "/reservations/999999999", auth=other))
    problem(theirs, 404)
    problem(stack.request("DELETE", path, auth=None), 401)
    assert stack.get(path, auth=guest).json["status"] == "confirmed"
    r = stack.request("DELETE", path, auth=guest)
    assert r.status == 200 and r.json["status"] == "cancelled", r


def test_an_admin_cancels_any_reservation(stack):
    host, guest, other, res, ticket, msg = booking(stack)
    admin, admin_tok = stack.new_account("Admin")
    make_admin(stack, admin)
    # the admin's view of someone else's booking leads to the room's bookings, not to its own
    page = stack.get("/reservations/%d" % res["id"], auth=admin_tok, headers={"Accept": "text/html"}).body
    assert '<p class="crumbs"><a href="/reservations?roomId=%d">' % res["roomId"] in page, page
    r = stack.request("DELETE", "/reservations/%d" % res["id"], auth=admin_tok)
    assert r.status == 200 and r.json["status"] == "cancelled", r


# ---- reviews ----

def stay_over(stack, guest, host):
    """A stay of guest's in a room of host's that ended yesterday: (room, reservation)."""
    room = new_room(stack, host)
    res = book(stack, guest, room["id"], check_in=day(0))
    db_exec(stack, "rooms", "UPDATE hold SET check_in = date('now', '-2 day') WHERE reservation_id = ?", (res["id"],))
    return room, res


def test_no_stay_no_review(stack):
    _, host = stack.new_account("Host")
    _, other = stack.new_account("Other")
    room = new_room(stack, host)
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 5}, auth=other), 403)
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 5}, auth=host), 403)
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 5}, auth=None), 401)


def test_no_review_before_check_out(stack):
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    room = new_room(stack, host)
    book(stack, guest, room["id"], check_in=day(0))
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 5}, auth=guest), 403)


def test_a_stay_that_ended_is_reviewed_once(stack):
    _, host = stack.new_account("Host")
    guest_acct, guest = stack.new_account("Guest")
    room, res = stay_over(stack, guest, host)
    r = stack.post("/rooms/%d/reviews" % room["id"], {"rating": 4, "content": "fine"}, auth=guest)
    assert r.status == 201 and r.json["rating"] == 4, r
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 5}, auth=guest), 403)
    problem(stack.post("/reviews", {"roomId": room["id"], "rating": 5}, auth=guest), 403)
    assert stack.get("/rooms/%d" % room["id"], auth=None).json["reviewCnt"] == 1


def test_another_account_cannot_review_someone_elses_stay(stack):
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    _, other = stack.new_account("Other")
    room, res = stay_over(stack, guest, host)
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 1}, auth=other), 403)


def test_a_cancelled_stay_cannot_be_reviewed(stack):
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    room = new_room(stack, host)
    res = book(stack, guest, room["id"], check_in=day(0))
    assert stack.request("DELETE", "/reservations/%d" % res["id"], auth=guest).status == 200
    wait_until(lambda: db_exec(stack, "rooms", "SELECT 1 FROM hold WHERE reservation_id = ? AND status != 'held'",
                               (res["id"],)), what="hold released")
    db_exec(stack, "rooms", "UPDATE hold SET check_in = date('now', '-2 day') WHERE reservation_id = ?", (res["id"],))
    problem(stack.post("/rooms/%d/reviews" % room["id"], {"rating": 1}, auth=guest), 403)


def review(stack, guest, host):
    room, res = stay_over(stack, guest, host)
    r = stack.post("/rooms/%d/reviews" % room["id"], {"rating": 3}, auth=guest)
    assert r.status == 201, r
    return r.json


def test_deleting_a_review(stack):
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    _, other = stack.new_account("Other")
    rv = review(stack, guest, host)
    problem(stack.request("DELETE", "/reviews/%d" % rv["id"], auth=other), 403)
    problem(stack.request("DELETE", "/reviews/%d" % rv["id"], auth=host), 403)
    problem(stack.request("DELETE", "/reviews/%d" % rv["id"], auth=None), 401)
    assert stack.request("DELETE", "/reviews/%d" % rv["id"], auth=guest).status == 204
    problem(stack.get("/reviews/%d" % rv["id"]), 404)


def test_a_deleted_reviews_id_is_never_given_again(stack):
    """A client that sends its DELETE again (its first answer lost) must not delete the
    review written since: the newest review's id used to come back to the next one."""
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    first = review(stack, guest, host)
    assert stack.request("DELETE", "/reviews/%d" % first["id"], auth=guest).status == 204
    second = review(stack, guest, host)
    assert second["id"] > first["id"], (first, second)
    problem(stack.request("DELETE", "/reviews/%d" % first["id"], auth=guest), 404)
    assert stack.get("/reviews/%d" % second["id"]).status == 200


def test_an_admin_deletes_any_review(stack):
    _, host = stack.new_account("Host")
    _, guest = stack.new_account("Guest")
    admin, admin_tok = stack.new_account("Admin")
    make_admin(stack, admin)
    rv = review(stack, guest, host)
    assert stack.request("DELETE", "/reviews/%d" % rv["id"], auth=admin_tok).status == 204


# ---- sign-in first ----

PROTECTED = [("GET", "/account"), ("GET", "/mypage"), ("GET", "/reservations"), ("GET", "/payments"),
             ("GET", "/tickets"), ("GET", "/messages"), ("GET", "/roomviews"), ("GET", "/account/tokens"),
             ("GET", "/rooms/new"), ("POST", "/rooms"), ("POST", "/reservations"), ("DELETE", "/sessions/current")]


def test_protected_routes_answer_401_to_scripts(stack):
    for method, path in PROTECTED:
        r = stack.request(method, path, json={} if method == "POST" else None, auth=None)
        problem(r, 401)
        assert r.header("WWW-Authenticate").startswith("Bearer"), (path, r.headers)


def test_a_caller_not_signed_in_hears_401_before_what_is_wrong_with_its_request(stack):
    """Malformed JSON, an unknown or malformed query parameter, a body of
    the wrong type: nobody is told what a route would make of it before signing in."""
    for method, path, body, ctype in [
            ("POST", "/rooms", b"{bad", "application/json"),
            ("POST", "/reservations", b'{"roomId":1,"roomId":2}', "application/json"),
            ("POST", "/rooms", b"hello", "text/plain"),
            ("GET", "/mypage?nosuch=1", None, None),
            ("GET", "/reservations?roomId=%zz", None, None),
            ("PATCH", "/rooms/1", b"[1]", "application/json")]:
        r = stack.request(method, path, body=body, headers={"Content-Type": ctype} if ctype else None, auth=None)
        problem(r, 401)
        assert r.header("WWW-Authenticate").startswith("Bearer"), (path, r.headers)
    # signed in, the same requests are told what is wrong
    _, tok = stack.new_account("Sender")
    problem(stack.request("POST", "/rooms", body=b"{bad", headers={"Content-Type": "application/json"}, auth=tok), 400)
    problem(stack.request("POST", "/rooms", body=b"hello", headers={"Content-Type": "text/plain"}, auth=tok), 415)
    problem(stack.get("/mypage?nosuch=1", auth=tok), 400)
    problem(stack.get("/reservations?roomId=%zz", auth=tok), 400)
    # a public route still reads what it is sent
    problem(stack.get("/rooms?nosuch=1", auth=None), 400)


def test_protected_pages_send_browsers_to_sign_in(stack):
    r = stack.get("/mypage?limit=5", auth=None, headers={"Accept": "text/html"})
    assert r.status == 303 and r.header("Location") == "/sign-in?next=%2Fmypage%3Flimit%3D5", r.headers
    r = stack.get("/account", auth=None, headers={"Accept": "text/html"})
    assert r.status == 303 and r.header("Location") == "/sign-in?next=%2Faccount", r.headers


def test_public_routes_need_no_account(stack):
    _, host = stack.new_account("Host")
    room = new_room(stack, host)
    for path in ("/", "/rooms", "/rooms/%d" % room["id"], "/rooms/%d/availability?from=%s&to=%s" % (
            room["id"], day(1), day(2)), "/rooms/%d/reviews" % room["id"], "/check/chkAndReqReserve?roomId=%d"
            % room["id"], "/health/live", "/health/rooms/ready", "/static/style.css"):
        assert stack.get(path, auth=None).status == 200, path
    for page in ("/sign-in", "/sign-up"):  # pages: for browsers (a JSON client gets 406)
        assert stack.get(page, auth=None, headers={"Accept": "text/html"}).status == 200, page


# ---- forged identity ----

FORGED = [{"X-Account-Id": "1"}, {"X-Account-Role": "admin", "X-Account-Id": "1"},
          {"Roombook-Account-Id": "1", "Roombook-Account-Role": "admin"},
          {"Authorization": "Bearer rbs_" + "0" * 64}, {"Authorization": "Bearer garbage"},
          {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Cookie": "rb_session=rbs_" + "1" * 64},
          {"Cookie": "rb_session=x"}, {"Cookie": "RB_SESSION=rbs_" + "1" * 64},
          {"X-Roombook-Secret": "anything", "X-Account-Id": "1"},
          # what the gateway's /_auth location (nginx.conf) sets itself for the identity check
          {"X-Rb-Remote-Addr": "127.0.0.1", "X-Rb-Https": "on", "X-Account-Id": "1"}]


def test_forged_identity_headers_give_no_identity(stack):
    for headers in FORGED:
        for path in ("/account", "/mypage", "/payments"):
            problem(stack.get(path, auth=None, headers=headers), 401)
        assert stack.get("/rooms", auth=None, headers=headers).status == 200, headers


def test_a_browser_behind_basic_auth_keeps_its_session(stack):
    """A staging site behind a proxy's HTTP Basic auth: the browser sends Authorization:
    Basic with every request, and its session cookie must still count (only a Bearer
    header speaks for the request instead of the cookie)."""
    account, token = stack.new_account("Behind a proxy")
    basic = {"Authorization": "Basic c3RhZ2luZzpzdGFnaW5n", "Cookie": "rb_session=" + token}
    r = stack.get("/account", auth=None, headers=basic)
    assert r.status == 200 and r.json["id"] == account["id"], r
    problem(stack.get("/account", auth=None, headers=dict(basic, Authorization="Bearer garbage")), 401)
    # still a session cookie: a write needs its form token
    r = stack.post("/rooms", {"name": "Staged", "capacity": 1}, auth=None, headers=basic)
    assert r.status == 403, r


def test_forged_headers_do_not_change_a_real_identity(stack):
    acct, tok = stack.new_account("Real")
    r = stack.get("/account", auth=tok, headers={"X-Account-Id": "1", "X-Account-Role": "admin",
                                                "Roombook-Account-Id": "1", "X-Rb-Remote-Addr": "10.0.0.1",
                                                "X-Rb-Https": "on"})
    assert r.status == 200 and r.json["id"] == acct["id"] and r.json["role"] == "user", r
    r = stack.get("/payments?accountId=1", auth=tok, headers={"X-Account-Role": "admin"})
    assert r.status == 200 and r.json["items"] == [], r


def test_an_identity_check_that_cannot_read_its_database_is_a_503_not_a_sign_out():
    # The credential table unreadable (renamed under the running service, which then
    # fails to run its prepared lookup): the request must fail as unavailable, never
    # pass as anonymous (a 401 would tell a signed-in guest they were signed out).
    with Stack(name="access-auth-db", env={"THREADS": "1"}) as s:
        _, tok = s.new_account("Reader")
        assert s.get("/account", auth=tok).status == 200  # the lookup is prepared now
        db_exec(s, "accounts", "ALTER TABLE credential RENAME TO credential_away")
        try:
            r = s.get("/account", auth=tok)
            assert r.status == 503 and r.header("Retry-After"), r
            assert s.get("/rooms", auth=None).status == 200  # anonymous reads go on
        finally:
            db_exec(s, "accounts", "ALTER TABLE credential_away RENAME TO credential")
        assert s.get("/account", auth=tok).status == 200


def test_large_cookies_do_not_fail_the_identity_check(stack):
    # Three 7 KB Cookie lines (nginx joins them for the check) beside a real token: the
    # whole head nginx takes from a client reaches accounts' identity check.
    acct, tok = stack.new_account("Crumbs")
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    conn.putrequest("GET", "/account")
    conn.putheader("Accept", "application/json")
    conn.putheader("Authorization", "Bearer " + tok)
    for k in range(3):
        conn.putheader("Cookie", "c%d=%s" % (k, "x" * 7000))
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    assert r.status == 200 and json.loads(body)["id"] == acct["id"], (r.status, body[:200])


def test_the_identity_check_is_not_reachable_from_outside(stack):
    for path in ("/_auth", "/_auth/", "//_auth", "/%5Fauth"):
        problem(stack.get(path, auth=None), 404)
        problem(stack.get(path), 404)
    r = stack.get("/_auth", internal=True)
    assert r.status == 404, r


def test_the_internal_listener_serves_no_public_route_and_no_foreign_name(stack):
    # a page whose name a DNS rebinding points at 127.0.0.1 reached sign-up and sign-in
    # there, without the public port's request limit (and read the metrics)
    signup = {"email": "rebind-%d@example.com" % os.getpid(), "password": PASSWORD, "name": "Rebind"}
    for method, path, body in (("POST", "/accounts", signup), ("POST", "/sessions", signup), ("GET", "/rooms", None),
                               ("GET", "/", None), ("GET", "/sign-in", None), ("GET", "/mypage", None)):
        r = stack.request(method, path, json=body, internal=True, auth=None)
        assert r.status == 404, (method, path, r)
    assert stack.post("/sessions", {"email": signup["email"], "password": PASSWORD}, auth=None).status == 401
    for host in ("rebind.evil.example", "rebind.evil.example:%d" % stack.internal_port, "127.0.0.1.evil.example"):
        for path in ("/metrics/rooms", "/health/rooms/ready", "/internal/holds/1", "/accounts"):
            r = stack.request("GET", path, internal=True, headers={"Host": host})
            assert r.status == 421, (host, path, r)
    # what the listener is for still works under a loopback name
    for host in ("127.0.0.1:%d" % stack.internal_port, "localhost:%d" % stack.internal_port, "LOCALHOST"):
        assert stack.request("GET", "/metrics/rooms", internal=True, headers={"Host": host}).status == 200, host
        assert stack.request("GET", "/health/rooms/ready", internal=True, headers={"Host": host}).status == 200, host


def test_internal_routes_are_hidden_on_the_public_port(stack):
    problem(stack.post("/internal/holds", {}, headers={"X-Roombook-Secret": stack.secret()}), 404)
    problem(stack.post("/internal/payments", {}, headers={"X-Roombook-Secret": stack.secret()}), 404)


def holds_count(stack):
    return db_exec(stack, "rooms", "SELECT count(*) FROM hold")[0][0]


def payments_count(stack):
    return db_exec(stack, "payments", "SELECT count(*) FROM payment")[0][0]


def test_internal_calls_without_the_secret_are_refused(stack):
    _, host = stack.new_account("Host")
    room = new_room(stack, host)
    hold = {"roomId": room["id"], "reservationId": 987654, "checkIn": day(30), "nights": 1, "guests": 1}
    pay = {"reservationId": 987654, "amount": 1000, "card": "4242424242424242", "currency": "EUR"}
    holds, pays = holds_count(stack), payments_count(stack)
    for headers in ({}, {"X-Roombook-Secret": "0" * 64}, {"X-Roombook-Secret": stack.secret()[:-1]},
                    {"X-Roombook-Secret": stack.secret() + "0"}):
        r = stack.post("/internal/holds", hold, internal=True, auth=None, headers=headers)
        assert r.status in (403, 404), r
        r = stack.post("/internal/payments", pay, internal=True, auth=None, headers=headers)
        assert r.status in (403, 404), r
    # a web page on this machine posting a form (no custom headers possible)
    for path, body in (("/internal/holds", hold), ("/internal/payments", pay)):
        r = stack.post(path, form={k: str(v) for k, v in body.items()}, internal=True, auth=None,
                       headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        assert r.status in (403, 404), r
        r = stack.post(path, body=json.dumps(body), internal=True, auth=None,
                       headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
        assert r.status in (403, 404, 415), r
    assert (holds_count(stack), payments_count(stack)) == (holds, pays)


def test_internal_calls_with_the_secret_work(stack):
    _, host = stack.new_account("Host")
    room = new_room(stack, host)
    holds = holds_count(stack)
    r = stack.post("/internal/holds", {"roomId": room["id"], "reservationId": 987655, "checkIn": day(30),
                                       "nights": 1, "guests": 1}, internal=True)
    assert r.status in (200, 201), r
    assert holds_count(stack) == holds + 1


def test_secrets_and_databases_are_private_files(stack):
    assert stat.S_IMODE(os.stat(stack.var).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(stack.var, "secret")).st_mode) == 0o600
    dbdir = os.path.join(stack.var, "db")
    assert stat.S_IMODE(os.stat(dbdir).st_mode) & 0o077 == 0
    files = [f for f in os.listdir(dbdir)]
    assert any(f.endswith(".db") for f in files)
    for f in files:
        mode = stat.S_IMODE(os.stat(os.path.join(dbdir, f)).st_mode)
        assert mode & 0o077 == 0, (f, oct(mode))


def test_services_run_unprivileged_when_started_as_root(stack):
    if os.geteuid() != 0:
        return
    import pwd
    uid = pwd.getpwnam("roombook").pw_uid
    for program in ("accounts", "rooms", "payments", "worker"):
        pids = stack.pids(program)
        assert pids, program
        for pid in pids:
            with open("/proc/%d/status" % pid) as f:
                uids = [line.split()[1:] for line in f if line.startswith("Uid:")][0]
            assert set(uids) == {str(uid)}, (program, uids)


# ---- the gateway ----

def test_a_foreign_host_is_421(stack):
    r = stack.get("/rooms", headers={"Host": "evil.example"})
    problem(r, 421)
    r = stack.get("/rooms", headers={"Host": "evil.example", "Accept": "text/html"})
    assert r.status == 421 and r.header("Content-Type").startswith("text/html"), r


def security_headers(r):
    assert r.header("X-Content-Type-Options") == "nosniff", (r, r.headers)
    assert r.header("Referrer-Policy"), r.headers


def test_security_headers_everywhere(stack):
    security_headers(stack.get("/rooms"))
    security_headers(stack.get("/static/style.css"))
    security_headers(stack.get("/nowhere/at/all"))
    security_headers(stack.get("/rooms", headers={"Host": "evil.example"}))
    security_headers(stack.post("/rooms", {}, auth=None))
    page = stack.get("/rooms", headers={"Accept": "text/html"})
    security_headers(page)
    csp = page.header("Content-Security-Policy")
    assert csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, csp
    for r in (stack.get("/nowhere", headers={"Accept": "text/html"}),
              stack.get("/mypage", auth=None, headers={"Accept": "text/html"}),
              stack.get("/sign-in", auth=None, headers={"Accept": "text/html"})):
        security_headers(r)
        if (r.header("Content-Type") or "").startswith("text/html"):
            assert "frame-ancestors 'none'" in r.header("Content-Security-Policy"), r.headers


def test_range_not_satisfiable_is_a_problem(stack):
    r = stack.get("/static/style.css", headers={"Range": "bytes=999999-"})
    problem(r, 416)
    # Known: nginx adds /static/'s headers before its range filter answers 416, then the
    # error page adds its own, so this answer carries each header twice ("nosniff, nosniff").
    assert "nosniff" in r.header("X-Content-Type-Options") and r.header("Referrer-Policy"), r.headers


def test_nginx_forbidden_is_a_problem(stack):
    # a directory of static files has no index: nginx answers 403 itself
    r = stack.get("/static/")
    problem(r, r.status if r.status in (403, 404) else 403)
    security_headers(r)


def raw(stack, data, wait=0.0, timeout=10):
    s = socket.create_connection(("127.0.0.1", stack.port), timeout=timeout)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


def test_a_stalled_body_ends_the_request_and_reaches_no_service():
    """nginx never answers a body timeout: it finalizes the request with 408, which it
    only logs, and closes the connection (ngx_http_finalize_request terminates a
    NGX_HTTP_REQUEST_TIME_OUT without a response, so error_page cannot turn it into a
    problem+json). What we can hold it to: the stall ends at BODY_TIMEOUT, nothing reaches
    the service, and the log says 408."""
    from stack import Stack
    with Stack(name="access-timeout", env={"BODY_TIMEOUT": "1s"}) as st:
        before = st.get("/rooms?limit=100").json["items"]
        t0 = time.time()
        out = raw(st, b"POST /rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
                      b"Content-Type: application/json\r\nAuthorization: Bearer " + st.token.encode() +
                      b"\r\nContent-Length: 100\r\n\r\n{\"name\":\"x", timeout=15)
        took = time.time() - t0
        assert out == b"" and took < 5, (out[:300], took)
        assert st.get("/rooms?limit=100").json["items"] == before
        wait_until(lambda: 'req="POST /rooms HTTP/1.1" status=408' in st.logs("access"), what="408 in the access log")


def test_the_identity_check_comes_back_after_the_gateway_is_killed():
    # A SIGKILLed gateway comes back, signed-in requests with it: nothing the gateway
    # binds itself (such as a unix socket of its own, which nginx will not bind over
    # once a killed master left it behind) stands in the way.
    with Stack(name="access-gateway-kill9") as s:
        assert s.get("/account").status == 200

        def masters():
            # A process a master has just forked carries the master's title until it
            # names itself ("worker process"): a master is one whose parent is no nginx.
            found = set()
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        argv = f.read().decode(errors="replace")
                    with open("/proc/%s/stat" % pid) as f:
                        ppid = f.read().rsplit(")", 1)[1].split()[1]
                    with open("/proc/%s/comm" % ppid) as f:
                        parent = f.read().strip()
                except (OSError, IndexError):
                    continue
                if argv.startswith("nginx: master") and s.var in argv and parent != "nginx":
                    found.add(int(pid))
            return found

        def served():
            try:
                return s.get("/account").status == 200
            except OSError:  # no nginx listening for a moment
                return False
        old = masters()
        assert len(old) == 1, old
        os.kill(min(old), signal.SIGKILL)
        # The killed master's workers answer until scripts/stack ends them: wait for a new
        # master (one that bound every socket: nginx names itself master only then).
        new = wait_until(lambda: (masters() - old) if served() else None, timeout=20,
                         what="a new nginx master serving signed-in requests")
        time.sleep(1)
        assert served() and masters() == new, (masters(), new)
