-- wrk script: cycle through pre-generated requests, one per line of the file given after
-- `--` ("method<TAB>path<TAB>accept<TAB>form body", the body empty for GET). Requests are formatted once in init() so that request() only
-- returns a prepared string: the client must cost far less than the server it measures.
-- At the end, print one line "WRK_JSON {...}" for bench/harness/measure.py to parse.

local prepared = {}
local position = 0

function init(args)
  for line in io.lines(args[1]) do
    local method, path, accept, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = { ["Accept"] = accept }
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      prepared[#prepared + 1] = wrk.format(method, path, headers, body)
    end
  end
  if #prepared == 0 then
    error("no requests in " .. tostring(args[1]))
  end
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
