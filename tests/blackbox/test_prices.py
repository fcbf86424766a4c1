"""Prices on the host's HTML form are typed in currency units ("120.50") and read
strictly; the JSON API keeps integer minor units (`price`) both ways. Pages show money
as "120.50 EUR", and a page that answers an error is titled "Error: ...". Against the
real stack."""
import html
import re

from access_support import problem

CSRF = "d" * 32
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def form(stack, path, fields, accept="application/json"):
    """A host's form post (session cookie and CSRF token, as a browser sends it)."""
    _, tok = stack.new_account("Host")
    body = dict(fields, _csrf=CSRF)
    return stack.request("POST", path, form=body, auth=None,
                         headers={"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "Accept": accept})


def create(stack, price, accept="application/json"):
    return form(stack, "/rooms", {"name": "Form-priced room", "capacity": "2", "price": price}, accept)


def test_form_prices_in_units_become_minor_units(stack):
    for typed, minor in (("120", 12000), ("120.5", 12050), ("120.50", 12050), (" 0.07 ", 7), ("0", 0),
                         ("10000000.00", 1000000000)):
        r = create(stack, typed)
        assert r.status == 201, (typed, r)
        assert r.json["price"] == minor and isinstance(r.json["price"], int), (typed, r.json)
        assert stack.get("/rooms/%d" % r.json["id"]).json["price"] == minor, typed


def test_form_prices_that_are_not_amounts_are_422_with_a_plain_message(stack):
    for typed, says in (("12.345", "must have at most 2 decimals, such as 120 or 120.50"),
                        ("-5", "must not be negative"),
                        ("abc", "must be an amount such as 120 or 120.50"),
                        ("1,200", "must use a point for the decimals and no thousands separator, such as 120 or 120.50"),
                        ("1e3", "must be an amount such as 120 or 120.50"),
                        ("12.", "must be an amount such as 120 or 120.50"),
                        ("10000000.01", "must be at most 10,000,000.00")):
        before = len(stack.get("/rooms?limit=100").json["items"])
        body = problem(create(stack, typed), 422)
        assert body["errors"] == [{"field": "price", "message": says}], (typed, body)
        assert body["detail"] == "some fields are missing or not valid", body
        assert len(stack.get("/rooms?limit=100").json["items"]) == before, "nothing stored for %r" % typed


def test_an_empty_form_price_is_free_on_create_and_asked_for_on_edit(stack):
    """A new room's price box left empty is a free room; an edit's emptied box is not
    read as "unchanged" (the form always shows the price): the host is asked for one."""
    r = create(stack, "")
    assert r.status == 201 and r.json["price"] == 0, r
    _, tok = stack.new_account("Editor")
    cookie = {"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), "Accept": "application/json"}
    room = stack.post("/rooms", {"name": "Edited by form", "price": 4550}, auth=tok)
    assert room.status == 201, room
    path = "/rooms/%d/edit" % room.json["id"]
    r = stack.request("POST", path, form={"_csrf": CSRF, "price": "", "capacity": "3"}, auth=None, headers=cookie)
    assert problem(r, 422)["errors"] == [{"field": "price", "message": "Enter a price (0 for free)"}], r
    r = stack.request("POST", path, form={"_csrf": CSRF, "capacity": "3"}, auth=None, headers=cookie)
    assert r.status == 200 and r.json["price"] == 4550 and r.json["capacity"] == 3, "a price not sent is kept"
    r = stack.request("POST", path, form={"_csrf": CSRF, "price": "99.9"}, auth=None, headers=cookie)
    assert r.status == 200 and r.json["price"] == 9990, r
    r = stack.request("POST", path, form={"_csrf": CSRF, "price": "99.999"}, auth=None, headers=cookie)
    assert problem(r, 422)["errors"][0]["field"] == "price", r
    assert stack.get("/rooms/%d" % room.json["id"]).json["price"] == 9990
    r = stack.request("POST", path, form={"_csrf": CSRF, "name": "Edited by form", "desc": "Gone soon"},
                      auth=None, headers=cookie)
    assert r.status == 200 and r.json["desc"] == "Gone soon", r
    r = stack.request("POST", path, form={"_csrf": CSRF, "name": "Edited by form", "desc": "", "price": "99.90"},
                      auth=None, headers=cookie)  # the host emptied the description's box
    assert r.status == 200 and r.json["desc"] == "" and r.json["price"] == 9990, r


def test_json_prices_stay_integer_minor_units(stack):
    r = stack.post("/rooms", {"name": "JSON-priced room", "price": 12050})
    assert r.status == 201 and r.json["price"] == 12050 and r.json["currency"] == "EUR", r
    for wrong in ("120.50", 120.5, -1):
        body = problem(stack.post("/rooms", {"name": "JSON-priced room", "price": wrong}), 422)
        assert [e["field"] for e in body["errors"]] == ["price"], (wrong, body)
    r = stack.request("PATCH", "/rooms/%d" % r.json["id"], json={"price": 9900})
    assert r.status == 200 and r.json["price"] == 9900, r


def test_pages_show_the_price_in_units_and_money_with_its_currency(stack):
    _, tok = stack.new_account("Host")
    room = stack.post("/rooms", {"name": "Shown room", "price": 123456, "capacity": 1}, auth=tok).json
    cookie = {"Cookie": "rb_session=%s; csrf=%s" % (tok, CSRF), **BROWSER}
    page = stack.get("/rooms/%d/edit" % room["id"], auth=None, headers=cookie)
    assert page.status == 200, page
    field = re.search(r'<input[^>]*id="price"[^>]*>', page.body).group(0)
    assert 'value="1234.56"' in field and 'inputmode="decimal"' in field, field
    assert "Price per guest per night, in EUR" in page.body
    shown = stack.get("/rooms/%d" % room["id"], headers=BROWSER)
    assert "1,234.56 EUR per guest per night" in html.unescape(shown.body), shown.body
    assert "1 place per night" in shown.body


def test_error_pages_and_forms_with_errors_are_titled_error(stack):
    r = stack.get("/rooms/987654321", headers=BROWSER)
    assert r.status == 404 and "<title>Error: Not found · Roombook</title>" in r.body, r.body[:600]
    r = create(stack, "12.345", accept=BROWSER["Accept"])
    assert r.status == 422, r
    assert "<title>Error: Host a room · Roombook</title>" in r.body, r.body[:600]
    field = re.search(r'<input[^>]*id="price"[^>]*>', r.body).group(0)
    assert 'aria-invalid="true"' in field and re.search(r'aria-describedby="price-hint price-error"', field), field
    assert '<p class="field-error" id="price-error"><span class="visually-hidden">Error:</span> ' \
        'Price must have at most 2 decimals, such as 120 or 120.50</p>' \
        in r.body, r.body
    assert '<a href="#price">Price must have at most 2 decimals, such as 120 or 120.50</a>' in r.body
    r = stack.get("/rooms", headers=BROWSER)
    assert re.search(r"<title>Find a room · Roombook</title>", r.body) and 'href="/rooms" aria-current="page"' in r.body
    r = stack.get("/no/such/page", headers=BROWSER)  # rooms' router answers an address nobody serves
    assert r.status == 404 and "<title>Error: Not found · Roombook</title>" in r.body, r.body[:600]
    r = stack.get("/internal/holds", headers=BROWSER)  # the gateway's own page
    assert r.status == 404 and "<title>Error: Not Found · Roombook</title>" in r.body, r.body[:600]


def test_a_booking_is_charged_the_total_the_guest_was_shown_or_refused(stack):
    """The summary before paying sends the total it showed (expectedTotal); a host who
    changed the price in between gets the booking refused (409 price_changed, nothing
    held or charged) instead of the guest charged a total never shown."""
    import datetime
    day = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()
    room = stack.post("/rooms", {"name": "Repriced loft", "capacity": 3, "price": 1000}).json["id"]
    _, guest = stack.new_account("Careful guest")
    stay = "/rooms/%d/book?checkIn=%s&nights=2&guests=2" % (room, day)
    summary = stack.get(stay, headers=BROWSER, auth=guest).body
    assert '<input type="hidden" name="expectedTotal" value="4000">' in summary, summary
    assert stack.request("PATCH", "/rooms/%d" % room, json={"price": 9000}).status == 200  # the host, meanwhile
    token = re.search(r'name="_form" value="([^"]+)"', summary).group(1)
    page = stack.request("POST", "/reservations", auth=None, form={
        "_csrf": CSRF, "_form": token, "roomId": str(room), "checkIn": day, "nights": "2", "guests": "2",
        "customer": "Careful guest", "expectedTotal": "4000", "card": "4242424242424242"},
        headers={"Cookie": "rb_session=%s; csrf=%s" % (guest, CSRF), "Accept": BROWSER["Accept"]})
    assert page.status == 409 and "The price of this room changed since you checked" in html.unescape(page.body), page
    assert "360.00 EUR" in page.body, "the new total is said"
    # the same over JSON: the reservation is rejected for it, nothing held, nothing paid
    r = stack.post("/reservations", {"roomId": room, "checkIn": day, "nights": 2, "guests": 2, "expectedTotal": 4000,
                                     "card": "4242424242424242"}, auth=guest)
    assert r.status == 409 and r.json["reason"] == "price_changed" and r.json["total"] == 36000, r
    assert r.json["reservation"]["status"] == "rejected" and r.json["reservation"]["reason"] == "price_changed", r
    assert stack.get("/payments?reservationId=%d" % r.json["reservation"]["id"], auth=guest).json["items"] == []
    days = stack.get("/rooms/%d/availability?from=%s&to=%s" % (room, day, day)).json["days"]
    assert days[0]["held"] == 0, days
    ok = stack.post("/reservations", {"roomId": room, "checkIn": day, "nights": 2, "guests": 2, "expectedTotal": 36000,
                                      "card": "4242424242424242"}, auth=guest)
    assert ok.status == 201 and ok.json["amount"] == 36000, ok
    problem(stack.post("/reservations", {"roomId": room, "checkIn": day, "expectedTotal": -1}, auth=guest), 422)
