"""HTTP conventions of SPEC §3 at the real gateway: problem+json for every error (ours
and nginx's own), 400/404/405/413/415/422/429/503, request ids, HEAD, health, static
files, content negotiation, and docs/api/openapi.yaml kept in step with the routes."""
import json
import os
import re
import time

import stack as stacklib
from stack import PASSWORD, Stack, wait_until

# Every response this module sees is checked against docs/api/openapi.yaml (stack.py).
STACK_OPTIONS = {"contract": True}

RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
GENERATED_RID = re.compile(r"^[0-9a-f]{32}$")  # nginx's $request_id


def gateway_404(stack):
    """The body of nginx's own 404 (a path its route table does not know)."""
    r = stack.get("/no-route-here")
    problem(r, 404)
    return r.body


def problem(r, status):
    """Asserts r is an RFC 9457 problem with this status and a request id."""
    assert r.status == status, r
    assert r.header("Content-Type") == "application/problem+json", (r.header("Content-Type"), r)
    body = r.json
    assert body["status"] == status and body["title"] and body["type"].endswith("/%d" % status), body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert RID.match(r.header("X-Request-Id") or ""), r.headers
    return body


def json_ok(r, status=200):
    assert r.status == status, r
    assert r.header("Content-Type") == "application/json", (r.header("Content-Type"), r)
    assert RID.match(r.header("X-Request-Id") or ""), r.headers
    return r.json


def new_room(stack, **fields):
    fields.setdefault("name", "HTTP test room")
    return json_ok(stack.post("/rooms", fields), 201)


# -- request bodies ---------------------------------------------------------

def test_malformed_json_is_400(stack):
    r = stack.post("/rooms", body='{"name": "Loft", ', headers={"Content-Type": "application/json"})
    assert "malformed JSON" in problem(r, 400)["detail"]


def test_a_compressed_or_so_labelled_body_is_415(stack):
    import gzip
    body = json.dumps({"name": "Zipped", "capacity": 1})
    for coding, data in (("gzip", body), ("gzip", gzip.compress(body.encode())), ("br, gzip", body)):
        r = stack.request("POST", "/rooms", body=data, headers={"Content-Type": "application/json",
                                                                "Content-Encoding": coding})
        problem(r, 415)
        assert "Content-Encoding" in r.json["detail"], r
    r = stack.request("POST", "/rooms", body=body, headers={"Content-Type": "application/json",
                                                            "Content-Encoding": "identity"})
    assert r.status == 201, r
    assert stack.get("/rooms", headers={"Content-Encoding": "gzip"}).status == 200, "no body, nothing to decode"


def test_duplicate_json_keys_are_400(stack):
    r = stack.post("/rooms", body='{"name":"A","name":"B"}', headers={"Content-Type": "application/json"})
    problem(r, 400)
    assert json_ok(stack.get("/rooms?limit=100"))["items"] is not None


def test_json_that_is_not_an_object_is_400(stack):
    r = stack.post("/rooms", body='["name"]', headers={"Content-Type": "application/json"})
    assert "object" in problem(r, 400)["detail"]


def test_wrong_types_are_422_with_field_errors(stack):
    r = stack.post("/rooms", {"name": 5, "capacity": "two", "price": 1.5})
    body = problem(r, 422)
    assert sorted(e["field"] for e in body["errors"]) == ["capacity", "name", "price"], body
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"]), body


def test_out_of_range_is_422(stack):
    body = problem(stack.post("/rooms", {"name": "Tiny", "capacity": 0}), 422)
    assert [e["field"] for e in body["errors"]] == ["capacity"], body


def test_numbers_no_integer_holds_are_422_naming_their_field(stack):
    """Well-formed JSON with a number too big for any integer or double is a value out of
    range (422 with the field) where the route reads the field, not malformed JSON (400);
    nothing is stored. Where no route reads it, it is an unknown field: ignored (SPEC §3)."""
    before = len(stack.get("/rooms?limit=100").json["items"])
    for raw, field in (('{"name":"x","price":99999999999999999999999}', "price"),
                       ('{"name":"x", "capacity" : -99999999999999999999999 }', "capacity"),
                       ('{"name":1e400, "capacity":2}', "name"),
                       ('{"roomId":1e400, "checkIn":"2030-01-01"}', "roomId"),
                       ('{"name":"x","pr\\u0069ce":1e400}', "price")):  # a name written with an escape
        path = "/reservations" if field == "roomId" else "/rooms"
        body = problem(stack.post(path, body=raw, headers={"Content-Type": "application/json"}), 422)
        assert [e["field"] for e in body["errors"]] == [field], body
        assert body["errors"][0]["message"] == "is out of range", body
    problem(stack.post("/rooms", body='{"name":"x","price":1e400', headers={"Content-Type": "application/json"}), 400)
    assert len(stack.get("/rooms?limit=100").json["items"]) == before
    for raw in ('{"name":"Extra numbers","tags":[99999999999999999999999]}',
                '{"name":"Extra numbers","trackingId":123456789012345678901234567890, "weight":-1e999}'):
        r = stack.post("/rooms", body=raw, headers={"Content-Type": "application/json"})
        assert r.status == 201 and r.json["name"] == "Extra numbers", r
        assert "tags" not in r.json and "trackingId" not in r.json, r


def test_unknown_fields_are_ignored(stack):
    room = new_room(stack, name="Ignored extras", status="reqReserve", extra={"a": [1]})
    assert room["name"] == "Ignored extras" and room["status"] == "available", room


def test_json_sent_as_a_form_is_accepted(stack):
    # what `curl -d '{"desc":"..."}' URL` sends
    r = stack.post("/rooms", body='{"desc":"Beautiful House3"}',
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert json_ok(r, 201)["desc"] == "Beautiful House3"


def test_unsupported_content_type_is_415(stack):
    r = stack.post("/rooms", body="name=Loft", headers={"Content-Type": "text/plain"})
    problem(r, 415)
    r = stack.post("/rooms", body="<room/>", headers={"Content-Type": "application/xml"})
    problem(r, 415)


def test_huge_body_is_413_from_the_gateway(stack):
    big = '{"name":"%s"}' % ("x" * 100000)  # > client_max_body_size 64k
    r = stack.post("/rooms", body=big, headers={"Content-Type": "application/json"})
    problem(r, 413)


# -- routes, methods, parameters ---------------------------------------------

def test_unknown_path_is_404_problem_from_nginx(stack):
    for path in ("/nowhere", "/roomsx", "/rooms-list", "/internal/holds", "/health/nothing/live"):
        r = stack.get(path)
        problem(r, 404)
        assert r.body == gateway_404(stack), (path, r)


def test_unknown_path_inside_a_service_is_404_problem(stack):
    r = stack.get("/rooms/1/nothing")
    assert problem(r, 404)["detail"] == "no such resource: /rooms/1/nothing", r
    assert r.body != gateway_404(stack)


def test_a_long_path_quoted_in_a_detail_is_cut_between_characters(stack):
    # 600 bytes of 3-byte characters: the detail is cut short, not lost to half a character
    path = "/rooms/1/" + "%E6%97%A5" * 200
    detail = problem(stack.get(path), 404)["detail"]
    assert detail.startswith("no such resource: /rooms/1/\u65e5\u65e5") and len(detail.encode()) <= 511, detail


def test_missing_resource_is_404_problem(stack):
    assert "999999" in problem(stack.get("/rooms/999999"), 404)["detail"]


def test_malformed_id_is_404(stack):
    for path in ("/rooms/0", "/rooms/abc", "/rooms/007"):
        problem(stack.get(path), 404)


def test_wrong_method_is_405_with_allow(stack):
    room = new_room(stack)
    r = stack.post("/rooms/%d" % room["id"], {"name": "x"})
    problem(r, 405)
    allow = [m.strip() for m in r.header("Allow").split(",")]
    assert {"GET", "PATCH", "PUT", "DELETE", "HEAD"} <= set(allow) and "POST" not in allow, allow
    r = stack.request("DELETE", "/rooms")
    problem(r, 405)
    assert [m.strip() for m in r.header("Allow").split(",")] == ["GET", "POST", "HEAD"], r.headers


def test_what_nginx_refuses_as_405_says_what_is_allowed(stack):
    """The read-only places nginx answers itself (the gateway's health, the static files)
    and the services' own health probes refuse other methods with 405 and Allow."""
    for method, path in (("POST", "/health/live"), ("DELETE", "/health/live"), ("POST", "/health/ready"),
                         ("POST", "/static/style.css"), ("DELETE", "/health/rooms/live"),
                         ("PUT", "/health/reservations/ready"), ("POST", "/health/ready")):
        r = stack.request(method, path, body="")
        problem(r, 405)
        assert [m.strip() for m in (r.header("Allow") or "").split(",")] == ["GET", "HEAD"], (method, path, r.headers)
    assert stack.get("/health/live").status == 200 and stack.get("/health/rooms/live").status == 200
    assert stack.request("HEAD", "/static/style.css").status == 200


def test_nginx_own_errors_say_allow_only_on_405_and_are_never_cached(stack):
    """Allow belongs to a 405 (RFC 9110 10.2.1), not to a 404 or 403 in the same place;
    and the gateway's own error answers, JSON or a page at the same URL, are no-store
    with no file ETag, as the services' answers are."""
    for path, status in (("/static/nope.css", 404), ("/health/nope/live", 404), ("/static/", 403),
                         ("/no/such/thing", 404)):
        for accept in ("application/json", "text/html"):
            r = stack.get(path, auth=None, headers={"Accept": accept})
            assert r.status == status, (path, accept, r)
            assert r.header("Allow") is None and r.header("ETag") is None, (path, accept, r.headers)
            assert r.header("Cache-Control") == "no-store", (path, accept, r.headers)
    r = stack.request("POST", "/static/style.css", body="")
    assert r.status == 405 and r.header("Allow") == "GET, HEAD" and r.header("Cache-Control") == "no-store", r


def test_unknown_query_parameter_is_400(stack):
    assert "'color'" in problem(stack.get("/rooms?color=red"), 400)["detail"]
    assert "'limit'" in problem(stack.get("/rooms/1?limit=5"), 400)["detail"]


def test_a_browser_link_with_tracking_parameters_opens_the_page(stack):
    """A shared room's link picks up &fbclid=, a mail tracker's ?utm_source=: a browser
    gets the page as if they were not there (and its own links do not carry them on);
    a script is still told of a parameter it did not mean (above)."""
    room = new_room(stack, name="Shared link room")
    html = {"Accept": "text/html"}
    tracked = "utm_source=newsletter&utm_medium=email&fbclid=IwAR0abc"
    r = stack.get("/rooms/%d?%s" % (room["id"], tracked), headers=html)
    assert r.status == 200 and "Shared link room" in r.body, r
    assert "fbclid" not in r.body and "utm_" not in r.body, r.body
    r = stack.get("/rooms?limit=1&" + tracked, headers=html)
    assert r.status == 200 and "fbclid" not in r.body and "utm_" not in r.body, r
    assert stack.get("/sign-in?gclid=x", headers=html, auth=None).status == 200
    r = stack.get("/mypage?fbclid=x", headers=html, auth=None)  # through sign-in, then the page
    assert r.status == 303, r
    assert "fbclid" in problem(stack.get("/rooms/%d?fbclid=x" % room["id"]), 400)["detail"]


def test_malformed_query_is_400(stack):
    problem(stack.get("/rooms?limit=1&limit=2"), 400)
    problem(stack.get("/rooms?limit=%zz"), 400)


def test_bad_limit_is_400(stack):
    for bad in ("0", "101", "abc", "-1", "1.5", "10x"):
        body = problem(stack.get("/rooms?limit=" + bad), 400)
        assert "limit" in body["detail"], body
    assert len(json_ok(stack.get("/rooms?limit=1"))["items"]) <= 1
    assert len(json_ok(stack.get("/rooms?limit=100"))["items"]) <= 100


def test_bad_cursor_is_400(stack):
    for bad in ("abc", "0", "-5", "1e3", "99999999999999999999999"):
        body = problem(stack.get("/rooms?cursor=" + bad), 400)
        assert "cursor" in body["detail"], body


def test_empty_query_values_count_as_absent(stack):
    body = json_ok(stack.get("/rooms?limit=&cursor="))
    assert "items" in body and "nextCursor" in body, body


# -- request ids ----------------------------------------------------------------

def test_valid_request_id_is_echoed_and_logged(stack):
    rid = "client-%d.a_b" % int(time.time() * 1000)
    r = stack.get("/rooms?limit=1", headers={"X-Request-Id": rid})
    json_ok(r)
    assert r.header("X-Request-Id") == rid, r.headers
    wait_until(lambda: "rid=%s " % rid in stack.logs("access"), timeout=5, what="rid in access.log")
    rid64 = "r" * 64
    assert stack.get("/rooms?limit=1", headers={"X-Request-Id": rid64}).header("X-Request-Id") == rid64


def test_invalid_request_id_is_replaced(stack):
    for bad in ("bad id!", "x" * 65, "semi;colon", "ünïcode"):
        r = stack.get("/rooms?limit=1", headers={"X-Request-Id": bad.encode("utf-8").decode("latin-1")})
        json_ok(r)
        assert GENERATED_RID.match(r.header("X-Request-Id")), (bad, r.headers)


def test_generated_request_ids_differ(stack):
    a = stack.get("/health/live").header("X-Request-Id")
    b = stack.get("/health/live").header("X-Request-Id")
    assert GENERATED_RID.match(a) and GENERATED_RID.match(b) and a != b


def test_every_response_carries_a_request_id(stack):
    room = new_room(stack)
    cases = [
        ("GET", "/rooms/%d" % room["id"], None, 200),
        ("GET", "/nowhere", None, 404),
        ("GET", "/rooms/999999", None, 404),
        ("DELETE", "/rooms", None, 405),
        ("GET", "/rooms?bad=1", None, 400),
        ("POST", "/rooms", "x" * 70000, 413),
        ("GET", "/health/live", None, 200),
        ("GET", "/static/style.css", None, 200),
        ("GET", "/static/nothing.css", None, 404),
    ]
    for method, path, body, status in cases:
        r = stack.request(method, path, body=body, headers={"Content-Type": "application/json"})
        assert r.status == status, (method, path, r)
        assert RID.match(r.header("X-Request-Id") or ""), (method, path, r.headers)
        assert r.header("Content-Type") in ("application/json", "application/problem+json", "text/css"), \
            (method, path, r.headers)


# -- HEAD, health, static -------------------------------------------------------

def test_head_answers_like_get_without_a_body(stack):
    room = new_room(stack)
    r = stack.request("HEAD", "/rooms/%d" % room["id"])
    assert r.status == 200 and r.body == "", r
    assert r.header("Content-Type") == "application/json", r.headers
    r = stack.request("HEAD", "/rooms?limit=1")
    assert r.status == 200 and r.body == "" and r.header("Content-Type") == "application/json", r
    r = stack.request("HEAD", "/rooms/999999")
    assert r.status == 404 and r.body == "" and r.header("Content-Type") == "application/problem+json", r
    r = stack.request("HEAD", "/health/live")
    assert r.status == 200 and r.body == "" and r.header("Content-Type") == "application/json", r


def test_gateway_health(stack):
    assert json_ok(stack.get("/health/live")) == {"service": "gateway", "status": "up"}
    ready = json_ok(stack.get("/health/ready"))
    assert ready.pop("checkedAt")  # when the watchdog last found every service ready
    assert ready == {"service": "gateway", "status": "ready"}


def test_every_service_reports_its_health(stack):
    """Ready also tells how durable the service's commits are: FULL by default, NORMAL
    only for mypage, whose data is rebuilt from events (docs/configuration.md)."""
    assert "rooms" in stack.services
    overridden = any(k.startswith("DB_SYNCHRONOUS") for k in stack.env)
    for svc in stack.services:
        assert json_ok(stack.get("/health/%s/live" % svc)) == {"service": svc, "status": "up"}
        ready = json_ok(stack.get("/health/%s/ready" % svc))
        sync = ready.pop("synchronous")
        assert ready == {"service": svc, "status": "ready"}
        assert overridden or sync == ("NORMAL" if svc == "mypage" else "FULL"), (svc, sync)
        problem(stack.get("/health/%s/nothing" % svc), 404)


def test_static_files_are_served_with_etag(stack):
    r = stack.get("/static/style.css")
    assert r.status == 200 and r.header("Content-Type") == "text/css", r.headers
    with open(os.path.join(stacklib.ROOT, "static", "style.css")) as f:
        assert r.body == f.read()
    etag = r.header("ETag")
    assert etag and etag.startswith('"'), r.headers
    assert "max-age" in (r.header("Cache-Control") or ""), r.headers
    again = stack.get("/static/style.css", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == "", again
    assert again.header("ETag") == etag
    # every page names its icon (else browsers ask /favicon.ico, a 404 on each first visit)
    icon = stack.get("/static/favicon.svg")
    assert icon.status == 200 and icon.header("Content-Type") == "image/svg+xml" and "<svg" in icon.body, icon
    for path in ("/", "/nowhere/at/all", "/internal/x"):
        page = stack.get(path, headers={"Accept": "text/html"})
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.body, (path, page)


def test_missing_static_file_is_404_problem(stack):
    problem(stack.get("/static/nothing.css"), 404)
    problem(stack.get("/static/../nginx.conf"), 404)


# -- content negotiation -------------------------------------------------------

def test_html_is_never_sent_to_a_json_client(stack):
    room = new_room(stack)
    paths = ["/", "/rooms", "/rooms/%d" % room["id"], "/rooms/%d/availability" % room["id"],
             "/rooms/999999", "/nowhere", "/rooms?limit=0", "/static/nothing.css"]
    for accept in ("application/json", "*/*", "application/problem+json", "application/json, */*;q=0.1",
                   "application/*", "text/html;q=0.8, application/*;q=0.9"):
        for path in paths:
            r = stack.get(path, headers={"Accept": accept})
            ctype = r.header("Content-Type") or ""
            assert ctype in ("application/json", "application/problem+json"), (accept, path, r.headers)
            assert r.json is not None and not r.body.lstrip().startswith("<"), (accept, path, r)
        r = stack.post("/rooms", {"capacity": "x"}, headers={"Accept": accept})
        problem(r, 422)


def test_gateway_errors_follow_the_accept_header(stack):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = stack.get("/nowhere", headers={"Accept": browser})
    assert r.status == 404 and r.header("Content-Type").startswith("text/html"), r
    assert "<html" in r.body and RID.match(r.header("X-Request-Id") or ""), r
    # A client that lists JSON at all is a JSON client, even if it also names HTML.
    for accept in ("application/json, text/html;q=0.5", "text/html;q=0.1, application/problem+json",
                   "*/*", "application/json", "text/html;q=0", "text/html; q=0.0, */*;q=0.1"):
        problem(stack.get("/nowhere", headers={"Accept": accept}), 404)
        big = stack.post("/rooms", body="x" * 70000, headers={"Accept": accept, "Content-Type": "application/json"})
        problem(big, 413)
    # Any text is taken to mean HTML, the text this site has, by nginx and the services alike.
    room = new_room(stack)
    for path in ("/nowhere", "/rooms/%d" % room["id"]):
        r = stack.get(path, headers={"Accept": "text/*"})
        assert r.header("Content-Type").startswith("text/html") and "<html" in r.body, (path, r)
        problem(stack.get("/nowhere", headers={"Accept": "text/*;q=0, */*;q=0.1"}), 404)


# -- failures at the gateway (own stacks) ---------------------------------------

def test_stopped_service_is_503_problem_with_retry_after():
    with Stack(name="http-stopped") as s:
        json_ok(s.get("/rooms?limit=1"))
        out = s.ctl("stop", "rooms:*")
        assert "stopped" in out, out
        for path in ("/rooms", "/rooms/1", "/health/rooms/ready"):
            r = s.get(path)
            problem(r, 503)
            assert int(r.header("Retry-After")) >= 1, r.headers
        r = s.post("/rooms", {"name": "while down"})
        problem(r, 503)
        assert int(r.header("Retry-After")) >= 1, r.headers
        json_ok(s.get("/health/live"))  # the gateway itself is up
        s.ctl("start", "rooms:*")
        wait_until(lambda: s.get("/health/rooms/ready").status == 200, timeout=15, what="rooms back")
        json_ok(s.post("/rooms", {"name": "after restart"}), 201)


def test_rate_limit_is_429_problem_with_retry_after():
    with Stack(name="http-ratelimit", env={"RATE": "1", "BURST": "1"}) as s:
        time.sleep(2)  # signing the default account up at start spent the burst
        statuses = []
        limited = None
        for _ in range(20):
            r = s.get("/rooms?limit=1")
            statuses.append(r.status)
            if r.status == 429:
                limited = r
            else:
                json_ok(r)
        assert limited is not None and statuses.count(200) >= 1, statuses
        problem(limited, 429)
        assert int(limited.header("Retry-After")) >= 1, limited.headers
        # Writes too (nginx serves them in another location: see nginx.conf's @write).
        posts = [s.post("/rooms", {"name": "limited"}) for _ in range(5)]
        assert 429 in [r.status for r in posts], [r.status for r in posts]
        problem([r for r in posts if r.status == 429][0], 429)
        json_ok(s.get("/health/rooms/ready"))  # probes are never limited


# -- the API description stays in step with the routes -----------------------------

OPENAPI = os.path.join(stacklib.ROOT, "docs", "api", "openapi.yaml")
METHODS = ("get", "post", "put", "patch", "delete", "head")


def openapi_operations(path=OPENAPI):
    """(path, METHOD) pairs under `paths:`, read by indentation (no YAML library)."""
    ops, in_paths, current = [], False, None
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip(" "))
            text = line.strip()
            if indent == 0:
                in_paths = text == "paths:"
                continue
            if not in_paths:
                continue
            if indent == 2 and text.endswith(":"):
                current = text[:-1].strip("'\"")
            elif indent == 4 and current and text[:-1] in METHODS and text.endswith(":"):
                ops.append((current, text[:-1].upper()))
    return ops


def service_of(path):
    """The service nginx routes a public path to (mirrors the map in nginx.conf)."""
    m = re.match(r"^/health/(\w+)/", path)
    if m:
        return m.group(1)
    first = path.strip("/").split("/")[0]
    return {"": "rooms", "rooms": "rooms", "reviews": "rooms", "check": "rooms",
            "reservations": "reservations", "payments": "payments", "tickets": "tickets",
            "messages": "messages", "mypage": "mypage", "roomviews": "mypage",
            "accounts": "accounts", "sessions": "accounts", "account": "accounts", "password-reset": "accounts",
            "health": "gateway"}.get(first)


def test_openapi_lists_the_spec_resources():
    ops = openapi_operations()
    paths = {p for p, _ in ops}
    for p in ("/rooms", "/rooms/{id}", "/rooms/{id}/availability", "/rooms/{id}/reviews", "/reviews",
              "/reviews/{id}", "/check/chkAndReqReserve", "/reservations", "/reservations/{id}",
              "/reservations/{id}/cancel", "/payments", "/payments/{id}", "/tickets", "/messages",
              "/mypage", "/roomviews", "/health/live", "/health/ready", "/accounts", "/sessions",
              "/sessions/current", "/account", "/account/tokens", "/account/tokens/{id}"):
        assert p in paths, p
    assert ("/reservations", "POST") in ops and ("/rooms/{id}", "DELETE") in ops
    assert len(ops) == len(set(ops)), "an operation is listed twice"


def test_openapi_is_valid_under_a_linter():
    """Redocly's recommended rules (pinned in package.json): a YAML slip such as an unquoted
    comma in a flow mapping's description turns words into schema keywords that a
    validating proxy silently ignores; the linter's struct rule does not."""
    import subprocess
    lint = os.path.join(stacklib.ROOT, "node_modules", ".bin", "redocly")
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true")
    r = subprocess.run([lint, "lint", "--format", "stylish", OPENAPI], capture_output=True, text=True,
                       timeout=120, env=env, cwd=stacklib.ROOT)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_openapi_every_operation_declares_security():
    """SPEC §6: each operation says whether it needs an account (`security:` of its own)."""
    ops, missing, current, op = [], [], None, None
    with open(OPENAPI) as f:
        lines = f.read().split("\n")
    in_paths = False
    for line in lines + ["end:"]:
        indent = len(line) - len(line.lstrip(" "))
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if indent <= 4 and op:  # the operation ended
            ops.append(op)
            if not op[2]:
                missing.append(op[:2])
            op = None
        if indent == 0:
            in_paths = text == "paths:"
        elif in_paths and indent == 2 and text.endswith(":"):
            current = text[:-1]
        elif in_paths and indent == 4 and text[:-1] in METHODS:
            op = [current, text[:-1].upper(), False]
        elif op and indent == 6 and text.startswith("security:"):
            op[2] = True
    assert len(ops) == len(openapi_operations()), (len(ops), len(openapi_operations()))
    assert not missing, missing


def test_every_documented_operation_is_routed(stack):
    checked, unrouted = 0, gateway_404(stack)
    ops = []
    for path, method in openapi_operations():  # /health/{service}/...: one per service
        names = stack.services if "{service}" in path else [None]
        ops += [(path.replace("{service}", n) if n else path, method) for n in names]
    for path, method in ops:
        svc = service_of(path)
        assert svc, "%s is routed to no service by nginx" % path
        if svc != "gateway" and svc not in stack.services:
            continue  # that service is not built yet
        concrete = path.replace("{id}", "999999")
        body = "{}" if method in ("POST", "PUT", "PATCH") else None
        # signing out ends the credential it carries: not the one the rest of this module uses
        auth = None if (path, method) == ("/sessions/current", "DELETE") else "default"
        r = stack.request(method, concrete, body=body, headers={"Content-Type": "application/json"}, auth=auth)
        ctype = r.header("Content-Type") or ""
        assert ctype in ("application/json", "application/problem+json"), (method, concrete, r)
        assert r.status not in (405, 502, 503) and r.status < 500, (method, concrete, r)
        if r.status == 404:
            assert r.body != unrouted, (method, concrete, "not in nginx's route table")
            assert not r.json["detail"].startswith("no such resource"), (method, concrete, r)
        checked += 1
    assert checked >= 10, checked


def test_errors_nginx_answers_itself_are_problem_json_too(stack):
    import http.client
    cases = [("TRACE", "/rooms", {}, 405), ("GET", "/rooms/%zz", {}, 400),
             ("GET", "/rooms", {"X-Big": "a" * 20000}, 400), ("GET", "/rooms?x=" + "a" * 9000, {}, 414)]
    for method, path, headers, status in cases:
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
        conn.request(method, path, headers=dict(headers, Accept="application/json"))
        r = conn.getresponse()
        body = r.read().decode()
        conn.close()
        assert r.status == status, (method, path[:40], r.status, body[:200])
        assert r.getheader("Content-Type") == "application/problem+json", (method, path[:40])
        assert '"status":%d' % status in body and r.getheader("X-Request-Id")


def test_a_page_nobody_serves_shows_who_is_signed_in(stack):
    """A browser asking for an address no service has gets the site's 404 page with its
    header as on every other page: the visitor's name and "Sign out" when signed in, the
    sign-in links when not. A script gets the gateway's 404 problem+json."""
    acct, tok = stack.new_account("Lost visitor")
    html = {"Accept": "text/html"}
    for method in ("GET", "POST"):
        r = stack.request(method, "/no/such/page", headers=dict(html, Cookie="rb_session=" + tok), auth=None)
        assert r.status == 404 and r.header("Content-Type").startswith("text/html"), r
        assert "<h1>Not found</h1>" in r.body and 'action="/sign-out"' in r.body, r.body
        assert "Lost visitor" in r.body, r.body
    r = stack.get("/no/such/page", headers=html, auth=None)
    assert r.status == 404 and 'href="/sign-in' in r.body and 'action="/sign-out"' not in r.body, r.body
    r = stack.get("/no/such/page", auth=tok)
    assert r.status == 404 and r.header("Content-Type") == "application/problem+json", r
    assert r.json["detail"] == "There is nothing at this address.", r.json


def raw_get(stack, target, headers=b""):
    """GET target with raw header bytes (http.client refuses what is not Latin-1);
    returns (head, body) as bytes."""
    import socket
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n" + headers +
                     b"Connection: close\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def test_bytes_that_are_not_utf8_are_400_problems(stack):
    for target, headers in ((b"/rooms?customer=%ff%fe", b""), (b"/rooms?x\xff=1", b"")):
        head, body = raw_get(stack, target, headers)
        assert head.startswith(b"HTTP/1.1 400"), (target, headers, head, body[:300])
        assert b"Content-Type: application/problem+json" in head, (target, headers, head)
        assert b'"status":400' in body, (target, body)
    r = stack.post("/rooms", body="name=%ff%fe", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status in (400, 403) and r.header("Content-Type") == "application/problem+json", r


def test_a_cookie_that_is_not_utf8_is_ignored_not_refused(stack):
    """Another site on the same host (cookies keep to no port) may set a cookie of any
    bytes: the site still answers, with the visitor's own cookies still read."""
    _, tok = stack.new_account("Cookie jar")
    head, body = raw_get(stack, b"/rooms?limit=1", b"Cookie: theme=\xff\xfe\r\n")
    assert head.startswith(b"HTTP/1.1 200"), (head, body[:300])
    head, body = raw_get(stack, b"/account", b"Cookie: a=1; theme=Ann\xc3; rb_session=" + tok.encode() + b"\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b'"name":"Cookie jar"' in body, (head, body[:300])
    head, body = raw_get(stack, b"/rooms", b"Cookie: flash=Saved\xff%20it\r\n")
    assert head.startswith(b"HTTP/1.1 200"), (head, body[:300])


def test_cookie_that_does_not_decode_is_absent(stack):
    """'%' and one hex digit at the end once made the decoder read past the cookie and
    echo stack bytes back on the page (the flash message is a cookie)."""
    html = {"Accept": "text/html"}
    good = stack.get("/rooms", headers=dict(html, Cookie="flash=Saved%20it"))
    assert good.status == 200 and 'class="flash"' in good.body and "Saved it" in good.body, good
    assert '<div class="flash" role="status" tabindex="-1" autofocus>' in good.body, "the note takes the focus"
    for bad in ("Ann%4", "Ann%", "%00Ann", "Ann%ff"):
        r = stack.get("/rooms", headers=dict(html, Cookie="flash=" + bad))
        assert r.status == 200 and 'class="flash"' not in r.body and "Ann" not in r.body, (bad, r)


def test_body_starting_with_nul_is_400(stack):
    r = stack.post("/rooms", body=b"\0{}", headers={"Content-Type": "application/json"})
    assert "NUL" in problem(r, 400)["detail"], r


def test_too_many_parameters_are_400(stack):
    r = stack.get("/rooms?" + "&".join("k%d=1" % i for i in range(300)))
    assert r.status == 400 and "parameters" in r.json["detail"], r


def test_form_next_with_control_characters_is_not_followed(stack):
    page = stack.get("/rooms/new", headers={"Accept": "text/html"})
    token = page.header("Set-Cookie").split("csrf=")[1].split(";")[0]
    r = stack.post("/rooms", form={"_csrf": token, "name": "Next test", "_next": "/\t/evil.example"},
                   headers={"Accept": "text/html", "Cookie": "csrf=" + token})
    assert r.status == 303, r
    assert r.header("Location").startswith("/rooms/"), r.header("Location")


def test_form_next_outside_printable_ascii_is_not_followed(stack):
    # "/。evil.com" (an ideographic full stop) went out as raw UTF-8 bytes in Location
    page = stack.get("/rooms/new", headers={"Accept": "text/html"})
    token = page.header("Set-Cookie").split("csrf=")[1].split(";")[0]
    html = {"Accept": "text/html", "Cookie": "csrf=" + token}
    r = stack.post("/rooms", form={"_csrf": token, "name": "Next test", "_next": "/\u3002evil.example"}, headers=html)
    assert r.status == 303 and r.header("Location").startswith("/rooms/"), r.header("Location")
    acct, _ = stack.new_account("Nexter")
    r = stack.post("/sign-in", form={"_csrf": token, "email": acct["email"], "password": PASSWORD,
                                     "_next": "/\u3002evil.example"}, auth=None, headers=html)
    assert r.status == 303 and r.header("Location").isascii() and "evil" not in r.header("Location"), r.headers
    form = stack.get("/sign-in?next=/%E3%80%82evil.example", auth=None, headers={"Accept": "text/html"})
    assert form.status == 200 and 'name="_next" value="/"' in form.body, form.body[:2000]


def test_pages_for_browsers_are_406_to_a_json_client(stack):
    room = stack.post("/rooms", {"name": "Pages only"}).json["id"]
    res = stack.post("/reservations", {"roomId": room, "checkIn": "2031-05-01", "nights": 1}).json["id"]
    pages = ["/rooms/new", "/rooms/%d/edit" % room, "/rooms/%d/delete" % room, "/rooms/%d/book" % room,
             "/reservations/%d/cancel" % res, "/reservations/%d/confirmation" % res, "/sign-in", "/sign-up"]
    for path in pages:
        r = stack.get(path)
        assert r.status == 406 and r.header("Content-Type") == "application/problem+json", (path, r)
        assert r.json["title"] == "Not Acceptable" and "page for browsers" in r.json["detail"], r.json
        assert stack.get(path, headers={"Accept": "text/html"}).status == 200, path
        for takes_html in ("*/*", "text/*"):  # curl, wget, link checkers
            r = stack.get(path, headers={"Accept": takes_html})
            assert r.status == 200 and r.header("Content-Type").startswith("text/html"), (path, takes_html, r)
    assert stack.get("/sign-in", headers={"Accept": "application/json, text/html;q=0"}).status == 406
    # the resources themselves still answer JSON
    assert stack.get("/reservations/%d" % res).status == 200 and stack.get("/rooms/%d" % room).status == 200


def test_a_get_with_a_body_answers_as_without_one(stack):
    room = stack.post("/rooms", {"name": "Bodiless"}).json["id"]
    for body in ("{bad", "[1]", "\x00"):
        r = stack.request("GET", "/rooms/%d" % room, body=body, headers={"Content-Type": "application/json"})
        assert r.status == 200 and r.json["id"] == room, (body, r)
