"""E-mail (issue 8): the messages service e-mails every message to its account's address
through a REAL SMTP server (Debian's python3-aiosmtpd, tests/blackbox/smtp_sink.py),
and these tests read what arrived: envelope, headers, the plain-text and HTML parts, the
.ics of a confirmation; the delivery status on the message; a server that is down
(retries with backoff, the booking not slowed, sent exactly once when it is back); a
refusal for good; header injection through names; e-mail off when SMTP_URL is unset."""
import datetime
import email
import email.policy
import glob
import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time

from stack import OUT, Stack, free_port, wait_until

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has python3-aiosmtpd (the tests' python3 may be pyenv's)
SINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_sink.py")
FROM = "bookings@roombook.test"
SITE = "https://roombook.example"
SMTP_PORT = free_port()
MAIL_ENV = {"SMTP_URL": "smtp://127.0.0.1:%d" % SMTP_PORT, "MAIL_FROM": "Roombook Test <%s>" % FROM,
            "SITE_URL": SITE, "MAIL_RETRY_MS": "300", "MAIL_RETRY_MAX_MS": "2400", "MAIL_POLL_MS": "50",
            "SMTP_TIMEOUT_MS": "5000"}
STACK_OPTIONS = {"contract": True, "env": MAIL_ENV}
CHECK_IN = datetime.date(2031, 3, 13)  # a Thursday


class SmtpSink:
    """smtp_sink.py on port, storing into folder; a context manager that stops it."""

    def __init__(self, port, folder=None, auth=None):
        self.port = port
        self.auth = auth  # "user:password": the server requires SMTP AUTH
        self.folder = folder or tempfile.mkdtemp(prefix="smtp-", dir=OUT)
        self.proc = None

    def start(self):
        assert os.access(SYSTEM_PYTHON, os.X_OK), "no /usr/bin/python3"
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import aiosmtpd"], capture_output=True, text=True)
        assert probe.returncode == 0, "python3-aiosmtpd missing: apt-get install python3-aiosmtpd (make deps)"
        self.log = open(os.path.join(self.folder, "sink.log"), "ab")
        env = dict(os.environ, SMTP_SINK_AUTH=self.auth) if self.auth else None
        self.proc = subprocess.Popen([SYSTEM_PYTHON, SINK, "127.0.0.1", str(self.port), self.folder],
                                     stdout=subprocess.PIPE, stderr=self.log, start_new_session=True, env=env)
        line = self.proc.stdout.readline()
        assert line.strip() == b"ready", "the SMTP sink did not start; see %s/sink.log" % self.folder
        return self

    def stop(self):
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
            self.proc.stdout.close()
            self.log.close()
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def received(self):
        """Every message stored so far: (envelope dict, raw bytes, parsed message)."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.folder, "*.eml"))):
            with open(path, "rb") as f:
                raw = f.read()
            try:  # the sink writes the message, then its envelope: one being stored counts later
                with open(path[:-4] + ".json") as f:
                    envelope = json.load(f)
            except (FileNotFoundError, json.JSONDecodeError):
                continue
            out.append((envelope, raw, email.message_from_bytes(raw, policy=email.policy.default)))
        return out

    def to(self, address):
        return [m for m in self.received() if m[0]["rcptTos"] == [address]]


def human(d):
    return "%s %d %s %d" % (d.strftime("%a"), d.day, d.strftime("%b"), d.year)


def room(stack, name, price=6000, capacity=4):
    r = stack.post("/rooms", {"name": name, "capacity": capacity, "price": price})
    assert r.status == 201, r
    return r.json


def money(minor):
    """An amount as the pages write it: 9,000.00 EUR."""
    return "{:,}.{:02d} EUR".format(minor // 100, minor % 100)


def book(stack, room_id, token, nights=2, guests=2, customer="Ann Example"):
    r = stack.post("/reservations", {"roomId": room_id, "checkIn": CHECK_IN.isoformat(), "nights": nights,
                                     "guests": guests, "customer": customer}, auth=token)
    assert r.status == 201 and r.json["status"] == "confirmed", r
    return r.json


def message(stack, reservation_id, token, kind="confirmation"):
    def find():
        items = stack.get("/messages?reservationId=%d" % reservation_id, auth=token).json["items"]
        return [m for m in items if m["kind"] == kind]
    return wait_until(find, what="the %s message" % kind)[0]


def delivery_becomes(stack, message_id, token, status, timeout=20):
    def check():
        d = stack.get("/messages/%d" % message_id, auth=token).json["delivery"]
        return d if d and d["status"] == status else None
    return wait_until(check, timeout=timeout, what="delivery %s" % status)


def ics_lines(raw):
    """The content lines of an .ics (RFC 5545 §3.1): every line ends in CRLF and has at
    most 75 octets; a line starting with a space continues the one before."""
    assert raw.endswith(b"\r\n"), raw[-20:]
    physical = raw[:-2].split(b"\r\n")
    assert all(b"\n" not in p and b"\r" not in p for p in physical), "bare CR or LF"
    too_long = [p for p in physical if len(p) > 75]
    assert not too_long, too_long
    lines = []
    for p in physical:
        if p.startswith(b" "):
            lines[-1] += p[1:]
        else:
            lines.append(p)
    return [line.decode("utf-8") for line in lines]  # folds never cut a character


def ics_text(value):
    """Undoes RFC 5545 TEXT escaping."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_a_confirmation_arrives_with_text_html_and_calendar(stack):
    name = "Harbour view, K\u00f6ln; the top floor with the long windows over the water"
    account, token = stack.new_account("Ann Example")
    rm = room(stack, name)
    with SmtpSink(SMTP_PORT) as sink:
        res = book(stack, rm["id"], token)
        got = wait_until(lambda: sink.to(account["email"]), what="the confirmation e-mail")
        msg = message(stack, res["id"], token)
        d = delivery_becomes(stack, msg["id"], token, "sent")
        time.sleep(0.5)
        page = stack.get("/reservations/%d/confirmation" % res["id"], auth=token, headers={"Accept": "text/html"}).body
        assert "is on its way to your e-mail address" in page, page
        assert len(sink.to(account["email"])) == 1, "sent once"
    envelope, raw, mail = got[0]
    assert envelope["mailFrom"] == FROM and envelope["rcptTos"] == [account["email"]], envelope
    assert d["attempts"] == 1 and d["sentAt"] and d["lastError"] is None, d
    to = mail["To"].addresses
    assert len(to) == 1 and to[0].addr_spec == account["email"] and to[0].display_name == "Ann Example", to
    assert mail["From"].addresses[0].addr_spec == FROM and mail["From"].addresses[0].display_name == "Roombook Test"
    assert mail["Subject"] == "Booking confirmed: %s, %s" % (name, human(CHECK_IN)), mail["Subject"]
    assert mail["Subject"].startswith("Booking confirmed: Harbour view, K\u00f6ln;") and "Thu 13 Mar 2031" in mail["Subject"]
    assert re.fullmatch(r"<[^<>@\s]+@roombook\.test>", mail["Message-ID"]), mail["Message-ID"]
    assert mail["MIME-Version"] == "1.0" and mail["Auto-Submitted"] == "auto-generated"
    sent = email.utils.parsedate_to_datetime(mail["Date"])
    assert abs((sent - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 120, mail["Date"]
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in header_block.split(b"\r\n"))

    assert mail.get_content_type() == "multipart/mixed"
    alternative, attachment = mail.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html = alternative.get_payload()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    text = plain.get_content().replace("\r\n", "\n")
    assert "Hello Ann Example," in text and "Your booking is confirmed." in text, text
    assert "Room:       %s\n" % name in text and "Check-in:   Thu 13 Mar 2031\n" in text, text
    assert "Check-out:  Sat 15 Mar 2031 (2 nights)" in text and "Guests:     2 guests" in text, text
    assert "Total:      240.00 EUR" in text, text
    assert "up to and including the check-in day, Thu 13 Mar 2031" in text, text
    assert "Your booking: %s/reservations/%d" % (SITE, res["id"]) in text, text
    page = html.get_content()
    assert "<h1>Booking confirmed</h1>" in page and "Harbour view, K\u00f6ln; the top floor" in page, page
    assert '<a href="%s/reservations/%d">' % (SITE, res["id"]) in page, page
    assert "240.00 EUR" in page

    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH" and attachment.get_filename() == "booking-%d.ics" % res["id"]
    assert attachment.get_content_disposition() == "attachment"
    lines = ics_lines(attachment.get_payload(decode=True))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR", lines
    props = {}
    for line in lines:
        key, value = line.split(":", 1)
        props.setdefault(key, []).append(value)
    assert props["VERSION"] == ["2.0"] and props["METHOD"] == ["PUBLISH"] and props["PRODID"], props
    assert props["BEGIN"] == ["VCALENDAR", "VEVENT"] and props["END"] == ["VEVENT", "VCALENDAR"], props
    assert props["UID"] == ["reservation-%d-%s@roombook.test" % (res["id"], res["reference"])], props
    assert props["DTSTART;VALUE=DATE"] == ["20310313"] and props["DTEND;VALUE=DATE"] == ["20310315"], props
    assert re.fullmatch(r"\d{8}T\d{6}Z", props["DTSTAMP"][0]), props
    assert ics_text(props["SUMMARY"][0]) == "Stay at " + name, props["SUMMARY"]
    assert "\\," in props["SUMMARY"][0] and "\\;" in props["SUMMARY"][0]  # escaped as TEXT, not raw
    description = ics_text(props["DESCRIPTION"][0])
    assert "2 guests, 2 nights" in description and "Total 240.00 EUR" in description, description
    assert props["URL"] == ["%s/reservations/%d" % (SITE, res["id"])], props
    assert max(len(p) for p in attachment.get_payload(decode=True).split(b"\r\n")) == 75  # the summary was folded

    # the delivery on the message: in the list, on the message, and on its page
    listed = stack.get("/messages?reservationId=%d" % res["id"], auth=token).json["items"][0]
    assert listed["delivery"]["status"] == "sent", listed
    page = stack.get("/messages/%d" % msg["id"], auth=token, headers={"Accept": "text/html"})
    assert page.status == 200 and 'data-delivery-status="sent"' in page.body, page.body


def booked_then_cancelled(stack, account, token, room_id, customer):
    """Books one night of room_id for one guest and cancels it once its confirmation has
    been e-mailed. Returns (the reservation, the two e-mails as SmtpSink.received gives
    them), both having arrived before the sink stops."""
    res = book(stack, room_id, token, nights=1, guests=1, customer=customer)
    with SmtpSink(SMTP_PORT) as sink:
        wait_until(lambda: sink.to(account["email"]), what="the confirmation e-mail")
        assert stack.post("/reservations/%d/cancel" % res["id"], auth=token).status == 200
        both = wait_until(lambda: (lambda m: m if len(m) == 2 else None)(sink.to(account["email"])),
                          what="the cancellation e-mail")
    return res, both


def test_a_cancellation_arrives_without_a_calendar(stack):
    account, token = stack.new_account("Bob Cancel")
    res, both = booked_then_cancelled(stack, account, token, room(stack, "Garden room", price=5000)["id"], "Bob")
    subjects = sorted(m[2]["Subject"] for m in both)
    assert subjects == ["Booking cancelled: Garden room, Thu 13 Mar 2031",
                        "Booking confirmed: Garden room, Thu 13 Mar 2031"], subjects
    cancelled = [m[2] for m in both if m[2]["Subject"].startswith("Booking cancelled")][0]
    assert cancelled.get_content_type() == "multipart/alternative", cancelled.get_content_type()
    text = cancelled.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Your booking is cancelled." in text and "refunded in full" in text, text
    assert "Guests:     1 guest\n" in text and "(1 night)" in text, text
    msg = message(stack, res["id"], token, "cancellation")
    assert delivery_becomes(stack, msg["id"], token, "sent")["attempts"] == 1


def test_a_free_stays_messages_and_e_mails_say_nothing_of_payments(stack):
    """A free stay (price 0) was never paid: its confirmation does not promise a refund,
    its cancellation says there is nothing to refund, and its total reads "Nothing to
    pay", in the messages and in both parts of the e-mails."""
    account, token = stack.new_account("Fay Free")
    res, both = booked_then_cancelled(stack, account, token, room(stack, "Open studio", price=0)["id"], "Fay")
    mails = {m[2]["Subject"].split(":")[0]: m[2] for m in both}
    assert sorted(mails) == ["Booking cancelled", "Booking confirmed"], sorted(mails)
    for subject, mail in mails.items():
        text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        html = mail.get_body(preferencelist=("html",)).get_content()
        for part in (text, html):
            assert "Nothing to pay" in part and "0.00" not in part, part
            assert "payment" not in part.lower() and "refunded" not in part, part
        if subject == "Booking cancelled":
            assert "The stay was free: there is nothing to refund." in text, text
            assert "The stay was free: there is nothing to refund." in html, html
    confirmed = message(stack, res["id"], token, "confirmation")["text"]
    cancelled = message(stack, res["id"], token, "cancellation")["text"]
    assert confirmed.endswith("(1 night, 1 guest). Nothing to pay."), confirmed
    assert cancelled.endswith("The stay was free: there is nothing to refund."), cancelled

    # a paid stay's cancellation says what comes back
    paid, _ = booked_then_cancelled(stack, account, token, room(stack, "Paid studio", price=4500)["id"], "Fay")
    said = message(stack, paid["id"], token, "cancellation")["text"]
    assert said.endswith("The payment of %s is refunded in full." % money(paid["amount"])), said


def test_names_with_line_breaks_add_no_header(stack):
    """A room name or guest name with CR/LF must not end the Subject or To line and start
    a header of its own, nor add a recipient. The API refuses such names (422) since
    2026-12-02; rows stored before, or written by hand, still reach the mail."""
    from access_support import db_exec
    account, token = stack.new_account("Carol Inject")
    evil = "Suite\r\nBcc: evil@example.com\r\nX-Injected: yes\nContent-Type: text/html"
    evil_guest = "Carol\r\nCc: evil2@example.com"
    assert stack.post("/rooms", {"name": evil}).status == 422
    rm = room(stack, "Suite")
    db_exec(stack, "rooms", "UPDATE room SET name = ? WHERE id = ?", (evil, rm["id"]))
    with SmtpSink(SMTP_PORT) as sink:
        stack.ctl("stop", "worker:*")  # the booking's events wait while the guest's name is forged
        try:
            res = book(stack, rm["id"], token, customer="Carol")
            db_exec(stack, "reservations", "UPDATE outbox SET data = json_set(data, '$.customer', ?) "
                    "WHERE aggregate_type = 'Reservation' AND aggregate_id = ?", (evil_guest, res["id"]))
        finally:
            stack.ctl("start", "worker:*")
        envelope, raw, mail = wait_until(lambda: sink.to(account["email"]), what="the e-mail")[0]
        wait_until(lambda: stack.get("/messages?reservationId=%d" % res["id"], auth=token).json["items"][0]
                   ["delivery"]["status"] == "sent", what="sent")
        assert len(sink.received()) == len(sink.to(account["email"])), "no message to anyone else"
    assert envelope["rcptTos"] == [account["email"]], envelope
    for header in ("Bcc", "Cc", "X-Injected"):
        assert mail[header] is None, (header, mail[header])
    assert mail.get_all("Content-Type") == [mail["Content-Type"]]
    assert mail["Subject"] == "Booking confirmed: Suite Bcc: evil@example.com X-Injected: yes Content-Type: " \
                              "text/html, Thu 13 Mar 2031", mail["Subject"]
    names = [line.split(b":", 1)[0].lower() for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
             if line and line[:1] not in (b" ", b"\t")]
    assert sorted(names) == sorted([b"date", b"from", b"to", b"subject", b"message-id", b"mime-version",
                                    b"auto-submitted", b"content-type"]), names
    assert not re.search(rb"(?m)^(bcc|cc|x-injected):", raw, re.I), "an injected line anywhere in the message"
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Guest name: Carol Cc: evil2@example.com\n" in text, text


def test_names_of_two_hundred_four_byte_characters_arrive_whole(stack):
    """The longest names there may be, of 4-byte characters (800 bytes): the e-mail's
    buffers used to cut them inside a character, and the half character made its model,
    and so the e-mail, fail."""
    guest, place = "\U0001F600" * 200, "\U0001F3E0" * 200
    account, token = stack.new_account(guest, email="emoji-%d@example.com" % os.getpid())
    rm = room(stack, place)
    with SmtpSink(SMTP_PORT) as sink:
        res = stack.post("/reservations", {"roomId": rm["id"], "checkIn": CHECK_IN.isoformat(), "nights": 1},
                         auth=token)
        assert res.status == 201 and res.json["customer"] == guest, res
        envelope, raw, mail = wait_until(lambda: sink.to(account["email"]), what="the e-mail")[0]
    assert mail["Subject"] == "Booking confirmed: %s, %s" % (place, human(CHECK_IN)), mail["Subject"]
    # (Python's address parser puts a space between adjacent encoded words of a display
    # name, which RFC 2047 §6.2 says to ignore: there are none in the name itself)
    assert mail["To"].addresses[0].display_name.replace(" ", "") == guest, str(mail["To"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert guest in text and place in text, text


def test_a_refusal_for_good_fails_at_once(stack):
    """The server refuses the mailbox (550): no retry, status failed after one attempt."""
    account, token = stack.new_account("Dan Reject", email="reject-%d@example.com" % os.getpid())
    rm = room(stack, "Refused room")
    with SmtpSink(SMTP_PORT) as sink:
        res = book(stack, rm["id"], token)
        msg = message(stack, res["id"], token)
        d = delivery_becomes(stack, msg["id"], token, "failed")
        assert sink.to(account["email"]) == []
    assert d["attempts"] == 1 and "550" in d["lastError"] and d["sentAt"] is None, d
    page = stack.get("/messages/%d" % msg["id"], auth=token, headers={"Accept": "text/html"})
    assert 'data-delivery-status="failed"' in page.body and "550" in page.body


def test_a_relay_that_wants_a_password_gets_it_from_the_url():
    """SMTP AUTH: the credentials in SMTP_URL (smtp://user:password@host, libcurl's) are
    sent when the server asks; with wrong ones nothing is sent and the message is
    retried (an operator fixes the password), never failed for good, and the password
    is in no log line."""
    port = free_port()
    secret = "s3cret-%d" % os.getpid()
    env = dict(MAIL_ENV, SMTP_URL="smtp://relay-user:%s@127.0.0.1:%d" % (secret, port))
    with SmtpSink(port, auth="relay-user:" + secret) as sink, Stack(name="email-auth", env=env) as s:
        account, token = s.new_account("Ada Auth")
        res = book(s, room(s, "Guarded room")["id"], token)
        envelope = wait_until(lambda: sink.to(account["email"]), what="the e-mail")[0][0]
        assert envelope["login"] == "relay-user", envelope
        delivery_becomes(s, message(s, res["id"], token)["id"], token, "sent")
    env["SMTP_URL"] = "smtp://relay-user:wrong@127.0.0.1:%d" % port
    with SmtpSink(port, auth="relay-user:" + secret) as sink, Stack(name="email-auth-bad", env=env) as s:
        account, token = s.new_account("Ada Refused")
        res = book(s, room(s, "Guarded room")["id"], token)
        d = delivery_becomes(s, message(s, res["id"], token)["id"], token, "retrying")
        assert d["lastError"] and "wrong" not in d["lastError"] and secret not in d["lastError"], d
        assert sink.received() == []
        logs = "".join(s.logs(p) for p in ("messages", "worker", "access", "nginx-error"))
        assert "wrong" not in logs and secret not in logs, "a password in a log"


def _retry_times(log, message_id):
    """When each failed attempt of message_id's e-mail was logged (seconds)."""
    times = []
    for line in log.splitlines():
        if "e-mail message=%d attempt=" % message_id in line and "outcome=retrying" in line:
            ts = datetime.datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ")
            times.append(ts.timestamp())
    return times


def test_server_down_retries_with_backoff_then_sends_exactly_once():
    """Two messages processes, the SMTP server down: the booking is answered at once,
    the e-mail retries with growing delays (retrying, attempts, nextAttemptAt, lastError);
    once the server is up it is sent, exactly once, and marked sent."""
    port = free_port()
    env = dict(MAIL_ENV, SMTP_URL="smtp://127.0.0.1:%d" % port)
    with Stack(name="email-down", procs=2, env=env) as s:
        account, token = s.new_account("Erin Down")
        rm = room(s, "Patient room")
        t0 = time.time()
        res = book(s, rm["id"], token)
        took = time.time() - t0
        assert took < 2.0, "the booking waited %.2fs" % took
        msg = message(s, res["id"], token)
        times = wait_until(lambda: (lambda t: t if len(t) >= 4 else None)(_retry_times(s.logs("messages"), msg["id"])),
                           timeout=30, what="four failed attempts")
        d = s.get("/messages/%d" % msg["id"], auth=token).json["delivery"]
        assert d["status"] == "retrying" and d["attempts"] >= 4, d  # attempts counts the one under way too
        assert d["lastError"] and d["nextAttemptAt"] and d["sentAt"] is None, d
        assert "connect" in d["lastError"].lower() and "127.0.0.1" not in d["lastError"], d
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert len(gaps) >= 3, times
        # 300, 600, 1200 ms (MAIL_RETRY_MS doubling): never sooner; later only by polling and load
        assert 0.28 < gaps[0] < 1.3 and 0.58 < gaps[1] < 1.6 and 1.18 < gaps[2] < 2.2, gaps
        page = s.get("/messages/%d" % msg["id"], auth=token, headers={"Accept": "text/html"})
        assert 'data-delivery-status="retrying"' in page.body and "trying again at" in page.body
        # a second booking while it is down is still answered at once
        t0 = time.time()
        book(s, rm["id"], token, nights=1, guests=1)
        assert time.time() - t0 < 2.0

        with SmtpSink(port) as sink:
            sent = delivery_becomes(s, msg["id"], token, "sent", timeout=20)
            time.sleep(3.0)  # longer than the longest backoff: any duplicate would have come
            mine = [m for m in sink.to(account["email"])
                    if m[2]["Subject"].startswith("Booking confirmed: Patient room") and "2 nights" in
                    m[2].get_body(preferencelist=("plain",)).get_content()]
        assert len(mine) == 1, [m[2]["Subject"] for m in sink.to(account["email"])]
        assert sent["attempts"] >= 5 and sent["lastError"] is None and sent["nextAttemptAt"] is None, sent
        db = sqlite3.connect(os.path.join(s.var, "db", "messages.db"), timeout=10)
        try:
            row = db.execute("SELECT status, lease_owner, lease_until_ms FROM email WHERE message_id = ?",
                             (msg["id"],)).fetchone()
        finally:
            db.close()
        assert row == ("sent", None, 0), row


def test_email_off_says_so():
    """SMTP_URL unset: nothing is sent, and each message says why."""
    with Stack(name="email-off") as s:
        rm = room(s, "Quiet room")
        res = book(s, rm["id"], s.token)
        msg = message(s, res["id"], s.token)
        d = delivery_becomes(s, msg["id"], s.token, "off")
        assert "SMTP_URL" in d["lastError"] and d["attempts"] == 0 and d["sentAt"] is None, d
        s.wait_log("messages", "e-mail is off")
        r = subprocess.run([os.path.join(s.bin, "messages"), "email-status"], env=s.env, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0 and re.search(r"(?m)^off +1$", r.stdout), r.stdout + r.stderr
        # The pages promise no e-mail, and the customer never reads the operator's setting.
        html = {"Accept": "text/html"}
        page = s.get("/reservations/%d/confirmation" % res["id"], headers=html).body
        assert "Booking confirmed" in page and "e-mail" not in page, page
        assert "A confirmation with these details is under" in page, page
        page = s.get("/messages/%d" % msg["id"], headers=html).body
        assert "Not e-mailed: this site does not send e-mail" in page and "SMTP_URL" not in page, page

