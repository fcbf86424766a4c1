"""Every kind of HTML page, fetched as a browser does (Accept: text/html), is valid HTML5
according to `tidy -errors -quiet`: any tidy error fails the page's test, and so do the
warnings that mean broken structure (STRUCTURAL); other warnings are printed. One test
per page so a report names the broken page; each page is kept in tests/out/html/."""
import datetime
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.parse

from stack import OUT, wait_until

# tidy 5.6 predates these (valid in the HTML living standard): not shown as warnings.
TIDY_GAPS = re.compile(r'proprietary attribute "(inputmode|autofocus|minlength|aria-current)"')
# tidy reports broken structure (a stray or unclosed tag, a duplicate id) only as a
# "Warning": these fail like errors do.
STRUCTURAL = re.compile(r"discarding unexpected|missing </|already defined|isn't allowed in|is not recognized")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CUSTOMER = "html-check@example.com"
_fixture = {}


def _setup(stack):
    """One room with a reservation (ticket issued, payment, message), one whose stay is
    over (review form), a rated and an unrated review, and a csrf token."""
    if _fixture.get("var") == stack.var:
        return _fixture
    room = stack.post("/rooms", json={"name": "Valid <HTML> & room", "desc": "Quotes \" and 'apostrophes'",
                                      "capacity": 2, "price": 1250})
    assert room.status == 201, room
    rid = room.json["id"]
    res = stack.post("/reservations", json={"roomId": rid, "customer": CUSTOMER, "nights": 2, "guests": 1,
                                            "card": "4242424242424242"})
    assert res.status == 201, res
    resid = res.json["id"]
    wait_until(lambda: any(x.get("ticketCode") for x in (stack.get(
        "/mypage?customer=" + urllib.parse.quote(CUSTOMER)).json or {}).get("reservations", [])),
        what="the ticket on mypage")
    # Two stays moved into the past (a review each: one rated, one not).
    past, past2 = [stack.post("/reservations", json={
        "roomId": rid, "customer": CUSTOMER, "card": "4242424242424242",
        "checkIn": (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=d)).isoformat()})
        for d in (10, 11)]
    assert past.status == 201 and past2.status == 201, (past, past2)
    for ids in ((past.json["id"],), (past2.json["id"],)):
        db = sqlite3.connect(os.path.join(stack.var, "db", "reservations.db"), timeout=10)
        with db:
            db.execute("UPDATE reservation SET check_in = date('now', '-3 days'), check_out = date('now', '-2 days') "
                       "WHERE id = ?", ids)
        db.close()
        db = sqlite3.connect(os.path.join(stack.var, "db", "rooms.db"), timeout=10)
        with db:  # the hold says who stayed when, and so who may review
            db.execute("UPDATE hold SET check_in = date('now', '-3 days'), nights = 1 WHERE reservation_id = ?", ids)
        db.close()
    page = stack.get("/rooms/%d" % rid, headers=BROWSER)
    token = re.search(r"csrf=([0-9a-f]{32})", page.header("set-cookie") or "")
    assert token, "an HTML page sets the csrf cookie: %r" % page.header("set-cookie")
    rated = stack.post("/rooms/%d/reviews" % rid, json={"rating": 4, "content": "Quiet <b>room</b> & \"clean\""})
    assert rated.status == 201, rated
    unrated = stack.post("/reviews", json={"roomId": rid})
    assert unrated.status == 201, unrated
    assert unrated.json.get("rating") is None, unrated

    def first_id(path):
        items = (stack.get(path).json or {}).get("items") or []
        return items[0]["id"] if items else None
    payment = wait_until(lambda: first_id("/payments?reservationId=%d" % resid), what="the payment")
    # A booking cancelled at once: its payment refunded (the refund receipt), its ticket voided.
    gone = stack.post("/reservations", json={"roomId": rid, "customer": CUSTOMER, "checkIn": (
        datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=20)).isoformat(),
        "card": "4242424242424242"})
    assert gone.status == 201, gone
    assert stack.post("/reservations/%d/cancel" % gone.json["id"]).status == 200
    refunded = wait_until(lambda: (stack.get("/payments/%d" % gone.json["paymentId"]).json or {}).get(
        "status") == "refunded" and gone.json["paymentId"], what="the refund")
    ticket = wait_until(lambda: first_id("/tickets?reservationId=%d" % resid), what="the ticket")
    message = wait_until(lambda: first_id("/messages?reservationId=%d" % resid), what="the confirmation message")
    wait_until(lambda: any(x.get("roomId") == rid and x.get("reviewCnt") == 2 for x in
                           (stack.get("/roomviews?limit=100").json or {}).get("items", [])),
               what="the room view with both reviews")
    free_room = stack.post("/rooms", json={"name": "Free <hall>", "capacity": 3, "price": 0}).json["id"]
    _fixture.update(var=stack.var, room=rid, free_room=free_room, reservation=resid, past=past.json["id"], csrf=token.group(1),
                    review=rated.json["id"], review_unrated=unrated.json["id"], payment=payment, ticket=ticket,
                    message=message, refunded=refunded, cancelled=gone.json["id"])
    return _fixture


def _day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


def _form_post(stack, path, fields, auth="default"):
    f = _fixture
    return stack.request("POST", path, form=dict(fields, _csrf=f["csrf"]),
                         headers=dict(BROWSER, Cookie="csrf=%s" % f["csrf"]), auth=auth)


def _live_link(stack, prefix, insert, page):
    """A live e-mailed link, made in accounts.db as the route that sends it makes one
    (this stack sends no e-mail: insert takes the secret's hash); its page."""
    import hashlib
    token = prefix + os.urandom(32).hex()
    db = sqlite3.connect(os.path.join(stack.var, "db", "accounts.db"), timeout=10)
    with db:
        db.execute(insert, (hashlib.sha256(token.encode()).hexdigest(),))
    db.close()
    return stack.get(page + "?token=" + token, headers=BROWSER, auth=None)


def _reset_link(stack):
    """A forgotten password's link (POST /password-reset)."""
    return _live_link(stack, "rbr_", "INSERT INTO password_reset(account_id, hash, created_s, expires_s) "
                      "SELECT min(id), ?, strftime('%s','now'), strftime('%s','now') + 3600 FROM account",
                      "/password-reset/new")


def _email_change_link(stack):
    """A link confirming a new address (POST /account/email)."""
    return _live_link(stack, "rbe_", "INSERT INTO email_change(account_id, new_email, new_key, hash, created_s, "
                      "expires_s) SELECT min(id), 'new.<b>address@example.com', 'new.<b>address@example.com', ?, "
                      "strftime('%s','now'), strftime('%s','now') + 3600 FROM account", "/account/email/confirm")


def _signed_in_elsewhere(stack):
    """The account page of an account signed in twice (its "Signed in elsewhere" part)."""
    from stack import PASSWORD
    acct, tok = stack.new_account("Elsewhere")
    assert stack.post("/sessions", {"email": acct["email"], "password": PASSWORD}, auth=None).status == 201
    return stack.get("/account", headers=BROWSER, auth=tok)


# name -> (how to fetch it, expected status). f is the fixture.
PAGES = {
    "home": (lambda s, f: s.get("/", headers=BROWSER), 200),
    "rooms": (lambda s, f: s.get("/rooms", headers=BROWSER), 200),
    "room": (lambda s, f: s.get("/rooms/%d" % f["room"], headers=BROWSER), 200),
    "room_new": (lambda s, f: s.get("/rooms/new", headers=BROWSER), 200),
    "room_edit": (lambda s, f: s.get("/rooms/%d/edit" % f["room"], headers=BROWSER), 200),
    "room_delete": (lambda s, f: s.get("/rooms/%d/delete" % f["room"], headers=BROWSER), 200),
    "room_availability": (lambda s, f: s.get("/rooms/%d/availability" % f["room"], headers=BROWSER), 200),
    "room_availability_bad_dates": (lambda s, f: s.get("/rooms/%d/availability?from=2027-02-30&to=x" % f["room"],
                                                       headers=BROWSER), 400),
    "reservation": (lambda s, f: s.get("/reservations/%d" % f["reservation"], headers=BROWSER), 200),
    "reservation_after_stay": (lambda s, f: s.get("/reservations/%d" % f["past"], headers=BROWSER), 200),
    "reservations_of_room": (lambda s, f: s.get("/reservations?roomId=%d" % f["room"], headers=BROWSER), 200),
    "reservations": (lambda s, f: s.get("/reservations", headers=BROWSER), 200),
    "reservation_cancel": (lambda s, f: s.get("/reservations/%d/cancel" % f["reservation"], headers=BROWSER), 200),
    "reservation_cancel_cancelled": (lambda s, f: s.get("/reservations/%d/cancel" % f["cancelled"], headers=BROWSER),
                                     200),
    "room_signed_out": (lambda s, f: s.get("/rooms/%d" % f["room"], headers=BROWSER, auth=None), 200),
    "mypage": (lambda s, f: s.get("/mypage", headers=BROWSER), 200),
    "sign_in": (lambda s, f: s.get("/sign-in?next=%2Fmypage", headers=BROWSER, auth=None), 200),
    "sign_in_failed": (lambda s, f: _form_post(s, "/sign-in", {
        "email": "nobody@example.com", "password": "not the password", "_next": "/mypage"}, auth=None), 401),
    "sign_up": (lambda s, f: s.get("/sign-up?next=%2Frooms", headers=BROWSER, auth=None), 200),
    "sign_up_with_errors": (lambda s, f: _form_post(s, "/sign-up", {
        "name": "Ann <b>", "email": "not-an-email", "password": "short", "_next": "/rooms"}, auth=None), 422),
    "account": (lambda s, f: s.get("/account", headers=BROWSER), 200),
    "token_new": (lambda s, f: _form_post(s, "/account/tokens", {"name": "html <check>"}), 201),
    "account_signed_in_elsewhere": (lambda s, f: _signed_in_elsewhere(s), 200),
    "account_edit": (lambda s, f: s.get("/account/edit", headers=BROWSER), 200),
    "account_edit_with_errors": (lambda s, f: _form_post(s, "/account/edit", {"name": "a\nb <i>"}), 422),
    "account_password": (lambda s, f: s.get("/account/password", headers=BROWSER), 200),
    "account_email_mail_off": (lambda s, f: s.get("/account/email", headers=BROWSER), 200),
    "account_email_confirm": (lambda s, f: _email_change_link(s), 200),
    "account_email_link_gone": (lambda s, f: s.get("/account/email/confirm?token=rbe_" + "0" * 64, headers=BROWSER,
                                                   auth=None), 404),
    "password_reset": (lambda s, f: s.get("/password-reset", headers=BROWSER, auth=None), 200),
    "password_reset_with_errors": (lambda s, f: _form_post(s, "/password-reset", {"email": "not <an> address"},
                                                           auth=None), 422),
    "password_reset_choose": (lambda s, f: _reset_link(s), 200),
    "password_reset_link_gone": (lambda s, f: s.get("/password-reset/new?token=rbr_" + "0" * 64, headers=BROWSER,
                                                    auth=None), 404),
    "account_password_with_errors": (lambda s, f: _form_post(s, "/account/password", {
        "currentPassword": "", "newPassword": "short"}), 422),
    "booking_form_with_errors": (lambda s, f: _form_post(s, "/reservations", {
        "roomId": f["room"], "checkIn": "not-a-date", "nights": "0", "guests": "1", "customer": "x", "card": ""}), 422),
    "home_search": (lambda s, f: s.get("/?checkIn=%s&checkOut=%s&guests=2" % (_day(30), _day(32)), headers=BROWSER), 200),
    "home_search_with_errors": (lambda s, f: s.get("/?checkIn=%s&checkOut=%s&guests=0" % (_day(32), _day(30)),
                                                   headers=BROWSER), 400),
    "room_with_stay": (lambda s, f: s.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=2" % (f["room"], _day(30), _day(32)),
                                          headers=BROWSER), 200),
    "room_with_stay_errors": (lambda s, f: s.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=9" % (
        f["room"], _day(30), _day(29)), headers=BROWSER), 400),
    "check_your_answers": (lambda s, f: s.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=2&customer=%s" % (
        f["room"], _day(30), _day(32), urllib.parse.quote("Ann <b> & co")), headers=BROWSER), 200),
    "check_your_answers_free": (lambda s, f: s.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (
        f["free_room"], _day(30), _day(32)), headers=BROWSER), 200),
    "booking_declined": (lambda s, f: _form_post(s, "/reservations", {
        "roomId": f["room"], "checkIn": _day(33), "checkOut": _day(34), "guests": "1", "customer": "x",
        "card": "4000000000000002"}), 402),
    "booking_sold_out": (lambda s, f: _form_post(s, "/reservations", {
        "roomId": f["room"], "checkIn": _day(35), "checkOut": _day(36), "guests": "3", "customer": "x",
        "card": "4242424242424242"}), 409),
    "confirmation": (lambda s, f: s.get("/reservations/%d/confirmation" % f["reservation"], headers=BROWSER), 200),
    "room_form_with_errors": (lambda s, f: _form_post(s, "/rooms", {"name": "", "desc": "", "capacity": "0"}), 422),
    "error_403_no_csrf": (lambda s, f: s.request("POST", "/rooms", form={"name": "x"}, headers=BROWSER), 403),
    "payments": (lambda s, f: s.get("/payments", headers=BROWSER), 200),
    "payments_next_page": (lambda s, f: s.get("/payments?limit=1", headers=BROWSER), 200),
    "payment": (lambda s, f: s.get("/payments/%d" % f["payment"], headers=BROWSER), 200),
    "tickets": (lambda s, f: s.get("/tickets", headers=BROWSER), 200),
    "ticket": (lambda s, f: s.get("/tickets/%d" % f["ticket"], headers=BROWSER), 200),
    "receipt": (lambda s, f: s.get("/payments/%d/receipt" % f["payment"], headers=BROWSER), 200),
    "receipt_refunded": (lambda s, f: s.get("/payments/%d/receipt" % f["refunded"], headers=BROWSER), 200),
    "refund_receipt": (lambda s, f: s.get("/payments/%d/refund-receipt" % f["refunded"], headers=BROWSER), 200),
    "reservation_not_found_by_reference": (lambda s, f: s.get("/reservations?reference=RB-222222",
                                                              headers=BROWSER), 404),
    "messages": (lambda s, f: s.get("/messages", headers=BROWSER), 200),
    "messages_empty": (lambda s, f: s.get("/messages?customer=nobody%40example.com", headers=BROWSER), 200),
    "message": (lambda s, f: s.get("/messages/%d" % f["message"], headers=BROWSER), 200),
    "roomviews": (lambda s, f: s.get("/roomviews", headers=BROWSER), 200),
    "review": (lambda s, f: s.get("/reviews/%d" % f["review"], headers=BROWSER), 200),
    "review_unrated": (lambda s, f: s.get("/reviews/%d" % f["review_unrated"], headers=BROWSER), 200),
    "error_404_service": (lambda s, f: s.get("/rooms/999999", headers=BROWSER), 404),
    "error_404_nginx": (lambda s, f: s.get("/internal/nope", headers=BROWSER), 404),
    "error_404_unserved": (lambda s, f: s.get("/nope", headers=BROWSER), 404),
}


def _check(stack, name):
    assert shutil.which("tidy"), "tidy is not installed (apt-get install tidy; it is in the Makefile's PACKAGES)"
    f = _setup(stack)
    fetch, status = PAGES[name]
    r = fetch(stack, f)
    assert r.status == status, "%s: status %d, wanted %d: %s" % (name, r.status, status, r.body[:300])
    ctype = r.header("content-type") or ""
    assert ctype.startswith("text/html"), "%s: Content-Type %r, wanted text/html: %s" % (name, ctype, r.body[:300])
    os.makedirs(os.path.join(OUT, "html"), exist_ok=True)
    with open(os.path.join(OUT, "html", name + ".html"), "w") as out:
        out.write(r.body)
    t = subprocess.run(["tidy", "-errors", "-quiet", "--show-warnings", "yes", "-utf8"],
                       input=r.body.encode(), capture_output=True, timeout=30)
    report = "\n".join(x for x in t.stderr.decode("utf-8", "replace").strip().splitlines()
                       if not TIDY_GAPS.search(x))
    if t.returncode >= 2 or STRUCTURAL.search(report):
        raise AssertionError("%s is not valid HTML (tidy, saved in tests/out/html/%s.html):\n%s"
                             % (name, name, report))
    if report:
        print("  tidy warnings on %s:\n    %s" % (name, report.replace("\n", "\n    ")))


def _make(name):
    def test(stack):
        _check(stack, name)
    test.__name__ = test.__qualname__ = "test_html_" + name
    test.__module__ = __name__
    return test


for _name in PAGES:
    globals()["test_html_" + _name] = _make(_name)
del _name


def test_the_cancel_step_of_a_cancelled_booking_says_so(stack):
    """The confirm step of a booking already cancelled asks nothing and offers no form:
    it says the booking is cancelled (not that it can no longer be)."""
    f = _setup(stack)
    page = PAGES["reservation_cancel_cancelled"][0](stack, f)
    assert page.status == 200 and "already cancelled" in page.body, page
    assert re.search(r"(refund of|payment of) [\d,.]+ EUR (is on its way|was refunded)", page.body), page.body
    assert "Yes, cancel it" not in page.body and "?</h1>" not in page.body, page
    live = PAGES["reservation_cancel"][0](stack, f)
    assert "Yes, cancel it" in live.body and "already cancelled" not in live.body, live
