"""Accounts, sessions, API tokens, slowed sign-ins and cross-site forgery (SPEC §6),
one behaviour per test, against the real stack."""
import os
import re
import subprocess
import time
import urllib.parse

from access_support import new_room, problem
from stack import PASSWORD, Stack

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}

_n = [0]


def email(tag="acct"):
    _n[0] += 1
    return "%s-%d-%d-%d@example.com" % (tag, os.getpid(), int(time.time() * 1000) % 100000, _n[0])


def sign_up(stack, address=None, password=PASSWORD, name="Ann"):
    return stack.post("/accounts", {"email": address or email(), "password": password, "name": name}, auth=None)


def sign_in(stack, address, password=PASSWORD, **kw):
    return stack.post("/sessions", {"email": address, "password": password}, auth=None, **kw)


def without_request_id(r):
    return {k: v for k, v in r.json.items() if k not in ("requestId", "instance")}


# ---- accounts ----

def test_sign_up_and_sign_in(stack):
    address = email()
    r = sign_up(stack, address)
    assert r.status == 201 and r.json["email"] == address and r.json["role"] == "user", r
    s = sign_in(stack, address)
    assert s.status == 201 and s.json["token"].startswith("rbs_") and s.json["expiresAt"], s
    assert s.json["account"]["id"] == r.json["id"]
    me = stack.get("/account", auth=s.json["token"])
    assert me.status == 200 and me.json["id"] == r.json["id"], me


def test_spaces_around_an_email_or_a_name_are_not_part_of_it(stack):
    # A phone keyboard puts a space after the address it suggests: that is no reason for
    # "the email or the password is not right".
    address = email("Space")
    r = sign_up(stack, "  %s \t" % address, name=" Ann Lee \n")
    assert r.status == 201 and r.json["email"] == address and r.json["name"] == "Ann Lee", r
    for typed in (address + " ", " " + address + "  ", address.upper() + "\n"):
        assert sign_in(stack, typed).status == 201, typed
    problem(sign_up(stack, address + "  "), 409)
    room = new_room(stack, stack.new_account("Host")[1], name="  Sea view \r\n")
    assert room["name"] == "Sea view", room


def test_an_account_without_a_name_never_shows_its_email_to_hosts(stack):
    """Signed up without a name (or an empty one), an account is named by its address's
    local part, not by the address: a booking's guest name defaults to the account's name,
    and the host sees it on the booking and its messages."""
    from access_support import book
    for sent in ({}, {"name": ""}, {"name": "  "}):
        address = email("nameless")
        r = stack.post("/accounts", dict({"email": address, "password": PASSWORD}, **sent), auth=None)
        assert r.status == 201 and r.json["name"] == address.split("@")[0], (sent, r)
    guest = sign_in(stack, address).json["token"]
    _, host = stack.new_account("Host of the nameless")
    room = new_room(stack, host)
    booked = book(stack, guest, room["id"])
    assert booked["customer"] == address.split("@")[0], booked
    seen = stack.get("/reservations/%d" % booked["id"], auth=host)
    assert seen.status == 200 and address not in seen.body, seen
    listed = stack.get("/reservations?roomId=%d" % room["id"], auth=host)
    assert listed.status == 200 and address not in listed.body, listed


def test_the_name_migration_names_accounts_by_the_local_part():
    """schema/accounts/002: accounts named by their address before (the old default) are
    named by its local part; a name someone chose, even one with an @, is kept."""
    import shutil
    import sqlite3
    import tempfile
    from stack import ROOT
    binary = os.path.join(os.environ.get("BIN", os.path.join(ROOT, "build", "release", "bin")), "accounts")
    with tempfile.TemporaryDirectory(prefix="rb-migrate-") as tmp:
        root, var = os.path.join(tmp, "root"), os.path.join(tmp, "var")
        shutil.copytree(os.path.join(ROOT, "schema"), os.path.join(root, "schema"))
        new = os.path.join(root, "schema", "accounts", "002-name-is-not-the-email.sql")
        os.rename(new, new + ".later")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOMBOOK_ROOT": root, "ROOMBOOK_VAR": var}
        migrate = lambda: subprocess.run([binary, "--migrate"], env=env, capture_output=True, text=True, timeout=60)
        assert migrate().returncode == 0
        db = sqlite3.connect(os.path.join(var, "db", "accounts.db"))
        with db:
            for i, (mail, name) in enumerate((("ann.lee@example.com", "ann.lee@example.com"),
                                              ("bo@example.com", "Bo"), ("cy@example.com", "me@home"))):
                db.execute("INSERT INTO account(id, email, email_key, name, password_hash, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, 'x', '2026-01-01', '2026-01-01')", (i + 1, mail, mail, name))
        db.close()
        os.rename(new + ".later", new)
        r = migrate()
        assert r.returncode == 0, r.stderr
        db = sqlite3.connect(os.path.join(var, "db", "accounts.db"))
        names = [row[0] for row in db.execute("SELECT name FROM account ORDER BY id")]
        db.close()
        assert names == ["ann.lee", "Bo", "me@home"], names


def test_email_is_unique_case_insensitively(stack):
    address = email("Case")
    assert sign_up(stack, address).status == 201
    problem(sign_up(stack, address.upper()), 409)
    problem(sign_up(stack, address.lower()), 409)
    assert sign_in(stack, address.upper()).status == 201
    # Letters with accents change case beyond ASCII (Ü/ü), and no e-mail could be sent to
    # such an address (SMTP without SMTPUTF8): refused, never two accounts for one address.
    for accented in ("\u00fc%s" % address, "\u00dc%s" % address, address.replace("@", "@\u00e9")):
        r = sign_up(stack, accented)
        problem(r, 422)
        assert [e["field"] for e in r.json["errors"]] == ["email"] and "no accents" in r.json["errors"][0]["message"], r
    for odd in ('"quoted"%s' % address, "a,b%s" % address, "<%s>" % address):
        problem(sign_up(stack, odd), 422)


def test_short_password_is_422(stack):
    r = sign_up(stack, password="short1234")
    problem(r, 422)
    assert [e["field"] for e in r.json["errors"]] == ["password"], r


def test_common_passwords_are_422(stack):
    for pw in ("password123", "1234567890", "Password123", "qwertyuiop"):
        r = sign_up(stack, password=pw)
        problem(r, 422)
        assert any(e["field"] == "password" for e in r.json["errors"]), r


def test_common_passwords_in_disguise_are_422(stack):
    # leaked-password favourites the list alone let through: a block typed twice, a
    # common word with digits and symbols around it or letters swapped for look-alikes,
    # digits with a letter or two, the account's own name with a year
    for pw in ("passwordpassword", "qwertyqwerty", "123123123123", "1234512345", "trustno1trustno1",
               "Password123!", "passw0rd!!", "P@$$w0rd2026", "Welcome2026!", "!!Sunshine99", "Aa123456789",
               "2026-12-03!!", "Greta-2026!"):
        r = sign_up(stack, password=pw, name="Greta")
        problem(r, 422)
        assert [e["field"] for e in r.json["errors"]] == ["password"], (pw, r)
    r = sign_up(stack, address="greta.b@example.com", password="greta.b 2026", name="Ann")
    problem(r, 422)


def test_passwords_people_make_up_are_accepted(stack):
    for pw in ("correct horse battery staple", "Tr0ub4dor&3x", "my cat eats 9 plums", "zebra lamp ocean 7",
               "Greta loves the sea"):
        r = sign_up(stack, password=pw, name="Greta")
        assert r.status == 201, (pw, r)


def test_the_password_is_never_echoed(stack):
    secret = "Never Echo This 0xC0FFEE"
    address = email()
    answers = [sign_up(stack, address, password=secret), sign_up(stack, address, password=secret),
               sign_up(stack, "not-an-email", password=secret), sign_in(stack, address, password=secret),
               sign_in(stack, address, password=secret + "x"),
               stack.post("/sign-in", form={"email": address, "password": secret + "y"}, auth=None,
                          headers={"Accept": "text/html", "Cookie": "csrf=" + "a" * 32, "X-CSRF-Token": "a" * 32}),
               stack.post("/sign-up", form={"email": address, "password": secret, "name": "x"}, auth=None,
                          headers={"Accept": "text/html", "Cookie": "csrf=" + "a" * 32, "X-CSRF-Token": "a" * 32}),
               stack.get("/account", auth=sign_in(stack, address, password=secret).json["token"])]
    for r in answers:
        assert secret not in r.body and "0xC0FFEE" not in r.body, r
        assert all("0xC0FFEE" not in v for v in r.headers.values()), r.headers
    for name in ("accounts", "nginx-error", "access"):
        assert "0xC0FFEE" not in stack.logs(name), name


def test_wrong_password_and_unknown_email_answer_alike(stack):
    address = email()
    assert sign_up(stack, address).status == 201
    wrong = sign_in(stack, address, password="not the password at all")
    unknown = sign_in(stack, email("nobody"), password="not the password at all")
    problem(wrong, 401)
    problem(unknown, 401)
    assert without_request_id(wrong) == without_request_id(unknown), (wrong, unknown)
    assert sorted(wrong.headers) == sorted(unknown.headers)


# ---- slowed sign-ins ----

def test_five_failures_slow_an_email_down(stack):
    address = email()
    assert sign_up(stack, address).status == 201
    for _ in range(5):
        problem(sign_in(stack, address, password="wrong password here"), 401)
    r = sign_in(stack, address)  # even the right password waits
    problem(r, 429)
    assert int(r.header("Retry-After")) >= 1, r.headers
    assert "token" not in r.body


def test_an_unknown_email_is_slowed_down_the_same(stack):
    known, unknown = email(), email("ghost")
    assert sign_up(stack, known).status == 201
    slowed = []
    for address in (known, unknown):
        for _ in range(5):
            problem(sign_in(stack, address, password="wrong password here"), 401)
        slowed.append(sign_in(stack, address, password="wrong password here"))
    a, b = slowed
    problem(a, 429)
    problem(b, 429)
    # The wait is counted down from the fifth failure, so under a slow (sanitized) build
    # the second answer may say a second less: the same answer otherwise.
    def same(r):
        p = without_request_id(r)
        p["detail"] = re.sub(r"wait \d+ seconds?", "wait N seconds", p.get("detail", ""))
        return p
    assert same(a) == same(b), (a, b)
    assert 1 <= int(a.header("Retry-After")) <= 2 and 1 <= int(b.header("Retry-After")) <= 2, (a.headers, b.headers)


def test_every_401_is_titled_unauthorized(stack):
    for r in (stack.get("/account", auth=None), sign_in(stack, email("nobody"), password="wrong password here")):
        p = problem(r, 401)
        assert p["title"] == "Unauthorized" and p["type"].endswith("/401"), p


def test_a_taken_email_is_a_409_problem(stack):
    address = email()
    assert sign_up(stack, address).status == 201
    p = problem(sign_up(stack, address), 409)
    assert p["title"] == "Conflict" and p["type"].endswith("/409") and p["errors"][0]["field"] == "email", p


def test_parallel_guesses_are_counted_before_they_are_checked(stack):
    import threading
    address = email()
    assert sign_up(stack, address).status == 201
    statuses = []

    def guess():
        statuses.append(sign_in(stack, address, password="wrong password here").status)
    threads = [threading.Thread(target=guess) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) == {401, 429}, statuses
    assert 5 <= statuses.count(401) <= 6, sorted(statuses)  # 6: a straggler after the 1 s wait


def test_a_success_does_not_count_against_the_address():
    with Stack(name="access-addr-ok", env={"SIGN_IN_MAX_FAILURES_ADDR": "3"}) as st:
        address = email()
        assert sign_up(st, address).status == 201
        for _ in range(6):
            assert sign_in(st, address).status == 201


def test_failures_are_limited_per_address():
    with Stack(name="access-addr", env={"SIGN_IN_MAX_FAILURES_ADDR": "3"}) as st:
        victim = email()
        assert sign_up(st, victim).status == 201
        for i in range(3):
            problem(sign_in(st, email("spray"), password="wrong password here"), 401)
        r = sign_in(st, email("spray"), password="wrong password here")
        problem(r, 429)
        assert r.header("Retry-After"), r.headers
        problem(sign_in(st, victim), 429)  # from this address, every email waits


# ---- sessions ----

def test_every_sign_in_is_a_new_session(stack):
    address = email()
    assert sign_up(stack, address).status == 201
    a, b = sign_in(stack, address).json["token"], sign_in(stack, address).json["token"]
    assert a != b
    assert stack.get("/account", auth=a).status == 200 and stack.get("/account", auth=b).status == 200
    assert stack.request("DELETE", "/sessions/current", auth=a).status == 204
    problem(stack.get("/account", auth=a), 401)
    assert stack.get("/account", auth=b).status == 200


def test_signing_out_ends_the_session_at_once(stack):
    _, tok = stack.new_account("Leaver")
    assert stack.get("/account", auth=tok).status == 200
    r = stack.request("DELETE", "/sessions/current", auth=tok)
    assert r.status == 204, r
    problem(stack.get("/account", auth=tok), 401)
    problem(stack.post("/rooms", {"name": "x", "capacity": 1, "price": 100}, auth=tok), 401)


def test_signing_out_by_cookie_form_ends_the_session(stack):
    _, tok = stack.new_account("Leaver")
    cookie = "rb_session=%s; csrf=%s" % (tok, "b" * 32)
    r = stack.post("/sign-out", form={"_csrf": "b" * 32}, auth=None,
                   headers={"Cookie": cookie, "Accept": "text/html"})
    assert r.status in (204, 303), r
    assert "rb_session=;" in r.header("Set-Cookie"), r.headers
    problem(stack.get("/account", auth=tok), 401)


def test_expired_sessions_are_401():
    with Stack(name="access-expiry", env={"SESSION_IDLE_S": "3", "SESSION_MAX_S": "8"}) as st:
        address = email()
        assert sign_up(st, address).status == 201
        idle = sign_in(st, address).json["token"]
        busy = sign_in(st, address).json["token"]
        token = st.post("/account/tokens", {"name": "script"}, auth=busy).json["token"]
        t0 = time.time()
        while time.time() - t0 < 5.5:  # used every second: the idle limit never hits
            assert st.get("/account", auth=busy).status == 200, time.time() - t0
            time.sleep(1)
        problem(st.get("/account", auth=idle), 401)  # idle for over 3 s
        while time.time() - t0 < 9:
            time.sleep(0.5)
        problem(st.get("/account", auth=busy), 401)  # past the absolute limit
        assert st.get("/account", auth=token).status == 200  # API tokens live until revoked


def test_protected_routes_without_a_session(stack):
    r = stack.get("/account", auth=None)
    problem(r, 401)
    assert r.header("WWW-Authenticate").startswith("Bearer")
    r = stack.get("/reservations?limit=3", auth=None, headers={"Accept": "text/html"})
    assert r.status == 303 and r.header("Location") == "/sign-in?next=%2Freservations%3Flimit%3D3", r.headers


# ---- changing the name and the password ----

NEW_PASSWORD = "a brand new passphrase"


def test_the_name_can_be_changed_and_new_bookings_use_it(stack):
    acct, tok = stack.new_account("Pat")
    host_tok = stack.new_account("Host")[1]
    room = new_room(stack, host_tok)
    r = stack.request("PATCH", "/account", json={"name": "  Pat Lee \n"}, auth=tok)
    assert r.status == 200 and r.json["name"] == "Pat Lee" and r.json["id"] == acct["id"], r
    assert stack.get("/account", auth=tok).json["name"] == "Pat Lee"
    b = stack.post("/reservations", {"roomId": room["id"], "card": "4242424242424242"}, auth=tok)
    assert b.status == 201 and b.json["customer"] == "Pat Lee", b  # the identity check reads it live
    for bad in ("", "   ", "Pat\nLee", "a\u202eb", "x" * 201, 5):
        r = stack.request("PATCH", "/account", json={"name": bad}, auth=tok)
        problem(r, 422)
        assert r.json["errors"][0]["field"] == "name", (bad, r)
    assert stack.get("/account", auth=tok).json["name"] == "Pat Lee"
    problem(stack.request("PATCH", "/account", json={"name": "Nobody"}, auth=None), 401)
    # the form: a redirect to the account page, which shows the name
    r = cookie_request(stack, tok, "POST", "/account/edit", form={"name": "Patricia Lee", "_csrf": CSRF},
                       headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "Accept": "text/html"})
    assert r.status == 303 and r.header("Location") == "/account", r
    page = cookie_request(stack, tok, "GET", "/account", headers={"Accept": "text/html"})
    assert "Patricia Lee" in page.body and 'href="/account/edit"' in page.body, page.body[:2000]
    assert 'href="/account/password"' in page.body
    form = cookie_request(stack, tok, "GET", "/account/edit", headers={"Accept": "text/html"})
    assert form.status == 200 and 'value="Patricia Lee"' in form.body, form.body[:2000]
    r = cookie_request(stack, tok, "POST", "/account/edit", form={"name": "", "_csrf": CSRF},
                       headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "Accept": "text/html"})
    assert r.status == 422 and "Name is required" in r.body, r
    assert stack.get("/account", auth=tok).json["name"] == "Patricia Lee"


def test_changing_the_password_needs_the_current_one_and_signs_out_other_browsers(stack):
    address = email("Change")
    assert sign_up(stack, address).status == 201
    here, elsewhere = sign_in(stack, address).json["token"], sign_in(stack, address).json["token"]
    script = stack.post("/account/tokens", {"name": "script"}, auth=here).json["token"]
    r = stack.post("/account/password", {"currentPassword": "not the password", "newPassword": NEW_PASSWORD},
                   auth=here)
    problem(r, 422)
    assert [e["field"] for e in r.json["errors"]] == ["currentPassword"], r
    for body, field in (({"currentPassword": PASSWORD, "newPassword": "short"}, "newPassword"),
                        ({"currentPassword": PASSWORD, "newPassword": "Password123!"}, "newPassword"),
                        ({"currentPassword": PASSWORD, "newPassword": PASSWORD}, "newPassword"),
                        ({"currentPassword": PASSWORD, "newPassword": address}, "newPassword"),
                        ({"newPassword": NEW_PASSWORD}, "currentPassword"),
                        ({"currentPassword": PASSWORD, "newPassword": 1234567890}, "newPassword")):
        r = stack.post("/account/password", body, auth=here)
        problem(r, 422)
        assert field in [e["field"] for e in r.json["errors"]], (body, r)
        assert PASSWORD not in r.body and NEW_PASSWORD not in r.body
    assert sign_in(stack, address).status == 201  # nothing changed yet
    r = stack.post("/account/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, auth=here)
    assert r.status == 204 and not r.body, r
    assert stack.get("/account", auth=here).status == 200  # the session it was changed in
    problem(stack.get("/account", auth=elsewhere), 401)  # every other browser
    assert stack.get("/account", auth=script).status == 200  # API tokens stay
    problem(sign_in(stack, address), 401)
    assert sign_in(stack, address, password=NEW_PASSWORD).status == 201
    problem(stack.post("/account/password", {"currentPassword": PASSWORD, "newPassword": "another new passphrase"},
                       auth=None), 401)


def test_a_token_alone_cannot_change_the_password_and_guesses_are_slowed(stack):
    address = email("Guess")
    assert sign_up(stack, address).status == 201
    tok = sign_in(stack, address).json["token"]
    script = stack.post("/account/tokens", {"name": "leaked"}, auth=tok).json["token"]
    for i in range(5):
        r = stack.post("/account/password", {"currentPassword": "guess number %d" % i, "newPassword": NEW_PASSWORD},
                       auth=script)
        problem(r, 422)
    r = stack.post("/account/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, auth=script)
    problem(r, 429)
    assert int(r.header("Retry-After")) >= 1, r.headers
    problem(sign_in(stack, address), 429)  # the same count as signing in
    assert stack.get("/account", auth=tok).status == 200  # nobody was signed out


def test_the_password_form_changes_it_and_never_shows_a_password_again(stack):
    address = email("Form")
    assert sign_up(stack, address).status == 201
    tok, other = sign_in(stack, address).json["token"], sign_in(stack, address).json["token"]
    browser = {"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "Accept": "text/html"}
    page = cookie_request(stack, tok, "GET", "/account/password", headers={"Accept": "text/html"})
    assert page.status == 200 and 'autocomplete="current-password"' in page.body, page
    assert 'autocomplete="new-password"' in page.body
    r = cookie_request(stack, tok, "POST", "/account/password", headers=dict(browser), form={
        "currentPassword": PASSWORD, "newPassword": "short pw", "_csrf": CSRF})
    assert r.status == 422 and "New password must be at least 10 characters" in r.body, r
    assert PASSWORD not in r.body and "short pw" not in r.body
    r = cookie_request(stack, tok, "POST", "/account/password", headers=dict(browser), form={
        "currentPassword": "wrong password here", "newPassword": NEW_PASSWORD, "_csrf": CSRF})
    assert r.status == 422 and "Current password is not right" in r.body, r
    assert NEW_PASSWORD not in r.body and "wrong password here" not in r.body
    # without the form's csrf token: refused, nothing changed
    problem(cookie_request(stack, tok, "POST", "/account/password", form={
        "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}), 403)
    assert sign_in(stack, address).status == 201  # (a third session, signed out below too)
    r = cookie_request(stack, tok, "POST", "/account/password", headers=dict(browser), form={
        "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD, "_csrf": CSRF})
    assert r.status == 303 and r.header("Location") == "/account", r
    flash = re.search(r"flash=([^;]+)", r.header("Set-Cookie") or "")
    assert flash, r.headers
    after = cookie_request(stack, tok, "GET", "/account", headers={
        "Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s; flash=%s" % (tok, CSRF, flash.group(1))})
    assert after.status == 200, after
    assert "Your password was changed, and 2 other sessions signed in to your account were signed out" in after.body, \
        after.body[:3000]
    problem(stack.get("/account", auth=other), 401)
    assert sign_in(stack, address, password=NEW_PASSWORD).status == 201


def test_signing_out_everywhere_else_keeps_this_session_and_the_tokens(stack):
    address = email("Elsewhere")
    assert sign_up(stack, address).status == 201
    here, phone, laptop = (sign_in(stack, address).json["token"] for _ in range(3))
    script = stack.post("/account/tokens", {"name": "script"}, auth=here).json["token"]
    page = cookie_request(stack, here, "GET", "/account", headers={"Accept": "text/html"})
    assert "your account has 2 other sessions signed in" in page.body, page.body[:3000]
    assert 'action="/account/sign-out-others"' in page.body
    r = stack.request("DELETE", "/sessions/others", auth=here)
    assert r.status == 200 and r.json["ended"] == 2, r
    problem(stack.get("/account", auth=phone), 401)
    problem(stack.get("/account", auth=laptop), 401)
    assert stack.get("/account", auth=here).status == 200
    assert stack.get("/account", auth=script).status == 200  # tokens are revoked one by one
    page = cookie_request(stack, here, "GET", "/account", headers={"Accept": "text/html"})
    assert "Signed in elsewhere" not in page.body, page.body[:3000]
    assert stack.request("DELETE", "/sessions/others", auth=here).json["ended"] == 0
    # the form, from the account page: a redirect and a flash; without the csrf token, refused
    tablet = sign_in(stack, address).json["token"]
    problem(cookie_request(stack, here, "POST", "/account/sign-out-others", form={}), 403)
    assert stack.get("/account", auth=tablet).status == 200
    r = cookie_request(stack, here, "POST", "/account/sign-out-others", form={"_csrf": CSRF},
                       headers={"Cookie": "rb_session=%s; csrf=%s" % (here, CSRF), "Accept": "text/html"})
    assert r.status == 303 and r.header("Location") == "/account", r
    assert "1%20other%20session%20was%20signed%20out" in (r.header("Set-Cookie") or ""), r.headers
    problem(stack.get("/account", auth=tablet), 401)
    problem(stack.request("DELETE", "/sessions/others", auth=None), 401)


# ---- API tokens ----

def test_api_tokens_work_until_revoked(stack):
    _, tok = stack.new_account("Scripter")
    r = stack.post("/account/tokens", {"name": "backup script"}, auth=tok)
    assert r.status == 201 and r.json["token"].startswith("rbt_") and r.json["name"] == "backup script", r
    api, tid = r.json["token"], r.json["id"]
    assert stack.get("/account", auth=api).status == 200
    room = new_room(stack, api)
    assert room["id"]
    assert stack.request("DELETE", "/account/tokens/%d" % tid, auth=tok).status == 204
    problem(stack.get("/account", auth=api), 401)
    problem(stack.request("DELETE", "/account/tokens/%d" % tid, auth=tok), 404)


def test_token_list_never_shows_a_secret(stack):
    _, tok = stack.new_account("Lister")
    made = stack.post("/account/tokens", {"name": "ci"}, auth=tok).json
    r = stack.get("/account/tokens", auth=tok)
    assert r.status == 200 and [x["id"] for x in r.json["items"]] == [made["id"]], r
    assert "token" not in r.json["items"][0] and made["token"] not in r.body and "rbt_" not in r.body, r
    page = stack.get("/account", auth=tok, headers={"Accept": "text/html"})
    assert page.status == 200 and made["token"] not in page.body and tok not in page.body


def test_a_token_never_used_says_so_and_its_first_use_is_recorded(stack):
    _, tok = stack.new_account("Auditor")
    made = stack.post("/account/tokens", {"name": "unused"}, auth=tok)
    assert made.status == 201 and made.json["lastUsedAt"] is None, made
    [item] = stack.get("/account/tokens", auth=tok).json["items"]
    assert item["lastUsedAt"] is None, item
    assert "never used" in stack.get("/account", auth=tok, headers={"Accept": "text/html"}).body
    assert stack.get("/account", auth=made.json["token"]).status == 200  # its first use
    [item] = stack.get("/account/tokens", auth=tok).json["items"]
    assert item["lastUsedAt"] and item["lastUsedAt"] >= made.json["createdAt"], item


def test_the_token_list_pages_like_every_list(stack):
    """GET /account/tokens takes ?limit= and ?cursor=, answers nextCursor and a Link to
    the next page, and refuses what is not a limit or a cursor (SPEC §3: lists)."""
    _, tok = stack.new_account("Pager")
    made = [stack.post("/account/tokens", {"name": "t%d" % i}, auth=tok).json["id"] for i in range(23)]
    first = stack.get("/account/tokens", auth=tok)
    assert [x["id"] for x in first.json["items"]] == made[::-1][:20], first
    assert first.json["nextCursor"] and 'rel="next"' in first.header("Link"), first
    rest = stack.get("/account/tokens?cursor=" + first.json["nextCursor"], auth=tok)
    assert [x["id"] for x in rest.json["items"]] == made[::-1][20:] and rest.json["nextCursor"] is None, rest
    assert rest.header("Link") is None, rest
    small = stack.get("/account/tokens?limit=5", auth=tok)
    assert len(small.json["items"]) == 5 and "limit=5" in small.header("Link"), small
    for bad in ("limit=0", "limit=101", "limit=x", "cursor=abc", "cursor=0"):
        problem(stack.get("/account/tokens?" + bad, auth=tok), 400)


def test_one_cannot_revoke_someone_elses_token(stack):
    _, a = stack.new_account("A")
    _, b = stack.new_account("B")
    made = stack.post("/account/tokens", {"name": "mine"}, auth=a).json
    problem(stack.request("DELETE", "/account/tokens/%d" % made["id"], auth=b), 404)
    assert stack.get("/account", auth=made["token"]).status == 200


def test_only_hashes_are_stored(stack):
    _, tok = stack.new_account("Hashed")
    api = stack.post("/account/tokens", {"name": "x"}, auth=tok).json["token"]
    stack.get("/account", auth=tok)
    raw = b""
    for suffix in ("", "-wal"):
        try:
            with open(os.path.join(stack.var, "db", "accounts.db" + suffix), "rb") as f:
                raw += f.read()
        except FileNotFoundError:
            pass
    for secret in (tok, api, tok[4:], api[4:], PASSWORD):
        assert secret.encode() not in raw, secret[:8]


# ---- cross-site forgery ----

CSRF = "c" * 32


def cookie_request(stack, tok, method, path, **kw):
    headers = kw.pop("headers", {})
    headers.setdefault("Cookie", "rb_session=" + tok)
    return stack.request(method, path, auth=None, headers=headers, **kw)


def test_a_session_cookie_is_an_identity(stack):
    acct, tok = stack.new_account("Cookie")
    r = cookie_request(stack, tok, "GET", "/account")
    assert r.status == 200 and r.json["id"] == acct["id"], r


def test_cookie_requests_without_the_csrf_token_are_403(stack):
    _, tok = stack.new_account("Cookie")
    room = new_room(stack, tok)
    before = len(stack.get("/rooms?limit=100").json["items"])
    for kw in ({"json": {"name": "x", "capacity": 1, "price": 100}},
               {"body": '{"name":"x","capacity":1,"price":100}',
                "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
               {"form": {"name": "x", "capacity": "1", "price": "100"}},
               {"body": ""}, {}):
        r = cookie_request(stack, tok, "POST", "/rooms", **kw)
        problem(r, 403)
    for method in ("DELETE", "PATCH", "PUT"):
        problem(cookie_request(stack, tok, method, "/rooms/%d" % room["id"]), 403)
    problem(cookie_request(stack, tok, "POST", "/account/tokens", json={"name": "x"}), 403)
    problem(cookie_request(stack, tok, "DELETE", "/sessions/current"), 403)
    # a csrf cookie without the matching header is not enough
    problem(cookie_request(stack, tok, "POST", "/rooms", json={"name": "x", "capacity": 1, "price": 100},
                           headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF)}), 403)
    problem(cookie_request(stack, tok, "POST", "/rooms", json={"name": "x", "capacity": 1, "price": 100},
                           headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "X-CSRF-Token": "d" * 32}), 403)
    assert len(stack.get("/rooms?limit=100").json["items"]) == before
    assert stack.get("/account", auth=tok).status == 200


def test_text_plain_with_a_cookie_changes_nothing(stack):
    _, tok = stack.new_account("Cookie")
    before = len(stack.get("/rooms?limit=100").json["items"])
    r = cookie_request(stack, tok, "POST", "/rooms", body='{"name":"x","capacity":1,"price":100}',
                       headers={"Content-Type": "text/plain"})
    assert r.status in (403, 415), r
    assert len(stack.get("/rooms?limit=100").json["items"]) == before


def test_the_csrf_token_lets_a_cookie_request_through(stack):
    acct, tok = stack.new_account("Cookie")
    r = cookie_request(stack, tok, "POST", "/rooms", json={"name": "Cookie room", "capacity": 1, "price": 100},
                       headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "X-CSRF-Token": CSRF})
    assert r.status == 201 and r.json["hostId"] == acct["id"], r
    r = cookie_request(stack, tok, "POST", "/rooms", form={"name": "Form room", "capacity": "1", "price": "100",
                                                           "_csrf": CSRF},
                       headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF)})
    assert r.status == 201, r


def test_foreign_origins_are_refused_even_with_the_token(stack):
    _, tok = stack.new_account("Cookie")
    good = {"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "X-CSRF-Token": CSRF}
    body = {"name": "x", "capacity": 1, "price": 100}
    for extra in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                  {"Origin": "http://127.0.0.1:%d.evil.example" % stack.port}, {"Sec-Fetch-Site": "cross-site"}):
        problem(cookie_request(stack, tok, "POST", "/rooms", json=body, headers=dict(good, **extra)), 403)
        problem(stack.post("/rooms", body, auth=tok, headers=extra), 403)
    same = {"Origin": "http://127.0.0.1:%d" % stack.port, "Sec-Fetch-Site": "same-origin"}
    assert cookie_request(stack, tok, "POST", "/rooms", json=body, headers=dict(good, **same)).status == 201


def test_bearer_requests_need_no_csrf_token(stack):
    _, tok = stack.new_account("Script")
    assert stack.post("/rooms", {"name": "x", "capacity": 1, "price": 100}, auth=tok).status == 201


def test_a_json_body_labelled_as_a_form_is_a_form_post(stack):
    """A body sent as application/x-www-form-urlencoded is a form post for the forgery
    check even when it is JSON (SPEC §6: whatever its body): without the form token,
    signing in or up is refused. A script with a bearer token (which no browser form can
    send) is not a form, and keeps working with curl -d."""
    address = email()
    as_form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = stack.post("/accounts", body='{"email":"%s","password":"%s","name":"Forged"}' % (address, PASSWORD),
                   auth=None, headers=as_form)
    problem(r, 403)
    assert "application/json" in r.json["detail"], r
    assert sign_up(stack, address).status == 201, "the refused sign-up made no account"
    r = stack.post("/sessions", body='{"email":"%s","password":"%s"}' % (address, PASSWORD), auth=None,
                   headers=as_form)
    problem(r, 403)
    assert "token" not in r.json and "Set-Cookie" not in r.headers, r
    _, tok = stack.new_account("Script")
    room = new_room(stack, tok)
    r = stack.request("PATCH", "/rooms/%d" % room["id"], body='{"name":"Renamed"}', auth=tok, headers=as_form)
    assert r.status == 200 and r.json["name"] == "Renamed", r


def test_two_cookie_headers_are_read_as_one(stack):
    """Two Cookie headers are one list of cookies to every part of the stack: the session
    the identity check found in the second is seen by the service too, so the forgery
    check applies and signing out ends that session."""
    import http.client
    _, tok = stack.new_account("Cookies")
    before = len(stack.get("/rooms?limit=100").json["items"])

    def send(method, path, cookies, body=None, extra=()):
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
        try:
            conn.putrequest(method, path)
            for c in cookies:
                conn.putheader("Cookie", c)
            for k, v in extra:
                conn.putheader(k, v)
            conn.putheader("Accept", "application/json")
            if body is not None:
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body.encode() if body is not None else None)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    status, _ = send("POST", "/rooms", ["a=b", "rb_session=" + tok], '{"name":"csrf","capacity":1}')
    assert status == 403, status
    assert len(stack.get("/rooms?limit=100").json["items"]) == before
    status, _ = send("DELETE", "/sessions/current", ["a=b", "rb_session=%s; csrf=%s" % (tok, CSRF)],
                     extra=[("X-CSRF-Token", CSRF)])
    assert status == 204, status
    assert stack.get("/account", auth=tok).status == 401, "signing out ended the session"


def test_sign_in_forms_need_the_csrf_token(stack):
    address = email()
    assert sign_up(stack, address).status == 201
    r = stack.post("/sign-in", form={"email": address, "password": PASSWORD}, auth=None,
                   headers={"Accept": "text/html"})
    assert r.status == 403 and "Set-Cookie" not in r.headers and "rb_session" not in str(r.headers), r
    r = stack.post("/sign-in", form={"email": address, "password": PASSWORD, "_csrf": CSRF}, auth=None,
                   headers={"Accept": "text/html", "Cookie": "csrf=" + CSRF})
    assert r.status == 303 and "rb_session=rbs_" in r.header("Set-Cookie"), (r, r.headers)
    cookie = r.header("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie, cookie


def test_a_name_with_a_line_break_is_422(stack):
    for name in ("Eve\r\nX-Account-Role: admin", "Eve\nX-Account-Id: 1", "Eve\rStatus: 500", "Eve\x7f", "Eve\tTab"):
        r = sign_up(stack, name=name)
        problem(r, 422)
        assert [e["field"] for e in r.json["errors"]] == ["name"], r


def test_a_name_already_stored_with_a_line_break_cannot_forge_the_identity_headers(stack):
    from access_support import db_exec
    acct, tok = stack.new_account("Eve")
    db_exec(stack, "accounts", "UPDATE account SET name = ? WHERE id = ?",
            ("Eve\r\nX-Account-Role: admin\r\nX-Account-Id: 1\rStatus: 500", acct["id"]))
    r = stack.get("/account", auth=tok)
    assert r.status == 200 and r.json["id"] == acct["id"] and r.json["role"] == "user", r
    r = stack.get("/mypage", auth=tok)
    assert r.status == 200 and "\r" not in r.json["customer"] and "\n" not in r.json["customer"], r
    assert r.json["customer"].startswith("Eve  X-Account-Role"), r


def test_a_long_name_of_four_byte_characters_is_never_cut_in_half(stack):
    # 200 characters, the most a name may have, of 4 bytes each: 800 bytes, which used to
    # be cut at 255 inside a character, and the half character made every answer that
    # carried the name fail (an empty mypage, a booking form without its room).
    from access_support import book, message_of
    name = "\U0001F600" * 200
    acct, tok = stack.new_account(name, email=email("emoji"))
    assert stack.get("/account", auth=tok).json["name"] == name
    r = stack.get("/mypage", auth=tok)
    assert r.status == 200 and r.json["customer"] == name, r
    page = stack.get("/mypage", auth=tok, headers={"Accept": "text/html"})
    assert page.status == 200 and name in page.body, page
    _, host = stack.new_account("Host", email=email("host"))
    room = new_room(stack, host, name="\u65e5" * 200)  # 3 bytes each: no cut falls between two
    form = stack.get("/rooms/%d?checkIn=2031-01-01&nights=1&guests=1" % room["id"], auth=tok,
                     headers={"Accept": "text/html"})
    assert form.status == 200 and 'name="customer" value="%s"' % name in form.body, form
    booked = book(stack, tok, room["id"], check_in="2031-01-01")
    assert booked["customer"] == name, booked
    seen = stack.get("/reservations/%d" % booked["id"], auth=tok, headers={"Accept": "text/html"})
    assert seen.status == 200 and room["name"] in seen.body and name in seen.body, seen
    assert room["name"] in message_of(stack, tok, booked["id"])["text"]


def test_accounts_down_fails_signed_in_requests_with_503_and_anonymous_ones_work():
    with Stack(name="accounts-down") as s:
        out = s.ctl("stop", "accounts:*")
        assert "stopped" in out, out
        r = s.get("/mypage")  # carries the default account's bearer token
        problem(r, 503)
        assert int(r.header("Retry-After")) >= 1, r.headers
        assert s.get("/rooms", auth=None).status == 200  # anonymous: no lookup needed
        s.ctl("start", "accounts:*")
        deadline = time.time() + 15
        while s.get("/mypage").status != 200:
            assert time.time() < deadline, "accounts did not come back"
            time.sleep(0.1)


def test_operator_commands_grant_admin_and_sign_out_everywhere(stack):
    from access_support import accounts_command
    account, token = stack.new_account("Opal")
    assert stack.get("/payments?accountId=1", auth=token).status == 200
    assert accounts_command(stack, "admin", "grant", "nobody@example.com").returncode == 1
    assert accounts_command(stack, "admin", "grant", account["email"].upper()).returncode == 0
    assert stack.get("/account", auth=token).json["role"] == "admin"  # the very next request
    assert accounts_command(stack, "admin", "revoke", account["email"]).returncode == 0
    assert stack.get("/account", auth=token).json["role"] == "user"
    r = accounts_command(stack, "sign-out-everywhere", account["email"])
    assert r.returncode == 0 and "revoked" in r.stdout, (r.stdout, r.stderr)
    assert stack.get("/account", auth=token).status == 401
    r = accounts_command(stack, "sign-out-everywhere", "no-such-" + account["email"])  # a typo is no sign-out
    assert r.returncode == 1 and "no account with that email" in r.stderr and "revoked" not in r.stdout, r
    r = accounts_command(stack, "sign-out-everywhere", account["email"])  # nothing left: 0, said so
    assert r.returncode == 0 and r.stdout.strip() == "0 credentials revoked", (r.stdout, r.stderr)
    assert accounts_command(stack, "admin", "promote", "x").returncode == 2  # usage
    for args, code in ((["--help"], 0), (["--bogus"], 2), ([], 2)):  # [] : stdin is no listening socket
        r = subprocess.run([os.path.join(stack.bin, "accounts")] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30, env=stack.env)
        assert r.returncode == code and ("usage: accounts" in r.stderr or "not a listening socket" in r.stderr), \
            (args, r.returncode, r.stderr)
    db_files = os.listdir(os.path.join(stack.var, "db"))
    owners = {os.stat(os.path.join(stack.var, "db", f)).st_uid for f in db_files}
    assert owners == {os.stat(os.path.join(stack.var, "db")).st_uid}, owners  # nothing became root's


def test_the_sign_in_pages_say_when_a_booking_sent_the_guest(stack):
    html = {"Accept": "text/html"}
    stay = urllib.parse.quote("/rooms/1/book?checkIn=2030-01-01&checkOut=2030-01-02&guests=1", safe="")
    for path, said in (("/sign-in", "Sign in to book your stay"), ("/sign-up", "Create an account to book your stay")):
        page = stack.get("%s?next=%s" % (path, stay), headers=html, auth=None).body
        assert said in page and "what you chose is kept" in page, (path, page)
        plain = stack.get("%s?next=%%2Fmypage" % path, headers=html, auth=None).body
        assert said not in plain, (path, plain)
    # and again when the form comes back with an error
    r = stack.post("/sign-in", form={"email": "nobody@example.com", "password": "wrong password", "_csrf": CSRF,
                                     "_next": urllib.parse.unquote(stay)},
                   auth=None, headers={"Accept": "text/html", "Cookie": "csrf=" + CSRF})
    assert r.status == 401 and "Sign in to book your stay" in r.body, r
