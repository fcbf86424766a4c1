"""Concurrency: many clients booking the last units of one night never overbook, and
cancelled bookings give their capacity back (through the worker)."""
import datetime
import threading

from stack import wait_until

CLIENTS = 40
CAPACITY = 5


def test_forty_clients_five_units(stack):
    room = stack.post("/rooms", {"name": "Race room", "capacity": CAPACITY, "price": 100}).json["id"]
    night = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=7)).isoformat()
    results = [None] * CLIENTS
    start = threading.Barrier(CLIENTS)

    def client(i):
        start.wait()
        results[i] = stack.post("/reservations", {"roomId": room, "checkIn": night,
                                                  "customer": "racer%d" % i})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results)
    assert statuses.count(201) == CAPACITY and statuses.count(409) == CLIENTS - CAPACITY, statuses

    def available():
        r = stack.get("/rooms/%d/availability?from=%s&to=%s" % (room, night, night))
        return r.json["days"][0]["available"]

    assert available() == 0
    confirmed = [r.json["id"] for r in results if r.status == 201]
    listed = stack.get("/reservations?roomId=%d&status=confirmed" % room).json["items"]
    assert sorted(x["id"] for x in listed) == sorted(confirmed)
    for rid in confirmed[:2]:
        assert stack.post("/reservations/%d/cancel" % rid).status == 200
    wait_until(lambda: available() == 2, timeout=15, what="the worker to release two holds")
