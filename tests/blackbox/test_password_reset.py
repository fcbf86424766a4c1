"""A forgotten password (docs/security.md, "A forgotten password"): a link e-mailed
through a REAL SMTP server (the sink of test_email) lets its holder choose a new
password once, within the hour; the answer never says whether the address has an
account; the link's secret never reaches the access log; every session ends."""
import os
import re
import sqlite3
import time
import urllib.parse

from access_support import problem
from stack import PASSWORD, Stack, free_port, wait_until
from test_email import SmtpSink

SITE = "https://roombook.example"
SMTP_PORT = free_port()
MAIL_ENV = {"SMTP_URL": "smtp://127.0.0.1:%d" % SMTP_PORT, "MAIL_FROM": "Roombook Test <accounts@roombook.test>",
            "SITE_URL": SITE, "MAIL_RETRY_MS": "300", "MAIL_RETRY_MAX_MS": "1200", "MAIL_POLL_MS": "50",
            "SMTP_TIMEOUT_MS": "5000", "RESET_MAX_PER_ADDR": "1000"}
STACK_OPTIONS = {"contract": True, "env": MAIL_ENV}
NEW_PASSWORD = "a lantern by the quay"
BROWSER = {"Accept": "text/html"}
CSRF = "e" * 32
_n = [0]


def account(stack, name="Ann Reset"):
    _n[0] += 1
    address = "reset-%d-%d-%d@example.com" % (os.getpid(), int(time.time() * 1000) % 100000, _n[0])
    assert stack.post("/accounts", {"email": address, "password": PASSWORD, "name": name}, auth=None).status == 201
    return address


def sign_in(stack, address, password=PASSWORD):
    return stack.post("/sessions", {"email": address, "password": password}, auth=None)


def ask(stack, address):
    return stack.post("/password-reset", {"email": address}, auth=None)


def link_in(mail):
    text = mail.get_content().replace("\r\n", "\n")
    m = re.search(re.escape(SITE) + r"/password-reset/new\?token=(rbr_[0-9a-f]{64})\n", text)
    assert m, text
    return text, m.group(1)


def test_a_forgotten_password_is_reset_through_the_link_in_the_e_mail(stack):
    address = account(stack)
    here, there = sign_in(stack, address).json["token"], sign_in(stack, address).json["token"]
    sink = SmtpSink(SMTP_PORT).start()
    try:
        r = ask(stack, "  " + address.upper() + " ")  # typed as a phone keyboard does
        assert r.status == 202 and "If an account has this address" in r.json["detail"], r
        envelope, raw, mail = wait_until(lambda: sink.to(address), what="the reset e-mail")[0]
        _finish_and_check(stack, sink, address, here, there, mail)
    finally:
        sink.stop()


def _finish_and_check(stack, sink, address, here, there, mail):
    assert mail["Subject"] == "Choose a new password for Roombook", mail["Subject"]
    assert mail["To"].addresses[0].display_name == "Ann Reset", mail["To"]
    text, token = link_in(mail)
    assert "Hello Ann Reset," in text and "within 60 minutes" in text and "It works once" in text, text
    db = sqlite3.connect(os.path.join(stack.var, "db", "accounts.db"), timeout=10)
    try:  # sent: the e-mail's row (the secret's only copy) is gone; the link keeps a hash
        assert wait_until(lambda: db.execute("SELECT count(*) FROM account_email WHERE kind = 'reset'").fetchone()[0]
                          == 0 or None, what="the sent e-mail's row deleted")
        assert db.execute("SELECT count(*) FROM password_reset WHERE hash = ?", (token,)).fetchone()[0] == 0
    finally:
        db.close()
    page = stack.get("/password-reset/new?token=" + token, headers=BROWSER, auth=None)
    # once, in the form: not in the header's "Sign in" link (?next=, percent-encoded, would
    # reach the access log when followed)
    assert page.body.count(token[4:]) == 1 and "next=%2Fpassword-reset" not in page.body, page.body
    assert page.status == 200 and 'value="%s"' % token in page.body and 'autocomplete="new-password"' in page.body, \
        page.body[page.body.find("<main"):]
    for weak in ("short", "Password123!", address):
        r = stack.post("/password-reset/new", {"token": token, "newPassword": weak}, auth=None)
        problem(r, 422)
        assert r.json["errors"][0]["field"] == "newPassword", r
        assert token[4:] not in r.body and "form" not in r.json, r  # a JSON problem carries no page's keys
    r = stack.post("/password-reset/new", {"token": token, "newPassword": NEW_PASSWORD}, auth=None)
    assert r.status == 204, r
    notice = wait_until(lambda: [m[2] for m in sink.to(address) if m[2]["Subject"] != "Choose a new password for "
                                 "Roombook"], what="the notice")[0]
    assert notice["Subject"] == "Your Roombook password was changed", notice["Subject"]
    said = notice.get_content().replace("\r\n", "\n")
    assert "was changed on" in said and SITE + "/password-reset\n" in said and token[4:] not in said, said
    problem(stack.get("/account", auth=here), 401)  # every session ends
    problem(stack.get("/account", auth=there), 401)
    problem(sign_in(stack, address), 401)
    assert sign_in(stack, address, NEW_PASSWORD).status == 201
    problem(stack.post("/password-reset/new", {"token": token, "newPassword": "yet another passphrase"}, auth=None),
            404)  # once
    gone = stack.get("/password-reset/new?token=" + token, headers=BROWSER, auth=None)
    assert gone.status == 404 and "This link does not work" in gone.body and 'action="/password-reset"' in gone.body
    assert token[4:] not in gone.body, gone.body
    for spelled in ("%74oken", "TOKEN", "To%6Ben"):  # the key in other spellings, after a tracker's
        stack.get("/password-reset/new?utm_source=x&%s=%s" % (spelled, token), headers=BROWSER, auth=None)
    time.sleep(1.5)  # the access log is flushed every second
    log = stack.logs("access")
    assert "/password-reset/new?token=redacted" in log, log[-2000:]
    assert "?utm_source=x&%74oken=redacted" in log and "&To%6Ben=redacted" in log, log[-2000:]
    assert token not in log and token[4:] not in log


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(stack):
    known = account(stack)
    with SmtpSink(SMTP_PORT) as sink:
        unknown_address = "nobody-%d@example.com" % os.getpid()
        unknown = ask(stack, unknown_address)
        r = ask(stack, known)
        assert unknown.status == r.status == 202 and unknown.json["detail"] == r.json["detail"], (unknown, r)
        wait_until(lambda: sink.to(known), what="the known address's e-mail")
        time.sleep(0.3)
        assert len(sink.to(known)) == 1 and not sink.to(unknown_address), sink.received()
    problem(ask(stack, "not an address"), 422)
    problem(ask(stack, ""), 422)


def test_a_link_expires_and_a_later_password_change_voids_it(stack):
    address = account(stack)
    with SmtpSink(SMTP_PORT) as sink:
        assert ask(stack, address).status == 202
        assert ask(stack, address).status == 202
        mails = wait_until(lambda: len(sink.to(address)) == 2 and sink.to(address), what="two e-mails")
    (_, first), (_, second) = link_in(mails[0][2]), link_in(mails[1][2])
    db = sqlite3.connect(os.path.join(stack.var, "db", "accounts.db"), timeout=10)
    try:
        with db:
            db.execute("UPDATE password_reset SET expires_s = strftime('%s','now') - 1 WHERE id = "
                       "(SELECT min(p.id) FROM password_reset p JOIN account a ON a.id = p.account_id "
                       "WHERE a.email = ?)", (address,))
    finally:
        db.close()
    expired = [t for t in (first, second)
               if stack.get("/password-reset/new?token=" + t, headers=BROWSER, auth=None).status == 404]
    assert len(expired) == 1, expired
    live = second if expired == [first] else first
    problem(stack.post("/password-reset/new", {"token": expired[0], "newPassword": NEW_PASSWORD}, auth=None), 404)
    tok = sign_in(stack, address).json["token"]
    r = stack.post("/account/password", {"currentPassword": PASSWORD, "newPassword": "the password I chose"}, auth=tok)
    assert r.status == 204, r
    problem(stack.post("/password-reset/new", {"token": live, "newPassword": NEW_PASSWORD}, auth=None), 404)
    for bad in ("", "rbr_", "rbs_" + live[4:], live + "0", live.upper(), "x" * 5000):
        problem(stack.post("/password-reset/new", {"token": bad, "newPassword": NEW_PASSWORD}, auth=None), 404)
    problem(stack.post("/password-reset/new", {"token": 5, "newPassword": NEW_PASSWORD}, auth=None), 404)
    assert sign_in(stack, address, "the password I chose").status == 201


def test_at_most_three_links_an_account_in_the_window(stack):
    address = account(stack)
    with SmtpSink(SMTP_PORT) as sink:
        for _ in range(5):
            assert ask(stack, address).status == 202
        wait_until(lambda: len(sink.to(address)) >= 3, what="three e-mails")
        time.sleep(0.5)
        assert len(sink.to(address)) == 3, len(sink.to(address))


def test_the_forms_ask_for_a_link_and_choose_the_password_signed_in_after(stack):
    address = account(stack)
    cookie = {"Cookie": "csrf=" + CSRF, "Accept": "text/html"}
    page = stack.get("/sign-in", headers=BROWSER, auth=None)
    assert 'href="/password-reset"' in page.body, page.body
    page = stack.get("/password-reset", headers=BROWSER, auth=None)
    assert page.status == 200 and 'action="/password-reset"' in page.body, page
    refused = stack.post("/password-reset", form={"email": address}, auth=None, headers={"Accept": "text/html"})
    assert refused.status == 403, refused  # no csrf token
    with SmtpSink(SMTP_PORT) as sink:
        r = stack.post("/password-reset", form={"email": address, "_csrf": CSRF}, auth=None, headers=dict(cookie))
        assert r.status == 303 and r.header("Location") == "/sign-in", r
        assert "flash=" in (r.header("Set-Cookie") or ""), r.headers
        _, token = link_in(wait_until(lambda: sink.to(address), what="the reset e-mail")[0][2])
    r = stack.post("/password-reset/new", form={"token": token, "newPassword": "short", "_csrf": CSRF}, auth=None,
                   headers=dict(cookie))
    assert r.status == 422 and "New password must be at least 10 characters" in r.body, r
    assert 'value="%s"' % token in r.body and 'value="short"' not in r.body, r.body
    r = stack.post("/password-reset/new", form={"token": token, "newPassword": NEW_PASSWORD, "_csrf": CSRF}, auth=None,
                   headers=dict(cookie))
    assert r.status == 303 and r.header("Location") == "/account", r
    session = re.search(r"rb_session=(rbs_[0-9a-f]{64})", r.header("Set-Cookie") or "")
    assert session, r.headers
    me = stack.get("/account", auth=session.group(1))
    assert me.status == 200 and me.json["email"] == address, me
    r = stack.post("/password-reset/new", form={"token": token, "newPassword": NEW_PASSWORD, "_csrf": CSRF}, auth=None,
                   headers=dict(cookie))
    assert r.status == 404 and "does not work" in r.body and 'action="/password-reset"' in r.body, r


def test_an_address_asking_too_often_is_slowed():
    with Stack(name="reset-addr", env=dict(MAIL_ENV, RESET_MAX_PER_ADDR="3")) as st:
        statuses = [ask(st, "someone-%d@example.com" % i).status for i in range(5)]
        assert statuses[:3] == [202, 202, 202] and 429 in statuses[3:], statuses
        r = ask(st, "someone-else@example.com")
        problem(r, 429)
        assert int(r.header("Retry-After")) >= 1, r.headers


def test_without_e_mail_the_page_says_to_ask_the_operator():
    with Stack(name="reset-off") as st:
        page = st.get("/password-reset", headers=BROWSER, auth=None)
        assert page.status == 200 and "This site sends no e-mail" in page.body, page
        assert 'action="/password-reset"' not in page.body
        r = ask(st, "ann@example.com")
        problem(r, 503)
        assert r.header("Retry-After"), r.headers


def test_the_operator_hands_out_a_link_when_e_mail_cannot(stack):
    from access_support import accounts_command
    address = account(stack)
    r = accounts_command(stack, "password-reset-link", address.upper())
    assert r.returncode == 0, (r.stdout, r.stderr)
    m = re.match(re.escape(SITE) + r"/password-reset/new\?token=(rbr_[0-9a-f]{64})\n\(works once, for 60 minutes\)",
                 r.stdout)
    assert m, r.stdout
    assert stack.post("/password-reset/new", {"token": m.group(1), "newPassword": NEW_PASSWORD}, auth=None).status == 204
    assert sign_in(stack, address, NEW_PASSWORD).status == 201
    r = accounts_command(stack, "password-reset-link", "nobody-at-all@example.com")
    assert r.returncode == 1 and "rbr_" not in r.stdout, r
    r = accounts_command(stack, "password-reset-link", address)
    token = re.search(r"token=(rbr_[0-9a-f]{64})", r.stdout).group(1)
    assert accounts_command(stack, "sign-out-everywhere", address).returncode == 0  # a stolen account, recovered
    problem(stack.post("/password-reset/new", {"token": token, "newPassword": "not through this link"}, auth=None),
            404)


def test_password_changes_in_parallel_leave_exactly_one_winner(stack):
    import concurrent.futures
    address = account(stack)
    tok = sign_in(stack, address).json["token"]
    choices = ["the %s choice of four" % w for w in ("first", "second", "third", "fourth")]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda p: stack.post("/account/password", {"currentPassword": PASSWORD,
                                                                           "newPassword": p}, auth=tok), choices))
    statuses = [a.status for a in answers]
    assert statuses.count(204) == 1 and set(statuses) <= {204, 409, 422}, statuses
    winner = choices[statuses.index(204)]
    assert sign_in(stack, address, winner).status == 201
    assert all(sign_in(stack, address, p).status == 401 for p in choices if p != winner)


def test_a_password_changed_on_the_account_page_is_told_by_e_mail(stack):
    address = account(stack)
    tok = sign_in(stack, address).json["token"]
    with SmtpSink(SMTP_PORT) as sink:
        r = stack.post("/account/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, auth=tok)
        assert r.status == 204, r
        envelope, raw, mail = wait_until(lambda: sink.to(address), what="the notice")[0]
    assert mail["Subject"] == "Your Roombook password was changed", mail["Subject"]
    text = mail.get_content().replace("\r\n", "\n")
    assert "Hello Ann Reset," in text and "(%s) was changed on " % address in text and " UTC." in text, text
    assert NEW_PASSWORD not in text and PASSWORD not in text


def test_at_most_ten_links_an_account_a_day_whoever_asks(stack):
    address = account(stack)
    db = sqlite3.connect(os.path.join(stack.var, "db", "accounts.db"), timeout=10)
    try:  # ten links asked for earlier today, each window's three used up long ago
        with db:
            db.executemany("INSERT INTO password_reset(account_id, hash, created_s, expires_s, used_s) "
                           "SELECT id, ?, strftime('%s','now') - 3600 * ?, strftime('%s','now'), 0 FROM account "
                           "WHERE email = ?", [("%064x" % (i + 1 + os.getpid() * 100), i + 1, address) for i in range(10)])
    finally:
        db.close()
    with SmtpSink(SMTP_PORT) as sink:
        r = ask(stack, address)
        assert r.status == 202, r
        other = account(stack)
        assert ask(stack, other).status == 202
        wait_until(lambda: sink.to(other), what="another account's e-mail")
        time.sleep(0.3)
        assert not sink.to(address), sink.to(address)
