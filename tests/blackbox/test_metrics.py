"""Metrics (docs/operations.md, "Metrics"): every service and the worker answer
GET /metrics/<program> on the internal listener with the stack's secret, in a text
format promtool accepts; counters are the program's (PROCS=2: the sum is right whichever
process answers); bookings by outcome, queue lag, dead letters, circuit state; a real
Prometheus scrapes them; the alert rules pass their promtool tests; one log line per
request with its route pattern and request id."""
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import stack as stacklib
from stack import Stack, free_port, wait_until
from test_worker import insert_poison

PROGRAMS = stacklib.ALL_SERVICES + ["worker"]
RULES = os.path.join(stacklib.ROOT, "deploy", "prometheus")
_stack = [None]


def shared():
    """One stack with two processes per service for the tests that only read metrics."""
    if _stack[0] is None:
        _stack[0] = Stack(name="metrics", procs=2, env={"BREAKER_OPEN_MS": "3000", "BREAKER_FAILURES": "2", "REQUEST_LOG": "1",
                                                         "WORKER_BACKOFF_MS": "10", "WORKER_MAX_ATTEMPTS": "2"})
        _stack[0].start()
    return _stack[0]


def scrape(s, program):
    r = s.get("/metrics/" + program, internal=True)
    assert r.status == 200, (program, r)
    assert r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", r.headers
    return r.body


def samples(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def value(s, program, key):
    return samples(scrape(s, program)).get(key, 0.0)


def test_every_program_answers_in_a_format_promtool_accepts():
    s = shared()
    s.get("/rooms")
    for program in PROGRAMS:
        text = scrape(s, program)
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, (program, r.stdout, r.stderr, text[:2000])
        assert samples(text).get("roombook_processes") == (1 if program == "worker" else 2), (program, text[:500])
        if program != "worker":
            assert samples(text)["roombook_ready"] == 1, program


def test_metrics_need_the_internal_listener_and_the_secret():
    s = shared()
    assert s.get("/metrics/rooms").status == 404  # public listener
    assert s.get("/metrics/rooms", auth=None).status == 404
    assert s.get("/metrics/rooms", internal=True, auth=None).status == 404  # no secret
    assert s.get("/metrics/rooms", internal=True, auth=None, headers={"X-Roombook-Secret": "nope"}).status == 404
    bearer = s.get("/metrics/rooms", internal=True, auth=None, headers={"Authorization": "Bearer " + s.secret()})
    assert bearer.status == 200 and "roombook_processes" in bearer.body, bearer
    assert s.get("/metrics/nosuch", internal=True).status == 404


def test_request_counters_add_up_across_processes():
    s = shared()
    room = s.post("/rooms", {"name": "Counted", "capacity": 3}).json["id"]
    key = 'roombook_http_requests_total{method="GET",route="/rooms/{id}",code="200"}'
    before = value(s, "rooms", key)
    n = 60
    for _ in range(n):
        assert s.get("/rooms/%d" % room).status == 200
    missing = s.get("/rooms/999999")
    assert missing.status == 404
    # Any process may answer the scrape: every answer has the whole program's count.
    seen = {value(s, "rooms", key) - before for _ in range(12)}
    assert seen == {n}, seen
    m = samples(scrape(s, "rooms"))
    assert m['roombook_http_requests_total{method="GET",route="/rooms/{id}",code="404"}'] >= 1
    count = m['roombook_http_request_duration_seconds_count{method="GET",route="/rooms/{id}"}']
    inf = m['roombook_http_request_duration_seconds_bucket{method="GET",route="/rooms/{id}",le="+Inf"}']
    assert count == inf >= n + 1, (count, inf)


def test_bookings_by_outcome():
    s = shared()
    room = s.post("/rooms", {"name": "Outcomes", "capacity": 1, "price": 100}).json["id"]
    day = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()
    keys = {o: 'roombook_bookings_total{status="%s",reason="%s"}' % o
            for o in [("confirmed", ""), ("rejected", "sold_out"), ("rejected", "payment_declined")]}
    before = {o: value(s, "reservations", k) for o, k in keys.items()}
    assert s.post("/reservations", {"roomId": room, "checkIn": day, "card": "4000000000000002"}).status == 402
    assert s.post("/reservations", {"roomId": room, "checkIn": day}).status == 201
    assert s.post("/reservations", {"roomId": room, "checkIn": day}).status == 409
    after = {o: value(s, "reservations", k) for o, k in keys.items()}
    assert {o: after[o] - before[o] for o in keys} == {o: 1 for o in keys}, (before, after)


def test_one_log_line_per_request_with_route_and_request_id():
    s = shared()
    room = s.post("/rooms", {"name": "Logged"}).json["id"]
    assert s.get("/rooms/%d" % room, headers={"X-Request-Id": "metrics-log-1"}).status == 200
    line = wait_until(lambda: [l for l in s.logs("rooms").splitlines() if "rid=metrics-log-1 " in l],
                      timeout=5, what="the request's log line")
    assert len(line) == 1, line
    assert re.search(r" INFO rooms rid=metrics-log-1 request method=GET route=/rooms/\{id\} status=200 "
                     r"duration_ms=\d+\.\d{3}$", line[0]), line


def test_queue_lag_dead_letters_and_worker_events():
    s = shared()
    room = s.post("/rooms", {"name": "Lagging", "capacity": 10}).json["id"]
    lag = 'roombook_queue_lag_events{consumer="tickets",source="reservations"}'
    wait_until(lambda: value(s, "tickets", lag) == 0, what="tickets caught up")
    applied_key = 'roombook_events_handled_total{consumer="tickets",source="reservations",outcome="applied"}'
    applied = value(s, "worker", applied_key)
    s.ctl("stop", "worker:*")
    try:
        assert value(s, "worker", "roombook_processes") == 0
        day = (datetime.date.today() + datetime.timedelta(days=50)).isoformat()
        for _ in range(3):
            assert s.post("/reservations", {"roomId": room, "checkIn": day}).status == 201
        assert value(s, "tickets", lag) == 3
        age = 'roombook_queue_oldest_pending_age_seconds{consumer="tickets",source="reservations"}'
        assert value(s, "tickets", age) >= 0
        insert_poison(s, "{not json")
    finally:
        s.ctl("start", "worker:*")
    wait_until(lambda: value(s, "tickets", lag) == 0, what="lag back to 0")
    parked = 'roombook_dead_letters{consumer="tickets",state="parked"}'
    wait_until(lambda: value(s, "tickets", parked) == 1, what="the poison event parked")
    assert value(s, "worker", applied_key) - applied == 3
    assert value(s, "worker", 'roombook_events_handled_total{consumer="tickets",source="reservations",'
                              'outcome="parked"}') == 1
    assert value(s, "worker", "roombook_processes") == 1


def test_circuit_state_is_shown_per_target():
    s = shared()
    room = s.post("/rooms", {"name": "Breaker", "capacity": 50}).json["id"]
    key = 'roombook_circuit_state{target="payments",state="open"}'
    # Closed circuits show too, from the first call (before any ever opened).
    assert s.post("/reservations", {"roomId": room}).status == 201
    m = samples(scrape(s, "reservations"))
    for target in ("rooms", "payments"):
        assert m.get('roombook_circuit_state{target="%s",state="closed"}' % target) == 2, \
            {k: v for k, v in m.items() if "circuit" in k}
    s.ctl("stop", "payments:*")
    try:
        for _ in range(6):  # both processes see failures (BREAKER_FAILURES=2)
            assert s.post("/reservations", {"roomId": room}).status == 503
        m = samples(scrape(s, "reservations"))
        assert m.get(key, 0) >= 1, {k: v for k, v in m.items() if "circuit" in k}
        assert m['roombook_circuit_opened_total{target="payments"}'] >= 1
        opened = sum(m['roombook_circuit_state{target="payments",state="%s"}' % st]
                     for st in ("closed", "open", "half_open"))
        assert opened == 2, m  # one state per live process
    finally:
        s.ctl("start", "payments:*")
        # Later tests book: wait out the open window (then a probe closes the breaker).
        wait_until(lambda: value(s, "reservations", key) == 0, timeout=10, what="no circuit open")


def test_alert_rules_pass_their_promtool_tests():
    r = subprocess.run(["promtool", "check", "rules", "alerts.yml"], cwd=RULES, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["promtool", "test", "rules", "alerts_test.yml"], cwd=RULES, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_real_prometheus_scrapes_every_program():
    s = shared()
    work = tempfile.mkdtemp(prefix="prometheus-", dir=stacklib.OUT)
    port = free_port()
    with open(os.path.join(RULES, "prometheus.yml")) as f:
        config = f.read()
    config = config.replace("127.0.0.1:8089", "127.0.0.1:%d" % s.internal_port)
    config = config.replace("/srv/roombook/var/secret", os.path.join(s.var, "secret"))
    config = config.replace("scrape_interval: 15s", "scrape_interval: 1s")
    config = config.replace("- alerts.yml", "- " + os.path.join(RULES, "alerts.yml"))
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write(config)
    log = open(os.path.join(work, "prometheus.log"), "wb")
    proc = subprocess.Popen(["prometheus", "--config.file=" + os.path.join(work, "prometheus.yml"),
                             "--storage.tsdb.path=" + os.path.join(work, "data"),
                             "--web.listen-address=127.0.0.1:%d" % port], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)

    def query(q):
        url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (port, urllib.parse.quote(q))
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return json.load(r)["data"]["result"]
        except OSError:
            return None

    try:
        up = wait_until(lambda: (lambda r: r if r and len(r) == len(PROGRAMS) else None)(
            query('up{job="roombook"} == 1')), timeout=30, what="every program scraped")
        assert sorted(x["metric"]["program"] for x in up) == sorted(PROGRAMS), up
        ready = query("roombook_ready")
        assert len(ready) == len(stacklib.ALL_SERVICES) and all(x["value"][1] == "1" for x in ready), ready
        worker = query('roombook_processes{program="worker"}')
        assert worker and worker[0]["value"][1] == "1", worker
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    shutil.rmtree(work, ignore_errors=True)


def test_zz_stop_the_shared_stack():
    if _stack[0] is not None:
        _stack[0].stop()
        _stack[0] = None
