-- wrk script: single-delegate registrations, each person new. Driven by
-- benches/wrk-registrations.sh, which sets the environment read here.
local token = os.getenv("WRK_TOKEN")
local organisations = {}
for id in string.gmatch(os.getenv("WRK_ORGANISATIONS"), "[^,]+") do
  organisations[#organisations + 1] = id
end
local payment = os.getenv("WRK_PAYMENT")
local threads = 0
local n = 0

function setup(thread)
  thread:set("thread", threads)
  threads = threads + 1
end

function request()
  n = n + 1
  local body = string.format(
    '{"organisation_id":"%s","payment_method":"%s","delegates":[{"name":"Delegate %d","email":"w%d-%d@bench.example","dinner":%s}]}',
    organisations[n % #organisations + 1], payment, n, thread, n,
    n % 2 == 0 and "true" or "false")
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end
