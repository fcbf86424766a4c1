-- wrk script for `make bench`: POST /reservations/{id}/cancel, each request another
-- reservation of the ids BENCH_FIRST..BENCH_LAST (the bookings of the run before),
-- shared out among wrk's BENCH_WRK_THREADS threads; a thread stops when its share is
-- used up (its last request cancels its last id again, and counts as one non-2xx).
local first = tonumber(os.getenv("BENCH_FIRST") or "1")
local last = tonumber(os.getenv("BENCH_LAST") or "0")
local step = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
local made = 0

setup = function(thread)
  thread:set("index", made)
  made = made + 1
end

local next_id = nil
request = function()
  next_id = next_id or first + wrk.thread:get("index")
  local id = next_id
  next_id = next_id + step
  if id > last then
    wrk.thread:stop()
    id = id - step
  end
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end -- the bearer token (-H)
  return wrk.format("POST", "/reservations/" .. id .. "/cancel", headers, "")
end
