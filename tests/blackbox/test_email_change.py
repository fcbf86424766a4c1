"""Changing an account's email (docs/security.md, "Changing the email"): the current
password asks for it, a link e-mailed through a REAL SMTP server (the sink of
test_email) to the new address confirms it, once; the old address is told, and reset
links that went to it stop working; nothing changes on a wrong password, an address
another account has, or a dead link."""
import hashlib
import os
import re
import sqlite3
import time
import urllib.parse

from access_support import problem
from stack import PASSWORD, Stack, wait_until
from test_email import SmtpSink
from test_password_reset import MAIL_ENV, SITE, SMTP_PORT  # the same mail settings and sink's port

STACK_OPTIONS = {"contract": True, "env": MAIL_ENV}
BROWSER = {"Accept": "text/html"}
CSRF = "c" * 32
_n = [0]


def address(tag="ann"):
    _n[0] += 1
    return "%s-%d-%d-%d@example.com" % (tag, os.getpid(), int(time.time() * 1000) % 100000, _n[0])


def account(stack, name="Ann Moving"):
    a = address()
    assert stack.post("/accounts", {"email": a, "password": PASSWORD, "name": name}, auth=None).status == 201
    r = stack.post("/sessions", {"email": a, "password": PASSWORD}, auth=None)
    return a, r.json["token"]


def ask(stack, token, new, password=PASSWORD):
    return stack.post("/account/email", {"email": new, "currentPassword": password}, auth=token)


def link_in(mail):
    text = mail.get_content().replace("\r\n", "\n")
    m = re.search(re.escape(SITE) + r"/account/email/confirm\?token=(rbe_[0-9a-f]{64})\n", text)
    assert m, text
    return text, m.group(1)


def accounts_db(stack, sql, *args):
    db = sqlite3.connect(os.path.join(stack.var, "db", "accounts.db"), timeout=10)
    try:
        with db:
            return db.execute(sql, args).fetchall()
    finally:
        db.close()


def test_the_email_changes_when_the_link_sent_to_the_new_address_is_followed(stack):
    old, tok = account(stack)
    new = address("moved")
    with SmtpSink(SMTP_PORT) as sink:
        assert stack.post("/password-reset", {"email": old}, auth=None).status == 202  # a link to the old address
        reset_mail = wait_until(lambda: sink.to(old), what="the reset e-mail")[0][2]
        reset = re.search(r"token=(rbr_[0-9a-f]{64})", reset_mail.get_content()).group(1)
        r = ask(stack, tok, "  " + new.upper() + " ")  # typed as a phone keyboard does
        assert r.status == 202 and new.upper() in r.json["detail"] and old in r.json["detail"], r
        assert stack.get("/account", auth=tok).json["email"] == old  # not before the link
        mail = wait_until(lambda: sink.to(new.upper()) or sink.to(new), what="the link")[0][2]
        assert mail["Subject"] == "Confirm your new email for Roombook", mail["Subject"]
        text, token = link_in(mail)
        # to an address not shown to be the owner's yet: nothing of the account
        assert text.startswith("Hello,\n") and "It works once" in text, text
        assert old not in text and "Ann Moving" not in text and "Ann Moving" not in str(mail["To"]), text
        assert accounts_db(stack, "SELECT count(*) FROM email_change WHERE hash = ?", token) == [(0,)]  # a hash only
        wait_until(lambda: accounts_db(stack, "SELECT count(*) FROM account_email WHERE kind = 'email_confirm'")
                   == [(0,)], what="the sent link's row (its secret's only copy) deleted")
        r = stack.post("/account/email/confirm", {"token": token}, auth=None)
        assert r.status == 204 and not r.body, r  # nothing of the account to the link's holder
        assert stack.get("/account", auth=tok).json["email"].lower() == new.lower()  # the session stays
        notice = wait_until(lambda: [m[2] for m in sink.to(old) if m[2]["Subject"] != reset_mail["Subject"]],
                            what="the notice to the old address")[0]
        assert notice["Subject"] == "The email of your Roombook account was changed", notice["Subject"]
        said = notice.get_content().replace("\r\n", "\n")
        assert old in said and new.upper() in said and token[4:] not in said, said
    assert stack.post("/sessions", {"email": new, "password": PASSWORD}, auth=None).status == 201
    problem(stack.post("/sessions", {"email": old, "password": PASSWORD}, auth=None), 401)
    problem(stack.post("/account/email/confirm", {"token": token}, auth=None), 404)  # once
    problem(stack.post("/password-reset/new", {"token": reset, "newPassword": "a lantern by the quay"}, auth=None),
            404)  # the link that went to the old address is void
    time.sleep(1.5)  # the access log is flushed every second
    log = stack.logs("access")
    assert token[4:] not in log and reset[4:] not in log


def test_a_wrong_password_or_an_address_taken_or_unchanged_changes_nothing(stack):
    old, tok = account(stack)
    other, _ = account(stack)
    r = ask(stack, tok, address(), password="not the password at all")
    problem(r, 422)
    assert [e["field"] for e in r.json["errors"]] == ["currentPassword"], r
    assert "not the password" not in r.body
    r = ask(stack, tok, other.upper())
    problem(r, 409)
    assert r.json["errors"][0]["field"] == "email", r
    for bad, says in ((old.upper(), "is the email your account has now"), ("no-at-sign", "must be an email"),
                      ("ann@exämple.com", "plain letters"), ("a@b.c\r\nBcc: x@y.z", "must be an email")):
        r = ask(stack, tok, bad)
        problem(r, 422)
        assert says in r.json["errors"][0]["message"], (bad, r)
    problem(ask(stack, None, address()), 401)
    problem(stack.post("/account/email", {"email": address()}, auth=tok), 422)  # no password
    assert accounts_db(stack, "SELECT count(*) FROM email_change c JOIN account a ON a.id = c.account_id "
                              "WHERE a.email = ?", old) == [(0,)]
    assert stack.get("/account", auth=tok).json["email"] == old


def test_dead_and_hostile_links_are_404_and_change_nothing(stack):
    old, tok = account(stack)
    token = "rbe_" + os.urandom(32).hex()
    aid = stack.get("/account", auth=tok).json["id"]
    accounts_db(stack, "INSERT INTO email_change(account_id, new_email, new_key, hash, created_s, expires_s) "
                       "VALUES (?, 'late@example.com', 'late@example.com', ?, strftime('%s','now') - 7200, "
                       "strftime('%s','now') - 3600)",
                aid, hashlib.sha256(token.encode()).hexdigest())
    for bad in (token, "", "rbe_", "rbe_" + "g" * 64, "rbr_" + token[4:], token + "0", "rbe_' OR 1=1 --",
                "rbe_" + "é" * 64, "x" * 5000):
        problem(stack.post("/account/email/confirm", {"token": bad}, auth=None), 404)
        page = stack.get("/account/email/confirm?token=" + urllib.parse.quote(bad), headers=BROWSER, auth=None)
        assert page.status in (404, 400) and "Confirm the new email" not in page.body, (bad[:20], page)
    problem(stack.post("/account/email/confirm", {"token": 5}, auth=None), 404)
    assert stack.get("/account", auth=tok).json["email"] == old


def test_an_address_another_account_takes_first_makes_the_link_409(stack):
    old, tok = account(stack)
    new = address("contested")
    with SmtpSink(SMTP_PORT) as sink:
        assert ask(stack, tok, new).status == 202
        _, token = link_in(wait_until(lambda: sink.to(new), what="the link")[0][2])
    assert stack.post("/accounts", {"email": new, "password": PASSWORD}, auth=None).status == 201
    problem(stack.post("/account/email/confirm", {"token": token}, auth=None), 409)
    assert stack.get("/account", auth=tok).json["email"] == old


def test_the_forms_ask_and_confirm_and_a_used_link_says_so(stack):
    old, tok = account(stack)
    new = address("form")
    cookie = dict(BROWSER, Cookie="csrf=" + CSRF)
    page = stack.get("/account", headers=BROWSER, auth=tok)
    assert 'href="/account/email"' in page.body, page.body
    page = stack.get("/account/email", headers=BROWSER, auth=tok)
    assert page.status == 200 and old in page.body and 'action="/account/email"' in page.body, page
    refused = stack.post("/account/email", form={"email": new, "currentPassword": PASSWORD}, auth=tok, headers=BROWSER)
    assert refused.status == 403, refused  # no csrf token
    r = stack.post("/account/email", form={"email": new, "currentPassword": "wrong one", "_csrf": CSRF}, auth=tok,
                   headers=dict(cookie))
    assert r.status == 422 and "Current password is not right" in r.body and 'value="%s"' % new in r.body, r
    assert "wrong one" not in r.body
    with SmtpSink(SMTP_PORT) as sink:
        r = stack.post("/account/email", form={"email": new, "currentPassword": PASSWORD, "_csrf": CSRF}, auth=tok,
                       headers=dict(cookie))
        assert r.status == 303 and r.header("Location") == "/account", r
        assert "flash=" in (r.header("Set-Cookie") or ""), r.headers
        _, token = link_in(wait_until(lambda: sink.to(new), what="the link")[0][2])
    page = stack.get("/account/email/confirm?token=" + token, headers=BROWSER, auth=None)
    assert page.status == 200 and new in page.body and 'value="%s"' % token in page.body, page
    assert page.body.count(token[4:]) == 1 and "next=%2Faccount%2Femail" not in page.body, page.body
    assert stack.get("/account", auth=tok).json["email"] == old  # opening the link changes nothing
    r = stack.post("/account/email/confirm", form={"token": token, "_csrf": CSRF}, auth=None, headers=dict(cookie))
    assert r.status == 303 and r.header("Location") == "/account", r
    assert "flash=" in (r.header("Set-Cookie") or ""), r.headers
    assert stack.get("/account", auth=tok).json["email"] == new
    gone = stack.get("/account/email/confirm?token=" + token, headers=BROWSER, auth=None)
    assert gone.status == 404 and "This link does not work" in gone.body and token[4:] not in gone.body, gone


def test_at_most_three_links_an_account_or_an_address_in_the_window(stack):
    _, tok = account(stack)
    statuses = [ask(stack, tok, address("many")).status for _ in range(4)]
    assert statuses == [202, 202, 202, 429], statuses
    r = ask(stack, tok, address("many"))
    assert 1 <= int(r.header("Retry-After")) <= 900 and "minute" in r.json["detail"], r
    target = address("flooded")  # many accounts, one mailbox
    statuses = [ask(stack, account(stack)[1], target).status for _ in range(4)]
    assert statuses == [202, 202, 202, 429], statuses


def test_only_the_newest_link_works_and_a_password_change_or_reset_voids_it(stack):
    """A mistyped address asked for first, or a thief's mailbox asked for with a phished
    password: once the owner asks again, changes or resets the password, or the operator
    signs the account out everywhere, the link that went there is void."""
    from access_support import accounts_command
    old, tok = account(stack)

    def link_to(new, password=PASSWORD):
        with SmtpSink(SMTP_PORT) as sink:
            r = ask(stack, tok, new, password)
            assert r.status == 202, r
            return link_in(wait_until(lambda: sink.to(new), what="the link")[0][2])[1]

    typo = link_to(address("typo"))
    meant = link_to(address("meant"))
    problem(stack.post("/account/email/confirm", {"token": typo}, auth=None), 404)
    r = stack.post("/account/password", {"currentPassword": PASSWORD, "newPassword": "a lantern by the quay"}, auth=tok)
    assert r.status == 204, r
    problem(stack.post("/account/email/confirm", {"token": meant}, auth=None), 404)
    thief = link_to(address("thief"), "a lantern by the quay")
    with SmtpSink(SMTP_PORT) as sink:
        assert stack.post("/password-reset", {"email": old}, auth=None).status == 202
        reset = re.search(r"token=(rbr_[0-9a-f]{64})", wait_until(lambda: sink.to(old), what="reset")[0][2]
                          .get_content()).group(1)
    assert stack.post("/password-reset/new", {"token": reset, "newPassword": "harbour lights at midnight"},
                      auth=None).status == 204
    problem(stack.post("/account/email/confirm", {"token": thief}, auth=None), 404)
    assert accounts_db(stack, "SELECT email FROM account WHERE email_key = ?", old.lower()) == [(old,)]
    other, tok = account(stack)  # three links in the window were the first account's all
    last = link_to(address("last"))
    assert accounts_command(stack, "sign-out-everywhere", other).returncode == 0
    problem(stack.post("/account/email/confirm", {"token": last}, auth=None), 404)
    assert accounts_db(stack, "SELECT email FROM account WHERE email_key = ?", other.lower()) == [(other,)]


def test_without_e_mail_the_page_says_to_ask_the_operator_who_can():
    from access_support import accounts_command
    with Stack(name="email-change-off") as st:
        page = st.get("/account/email", headers=BROWSER)
        assert page.status == 200 and "This site sends no e-mail" in page.body, page
        assert 'action="/account/email"' not in page.body
        r = ask(st, "default", "someone.new@example.com")
        problem(r, 503)
        assert r.header("Retry-After"), r.headers
        old, tok = account(st)
        other, _ = account(st)
        r = accounts_command(st, "set-email", old, other.upper())
        assert r.returncode == 3 and "another account has" in r.stderr, (r.returncode, r.stderr)
        r = accounts_command(st, "set-email", old, "not an address")
        assert r.returncode == 3, (r.returncode, r.stderr)
        r = accounts_command(st, "set-email", old, old.upper())
        assert r.returncode == 3 and "has it already" in r.stderr, (r.returncode, r.stderr)
        r = accounts_command(st, "set-email", "nobody-here@example.com", "x@example.com")
        assert r.returncode == 1, (r.returncode, r.stderr)
        new = address("operator")
        r = accounts_command(st, "set-email", old.upper(), new)
        assert r.returncode == 0 and new in r.stdout, (r.returncode, r.stdout, r.stderr)
        assert st.get("/account", auth=tok).json["email"] == new  # sessions stay
        assert st.post("/sessions", {"email": new, "password": PASSWORD}, auth=None).status == 201
