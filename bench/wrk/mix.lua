-- Cycle through a fixed list of requests: one per line, "PATH<TAB>ACCEPT" (ACCEPT may be empty).
-- Usage: wrk -t1 -c8 -d20s -s mix.lua http://127.0.0.1:PORT -- REQUESTS_FILE
-- Prints one JSON line at the end with the request count, errors and latency percentiles (µs).
-- No response() hook: parsing every response in Lua would make the client the bottleneck.

local requests = {}
local position = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, accept = line:match("^([^\t]*)\t?(.*)$")
    local headers = {}
    if accept ~= nil and accept ~= "" then
      headers["Accept"] = accept
    end
    requests[#requests + 1] = wrk.format("GET", path, headers)
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
