-- wrk script for `make bench`: POST /reservations, each request on another night (the
-- 300 nights from tomorrow) so the room never sells out. BENCH_ROOM is set by
-- tests/bench/run.
local counter = 0
local tomorrow = os.time() + 86400
local room = os.getenv("BENCH_ROOM") or "1"

request = function()
  counter = counter + 1
  local day = os.date("!%Y-%m-%d", tomorrow + (counter % 300) * 86400)
  local body = string.format('{"roomId":%s,"checkIn":"%s","nights":1,"guests":1,"customer":"bench%d@example.com"}',
                             room, day, counter % 1000)
  local headers = {["Content-Type"] = "application/json"}
  for k, v in pairs(wrk.headers) do headers[k] = v end -- the bearer token (-H)
  return wrk.format("POST", "/reservations", headers, body)
end
