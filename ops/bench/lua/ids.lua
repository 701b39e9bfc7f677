-- GET WZ_BENCH_PATH_PREFIX .. id for an id drawn at random from the file named by WZ_BENCH_IDS
-- (one a line); the token comes from wrk's -H option.
local ids = {}
for line in io.lines(os.getenv("WZ_BENCH_IDS")) do ids[#ids + 1] = line end
local prefix = os.getenv("WZ_BENCH_PATH_PREFIX")
local seeded = false
function request()
  if not seeded then math.randomseed(os.time() + #ids); seeded = true end
  return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
