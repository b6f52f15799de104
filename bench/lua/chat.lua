-- wrk script for sochat's chat-session routes (and the reference servers in bench/).
--
-- Configured by environment variables, read in every wrk thread and in the summary:
--   BENCH_OP       create | update | get | noop | login   (what each request does; login: a Get with Basic
--                  credentials of a user name that does not exist, a new one every request, so every request
--                  runs the password hash and is answered 401)
--   BENCH_FORMAT   json | xml                       (request body and Accept)
--   BENCH_AUTH     the Authorization header value   (empty: none)
--   BENCH_ID_LO, BENCH_ID_HI   ids that update and get pick from, uniformly at random
--   BENCH_RATE     total requests per second to pace at (0 or unset: as fast as the server answers)
--   BENCH_THREADS  wrk's -t, so each thread paces at BENCH_RATE / BENCH_THREADS
--   BENCH_OUT      file the summary is written to, as one JSON object
--
-- Every create and update body is unique (customer name, message and rating carry a per-request counter);
-- update bodies name an existing ChatSessionId, so the server replaces that row instead of adding one.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local op = os.getenv("BENCH_OP") or "create"
local format = os.getenv("BENCH_FORMAT") or "json"
local auth = os.getenv("BENCH_AUTH") or ""
local id_lo = tonumber(os.getenv("BENCH_ID_LO") or "1")
local id_hi = tonumber(os.getenv("BENCH_ID_HI") or "1")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")

local SAVE = "/api/v1/Agents/Chat/SaveChatSessionEntity"
local GET = "/api/v1/Agents/Chat/GetChatSessionEntity?chatSessionEntityId="
local NOOP = "/bench/noop"

-- SuperOffice's own sample request (docs/api.md), with a topic the demo data has.
local JSON_BODY = '{"ChatSessionId": %d, "TopicId": 1, "User": null, "Person": null, '
  .. '"CustomerAlias": "soluta", "CustomerHost": "qui", "CustomerName": "Customer %d-%d", '
  .. '"CustomerEmail": "mckayla@sengeryost.uk", "CustomerPhone": "546-196-2294", "CustomerConsented": false, '
  .. '"CustomerCompanyName": "Williamson, Weber and Grimes", "Status": "Closed", "FirstMessage": "rerum", '
  .. '"LastMessage": "message %d", "WhenRequested": "2002-08-11T10:10:59.0850049+02:00", '
  .. '"WhenStarted": "2019-06-07T10:10:59.0850049+02:00", "WhenEnded": "2002-04-04T10:10:59.0850049+02:00", '
  .. '"WhenIdle": "1999-06-07T10:10:59.0850049+02:00", "WhenFetched": "2010-04-13T10:10:59.0850049+02:00", '
  .. '"SessionKey": "est", "InitialQueuePos": 613, "AlertLevel": 418, "Rank": 235, "Flags": "CustomerIsTyping", '
  .. '"Contact": null, "Project": null, "Sale": null, "Ticket": null, "TransferTo": null, '
  .. '"ChatbotIsActive": false, "Rating": %d}'

local XML_BODY = '<?xml version="1.0" encoding="utf-8"?>'
  .. '<ChatSessionEntity xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
  .. "<ChatSessionId>%d</ChatSessionId><TopicId>1</TopicId>"
  .. '<User i:nil="true" /><Person i:nil="true" />'
  .. "<CustomerAlias>soluta</CustomerAlias><CustomerHost>qui</CustomerHost>"
  .. "<CustomerName>Customer %d-%d</CustomerName><CustomerEmail>mckayla@sengeryost.uk</CustomerEmail>"
  .. "<CustomerPhone>546-196-2294</CustomerPhone><CustomerConsented>false</CustomerConsented>"
  .. "<CustomerCompanyName>Williamson, Weber and Grimes</CustomerCompanyName><Status>Closed</Status>"
  .. "<FirstMessage>rerum</FirstMessage><LastMessage>message %d</LastMessage>"
  .. "<WhenRequested>2002-08-11T10:10:59.0850049+02:00</WhenRequested>"
  .. "<WhenStarted>2019-06-07T10:10:59.0850049+02:00</WhenStarted>"
  .. "<WhenEnded>2002-04-04T10:10:59.0850049+02:00</WhenEnded>"
  .. "<WhenIdle>1999-06-07T10:10:59.0850049+02:00</WhenIdle>"
  .. "<WhenFetched>2010-04-13T10:10:59.0850049+02:00</WhenFetched>"
  .. "<SessionKey>est</SessionKey><InitialQueuePos>613</InitialQueuePos><AlertLevel>418</AlertLevel>"
  .. "<Rank>235</Rank><Flags>CustomerIsTyping</Flags>"
  .. '<Contact i:nil="true" /><Project i:nil="true" /><Sale i:nil="true" /><Ticket i:nil="true" />'
  .. '<TransferTo i:nil="true" /><ChatbotIsActive>false</ChatbotIsActive><Rating>%d</Rating>'
  .. "</ChatSessionEntity>"

local counter = 0
local run_tag = os.time() % 100000

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(data)
  local out = {}
  for i = 1, #data, 3 do
    local a, b, c = data:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = {}
    for k = 3, 0, -1 do
      local index = math.floor(n / 64 ^ k) % 64
      chars[#chars + 1] = B64:sub(index + 1, index + 1)
    end
    if c == nil then
      chars[4] = "="
    end
    if b == nil then
      chars[3] = "="
    end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end
local next_due = nil
local interval_ms = 0

local created = 0
function setup(thread)
  created = created + 1
  thread:set("bench_thread", created)
end

function init(args)
  math.randomseed(os.time() * 7919 + (bench_thread or 0) * 104729)
  if rate > 0 then
    interval_ms = 1000.0 * threads / rate
  end
  local content_type = format == "xml" and "application/xml" or "application/json"
  wrk.method = "POST"
  wrk.headers["Accept"] = content_type
  if op ~= "get" and op ~= "login" then
    wrk.headers["Content-Type"] = content_type
  end
  if auth ~= "" then
    wrk.headers["Authorization"] = auth
  end
end

local function random_id()
  return math.random(id_lo, id_hi)
end

function request()
  counter = counter + 1
  if op == "get" then
    return wrk.format(nil, GET .. random_id(), nil, "")
  end
  if op == "login" then
    local user = string.format("nobody-%d-%d-%d:wrong", run_tag, bench_thread or 0, counter)
    local headers = { Authorization = "Basic " .. base64(user), Accept = "application/json" }
    return wrk.format(nil, GET .. "1", headers, "")
  end
  local id = 0
  if op == "update" then
    id = random_id()
  end
  local template = format == "xml" and XML_BODY or JSON_BODY
  local body = string.format(template, id, bench_thread or 0, counter, counter, counter % 1000)
  return wrk.format(nil, op == "noop" and NOOP or SAVE, nil, body)
end

-- Paced runs: each thread sends on its own schedule, one request every interval_ms, whichever connection
-- is free; wrk measures each latency from the moment the request is written.
if rate > 0 then
  function delay()
    local now = now_ms()
    if next_due == nil then
      next_due = now
    end
    next_due = next_due + interval_ms
    if next_due < now - 1000 then
      next_due = now -- more than a second behind: the server cannot keep up; do not burst to catch up
    end
    local wait = next_due - now
    if wait < 0 then
      return 0
    end
    return math.floor(wait)
  end
end

function done(summary, latency, requests)
  local path = os.getenv("BENCH_OUT")
  if path == nil or path == "" then
    return
  end
  local e = summary.errors
  local file = assert(io.open(path, "w"))
  file:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, '
      .. '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p99_9": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)
  ))
  file:close()
end
