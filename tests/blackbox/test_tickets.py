"""The guest's papers: booking references (short, unique, random, found by whoever may
see the booking), tickets with a short code and its QR code (decoded for real: the SVG
rasterised by rsvg-convert and read by zbarimg), and receipts for each charge and each
refund (the payer's and an admin's only)."""
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse

from access_support import book, day, db_exec, make_admin, new_room, problem, same_problem, ticket_of
from stack import OUT, ROOT, Stack, wait_until

# Every JSON response is checked against docs/api/openapi.yaml (stack.py); the seller's
# name has a character pages must escape.
STACK_OPTIONS = {"contract": True, "env": {"BUSINESS_NAME": "Harbour & Rooms <Ltd>"}}

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE = re.compile(r"RB-[2-9A-HJKMNP-Z]{6}")
CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")
# What lib/qr.c may write into a page unescaped: tags, attributes and numbers only.
INLINE_SVG = re.compile(r'<svg class="qr-code" aria-hidden="true" viewBox="0 0 (\d+) \1">'
                        r'<rect width="\1" height="\1" fill="#fff"/><path fill="#000" d="(M\d+ \d+h\d+v1h-\d+z)+"/></svg>')


def accounts(stack):
    """A host (the room's), a guest (who books) and someone else, as bearer tokens."""
    _, host = stack.new_account("Host")
    guest_account, guest = stack.new_account("Guest")
    _, other = stack.new_account("Other")
    return host, guest, other, guest_account


def decode_qr(svg_text):
    """The text of the QR code drawn by svg_text: rasterised with rsvg-convert
    (librsvg2-bin) and read with zbarimg (zbar-tools), as a phone's camera would."""
    for tool in ("rsvg-convert", "zbarimg"):
        assert shutil.which(tool), "%s missing: apt-get install librsvg2-bin zbar-tools (make deps)" % tool
    tmp = tempfile.mkdtemp(prefix="qr-", dir=OUT)
    svg, png = os.path.join(tmp, "qr.svg"), os.path.join(tmp, "qr.png")
    with open(svg, "w") as f:
        f.write(svg_text)
    subprocess.run(["rsvg-convert", "-w", "400", "-b", "white", "-o", png, svg], check=True, timeout=30)
    r = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, "zbarimg found no QR code in %s: %s" % (png, r.stderr)
    shutil.rmtree(tmp)
    return r.stdout.strip()


def symbols_value(s):
    """A reference's six symbols as a number in base 31 (to see whether they count up)."""
    v = 0
    for ch in s[3:]:
        v = v * 31 + ALPHABET.index(ch)
    return v


# ---- booking references ----

def test_references_are_short_unique_random_and_not_sequential(stack):
    rm = new_room(stack, stack.token, capacity=10000, price=500, name="Reference hall")
    refs = []
    for i in range(150):
        r = stack.post("/reservations", {"roomId": rm["id"], "checkIn": day(30 + i % 20), "card": "4242424242424242"})
        assert r.status == 201, r
        assert REFERENCE.fullmatch(r.json["reference"]), r.json
        assert stack.get("/reservations/%d" % r.json["id"]).json["reference"] == r.json["reference"]
        refs.append(r.json["reference"])
    assert len(set(refs)) == len(refs), "a reference repeats: %r" % refs
    # Not a counter: consecutive bookings' references go up about as often as down, by
    # steps of every size, and the symbols are spread over the alphabet.
    values = [symbols_value(x) for x in refs]
    ups = sum(b > a for a, b in zip(values, values[1:]))
    assert 0.3 < ups / (len(values) - 1) < 0.7, (ups, refs[:20])
    steps = {b - a for a, b in zip(values, values[1:])}
    assert len(steps) > len(values) * 0.9, "steps between references repeat: %r" % refs[:20]
    used = set("".join(x[3:] for x in refs))
    assert len(used) >= 28, "only %d of 31 symbols used in %d references" % (len(used), len(refs))
    assert not used & set("01ILO"), used


def test_a_reference_finds_the_booking_for_whoever_may_see_it(stack):
    host, guest, other, _ = accounts(stack)
    rm = new_room(stack, host, name="Lookup room")
    res = book(stack, guest, rm["id"], check_in=day(15))
    ref = res["reference"]
    for typed in (ref, ref.lower(), ref[3:], "rb " + ref[3:6] + "-" + ref[6:].lower()):
        r = stack.get("/reservations?reference=" + urllib.parse.quote_plus(typed), auth=guest)
        assert r.status == 200 and [x["id"] for x in r.json["items"]] == [res["id"]], (typed, r)
        assert r.json["items"][0] == stack.get("/reservations/%d" % res["id"], auth=guest).json
        assert r.json["nextCursor"] is None
    # The room's host may see the booking, so the reference finds it for the host too.
    assert stack.get("/reservations?reference=" + ref, auth=host).json["items"][0]["id"] == res["id"]
    # Someone else's answers exactly as a reference nobody has.
    mine = problem(stack.get("/reservations?reference=" + ref, auth=other), 404)
    unused = next("RB-" + s * 6 for s in ALPHABET if "RB-" + s * 6 != ref)
    none = stack.get("/reservations?reference=" + unused, auth=other)
    problem(none, 404)
    same_problem(stack.get("/reservations?reference=" + ref, auth=other), none)
    assert mine["detail"] == "no booking of yours has the reference %s" % ref, mine
    # What cannot be a reference (a look-alike O, too short, too long) is 400.
    for bad in ("RB-7K3Q9O", "RB-7K3Q", "RB-7K3Q9F2", "hello"):
        problem(stack.get("/reservations?reference=" + bad, auth=guest), 400)
    # Not signed in: 401 as every private route.
    problem(stack.get("/reservations?reference=" + ref, auth=None), 401)
    # A browser goes to the booking's page; that page shows the reference.
    page = stack.get("/reservations?reference=" + ref.lower(), headers=BROWSER, auth=guest)
    assert page.status == 303 and page.header("Location") == "/reservations/%d" % res["id"], page
    shown = stack.get("/reservations/%d" % res["id"], headers=BROWSER, auth=guest)
    assert shown.status == 200 and '<strong class="reference">%s</strong>' % ref in shown.body
    listed = stack.get("/reservations", headers=BROWSER, auth=guest)
    assert ref in listed.body and 'name="reference"' in listed.body
    # A reference that finds nothing brings the list back, with what was typed and why at
    # the field, not a dead-end error page.
    for typed, status, why in (("rb-7k3q9o", 400, "That is not a booking reference"),
                               (unused.lower(), 404, "No booking of yours has the reference " + unused)):
        page = stack.get("/reservations?reference=" + typed, headers=BROWSER, auth=guest)
        assert page.status == status, page
        assert "<title>Error: Reservations · Roombook</title>" in page.body, page.body[:400]
        assert '<p class="field-error" id="reference-error"><span class="visually-hidden">Error:</span> ' + why \
            in page.body, page.body
        field = re.search(r'<input id="reference"[^>]*>', page.body).group(0)
        assert 'value="%s"' % typed in field and 'aria-invalid="true"' in field, field
        assert '<a href="#reference">' + why in page.body and ref in page.body, "the summary, and the list"
    # its next page is the list's, not the reference asked again
    book(stack, guest, rm["id"], check_in=day(16))
    page = stack.get("/reservations?limit=1&reference=hello", headers=BROWSER, auth=guest)
    assert page.status == 400 and "cursor=" in page.header("Link") and "reference" not in page.header("Link"), page
    # on one room's list the room is still named
    page = stack.get("/reservations?roomId=%d&reference=hello" % rm["id"], headers=BROWSER, auth=host)
    assert page.status == 400 and "<h1>Bookings of Lookup room</h1>" in page.body, page.body


def test_a_rooms_bookings_page_is_headed_by_its_name_as_it_is_now(stack):
    """The host's list of one room's bookings is named by the room as it is named now:
    not by the name its newest booking was made under, nor 'room N' before any booking."""
    host, guest, _, _ = accounts(stack)
    rm = new_room(stack, host, name="Old barn")
    heading = lambda: re.search(r"<h1>(.*?)</h1>", stack.get("/reservations?roomId=%d" % rm["id"], headers=BROWSER,
                                                             auth=host).body).group(1)
    assert heading() == "Bookings of Old barn"
    book(stack, guest, rm["id"])
    r = stack.request("PATCH", "/rooms/%d" % rm["id"], {"name": "New barn"}, auth=host)
    assert r.status == 200, r
    assert heading() == "Bookings of New barn"


def test_bookings_made_before_references_get_one_when_the_stack_is_upgraded():
    """Migration 005 run again on a database without the column (as before it shipped):
    every existing reservation gets a well-formed, distinct reference, and lookups work."""
    s = Stack(name="tickets-upgrade")
    try:
        s.start(timeout=90)
        rm = new_room(s, s.token, capacity=50, name="Old room")
        ids = [book(s, s.token, rm["id"], check_in=day(5 + i))["id"] for i in range(12)]
        wait_until(lambda: all(s.get("/tickets?reservationId=%d" % i).json["items"] for i in ids), what="tickets")
        s.ctl("stop", "all")
        db_exec(s, "reservations", "DROP TRIGGER reservation_reference_drawn")
        db_exec(s, "reservations", "DROP INDEX reservation_reference")
        db_exec(s, "reservations", "ALTER TABLE reservation DROP COLUMN reference")
        db_exec(s, "reservations", "ALTER TABLE reservation DROP COLUMN ticket_id")
        db_exec(s, "reservations", "DELETE FROM schema_migration WHERE name LIKE '%005-reference.sql'")
        s.ctl("start", "all")
        s.wait_ready(timeout=90)
        refs = db_exec(s, "reservations", "SELECT id, reference FROM reservation ORDER BY id")
        assert [r[0] for r in refs] == ids, refs
        assert all(REFERENCE.fullmatch(r[1]) for r in refs), refs
        assert len({r[1] for r in refs}) == len(refs), refs
        found = s.get("/reservations?reference=" + refs[3][1])
        assert found.status == 200 and found.json["items"][0]["id"] == ids[3], found
        # New bookings go on getting references beside the old ones, and so does a row an
        # operator inserts by hand (the migration's trigger draws one).
        new = book(s, s.token, rm["id"], check_in=day(40))
        assert REFERENCE.fullmatch(new["reference"]) and new["reference"] not in {r[1] for r in refs}
        db_exec(s, "reservations", "INSERT INTO reservation(room_id, check_in, check_out, nights, guests, customer, "
                "currency, status, created_at, updated_at) VALUES (?, ?, ?, 1, 1, 'x', 'EUR', 'failed', "
                "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')", (rm["id"], day(50), day(51)))
        by_hand = db_exec(s, "reservations", "SELECT reference FROM reservation ORDER BY id DESC LIMIT 1")[0][0]
        assert REFERENCE.fullmatch(by_hand or ""), by_hand
    finally:
        s.stop()


def test_a_reference_or_ticket_code_that_collides_is_drawn_again():
    """Collisions are made common on purpose: an extra unique index on the first symbol
    of references and of ticket codes (31 values) in a new stack. Twelve bookings then
    collide about three times (the chance that none does is 9 %), and each must still
    succeed with a reference and a ticket code drawn again."""
    s = Stack(name="tickets-collide")
    try:
        s.start(timeout=90)
        db_exec(s, "reservations", "CREATE UNIQUE INDEX test_first_symbol ON reservation(substr(reference, 4, 1))")
        db_exec(s, "tickets", "CREATE UNIQUE INDEX test_first_symbol ON ticket(substr(code, 1, 1))")
        rm = new_room(s, s.token, capacity=50, name="Crowded alphabet")
        res = [book(s, s.token, rm["id"], check_in=day(3 + i)) for i in range(12)]
        assert len({r["reference"][3] for r in res}) == 12, [r["reference"] for r in res]
        codes = [ticket_of(s, s.token, r["id"])["code"] for r in res]
        assert all(CODE.fullmatch(c) for c in codes) and len({c[0] for c in codes}) == 12, codes
    finally:
        s.stop()


# ---- tickets ----

def test_the_ticket_code_is_short_and_its_qr_code_decodes_to_it(stack):
    host, guest, other, _ = accounts(stack)
    rm = new_room(stack, host, name='Loft <script>alert("x")</script> & sea')
    res = book(stack, guest, rm["id"], check_in=day(12), nights=2)
    t = ticket_of(stack, guest, res["id"])
    assert CODE.fullmatch(t["code"]), t
    assert (t["reference"], t["roomId"], t["checkIn"], t["checkOut"], t["nights"], t["guests"]) == \
        (res["reference"], rm["id"], day(12), day(14), 2, 1), t
    assert t["roomName"] == rm["name"] and t["customer"] == res["customer"], t
    qr = stack.get("/tickets/%d/qr.svg" % t["id"], auth=guest, headers={"Accept": "image/svg+xml"})
    assert qr.status == 200 and qr.header("Content-Type") == "image/svg+xml", qr
    assert "default-src 'none'" in (qr.header("Content-Security-Policy") or ""), qr.headers
    assert qr.header("X-Content-Type-Options") == "nosniff"
    assert qr.body.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in qr.body, qr.body[:200]
    assert t["code"] not in qr.body, "the SVG draws the code, it does not contain its text"
    assert decode_qr(qr.body) == t["code"]
    # The ticket's page: the stay with weekdays, the reference, the code that never
    # breaks, and the same QR code inline (tags and numbers only, decodes the same).
    page = stack.get("/tickets/%d" % t["id"], headers=BROWSER, auth=guest)
    assert page.status == 200, page
    body = page.body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; sea" in body or \
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; sea" in body, body
    assert "<script" not in body
    from datetime import date
    for d in (day(12), day(14)):
        assert date.fromisoformat(d).strftime("%a ") in body and date.fromisoformat(d).strftime(" %b %Y") in body
    assert '<strong class="reference">%s</strong>' % res["reference"] in body
    assert '<code class="ticket-code">%s</code>' % t["code"] in body
    inline = re.findall(r"<svg.*?</svg>", body, re.S)
    assert len(inline) == 1 and INLINE_SVG.fullmatch(inline[0]), inline
    standalone = inline[0].replace('<svg class="qr-code"', '<svg xmlns="http://www.w3.org/2000/svg" class="qr-code"')
    assert decode_qr(standalone) == t["code"]


def test_the_tickets_page_names_each_stay_and_a_booking_without_one_says_so(stack):
    """The guest's tickets page names the room, the stay and the booking reference of
    each ticket (not bare ids); one booking's tickets before its ticket exists say that
    it comes in a moment; the confirmation page links straight to an issued ticket."""
    host, guest, _, _ = accounts(stack)
    room = new_room(stack, host, name="Tide <room>")["id"]
    res = book(stack, guest, room)
    ticket = ticket_of(stack, guest, res["id"])
    page = stack.get("/tickets", headers=BROWSER, auth=guest).body
    row = re.search(r'<li class="booking-card" data-ticket-id="%d".*?</li>' % ticket["id"], page, re.S).group(0)
    assert '<a href="/tickets/%d">Tide &lt;room&gt;</a>' % ticket["id"] in row, row
    assert '<a href="/reservations/%d">%s</a>' % (res["id"], res["reference"]) in row, row
    assert ticket["code"] in row and "Valid" in row, row  # as the ticket itself says
    assert "to" in row and re.search(r"\d{4} to \w{3} \d+ \w{3} \d{4}", row), row
    confirmation = stack.get("/reservations/%d/confirmation" % res["id"], headers=BROWSER, auth=guest).body
    assert '<a href="/tickets/%d">Your ticket</a>' % ticket["id"] in confirmation
    # a booking whose ticket is not there (a refused one never gets one): no "No tickets."
    # but what to expect; the JSON list stays a plain list
    refused = stack.post("/reservations", {"roomId": room, "checkIn": day(40), "guests": 99}, auth=guest)
    assert refused.status == 409, refused
    rid = refused.json["reservation"]["id"]
    pending = stack.get("/tickets?reservationId=%d" % rid, headers=BROWSER, auth=guest).body
    assert 'No ticket for <a href="/reservations/%d">this booking</a> yet.' % rid in pending
    assert stack.get("/tickets?reservationId=%d" % rid, auth=guest).json == {"items": [], "nextCursor": None}


def test_the_host_and_others_never_see_the_code_or_its_qr(stack):
    host, guest, other, _ = accounts(stack)
    rm = new_room(stack, host, name="Private QR room")
    res = book(stack, guest, rm["id"], check_in=day(13))
    t = ticket_of(stack, guest, res["id"])
    page = stack.get("/tickets/%d" % t["id"], headers=BROWSER, auth=host)
    assert page.status == 200 and t["code"] not in page.body and "<svg" not in page.body, page
    assert "shown to the guest only" in page.body
    for who in (host, other):
        problem(stack.get("/tickets/%d/qr.svg" % t["id"], auth=who), 404)
    problem(stack.get("/tickets/999999/qr.svg", auth=guest), 404)
    same_problem(stack.get("/tickets/%d/qr.svg" % t["id"], auth=other), stack.get("/tickets/999999/qr.svg", auth=other))
    problem(stack.get("/tickets/%d/qr.svg" % t["id"], auth=None), 401)
    # A voided ticket admits nobody: no QR code any more, and its page says why.
    assert stack.post("/reservations/%d/cancel" % res["id"], auth=guest).status == 200
    wait_until(lambda: stack.get("/tickets/%d" % t["id"], auth=guest).json["status"] == "voided", what="voided")
    problem(stack.get("/tickets/%d/qr.svg" % t["id"], auth=guest), 404)
    page = stack.get("/tickets/%d" % t["id"], headers=BROWSER, auth=guest)
    assert "<svg" not in page.body and "was voided" in page.body and t["code"] in page.body, page.body


def test_a_ticket_code_issued_before_the_short_codes_still_shows_and_decodes(stack):
    """Codes already given to guests stay valid: a 32-hex-digit code (as issued before)
    is shown and drawn as it is."""
    host, guest, other, _ = accounts(stack)
    rm = new_room(stack, host, name="Legacy code room")
    res = book(stack, guest, rm["id"], check_in=day(16))
    t = ticket_of(stack, guest, res["id"])
    old = "0123456789abcdef0123456789abcdef"
    db_exec(stack, "tickets", "UPDATE ticket SET code = ? WHERE id = ?", (old, t["id"]))
    assert stack.get("/tickets/%d" % t["id"], auth=guest).json["code"] == old
    assert decode_qr(stack.get("/tickets/%d/qr.svg" % t["id"], auth=guest, headers={"Accept": "image/svg+xml"}).body) == old


def test_no_template_but_the_tickets_qr_is_unescaped():
    """{{X:none}} prints X as it is: only the QR code (lib/qr.c's markup) may be."""
    found = []
    folder = os.path.join(ROOT, "templates")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name)) as f:
            for m in re.finditer(r"\{\{[^}]*:none[^}]*\}\}", f.read()):
                found.append((name, m.group(0)))
    assert found == [("ticket.tpl", "{{QR_SVG:none}}")], found


# ---- receipts ----

def test_receipts_of_a_charge_and_of_its_refund(stack):
    host, guest, other, _ = accounts(stack)
    rm = new_room(stack, host, name="Receipt room", price=6000)
    r = stack.post("/reservations", {"roomId": rm["id"], "checkIn": day(20), "nights": 2, "guests": 1,
                                     "card": "5555 4444 3333 1111"}, auth=guest)
    assert r.status == 201, r
    res = r.json
    pid = res["paymentId"]
    rc = stack.get("/payments/%d/receipt" % pid, auth=guest)
    assert rc.status == 200, rc
    rec = rc.json
    assert rec["number"] == "P-%06d" % pid and rec["kind"] == "payment" and rec["status"] == "approved", rec
    assert rec["seller"] == "Harbour & Rooms <Ltd>" and rec["reference"] == res["reference"], rec
    assert (rec["roomName"], rec["checkIn"], rec["checkOut"], rec["nights"], rec["guests"]) == \
        ("Receipt room", day(20), day(22), 2, 1), rec
    assert (rec["amount"], rec["currency"], rec["cardLast4"]) == (12000, "EUR", "1111"), rec
    assert rec["issuedOn"] == rec["issuedAt"][:10] and rec["timeZone"] == "UTC", rec
    assert "accountId" not in rec and "card" not in rec
    html = stack.get("/payments/%d/receipt" % pid, headers=BROWSER, auth=guest)
    assert html.status == 200, html
    for text in ("Receipt</h1>", "P-%06d" % pid, "Harbour &amp; Rooms &lt;Ltd&gt;", res["reference"],
                 "120.00 EUR", "ending in <span class=\"card-last4\">1111</span>", "Paid</dd>"):
        assert text in html.body, (text, html.body)
    assert "5555" not in html.body and "4444" not in html.body
    # No refund yet: no refund receipt.
    problem(stack.get("/payments/%d/refund-receipt" % pid, auth=guest), 404)
    # The room's host sees the payment (without the card) but no receipt; others nothing.
    assert "cardLast4" not in stack.get("/payments/%d" % pid, auth=host).json
    for who in (host, other):
        same_problem(stack.get("/payments/%d/receipt" % pid, auth=who), stack.get("/payments/999999/receipt", auth=who))
        problem(stack.get("/payments/%d/receipt" % pid, auth=who), 404)
        page = stack.get("/payments/%d/receipt" % pid, headers=BROWSER, auth=who)
        assert page.status == 404 and "1111" not in page.body
    problem(stack.get("/payments/%d/receipt" % pid, auth=None), 401)
    # Links: the payment page and the reservation page lead the payer to the receipt.
    assert 'href="/payments/%d/receipt"' % pid in stack.get("/payments/%d" % pid, headers=BROWSER, auth=guest).body
    assert 'href="/payments/%d/receipt"' % pid in stack.get("/reservations/%d" % res["id"], headers=BROWSER,
                                                            auth=guest).body
    assert 'href="/payments/%d/receipt"' % pid not in stack.get("/payments/%d" % pid, headers=BROWSER, auth=host).body
    # Cancelled: refunded, and the refund has its own receipt.
    assert stack.post("/reservations/%d/cancel" % res["id"], auth=guest).status == 200
    wait_until(lambda: stack.get("/payments/%d" % pid, auth=guest).json["status"] == "refunded", what="refund")
    rf = stack.get("/payments/%d/refund-receipt" % pid, auth=guest)
    assert rf.status == 200, rf
    assert rf.json["number"] == "RF-%06d" % pid and rf.json["kind"] == "refund" and rf.json["status"] == "refunded"
    assert rf.json["issuedAt"] == rf.json["refundedAt"] >= rf.json["paidAt"], rf.json
    assert rf.json["amount"] == 12000 and rf.json["cardLast4"] == "1111"
    page = stack.get("/payments/%d/refund-receipt" % pid, headers=BROWSER, auth=guest).body
    for text in ("Refund receipt</h1>", "RF-%06d" % pid, "Refunded in full", "Total refunded", "120.00 EUR"):
        assert text in page, (text, page)
    # The charge's receipt now says it was refunded, and links to the refund's.
    charge = stack.get("/payments/%d/receipt" % pid, headers=BROWSER, auth=guest).body
    assert "since refunded" in charge and 'href="/payments/%d/refund-receipt"' % pid in charge
    for who in (host, other):
        problem(stack.get("/payments/%d/refund-receipt" % pid, auth=who), 404)


def test_an_admin_sees_receipts_and_a_declined_payment_has_none(stack):
    host, guest, other, _ = accounts(stack)
    admin_account, admin = stack.new_account("Receipts admin")
    make_admin(stack, admin_account)
    rm = new_room(stack, host, name="Declined room")
    ok = book(stack, guest, rm["id"], check_in=day(21))
    assert stack.get("/payments/%d/receipt" % ok["paymentId"], auth=admin).json["cardLast4"] == "4242"
    r = stack.post("/reservations", {"roomId": rm["id"], "checkIn": day(22), "card": "4000000000000002"}, auth=guest)
    assert r.status == 402, r
    pid = r.json["reservation"]["paymentId"]
    assert stack.get("/payments/%d" % pid, auth=guest).json["status"] == "declined"
    p = problem(stack.get("/payments/%d/receipt" % pid, auth=guest), 404)
    assert "nothing was charged" in p["detail"], p


def my_card(stack, token, reservation_id):
    """The booking's card on My bookings as the page shows it now ("" while it is not there
    yet: for wait_until)."""
    m = re.search(r'<li class="booking-card" data-reservation-id="%d".*?</li>' % reservation_id,
                  stack.get("/mypage", headers=BROWSER, auth=token).body, re.S)
    return m.group(0) if m else ""


def test_a_cancelled_bookings_ticket_is_never_shown_valid_while_it_waits_to_be_voided(stack):
    """Cancelled, the booking's ticket is voided a moment later (the worker carries the
    cancellation to tickets, then the voiding to mypage and reservations): meanwhile
    mypage and the booking's page say it is being voided, not valid. The moment is made
    to last by putting the two views back as they are during it."""
    _, host, _, _ = accounts(stack)
    room = new_room(stack, host, name="Brief stay")["id"]
    _, guest = stack.new_account("Changed plans")
    res = book(stack, guest, room)
    ticket_of(stack, guest, res["id"])
    card = lambda: my_card(stack, guest, res["id"])
    wait_until(lambda: "Valid" in card(), what="the ticket shown valid on mypage")
    assert stack.post("/reservations/%d/cancel" % res["id"], auth=guest).status == 200
    # both views have applied everything (each reads the events at its own pace)
    wait_until(lambda: "Voided" in card() and "Cancelled" in card(), what="mypage: cancelled, its ticket voided")
    wait_until(lambda: ">Voided<" in stack.get("/reservations/%d" % res["id"], headers=BROWSER, auth=guest).body,
               what="the booking's page: its ticket voided")
    db_exec(stack, "mypage", "UPDATE view_reservation SET ticket_status = 'issued' WHERE reservation_id = ?",
            (res["id"],))
    db_exec(stack, "reservations", "UPDATE reservation SET ticket_status = 'issued' WHERE id = ?", (res["id"],))
    assert "Being voided" in card() and "Valid" not in card(), card()
    page = stack.get("/reservations/%d" % res["id"], headers=BROWSER, auth=guest).body
    assert "Being voided" in page and ">Valid<" not in page, page


def test_my_bookings_shows_each_bookings_reference(stack):
    """The confirmation asks the guest to quote the booking's reference: My bookings shows
    it on the booking's card, so that it is found without opening each booking."""
    _, host, _, _ = accounts(stack)
    room = new_room(stack, host, name="Quoted")["id"]
    _, guest = stack.new_account("Quoting guest")
    res = book(stack, guest, room)
    wait_until(lambda: '<dd class="reference">%s</dd>' % res["reference"] in my_card(stack, guest, res["id"]),
               what="the reference on the card")
