-- POST /api/v1/messages as citizens: each connection signs as one of the citizens whose tokens
-- are in the file named by WZ_BENCH_TOKENS (one a line), and every request carries an
-- Idempotency-Key never used before (thread, counter and the start time), so each 201 is a
-- new, committed ticket. Answers other than 201 are counted in the report's err_status.
local tokens = {}
for line in io.lines(os.getenv("WZ_BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end
local counter = 0
local stamp = tostring(os.time())
local bodies = {
  '{"type":"consultation","content":"请问办理居住证需要准备哪些材料？在哪个窗口办理？","contact_name":"张三","contact_phone":"13800138000","channel":"miniprogram"}',
  '{"type":"complaint","content":"小区门口的路灯坏了两周了，晚上出行很不方便，希望尽快修理。","contact_name":"李四","contact_phone":"13900139000","channel":"miniprogram"}',
  '{"type":"suggestion","content":"建议在社区公园增加儿童游乐设施和休息座椅，方便老人和孩子。","contact_name":"王五","contact_phone":"13700137000","channel":"miniprogram"}',
}
function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[(tid * 7919 + counter) % #tokens + 1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("b-%s-%d-%d", stamp, tid, counter),
  }
  return wrk.format("POST", "/api/v1/messages", headers, bodies[counter % #bodies + 1])
end
function response(status, headers, body)
  if status ~= 201 and errlog == nil then
    errlog = true
    io.stderr:write("first non-201 answer: " .. status .. " " .. body:sub(1, 300) .. "\n")
  end
end
