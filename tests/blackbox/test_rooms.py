"""Rooms: create, read, list, update, delete, availability, reviews."""

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}


def test_minimal_room_is_created(stack):
    r = stack.post("/rooms", {"desc": "Beautiful House3"})
    assert r.status == 201, r
    assert r.header("Location") == "/rooms/%d" % r.json["id"]
    assert r.json["desc"] == "Beautiful House3" and r.json["capacity"] == 1 and r.json["price"] == 0
    assert stack.get(r.header("Location")).json == r.json


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
    assert stack.request("PATCH", "/rooms/%d" % room["id"], json={"capacity": 4}).json["capacity"] == 4


def test_deleted_room_is_gone(stack):
    room = stack.post("/rooms", {"name": "Shed"}).json
    assert stack.request("DELETE", "/rooms/%d" % room["id"]).status == 204
    assert stack.get("/rooms/%d" % room["id"]).status == 404
    assert stack.request("DELETE", "/rooms/%d" % room["id"]).status == 404


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
