"""Search by stay (issue 8): GET /rooms (and GET /) with checkIn, checkOut and guests says,
for every room, what that stay costs there and whether the room can take it, and why not;
GET /rooms/{id} with a stay says the same for one room; a stay that breaks the booking
rules is 400 with field errors. A refused booking (409) names the night and the places
left, or the room's capacity; the quote's total is what the booking charges."""
import datetime
import re

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}

QUOTE = ("nights", "total", "available", "placesLeft", "night", "reason")
PAGE = {"Accept": "text/html"}


def day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


def words(date):
    d = datetime.date.fromisoformat(date)
    return "%s %d %s %d" % (d.strftime("%a"), d.day, d.strftime("%b"), d.year)


def room(stack, name, capacity, price):
    r = stack.post("/rooms", {"name": name, "capacity": capacity, "price": price})
    assert r.status == 201, r
    return r.json["id"]


def book(stack, room_id, check_in, guests=1, nights=1):
    r = stack.post("/reservations", {"roomId": room_id, "checkIn": check_in, "nights": nights, "guests": guests,
                                     "card": "4242424242424242"})
    assert r.status == 201, r
    return r.json


def search(stack, query, status=200):
    r = stack.get("/rooms?limit=100&" + query)
    assert r.status == status, r
    return r


def quoted(r, *ids):
    by_id = {x["id"]: x for x in r.json["items"]}
    return [{k: by_id[i][k] for k in QUOTE} for i in ids]


def test_a_search_quotes_every_room_for_the_stay(stack):
    night = day(40)
    a, b, c = room(stack, "Two places", 2, 1000), room(stack, "One place", 1, 500), room(stack, "Three", 3, 250)
    book(stack, a, night)  # one of the two places taken on that night
    r = search(stack, "checkIn=%s&checkOut=%s&guests=2" % (day(39), day(41)))
    assert quoted(r, a, b, c) == [
        {"nights": 2, "total": 4000, "available": False, "placesLeft": 1, "night": night, "reason": "sold_out"},
        {"nights": 2, "total": 2000, "available": False, "placesLeft": 1, "night": None, "reason": "too_many_guests"},
        {"nights": 2, "total": 1000, "available": True, "placesLeft": 3, "night": None, "reason": None},
    ], r
    # one guest fits everywhere; guests default to 1
    r = search(stack, "checkIn=%s&checkOut=%s" % (day(39), day(41)))
    assert [x["available"] for x in quoted(r, a, b, c)] == [True, True, True], r
    assert [x["total"] for x in quoted(r, a, b, c)] == [2000, 1000, 500]
    # the home page is the same list
    home = stack.get("/?limit=100&checkIn=%s&checkOut=%s&guests=2" % (day(39), day(41)))
    assert home.status == 200 and quoted(home, a, b, c) == quoted(search(
        stack, "checkIn=%s&checkOut=%s&guests=2" % (day(39), day(41))), a, b, c), home


def test_without_a_stay_the_list_is_as_before(stack):
    room(stack, "Plain", 1, 100)
    r = search(stack, "")
    assert r.json["items"] and not any(k in x for x in r.json["items"] for k in QUOTE), r


def test_a_stay_that_breaks_the_rules_is_400_with_field_errors(stack):
    cases = {
        "checkIn=%s&checkOut=%s" % (day(5), day(5)): [("checkOut", "must be after the check-in date")],
        "checkIn=%s&checkOut=%s" % (day(5), day(36)): [("checkOut", "must be at most 30 nights after the check-in date")],
        "checkIn=%s&checkOut=%s" % (day(-1), day(1)): [("checkIn", "must be today or later")],
        "checkIn=%s&checkOut=%s" % (day(3651), day(3652)): [("checkIn", "must be at most 3650 days from today")],
        "checkIn=%s" % day(5): [("checkOut", "is required")],
        "checkOut=%s" % day(5): [("checkIn", "is required")],
        "checkIn=2026-02-30&checkOut=%s" % day(5): [("checkIn", "is not a date of the calendar (no such day in "
                                                    "that month)")],
        "checkIn=1900-01-01&checkOut=%s" % day(5): [("checkIn", "must be a date from 1970-01-01 to 9999-12-31")],
        "checkIn=2031-13-01&checkOut=%s" % day(5): [("checkIn", "is not a date of the calendar (months go from "
                                                    "01 to 12)")],
        "checkIn=%s&checkOut=%s&guests=0" % (day(5), day(6)): [("guests", "must be 1 or more")],
        "checkIn=%s&checkOut=%s&guests=two" % (day(5), day(6)): [("guests", "must be a whole number, like 2")],
        "checkIn=%s&checkOut=%s&guests=10001" % (day(5), day(6)): [("guests", "must be 10000 or fewer")],
    }
    for query, errors in cases.items():
        r = search(stack, query, 400)
        assert r.header("Content-Type") == "application/problem+json", (query, r)
        assert [(e["field"], e["message"]) for e in r.json["errors"]] == errors, (query, r)
    # an unknown parameter is still a plain 400
    assert "'nights'" in search(stack, "checkIn=%s&nights=2" % day(5), 400).json["detail"]


def test_one_room_with_a_stay_says_the_same(stack):
    a = room(stack, "Single quote", 2, 700)
    book(stack, a, day(50), guests=2)
    r = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=1" % (a, day(49), day(52)))
    assert r.status == 200, r
    assert {k: r.json[k] for k in QUOTE} == {"nights": 3, "total": 2100, "available": False, "placesLeft": 0,
                                             "night": day(50), "reason": "sold_out"}, r
    # the calendar outlines the stay; a screen reader hears it, and which night is short
    page = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=1" % (a, day(49), day(52)),
                     headers={"Accept": "text/html"}).body
    assert page.count('<span class="stay-night visually-hidden">, a night of your stay</span>') == 2, page
    assert page.count(", a night of your stay without enough places</span>") == 1, page
    r = stack.get("/rooms/%d?nights=2&guests=2" % a)  # check-in today
    assert r.json["nights"] == 2 and r.json["total"] == 2800 and r.json["available"] is True, r
    assert not any(k in stack.get("/rooms/%d" % a).json for k in QUOTE)
    r = stack.get("/rooms/%d?checkIn=%s&checkOut=%s" % (a, day(9), day(8)))
    assert r.status == 400 and r.json["errors"] == [{"field": "checkOut", "message": "must be after the check-in date"}], r


def test_the_quoted_total_is_what_the_booking_charges(stack):
    a = room(stack, "Charged as quoted", 4, 1234)
    q = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=3" % (a, day(60), day(63))).json
    res = stack.post("/reservations", {"roomId": a, "checkIn": day(60), "checkOut": day(63), "guests": 3,
                                       "card": "4242424242424242"})
    assert res.status == 201 and res.json["amount"] == q["total"] == 1234 * 3 * 3, (res, q)


def test_a_refused_booking_says_which_night_or_how_many_guests(stack):
    a = room(stack, "Nearly full", 2, 1000)
    book(stack, a, day(70))
    r = stack.post("/reservations", {"roomId": a, "checkIn": day(69), "nights": 3, "guests": 2,
                                     "card": "4242424242424242"})
    assert r.status == 409, r
    assert (r.json["reason"], r.json["night"], r.json["placesLeft"], r.json["capacity"]) == ("sold_out", day(70), 1, 2), r
    assert r.json["detail"] == "Only 1 place left on %s. Choose fewer guests or other dates." % words(day(70)), r
    assert r.json["reservation"]["status"] == "rejected" and r.json["reservation"]["reason"] == "sold_out", r
    book(stack, a, day(70))  # now none
    r = stack.post("/reservations", {"roomId": a, "checkIn": day(70), "guests": 1})
    assert r.status == 409 and r.json["placesLeft"] == 0, r
    assert r.json["detail"] == "This room is fully booked on %s. Choose other dates." % words(day(70)), r
    r = stack.post("/reservations", {"roomId": a, "checkIn": day(80), "guests": 3})
    assert r.status == 409 and r.json["reason"] == "too_many_guests" and r.json["capacity"] == 2, r
    assert r.json["night"] is None and r.json["detail"].startswith("This room takes at most 2 guests."), r
    r = stack.post("/reservations", {"roomId": a, "checkIn": day(81), "card": "4000000000000002"})
    assert r.status == 402 and "you were not charged" in r.json["detail"], r


def test_a_stay_short_on_several_nights_names_each_one(stack):
    """Every night of the stay without enough places is named and outlined, not only the
    first: a guest told only of the first would try again from the second and be refused
    again."""
    a = room(stack, "One bed", 1, 900)
    book(stack, a, day(90))
    book(stack, a, day(91))
    short = [{"date": day(90), "available": 0}, {"date": day(91), "available": 0}]
    both = "%s and %s" % (words(day(90)), words(day(91)))
    q = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=1" % (a, day(89), day(93))).json
    assert q["available"] is False and q["night"] == day(90) and q["shortNights"] == short, q
    page = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=1" % (a, day(89), day(93)), headers=PAGE).body
    assert "This room is fully booked on %s. Choose other dates." % both in page, page
    assert page.count(", a night of your stay without enough places</span>") == 2, page
    r = stack.post("/reservations", {"roomId": a, "checkIn": day(89), "checkOut": day(93), "guests": 1})
    assert r.status == 409 and r.json["shortNights"] == short, r
    assert r.json["detail"] == "This room is fully booked on %s. Choose other dates." % both, r
    assert stack.get("/rooms/%d?checkIn=%s&checkOut=%s" % (a, day(92), day(93))).json["shortNights"] == []


def test_pages_of_the_journey(stack):
    a = room(stack, "Page room", 2, 1500)
    home = stack.get("/?checkIn=%s&checkOut=%s&guests=3" % (day(20), day(22)), headers=PAGE)
    assert home.status == 200 and "<title>Rooms for your stay" in home.body, home
    assert 'data-room-id="%d"' % a in home.body and "This room takes at most 2 guests" in home.body, home
    bad = stack.get("/?checkIn=%s&checkOut=%s" % (day(22), day(20)), headers=PAGE)
    assert bad.status == 400 and "<title>Error: " in bad.body and 'href="#checkOut"' in bad.body, bad
    page = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=2" % (a, day(20), day(22)), headers=PAGE)
    assert page.status == 200 and "60.00 EUR" in page.body and words(day(20)) in page.body, page
    assert len(re.findall(r"<form\b", page.body)) == 1 + page.body.count('class="who"'), "one booking form"
    summary = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=2" % (a, day(20), day(22)), headers=PAGE)
    assert summary.status == 200 and "Check your answers before paying" in summary.body, summary
    signed_out = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s" % (a, day(20), day(22)), headers=PAGE, auth=None)
    assert signed_out.status == 303 and signed_out.header("Location").startswith(
        "/sign-in?next=%%2Frooms%%2F%d%%2Fbook%%3FcheckIn%%3D" % a), signed_out
    assert '<div class="next">' in page.body and "Change the stay above" not in page.body, page
    # a stay the room cannot take offers no Continue that would only be refused
    book(stack, a, day(21))
    book(stack, a, day(21))
    full = stack.get("/rooms/%d?checkIn=%s&checkOut=%s&guests=1" % (a, day(20), day(22)), headers=PAGE)
    assert full.status == 200 and "Not available:" in full.body, full
    assert '<div class="next" hidden>' in full.body and "Change the stay above, then" in full.body, full
    refused = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s" % (a, day(20), day(22)), headers=PAGE)
    assert refused.status == 409 and '<div class="next" hidden>' in refused.body, refused
    # the room page model behind a refused booking's page is internal only
    assert stack.get("/internal/rooms/%d/page" % a).status == 404
    inside = stack.get("/internal/rooms/%d/page?checkIn=%s&guests=2" % (a, day(20)), internal=True)
    assert inside.status == 200 and inside.json["total"] == 3000 and inside.json["weeks"], inside


def test_the_summary_says_when_the_same_stay_is_booked_already(stack):
    """Back after paying brings "check your answers" again with a new form token: paying
    there books and charges a second time. The page says the stay is booked already and
    links the booking (booking twice stays possible); only to the account that booked."""
    from stack import wait_until
    a = room(stack, "Booked once", 3, 2500)
    stay = "/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (a, day(30), day(32))
    first = stack.get(stay, headers=PAGE)
    assert first.status == 200 and "already booked" not in first.body, first
    res = stack.post("/reservations", {"roomId": a, "checkIn": day(30), "checkOut": day(32), "guests": 1,
                                       "card": "4242424242424242"}).json
    again = stack.get(stay, headers=PAGE)
    assert again.status == 200 and "You have already booked this stay." in again.body, again
    assert 'href="/reservations/%d"' % res["id"] in again.body and "charges your card again" in again.body, again
    assert 'class="booking pay panel"' in again.body, "booking it twice stays possible"
    other_dates = stack.get("/rooms/%d/book?checkIn=%s&checkOut=%s&guests=1" % (a, day(30), day(31)), headers=PAGE)
    assert "already booked" not in other_dates.body, other_dates
    _, someone = stack.new_account("Someone else")
    theirs = stack.get(stay, headers=PAGE, auth=someone)
    assert theirs.status == 200 and "already booked" not in theirs.body, theirs
    assert stack.post("/reservations/%d/cancel" % res["id"], {}).status == 200
    wait_until(lambda: "already booked" not in stack.get(stay, headers=PAGE).body, what="the released hold")


def test_the_calendar_moves_by_five_weeks_from_this_week_to_the_horizon(stack):
    """The room page's calendar shows five weeks; 'Later weeks' and 'Earlier weeks' move it
    (keeping the stay asked for), never before this week nor past the booking horizon; a
    'from' that is not a date is a 400 like any other field."""
    import datetime
    import html as htmllib
    a = room(stack, "Calendar room", 2, 100)
    first = lambda body: re.search(r'<td class="[^"]*" data-date="([0-9-]+)"', body).group(1)
    link = lambda body, text: htmllib.unescape(re.search(r'<a (?:rel="next" )?href="([^"]+)">%s</a>' % text, body)
                                               .group(1))
    today = datetime.date.fromisoformat(day(0))
    monday = today - datetime.timedelta(days=today.weekday())
    page = stack.get("/rooms/%d" % a, headers=PAGE).body
    assert first(page) == monday.isoformat() and "Earlier weeks" not in page, first(page)
    page = stack.get(link(page, "Later weeks").split("#")[0], headers=PAGE).body
    assert first(page) == (monday + datetime.timedelta(days=35)).isoformat(), first(page)
    back = stack.get(link(page, "Earlier weeks").split("#")[0], headers=PAGE).body
    assert first(back) == monday.isoformat() and "Earlier weeks" not in back, first(back)
    # with a stay asked for: the calendar starts at its week, and its links keep it
    stay = "checkIn=%s&checkOut=%s&guests=1" % (day(60), day(61))
    page = stack.get("/rooms/%d?%s" % (a, stay), headers=PAGE).body
    check_in = datetime.date.fromisoformat(day(60))
    assert first(page) == (check_in - datetime.timedelta(days=check_in.weekday())).isoformat(), first(page)
    later = link(page, "Later weeks")
    assert later.startswith("/rooms/%d?%s&from=" % (a, stay)), later
    page = stack.get(later.split("#")[0], headers=PAGE).body
    assert 'value="%s"' % day(60) in page and "Earlier weeks" in page, "the stay asked for is kept"
    far = stack.get("/rooms/%d?from=2999-01-01" % a, headers=PAGE)
    assert far.status == 200 and "Later weeks" not in far.body and "Earlier weeks" in far.body, far
    soon = stack.get("/rooms/%d?from=soon" % a, headers=PAGE)  # a page: this week, nothing to correct
    assert soon.status == 200 and first(soon.body) == monday.isoformat(), soon
    r = stack.get("/rooms/%d?from=soon" % a)
    assert r.status == 400 and r.json["errors"][0]["field"] == "from", r
    assert stack.get("/rooms/%d?from=%s" % (a, day(40))).status == 200
