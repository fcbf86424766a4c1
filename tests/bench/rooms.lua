-- wrk script for `make bench`: POST /rooms (one write transaction + one event each).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"Bench room","capacity":4,"price":1200}'
