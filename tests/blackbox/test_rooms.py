"""Rooms: create, read, list, update, delete, availability, reviews."""
import os
import sqlite3
import urllib.parse


def query(stack, service, sql, *args):
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(stack.var, "db", service + ".db"), uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()[0][0]
    finally:
        con.close()


# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}


def test_minimal_room_is_created(stack):
    r = stack.post("/rooms", {"desc": "Beautiful House3"})
    assert r.status == 201, r
    assert r.header("Location") == "/rooms/%d" % r.json["id"]
    assert r.json["desc"] == "Beautiful House3" and r.json["capacity"] == 1 and r.json["price"] == 0
    assert stack.get(r.header("Location")).json == r.json


def test_an_edit_that_changes_nothing_keeps_the_time_of_the_last_change(stack):
    room = stack.post("/rooms", {"name": "Barn", "desc": "Hay", "capacity": 3, "price": 1000}).json
    path = "/rooms/%d" % room["id"]

    def modified():  # RoomModified events recorded for this room
        return query(stack, "rooms", "SELECT count(*) FROM outbox WHERE type = 'RoomModified' "
                     "AND json_extract(data, '$.roomId') = ?", room["id"])

    for same in ({}, {"name": "Barn"}, {"capacity": 3, "price": 1000, "desc": "Hay"}):
        r = stack.request("PATCH", path, json=same)
        assert r.status == 200 and r.json["updatedAt"] == room["updatedAt"], (same, r)
        r = stack.request("PUT", path, json=dict(room, **same))
        assert r.status == 200 and r.json == room, (same, r)
    assert modified() == 0  # nothing changed, so nothing for the projections to follow
    r = stack.request("PATCH", path, json={"price": 1100})
    assert r.status == 200 and r.json["updatedAt"] > room["updatedAt"], r
    assert modified() == 1
    assert stack.request("PATCH", "/rooms/999999", json={}).status == 404


def test_the_edit_form_says_when_it_changed_nothing(stack):
    room = stack.post("/rooms", {"name": "Barn", "desc": "Hay", "capacity": 3, "price": 1000}).json
    as_browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (stack.token, "c" * 32)}
    form = {"_csrf": "c" * 32, "name": "Barn", "desc": "Hay", "capacity": "3", "price": "10.00"}

    def flash(r):
        assert r.status == 303 and r.header("Location") == "/rooms/%d" % room["id"], r
        return urllib.parse.unquote(r.header("Set-Cookie").split("flash=", 1)[1].split(";", 1)[0])

    edit = "/rooms/%d/edit" % room["id"]
    assert flash(stack.post(edit, form=form, headers=as_browser, auth=None)) == "Nothing was changed."
    assert flash(stack.post(edit, form=dict(form, capacity="4"), headers=as_browser, auth=None)) == "Changes saved."


def test_the_edit_form_does_not_undo_a_change_made_after_it_was_opened(stack):
    import re
    room = stack.post("/rooms", {"name": "Loft", "desc": "Attic", "capacity": 3, "price": 1000}).json
    as_browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (stack.token, "c" * 32)}
    edit = "/rooms/%d/edit" % room["id"]

    def version(page):
        found = re.findall(r'<input type="hidden" name="_version" value="([0-9a-f]{32})">', page.body)
        assert len(found) == 1, page
        return found[0]
    opened = version(stack.get(edit, headers=as_browser, auth=None))
    form = {"_csrf": "c" * 32, "_version": opened, "name": "Loft", "desc": "Attic", "capacity": "3", "price": "12.00"}

    # A field to correct keeps the version the form was opened on.
    r = stack.post(edit, form=dict(form, capacity="0"), headers=as_browser, auth=None)
    assert r.status == 422 and version(r) == opened, r

    assert stack.request("PATCH", "/rooms/%d" % room["id"], json={"capacity": 5}).status == 200  # another tab
    r = stack.post(edit, form=form, headers=as_browser, auth=None)
    assert r.status == 409 and "Someone changed this room after you opened this form" in r.body, r
    assert 'value="12.00"' in r.body, "what was typed is kept"
    current = stack.get("/rooms/%d" % room["id"])
    assert current.json["capacity"] == 5 and current.json["price"] == 1000, "nothing was saved"
    assert version(r) == version(stack.get(edit, headers=as_browser, auth=None)) != opened, \
        "the form is now on the current version"

    r = stack.post(edit, form=dict(form, _version=version(r)), headers=as_browser, auth=None)
    assert r.status == 303, "saving again, knowing, saves"
    assert stack.get("/rooms/%d" % room["id"]).json["price"] == 1200
    r = stack.request("POST", edit, json={"price": 1300, "_version": "0" * 32})
    assert r.status == 200, "a script's JSON has If-Match; the form's field is the form's"


def test_a_review_posted_while_the_edit_form_is_open_is_no_conflict(stack):
    # The form's version covers what the form edits; a review changes the room's ETag
    # (its count and rating), not what the host is editing.
    import re
    room = stack.post("/rooms", {"name": "Reviewed", "capacity": 3, "price": 1000}).json
    as_browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (stack.token, "c" * 32)}
    edit = "/rooms/%d/edit" % room["id"]
    page = stack.get(edit, headers=as_browser, auth=None).body
    opened = re.search(r'name="_version" value="([0-9a-f]{32})"', page).group(1)
    before = stack.get("/rooms/%d" % room["id"]).header("ETag")
    stack.past_stay(room["id"])
    assert stack.post("/rooms/%d/reviews" % room["id"], {"rating": 4, "content": "fine"}).status == 201
    assert stack.get("/rooms/%d" % room["id"]).header("ETag") != before
    form = {"_csrf": "c" * 32, "_version": opened, "name": "Reviewed", "desc": "", "capacity": "3", "price": "11.00"}
    r = stack.post(edit, form=form, headers=as_browser, auth=None)
    assert r.status == 303, r
    assert stack.get("/rooms/%d" % room["id"]).json["price"] == 1100


def test_a_room_has_an_etag_that_makes_reads_and_edits_conditional(stack):
    import re
    created = stack.post("/rooms", {"name": "Tagged", "capacity": 3})
    tag, path = created.header("ETag"), created.header("Location")
    assert created.status == 201 and re.fullmatch(r'"[0-9a-f]{32}"', tag or ""), created
    r = stack.get(path)
    assert r.status == 200 and r.header("ETag") == tag, "the same bytes, the same tag"
    assert stack.request("HEAD", path).header("ETag") == tag
    for current in (tag, "W/" + tag, '"0", ' + tag, "*"):
        r = stack.get(path, headers={"If-None-Match": current})
        assert r.status == 304 and r.body == "" and r.header("ETag") == tag, (current, r)
    for other in ('"0"', tag[:-2] + '"', "garbage", tag + "x"):
        assert stack.get(path, headers={"If-None-Match": other}).status == 200, other
    assert stack.get(path + "?checkIn=2030-01-01&nights=2").header("ETag") is None, "a quote is of the moment"
    assert stack.get(path, headers={"Accept": "text/html"}).header("ETag") is None, "a page has a form token"

    # Two editors read the same version; the second one's change would undo the first's.
    first = stack.request("PATCH", path, json={"capacity": 5}, headers={"If-Match": tag})
    assert first.status == 200 and first.header("ETag") not in (None, tag), first
    assert stack.get(path).header("ETag") == first.header("ETag")
    late = stack.request("PATCH", path, json={"capacity": 4}, headers={"If-Match": tag})
    assert late.status == 412 and late.json["status"] == 412 and late.header("ETag") == first.header("ETag"), late
    assert stack.get(path).json["capacity"] == 5, "a refused precondition changes nothing"
    for weak in ("W/" + first.header("ETag"), "*, nothing"):  # If-Match compares strongly; "*" alone is a list of its own
        assert stack.request("PUT", path, json={"capacity": 4}, headers={"If-Match": weak}).status == 412, weak
    r = stack.request("PUT", path, json={"capacity": 4}, headers={"If-Match": '"0", ' + first.header("ETag")})
    assert r.status == 200 and r.json["capacity"] == 4, r
    assert stack.request("PATCH", path, json={"price": 7}, headers={"If-Match": "*"}).status == 200
    stale = r.header("ETag")
    assert stack.request("DELETE", path, headers={"If-Match": stale}).status == 412
    assert stack.get(path).status == 200
    assert stack.request("DELETE", path, headers={"If-Match": stack.get(path).header("ETag")}).status == 204
    assert stack.request("PATCH", path, json={}, headers={"If-Match": "*"}).status == 404


def test_if_match_on_reads_and_if_none_match_on_edits_are_kept_too(stack):
    # RFC 9110 §13.2.2: If-Match is checked on a read, If-None-Match on an edit; a header
    # sent empty is a list that names nothing, not a header left out.
    created = stack.post("/rooms", {"name": "Both ways", "capacity": 3})
    tag, path = created.header("ETag"), created.header("Location")
    r = stack.get(path, headers={"If-Match": '"0"'})
    assert r.status == 412 and r.json["status"] == 412 and r.header("ETag") == tag, r
    assert stack.get(path, headers={"If-Match": tag}).status == 200
    assert stack.get(path, headers={"If-Match": "*", "If-None-Match": tag}).status == 304
    assert stack.get(path, headers={"If-None-Match": ", ," + tag}).status == 304, "empty elements are no elements"
    for header, value in (("If-None-Match", "*"), ("If-None-Match", '"0", ' + tag), ("If-None-Match", "W/" + tag),
                          ("If-Match", "")):
        r = stack.request("PUT", path, json={"capacity": 9}, headers={header: value})
        assert r.status == 412 and r.header("ETag") == tag, (header, value, r)
        assert stack.request("DELETE", path, headers={header: value}).status == 412, (header, value)
    assert stack.get(path).json["capacity"] == 3, "a refused precondition changes nothing"
    r = stack.request("PATCH", path, json={"capacity": 9}, headers={"If-None-Match": '"0"'})
    assert r.status == 200 and r.json["capacity"] == 9, r
    assert stack.request("PUT", "/rooms/999999", json={"capacity": 2}, headers={"If-None-Match": "*"}).status == 404


def test_room_needs_name_or_desc(stack):
    r = stack.post("/rooms", {"capacity": 2})
    assert r.status == 422 and r.header("Content-Type") == "application/problem+json", r
    assert r.json["errors"][0]["field"] == "name"


def test_an_edit_can_empty_the_description_or_the_name_but_not_both(stack):
    room = stack.post("/rooms", {"name": "Barn", "desc": "Hay and a view"}).json
    path = "/rooms/%d" % room["id"]
    for empty in ("", "   ", None):
        assert stack.request("PATCH", path, json={"desc": "Hay and a view"}).json["desc"] == "Hay and a view"
        r = stack.request("PATCH", path, json={"desc": empty})
        assert r.status == 200 and r.json["desc"] == "" and r.json["name"] == "Barn", (empty, r)
    r = stack.request("PATCH", path, json={"name": ""})  # then it would have neither
    assert r.status == 422 and r.json["errors"] == [
        {"field": "name", "message": "Enter a name or a description for the room"}], r
    assert stack.get(path).json["name"] == "Barn"
    r = stack.request("PATCH", path, json={"name": None, "desc": "Only words now"})
    assert r.status == 200 and r.json["name"] == "" and r.json["desc"] == "Only words now", r
    assert stack.request("PATCH", path, json={"capacity": 2}).json["desc"] == "Only words now"


def test_a_name_stored_before_names_were_one_line_does_not_refuse_an_edit(stack):
    from access_support import db_exec
    room = stack.post("/rooms", {"name": "Old", "desc": "Older"}).json
    db_exec(stack, "rooms", "UPDATE room SET name = ?, \"desc\" = ? WHERE id = ?",
            ("Old\tname", "bell\u0007", room["id"]))
    path = "/rooms/%d" % room["id"]
    r = stack.request("PATCH", path, json={"name": "Old\tname", "desc": "bell\u0007", "price": 700})
    assert r.status == 200 and r.json["price"] == 700 and r.json["name"] == "Old\tname", r  # sent back as is
    r = stack.request("PATCH", path, json={"name": "New\tname"})  # a change is checked
    assert r.status == 422 and r.json["errors"][0]["field"] == "name", r


def test_capacity_cannot_drop_below_what_is_held(stack):
    room = stack.post("/rooms", {"name": "Hall", "capacity": 3}).json
    hold = stack.post("/internal/holds", {"reservationId": 900001, "roomId": room["id"],
                                          "checkIn": "2030-01-01", "nights": 1, "guests": 3}, internal=True)
    assert hold.status == 201, hold
    r = stack.request("PATCH", "/rooms/%d" % room["id"], json={"capacity": 2})
    assert r.status == 409, r
    # which night, how many, and what would do, at the field a form marks
    said = "3 places are booked on Tue 1 Jan 2030: keep at least 3 places per night."
    assert r.json["detail"] == said and r.json["errors"] == [{"field": "capacity", "message": said}], r
    as_browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (stack.token, "c" * 32)}
    page = stack.post("/rooms/%d/edit" % room["id"], form={"_csrf": "c" * 32, "name": "Hall", "capacity": "1",
                                                          "price": "0"}, headers=as_browser, auth=None)
    assert page.status == 409 and 'id="capacity-error"' in page.body and said in page.body, page
    assert stack.request("PATCH", "/rooms/%d" % room["id"], json={"capacity": 4}).json["capacity"] == 4


def test_deleted_room_is_gone(stack):
    room = stack.post("/rooms", {"name": "Shed"}).json
    assert stack.request("DELETE", "/rooms/%d" % room["id"]).status == 204
    gone = stack.get("/rooms/%d" % room["id"])
    assert gone.status == 404 and gone.json["detail"] == "room %d was deleted by its host: it is no longer offered" % room["id"], gone
    page = stack.get("/rooms/%d" % room["id"], headers={"Accept": "text/html"})
    assert page.status == 404 and "was deleted by its host" in page.body, page
    assert stack.get("/rooms/99999999").json["detail"] == "room 99999999 does not exist"
    assert stack.request("DELETE", "/rooms/%d" % room["id"]).status == 404


def test_the_delete_confirmation_counts_the_bookings_it_will_cancel(stack):
    """A host about to delete a room is told how many current or upcoming bookings it
    cancels (not a stay that is over, not one already cancelled), and afterwards what
    happened; a room without bookings says that nobody is affected."""
    import urllib.parse
    html = {"Accept": "text/html"}
    room = stack.post("/rooms", {"name": "Counted", "capacity": 5}).json["id"]
    _, guest = stack.new_account("Counted guest")
    for check_in, guests in (("2030-02-01", 2), ("2030-03-01", 1), ("2030-04-01", 1)):
        assert stack.post("/reservations", {"roomId": room, "checkIn": check_in, "guests": guests},
                          auth=guest).status == 201
    gone = stack.post("/reservations", {"roomId": room, "checkIn": "2030-05-01"}, auth=guest).json["id"]
    assert stack.post("/reservations/%d/cancel" % gone, auth=guest).status == 200
    past_stay(stack, room, guest)  # over: nothing to cancel
    from stack import wait_until
    confirm = lambda: stack.get("/rooms/%d/delete" % room, headers=html).body
    wait_until(lambda: "3 bookings of it, current or upcoming, will be cancelled" in confirm(),
               what="the three upcoming bookings counted (the cancelled one released)")
    as_browser = dict(html, Cookie="rb_session=%s; csrf=%s" % (stack.token, "c" * 32))
    r = stack.post("/rooms/%d/delete" % room, form={"_csrf": "c" * 32}, headers=as_browser, auth=None)
    assert r.status == 303 and r.header("Location") == "/rooms", r
    flash = urllib.parse.unquote(r.header("Set-Cookie").split("flash=", 1)[1].split(";", 1)[0])
    assert flash == "The room was deleted. Its 3 bookings are being cancelled and refunded; each guest is told.", flash

    empty = stack.post("/rooms", {"name": "Nobody booked"}).json["id"]
    assert "nobody is affected" in stack.get("/rooms/%d/delete" % empty, headers=html).body
    r = stack.post("/rooms/%d/delete" % empty, form={"_csrf": "c" * 32}, headers=as_browser, auth=None)
    assert "had%20no%20bookings" in r.header("Set-Cookie"), r.headers


def test_reviews_update_count_and_rating(stack):
    room = stack.post("/rooms", {"name": "Loft", "capacity": 5}).json
    stack.past_stay(room["id"])
    stack.past_stay(room["id"])
    assert stack.post("/rooms/%d/reviews" % room["id"], {"rating": 5, "content": "great"}).status == 201
    r = stack.post("/reviews", {"roomId": room["id"], "content": "ok", "rating": 2})
    assert r.status == 201, r
    got = stack.get("/rooms/%d" % room["id"]).json
    assert got["reviewCnt"] == 2 and got["rating"] == 3.5, got
    assert stack.request("DELETE", "/reviews/%d" % r.json["id"]).status == 204
    got = stack.get("/rooms/%d" % room["id"]).json
    assert got["reviewCnt"] == 1 and got["rating"] == 5, got


def test_a_review_page_is_named_by_its_room(stack):
    """A review's page says which room it reviews, by the room's name (escaped), in its
    title, heading and crumbs; a room without a name is "Room N"; the JSON is unchanged."""
    import html as htmllib
    import re
    long = "é" * 200  # longer than a title holds in bytes: cut whole, the heading whole
    for body, name in (({"name": "Pine <loft>", "capacity": 2}, "Pine <loft>"), ({"desc": "No name"}, None),
                       ({"name": long}, long)):
        room = stack.post("/rooms", body).json["id"]
        stack.past_stay(room)
        rid = stack.post("/rooms/%d/reviews" % room, {"rating": 4, "content": "fine"}).json["id"]
        name = name or "Room %d" % room
        page = stack.get("/reviews/%d" % rid, headers={"Accept": "text/html"}).body
        title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
        assert title.startswith("Review of %s" % name[:60]) and "(null)" not in title, title
        if len(name) < 60:
            assert title == "Review of %s · Roombook" % name, title
        assert "<h1>Review of %s</h1>" % htmllib.escape(name, quote=False) in page, page
        assert '<a href="/rooms/%d">%s</a>' % (room, htmllib.escape(name, quote=False)) in page, page
        assert "Review %d" % rid not in page, page
        assert "roomName" not in stack.get("/reviews/%d" % rid).json
    assert stack.get("/reviews/987654321", headers={"Accept": "text/html"}).status == 404


def test_an_edit_cannot_remove_the_capacity_or_the_price(stack):
    """null (JSON) or an emptied box (the host's form) for capacity or price is a 422 that
    names the field, not a silent "no change"; left out, they stay as they are; a name
    sent as null is still removed."""
    room = stack.post("/rooms", {"name": "Numbers", "desc": "kept", "capacity": 3, "price": 900}).json["id"]
    for field in ("capacity", "price"):
        r = stack.request("PATCH", "/rooms/%d" % room, json={field: None})
        assert r.status == 422 and [e["field"] for e in r.json["errors"]] == [field], r
    got = stack.get("/rooms/%d" % room).json
    assert (got["capacity"], got["price"]) == (3, 900), got
    r = stack.request("PATCH", "/rooms/%d" % room, json={"name": None})
    assert r.status == 200 and r.json["name"] == "" and r.json["capacity"] == 3, r
    assert stack.request("PATCH", "/rooms/%d" % room, json={"price": 0}).json["price"] == 0
    as_browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (stack.token, "c" * 32)}
    r = stack.post("/rooms/%d/edit" % room, form={"_csrf": "c" * 32, "name": "Numbers", "desc": "kept",
                                                  "capacity": "", "price": "12.00"},
                   headers=as_browser, auth=None)
    assert r.status == 422 and "Enter how many guests the room takes each night" in r.body, r
    r = stack.post("/rooms/%d/edit" % room, form={"_csrf": "c" * 32, "name": "Numbers", "desc": "kept",
                                                  "capacity": "  ", "price": "  "},
                   headers=dict(as_browser, Accept="application/json"), auth=None)
    assert r.status == 422 and sorted(e["field"] for e in r.json["errors"]) == ["capacity", "price"], \
        "one error a field: %s" % r.json["errors"]
    assert stack.get("/rooms/%d" % room).json["price"] == 0, "nothing of the refused edit was stored"


def test_availability_shows_holds(stack):
    room = stack.post("/rooms", {"name": "Suite", "capacity": 2}).json
    stack.post("/internal/holds", {"reservationId": 900002, "roomId": room["id"], "checkIn": "2030-02-02",
                                   "nights": 2, "guests": 1}, internal=True)
    r = stack.get("/rooms/%d/availability?from=2030-02-01&to=2030-02-04" % room["id"])
    assert r.status == 200, r
    assert [d["available"] for d in r.json["days"]] == [2, 1, 1, 2]


def test_internal_routes_are_not_public(stack):
    r = stack.post("/internal/holds", {"reservationId": 1, "roomId": 1, "checkIn": "2030-01-01"})
    assert r.status == 404 and r.header("Content-Type") == "application/problem+json"


def test_list_pages_with_cursor(stack):
    for i in range(3):
        stack.post("/rooms", {"name": "Page %d" % i})
    first = stack.get("/rooms?limit=2")
    assert first.status == 200 and len(first.json["items"]) == 2 and first.json["nextCursor"]
    assert 'rel="next"' in first.header("Link")
    second = stack.get("/rooms?limit=2&cursor=" + first.json["nextCursor"])
    assert second.json["items"][0]["id"] > first.json["items"][1]["id"]


def test_a_review_of_a_room_that_does_not_exist_names_the_field(stack):
    r = stack.post("/reviews", {"roomId": 987654321, "rating": 5})
    assert r.status == 422 and r.json["errors"] == [{"field": "roomId", "message": "does not exist"}], r
    assert stack.post("/rooms/987654321/reviews", {"rating": 5}).status == 404


def test_problems_carry_no_page_fields_and_a_failed_search_no_next_link(stack):
    for i in range(21):  # more than a page of rooms
        stack.post("/rooms", {"name": "Page filler %d" % i})
    r = stack.get("/rooms?checkIn=2031-01-10")
    assert r.status == 400 and r.header("Link") is None, (r, r.headers)
    assert [e["field"] for e in r.json["errors"]] == ["checkOut"], r
    assert stack.get("/rooms").header("Link")  # the plain list still pages
    room = stack.post("/rooms", {"name": "Pageless"}).json
    r = stack.request("PATCH", "/rooms/%d" % room["id"], json={"capacity": 0})
    assert r.status == 422 and "action" not in r.json and "id" not in r.json, r


def test_the_review_id_migration_keeps_reviews_and_never_gives_an_old_id():
    """schema/rooms/003 rebuilds the review table with AUTOINCREMENT: on a database with
    reviews (the newest deleted, and one more deleted that only the outbox names), every
    review stays as it was and the next one gets an id above all of them."""
    import shutil
    import sqlite3
    import subprocess
    import tempfile
    from stack import ROOT
    binary = os.path.join(os.environ.get("BIN", os.path.join(ROOT, "build", "release", "bin")), "rooms")
    with tempfile.TemporaryDirectory(prefix="rb-migrate-") as tmp:
        root, var = os.path.join(tmp, "root"), os.path.join(tmp, "var")
        shutil.copytree(os.path.join(ROOT, "schema"), os.path.join(root, "schema"))
        new = os.path.join(root, "schema", "rooms", "003-review-ids-never-reused.sql")
        os.rename(new, new + ".later")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOMBOOK_ROOT": root, "ROOMBOOK_VAR": var}

        def migrate():
            r = subprocess.run([binary, "--migrate"], env=env, capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr

        migrate()
        path = os.path.join(var, "db", "rooms.db")
        db = sqlite3.connect(path)
        with db:
            db.execute("INSERT INTO room(id, name, capacity, price, created_at, updated_at) "
                       "VALUES (1, 'r', 2, 100, '2026-01-01', '2026-01-01')")
            for i in (1, 2, 3):
                db.execute("INSERT INTO review(id, room_id, rating, content, created_at, author_id, reservation_id) "
                           "VALUES (?, 1, ?, ?, '2026-01-02', 7, ?)", (i, i, "review %d" % i, 100 + i))
            db.execute("DELETE FROM review WHERE id = 3")
            db.execute("INSERT INTO outbox(event_id, type, aggregate_type, aggregate_id, seq, occurred_at, "
                       "correlation_id, data) VALUES ('e9', 'ReviewDeleted', 'Room', 1, 1, '2026-01-03', 'c', "
                       "'{\"reviewId\": 9, \"roomId\": 1}')")
            db.execute("INSERT INTO outbox(event_id, type, aggregate_type, aggregate_id, seq, occurred_at, "
                       "correlation_id, data) VALUES ('e10', 'ReviewCreated', 'Room', 1, 2, '2026-01-03', 'c', "
                       "'{not json')")  # never written so, but a migration must not stop on it
        before = db.execute("SELECT * FROM review ORDER BY id").fetchall()
        db.close()
        os.rename(new + ".later", new)
        migrate()
        db = sqlite3.connect(path)
        assert db.execute("SELECT * FROM review ORDER BY id").fetchall() == before
        assert db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'review'").fetchone() == (9,)
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'review'")}
        assert names >= {"review", "review_room", "review_reservation"}, names
        with db:
            db.execute("INSERT INTO review(room_id, content, created_at) VALUES (1, 'new', '2026-01-04')")
        assert db.execute("SELECT max(id) FROM review").fetchone() == (10,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.close()


def test_line_breaks_in_what_hosts_and_guests_write_survive_the_pages(stack):
    """A description's line breaks come back in the edit form's textarea as they are
    (saving the form unchanged must not flatten them) and show on the room page; the
    text stays escaped."""
    import html
    desc = "First line <b>x</b> & co.\r\nSecond line\n\nThird, 'quoted' \"too\""
    room = stack.post("/rooms", {"name": "Lines", "desc": desc}).json
    page = stack.get("/rooms/%d/edit" % room["id"], headers={"Accept": "text/html"}).body
    sent = page.split('<textarea id="desc"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert html.unescape(sent) == desc and "<b>" not in sent, sent
    page = stack.get("/rooms/%d" % room["id"], headers={"Accept": "text/html"}).body
    lead = page.split('<p class="lead user-text">', 1)[1].split("</p>", 1)[0]
    assert html.unescape(lead) == desc and "<b>" not in lead, lead


def past_stay(stack, room, token):
    """Books room for token and moves the stay three days into the past (in reservations
    and in rooms' hold), so that it may be reviewed. Returns the reservation id."""
    import sqlite3
    booked = stack.post("/reservations", {"roomId": room, "checkIn": "2030-01-10"}, auth=token)
    assert booked.status == 201, booked
    rid = booked.json["id"]
    for name, sql in (("reservations", "UPDATE reservation SET check_in = date('now', '-3 days'), "
                                       "check_out = date('now', '-2 days') WHERE id = ?"),
                      ("rooms", "UPDATE hold SET check_in = date('now', '-3 days'), nights = 1 WHERE reservation_id = ?")):
        db = sqlite3.connect(os.path.join(stack.var, "db", name + ".db"), timeout=10)
        with db:
            db.execute(sql, (rid,))
        db.close()
    return rid


def test_a_past_stay_in_a_deleted_room_offers_no_review(stack):
    """The review form shows on a past stay's page, goes to the room's reviews, and is
    gone once the host deleted the room (which takes no more reviews)."""
    from stack import wait_until
    room = stack.post("/rooms", {"name": "Soon gone", "capacity": 2}).json["id"]
    guest, token = stack.new_account("Past guest")
    rid = past_stay(stack, room, token)
    page = lambda: stack.get("/reservations/%d" % rid, headers={"Accept": "text/html"}, auth=token).body
    assert "How was your stay?" in page() and 'name="_next" value="/rooms/%d#reviews-h"' % room in page()
    assert stack.request("DELETE", "/rooms/%d" % room).status == 204
    wait_until(lambda: "How was your stay?" not in page(), what="the review form gone from the stay's page")


def test_the_reviews_of_a_deleted_room_go_with_it(stack):
    """A deleted room is 404, its reviews list too, and each of its reviews: not left
    readable at /reviews/{id} by anyone who kept the link."""
    room = stack.post("/rooms", {"name": "Withdrawn", "capacity": 2}).json["id"]
    _, token = stack.new_account("Reviewer of a withdrawn room")
    past_stay(stack, room, token)
    review = stack.post("/rooms/%d/reviews" % room, {"rating": 2, "content": "Damp"}, auth=token).json["id"]
    assert stack.get("/reviews/%d" % review, auth=None).status == 200
    assert stack.request("DELETE", "/rooms/%d" % room).status == 204
    assert stack.get("/rooms/%d/reviews" % room, auth=None).status == 404
    for who in (None, token):
        r = stack.get("/reviews/%d" % review, auth=who)
        assert r.status == 404 and "Damp" not in r.body and "deleted" in r.json["detail"], r
    r = stack.get("/reviews/%d" % review, auth=token, headers={"Accept": "text/html"})
    assert r.status == 404 and "Damp" not in r.body, r


def test_a_reviewed_stay_offers_its_review_instead_of_the_form(stack):
    """Once the guest reviewed the stay, its page links to the review instead of asking
    again (a second review would be refused); when the guest deletes the review, the
    form is back."""
    from stack import wait_until
    room = stack.post("/rooms", {"name": "Reviewed once", "capacity": 2}).json["id"]
    guest, token = stack.new_account("Reviewing guest")
    rid = past_stay(stack, room, token)
    page = lambda: stack.get("/reservations/%d" % rid, headers={"Accept": "text/html"}, auth=token).body
    assert "How was your stay?" in page() and "You reviewed this stay" not in page()
    review = stack.post("/rooms/%d/reviews" % room, {"rating": 4, "content": "Quiet."}, auth=token)
    assert review.status == 201, review
    wait_until(lambda: "How was your stay?" not in page(), what="the review form gone once reviewed")
    assert 'You reviewed this stay. <a href="/reviews/%d">' % review.json["id"] in page()
    again = stack.post("/rooms/%d/reviews" % room, {"rating": 1, "content": "Again."}, auth=token)
    assert again.status == 403, again
    assert stack.request("DELETE", "/reviews/%d" % review.json["id"], auth=token).status == 204
    wait_until(lambda: "How was your stay?" in page(), what="the review form back once the review is deleted")
    assert "You reviewed this stay" not in page()
    # the reservation's JSON is unchanged: the review's id stays out of it
    assert "reviewId" not in stack.get("/reservations/%d" % rid, auth=token).json


def test_a_review_sent_from_a_stays_page_is_filed_under_that_stay(stack):
    """A guest with two past stays in one room reviews the second from its page: the
    review belongs to that stay (the form names it), not to the first; naming a stay
    that is not the caller's, or one already reviewed, is refused as any stay that
    cannot be reviewed."""
    from stack import wait_until
    room = stack.post("/rooms", {"name": "Twice stayed", "capacity": 3}).json["id"]
    _, token = stack.new_account("Returning guest")
    first, second = past_stay(stack, room, token), past_stay(stack, room, token)
    page = lambda rid: stack.get("/reservations/%d" % rid, headers={"Accept": "text/html"}, auth=token).body
    assert 'name="reservationId" value="%d"' % second in page(second)
    browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (token, "c" * 32)}
    r = stack.post("/rooms/%d/reviews" % room, form={"_csrf": "c" * 32, "roomId": str(room),
                                                     "reservationId": str(second), "rating": "5", "content": ""},
                   headers=browser, auth=None)
    assert r.status == 303, r
    wait_until(lambda: "You reviewed this stay" in page(second), what="the second stay shown as reviewed")
    assert "How was your stay?" in page(first) and "You reviewed this stay" not in page(first)
    _, other = stack.new_account("Someone else")
    theirs = past_stay(stack, room, other)
    for rid, who in ((theirs, token), (second, token), (first, other)):
        r = stack.post("/rooms/%d/reviews" % room, {"rating": 3, "reservationId": rid}, auth=who)
        assert r.status == 403, (rid, r)
    r = stack.post("/reviews", {"roomId": room, "rating": 4, "reservationId": first}, auth=token)
    assert r.status == 201, r
    bad = stack.post("/rooms/%d/reviews" % room, {"rating": 3, "reservationId": "x"}, auth=other)
    assert bad.status == 422 and bad.json["errors"][0]["field"] == "reservationId", bad


def test_a_long_name_in_a_page_title_is_cut_between_characters(stack):
    """Titles are kept in a fixed buffer: a room name of 100 two-byte characters is cut
    there, and never in the middle of a character (which showed as a replacement
    character in the tab, and made the page invalid UTF-8)."""
    import re
    name = "\u00e4" * 100
    room = stack.post("/rooms", {"name": name, "capacity": 2}).json["id"]
    assert stack.post("/reservations", {"roomId": room, "checkIn": "2030-02-01"}).status == 201
    for path in ("/rooms/%d" % room, "/rooms/%d/edit" % room, "/reservations?roomId=%d" % room):
        page = stack.get(path, headers={"Accept": "text/html"})
        assert page.status == 200, (path, page)
        title = re.search(r"<title>(.*?)</title>", page.body, re.S).group(1)
        assert "\ufffd" not in page.body and "\u00e4\u00e4\u00e4" in title, (path, title)


def test_the_author_deletes_a_review_from_its_page(stack):
    """The review's page offers its author (only) a button that deletes it and goes back
    to the stay it was written for, which may then be reviewed again."""
    room = stack.post("/rooms", {"name": "Reviewed then not", "capacity": 3}).json["id"]
    _, token = stack.new_account("Second thoughts")
    stay = past_stay(stack, room, token)
    review = stack.post("/reviews", {"roomId": room, "rating": 2, "reservationId": stay}, auth=token).json
    html = {"Accept": "text/html"}
    mine = stack.get("/reviews/%d" % review["id"], headers=html, auth=token).body
    assert 'action="/reviews/%d/delete"' % review["id"] in mine and 'href="/reservations/%d"' % stay in mine, mine
    _, other = stack.new_account("Passer-by")
    for who in (other, None):
        theirs = stack.get("/reviews/%d" % review["id"], headers=html, auth=who).body
        assert "/delete" not in theirs and "Delete this review" not in theirs, who
    form = {"_csrf": "c" * 32}
    r = stack.post("/reviews/%d/delete" % review["id"], form=form, auth=None,
                   headers={"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (other, "c" * 32)})
    assert r.status == 403, r
    r = stack.post("/reviews/%d/delete" % review["id"], form=form, auth=None,
                   headers={"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (token, "c" * 32)})
    assert r.status == 303 and r.header("Location") == "/reservations/%d" % stay, r
    assert "Your+review+was+deleted" in r.header("Set-Cookie") or "Your%20review%20was%20deleted" in r.header("Set-Cookie"), r
    assert stack.get("/reviews/%d" % review["id"]).status == 404
    r = stack.post("/reviews/%d/delete" % review["id"], form=form, auth=None,
                   headers={"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (token, "c" * 32)})
    assert r.status == 404, r


def test_my_bookings_offers_a_review_of_each_past_stay_until_it_is_written(stack):
    """A past stay's card on My bookings links to its review form ("Review this stay"),
    then, once written, to the review; deleting it offers the form again."""
    import sqlite3
    from stack import wait_until
    room = stack.post("/rooms", {"name": "Worth a word", "capacity": 3}).json["id"]
    _, token = stack.new_account("Reviewer")
    stay = past_stay(stack, room, token)

    def card():
        wait_until(lambda: 'data-reservation-id="%d"' % stay in page(), what="the stay on My bookings")
        body = page()
        return body[body.index('data-reservation-id="%d"' % stay):].split("</li>", 1)[0]
    page = lambda: stack.get("/mypage", headers={"Accept": "text/html"}, auth=token).body
    assert "Review this stay" not in card(), "an upcoming stay (as mypage knows it) is not reviewed"
    db = sqlite3.connect(os.path.join(stack.var, "db", "mypage.db"), timeout=10)
    with db:  # the stay moved into the past, as past_stay did in reservations and rooms
        db.execute("UPDATE view_reservation SET check_in = date('now', '-3 days'), "
                   "check_out = date('now', '-2 days') WHERE reservation_id = ?", (stay,))
    db.close()
    assert 'href="/reservations/%d#review-h">Review this stay</a>' % stay in card()
    review = stack.post("/reviews", {"roomId": room, "rating": 5, "reservationId": stay}, auth=token).json
    wait_until(lambda: 'href="/reviews/%d">Your review</a>' % review["id"] in card(), what="the review linked")
    assert "Review this stay" not in card()
    assert stack.request("DELETE", "/reviews/%d" % review["id"], auth=token).status == 204
    wait_until(lambda: "Review this stay" in card(), what="the form offered again")
    # a stay projected before reviews were (migration 005: review_known 0) offers nothing,
    # as it may have been reviewed; a review event of its own tells again
    db = sqlite3.connect(os.path.join(stack.var, "db", "mypage.db"), timeout=10)
    with db:
        db.execute("UPDATE view_reservation SET review_known = 0 WHERE reservation_id = ?", (stay,))
    db.close()
    assert "Review this stay" not in card() and "Your review" not in card()
    review = stack.post("/reviews", {"roomId": room, "rating": 4, "reservationId": stay}, auth=token).json
    wait_until(lambda: 'href="/reviews/%d">Your review</a>' % review["id"] in card(), what="the new review linked")
    assert stack.request("DELETE", "/reviews/%d" % review["id"], auth=token).status == 204
    wait_until(lambda: "Review this stay" in card(), what="offered once known again")


def test_the_review_form_chooses_no_rating_for_the_guest(stack):
    """The rating is five radio buttons with none chosen: a form sent without a choice is
    a 422 that asks for one (no 5 / 5 the guest never gave), keeps what was written, and a
    choice made in a form that comes back for another reason stays chosen."""
    import re
    room = stack.post("/rooms", {"name": "Pine lodge", "capacity": 3}).json["id"]
    _, token = stack.new_account("Undecided guest")
    stay = past_stay(stack, room, token)
    browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (token, "c" * 32)}
    page = stack.get("/reservations/%d" % stay, auth=None, headers=browser)
    assert page.status == 200 and page.body.count('type="radio" ') == 5 and " checked" not in page.body, page
    send = lambda form: stack.post("/rooms/%d/reviews" % room, auth=None, headers=browser, form=dict(
        {"_csrf": "c" * 32, "reservationId": str(stay)}, **form))
    r = send({"content": "Nice view"})
    assert r.status == 422 and "Give a rating from 1 to 5" in r.body, r
    assert re.search(r'<textarea[^>]*>Nice view</textarea>', r.body) and " checked" not in r.body, r
    r = send({"rating": "4", "content": "x" * 4001})
    assert r.status == 422 and re.search(r'value="4" checked', r.body), r
    assert len(re.findall(r" checked", r.body)) == 1, r
    assert send({"rating": "4", "content": "Nice view"}).status == 303
    assert stack.get("/rooms/%d" % room).json["rating"] == 4


def test_a_review_form_that_does_not_go_through_keeps_its_room_and_stay(stack):
    """A wrong rating comes back as the form named by its room, with the way back to the
    stay; a stay that may not be reviewed (here: reviewed already) shows no form again."""
    import re
    room = stack.post("/rooms", {"name": "Quiet barn", "capacity": 3}).json["id"]
    _, token = stack.new_account("Hasty reviewer")
    stay = past_stay(stack, room, token)
    browser = {"Accept": "text/html", "Cookie": "rb_session=%s; csrf=%s" % (token, "c" * 32)}
    send = lambda rating: stack.post("/rooms/%d/reviews" % room, auth=None, headers=browser, form={
        "_csrf": "c" * 32, "reservationId": str(stay), "rating": rating, "content": "Lovely",
        "_next": "/rooms/%d#reviews-h" % room})
    r = send("7")
    assert r.status == 422 and "<title>Error: Review of Quiet barn · Roombook</title>" in r.body, r
    assert 'href="/reservations/%d">Your stay</a>' % stay in r.body and 'name="rating"' in r.body, r
    assert re.search(r'<textarea[^>]*>Lovely</textarea>', r.body), "what was written is kept"
    assert '<form method="post" action="/rooms/%d/reviews"' % room in r.body, "the form posts where it came from"
    # the form as it came back, sent wrong again: still the room's, still the stay's
    again = stack.post("/rooms/%d/reviews" % room, auth=None, headers=browser, form={
        "_csrf": "c" * 32, "reservationId": str(stay), "rating": "0", "content": "Lovely"})
    assert again.status == 422 and '<form method="post" action="/rooms/%d/reviews"' % room in again.body, again
    assert 'name="reservationId" value="%d"' % stay in again.body, again
    assert send("5").status == 303
    r = send("4")
    assert r.status == 403 and "<title>Error: Review of Quiet barn · Roombook</title>" in r.body, r
    assert 'name="rating"' not in r.body and 'href="/reservations/%d">Back to your stay</a>' % stay in r.body, r


def test_a_name_that_reverses_its_own_text_is_422(stack):
    """A bidirectional override in a name makes the host read it in another order than it
    was typed ("Ann\u202eevil"): refused in a room's, a guest's and an account's name."""
    bad = "Ann\u202eliaM"
    r = stack.post("/rooms", {"name": bad, "capacity": 1})
    assert r.status == 422 and r.json["errors"][0]["field"] == "name", r
    room = stack.post("/rooms", {"name": "\u05d7\u05d3\u05e8 Room", "capacity": 1})  # right-to-left text is fine
    assert room.status == 201, room
    r = stack.post("/reservations", {"roomId": room.json["id"], "checkIn": "2030-02-01", "customer": bad})
    assert r.status == 422 and r.json["errors"][0]["field"] == "customer", r
    r = stack.post("/accounts", {"email": "bidi-%d@example.com" % os.getpid(), "password": "quiet harbour 2026",
                                 "name": "a\u2066b"}, auth=None)
    assert r.status == 422 and r.json["errors"][0]["field"] == "name", r
