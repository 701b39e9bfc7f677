# Shared by ops/bench/run and its scenarios (ops/bench/scenarios/*.sh): the private MariaDB tuned
# as for production, the server, tokens, bulk data, wrk and sysbench runs and their parsing, and
# the result rows. Source it after ops/lib/common.sh; it expects `set -euo pipefail`.
#
# Everything lives in $tmp (a temporary directory removed on exit unless WZ_BENCH_KEEP=1).
# Results: bench_row appends to $tmp/rows.tsv; a scenario writes its section of
# docs/performance.md to $tmp/block-<scenario>.md (ops/bench/doc.py puts both into the doc).

bench_build=$WZ_ROOT/build/bench
bench_seconds=${WZ_BENCH_SECONDS:-10}
bench_warmup=${WZ_BENCH_WARMUP:-2}
bench_conns=${WZ_BENCH_CONNECTIONS:-64}
bench_wrk_threads=${WZ_BENCH_WRK_THREADS:-2}
[[ $bench_seconds =~ ^[1-9][0-9]*$ ]] || wz_die "WZ_BENCH_SECONDS must be a positive integer"
[[ $bench_warmup =~ ^[0-9]+$ ]] || wz_die "WZ_BENCH_WARMUP must be a non-negative integer"
[[ $bench_conns =~ ^[1-9][0-9]*$ ]] || wz_die "WZ_BENCH_CONNECTIONS must be a positive integer"
# the buffer pool holds the 1,000,000-ticket working set, as a production server's would
export WZ_DB_BUFFER_POOL=${WZ_DB_BUFFER_POOL:-2G}

server_pid=""
db_started=0
bench_data_size=0 # tickets generated in bulk in the current database (0: demo seed only)

# --- housekeeping -----------------------------------------------------------------------
bench_setup() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/wz-bench.XXXXXX")
  : >"$tmp/rows.tsv"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local rc=$?
  trap - EXIT
  bench_server_stop || true
  [ -n "${h2o_pid:-}" ] && kill -TERM "$h2o_pid" 2>/dev/null && wait "$h2o_pid" 2>/dev/null
  if [ "$db_started" = 1 ]; then
    wz_log "stopping MariaDB"
    wz_db_stop "$tmp"
  fi
  [ "$rc" -ne 0 ] && wz_log "failed (exit $rc)"
  if [ "$rc" -ne 0 ] && [ -s "$tmp/server.log" ]; then
    wz_log "last lines of the server log:"
    grep -v '"type":"access"' "$tmp/server.log" | tail -20 >&2 || true
  fi
  if [ "${WZ_BENCH_KEEP:-0}" = 1 ]; then wz_log "kept $tmp (WZ_BENCH_KEEP=1)"; else rm -rf "$tmp"; fi
  exit "$rc"
}

# share of all CPUs busy over one second while the benchmark is idle: other work on the machine
bench_background_cpu() {
  local a b
  a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
  printf '%s\n%s\n' "$a" "$b" | awk '{ idle[NR] = $5 + $6; t = 0; for (i = 2; i <= NF; i++) t += $i; tot[NR] = t }
    END { d = tot[2] - tot[1]; printf "%d%%", (d > 0 ? 100 * (1 - (idle[2] - idle[1]) / d) + 0.5 : 0) }'
}

bench_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# bench_row KEY WHAT MEASURED RAW RATIO TARGET MET: one row of the summary table ("-" for none)
bench_row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${bench_scenario:-none}" "$@" >>"$tmp/rows.tsv"
  wz_log "result: $2: $3 (raw $4, ratio $5; target $6: $7)"
}
# bench_met EXPR: "met" or "not met" for an awk condition over nothing but numbers
bench_met() { awk "BEGIN { exit !($1) }" && echo met || echo "not met"; }
bench_div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# --- MariaDB ----------------------------------------------------------------------------
# The private instance with the production settings of docs/operations.md ("MariaDB for
# production"): a later [mysqld] group overrides what wz_db_init wrote for development.
bench_db_start() {
  wz_db_init "$tmp" || true
  cat >>"$tmp/my.cnf" <<CNF
[mysqld]
innodb_buffer_pool_size=$WZ_DB_BUFFER_POOL
innodb_log_file_size=1G
innodb_log_buffer_size=64M
innodb_flush_log_at_trx_commit=1
innodb_doublewrite=1
innodb_flush_method=O_DIRECT
innodb_io_capacity=1000
log_bin=$tmp/binlog
binlog_format=ROW
sync_binlog=1
# migrations create stored functions and triggers as wz_migrate, which has no SUPER privilege
log_bin_trust_function_creators=1
server_id=1
binlog_expire_logs_seconds=604800
max_connections=1000
thread_cache_size=128
table_open_cache=4000
CNF
  db_started=1
  wz_db_start "$tmp"
  wz_db_bootstrap "$tmp" wenzheng
  wz_db_export "$tmp"
  sb_password=$(wz_random_hex 16)
  wz_db_sql "$tmp" "
    CREATE DATABASE sbtest;
    CREATE USER 'sbtest'@'localhost' IDENTIFIED BY '$sb_password';
    GRANT ALL PRIVILEGES ON sbtest.* TO 'sbtest'@'localhost';
    FLUSH PRIVILEGES;" || wz_die "could not create the sysbench database"
  export WZ_DATA_DIR=$tmp WZ_DEMO=true WZ_LOG_LEVEL=warn WZ_PORT=0 WZ_LISTEN_HOST=127.0.0.1
  export WZ_SCHEMA_DIR=$WZ_ROOT/schema WZ_DEMO_PASSWORD=wenzheng-bench
  bench_db_fresh
}

# the settings in effect, for the report
bench_db_settings() {
  wz_db_sql "$tmp" "SELECT CONCAT(LOWER(VARIABLE_NAME), '=', VARIABLE_VALUE) FROM information_schema.GLOBAL_VARIABLES
    WHERE VARIABLE_NAME IN ('INNODB_BUFFER_POOL_SIZE', 'INNODB_LOG_FILE_SIZE', 'INNODB_FLUSH_LOG_AT_TRX_COMMIT',
      'INNODB_DOUBLEWRITE', 'INNODB_FLUSH_METHOD', 'LOG_BIN', 'LOG_BIN_TRUST_FUNCTION_CREATORS', 'BINLOG_FORMAT', 'SYNC_BINLOG', 'MAX_CONNECTIONS')
    ORDER BY VARIABLE_NAME" | paste -sd' '
}

bench_sql() { mariadb --defaults-file="$tmp/my.cnf" -uroot -D wenzheng --batch --skip-column-names -e "$1"; }

# an empty wenzheng database: schema and demo seed (the server must be stopped)
bench_db_fresh() {
  wz_db_sql "$tmp" "DROP DATABASE IF EXISTS wenzheng" || wz_die "could not drop the database"
  wz_db_bootstrap "$tmp" wenzheng
  "$bench_build/wenzheng" migrate 2>>"$tmp/setup.log" || { cat "$tmp/setup.log" >&2; wz_die "migrate failed"; }
  "$bench_build/wenzheng" seed-demo 2>>"$tmp/setup.log" || { cat "$tmp/setup.log" >&2; wz_die "seed-demo failed"; }
  bench_data_size=0
}

# bench_data N: the database holds the demo seed plus N tickets generated in bulk (with their
# statistics facts and rollups) by ops/bench/stats-data.sql: multi-row INSERT ... SELECT in
# chunks of 500,000, binary logging off for the generating session only. Regenerates from an
# empty database unless N is what it holds already. Restarts the server if it was running.
bench_data() {
  local n=$1 was_running=0
  [ "$bench_data_size" = "$n" ] && return 0
  [ -n "$server_pid" ] && was_running=1
  bench_server_stop
  bench_db_fresh
  wz_log "generating $n tickets with their facts and rollups"
  local start; start=$(date +%s)
  { printf 'SET SESSION sql_log_bin = 0;\nSET @tickets = %s, @end = UTC_TIMESTAMP();\n' "$n"
    cat "$bench_dir/stats-data.sql" "$bench_dir/stats-coarse.sql"; } \
    | mariadb --defaults-file="$tmp/my.cnf" -uroot -D wenzheng || wz_die "generating the data failed"
  bench_data_seconds=$(($(date +%s) - start))
  bench_data_size=$n
  wz_log "generated $n tickets in ${bench_data_seconds}s"
  bench_db_settle
  [ "$was_running" = 1 ] && bench_server_start
  return 0
}

# --- the server -------------------------------------------------------------------------
# bench_server_start [wrapper...]: starts `wenzheng serve` (optionally under a wrapper such as
# valgrind) and sets server_pid, port, base. Its stderr (the JSON access log) goes to a file.
bench_server_start() {
  bench_server_stop
  : >"$tmp/server.out"
  setsid "$@" "$bench_build/wenzheng" serve >"$tmp/server.out" 2>>"$tmp/server.log" </dev/null &
  server_pid=$!
  port=""
  local i
  for i in $(seq 1 1200); do
    port=$(sed -n 's|^ready: http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$tmp/server.out" | head -1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$tmp/server.log" >&2; wz_die "the server exited before it was ready"; }
    sleep 0.1
  done
  [ -n "$port" ] || wz_die "the server did not print its ready: line within 120 s"
  base=http://127.0.0.1:$port
  # the statistics job counts the demo history first; let it settle before measuring
  for i in $(seq 1 100); do
    [ "$(bench_sql "SELECT COUNT(*) FROM stats_dirty")" = 0 ] && break
    sleep 0.2
  done
}

bench_server_stop() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

bench_server_alive() { kill -0 "$server_pid" 2>/dev/null || wz_die "the server died during $1"; }

bench_metric() { # bench_metric NAME: the sum over workers in the server's /metrics
  curl -s "$base/metrics" | awk -v n="$1" '$1 ~ "^"n"([{]|$)" { s += $2; f = 1 } END { if (f) printf "%d", s; else print 0 }'
}

# bench_token ROLE SUB [UNIT]: an access token as the server issues them (HS256 over the demo
# jwt_secret of $tmp/demo-keys.json, like tests/integration/harness.py's mint_token), valid 4 h
bench_token() {
  local role=$1 sub=$2 unit=${3:-0} upath=""
  [ "$unit" != 0 ] && upath=$(bench_sql "SELECT path FROM units WHERE id = $unit")
  python3 - "$tmp/demo-keys.json" "$role" "$sub" "$unit" "$upath" <<'PY'
import base64, hashlib, hmac, json, sys, time
keys, role, sub, unit, upath = sys.argv[1:]
secret = json.load(open(keys))["jwt_secret"]
b64 = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
now = int(time.time())
claims = {"sub": sub, "role": role, "unit": int(unit), "upath": upath, "typ": "access", "iat": now, "exp": now + 14400}
si = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
print(si + "." + b64(hmac.new(secret.encode(), si.encode(), hashlib.sha256).digest()))
PY
}
bench_user_token() { # bench_user_token USERNAME: a demo user's token
  local row; row=$(bench_sql "SELECT id, role, unit_id FROM users WHERE username = '$1'")
  # shellcheck disable=SC2086
  set -- $row
  bench_token "$2" "$1" "$3"
}

# --- wrk --------------------------------------------------------------------------------
# bench_wrk NAME CONNS SECONDS URL [LUA] [wrk options...]: one measured wrk run after a warm-up
# (WZ_BENCH_WARMUP s); the scenario's Lua script (if any) is joined with wrk-report.lua. Sets
# W_rps W_p50 W_p90 W_p99 W_max (ms) W_requests W_errors W_status (non-2xx/3xx) W_load, and leaves
# the raw output in $tmp/wrk-NAME.txt.
bench_wrk() {
  local name=$1 conns=$2 secs=$3 url=$4 lua=${5:-}
  shift 4; [ $# -gt 0 ] && shift
  local script=$tmp/wrk-$name.lua threads=$bench_wrk_threads
  [ "$conns" -lt "$threads" ] && threads=$conns
  { [ -n "$lua" ] && cat "$lua"; cat "$bench_dir/wrk-report.lua"; } >"$script"
  if [ "$bench_warmup" -gt 0 ]; then
    wrk -t"$threads" -c"$conns" -d"${bench_warmup}s" --timeout 30s -s "$script" "$@" "$url" >/dev/null 2>&1 || true
  fi
  W_load=$(bench_background_cpu)
  wz_log "wrk $name: $threads threads, $conns connections, ${secs}s (background CPU $W_load)"
  wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s --latency -s "$script" "$@" "$url" >"$tmp/wrk-$name.txt" 2>&1 \
    || { cat "$tmp/wrk-$name.txt" >&2; wz_die "wrk failed on $name"; }
  local line; line=$(grep '^WZBENCH ' "$tmp/wrk-$name.txt") || { cat "$tmp/wrk-$name.txt" >&2; wz_die "no WZBENCH line for $name"; }
  local -A f; local kv
  for kv in ${line#WZBENCH }; do f[${kv%%=*}]=${kv#*=}; done
  W_requests=${f[requests]}
  W_rps=$(awk -v r="${f[requests]}" -v d="${f[duration_us]}" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  W_p50=$(awk -v u="${f[p50_us]}" 'BEGIN { printf "%.2f", u / 1000 }')
  W_p90=$(awk -v u="${f[p90_us]}" 'BEGIN { printf "%.2f", u / 1000 }')
  W_p99=$(awk -v u="${f[p99_us]}" 'BEGIN { printf "%.2f", u / 1000 }')
  W_max=$(awk -v u="${f[max_us]}" 'BEGIN { printf "%.2f", u / 1000 }')
  W_duration_s=$(awk -v d="${f[duration_us]}" 'BEGIN { printf "%.3f", d / 1e6 }')
  W_status=${f[err_status]}
  W_errors=$((f[err_connect] + f[err_read] + f[err_write] + f[err_timeout] + f[err_status]))
  wz_log "  $name: $W_rps req/s, p50 $W_p50 ms, p99 $W_p99 ms, max $W_max ms, errors $W_errors (non-2xx/3xx $W_status)"
}

# --- sysbench ---------------------------------------------------------------------------
# bench_sysbench NAME TEST THREADS SECONDS [options...]: sets S_tps S_p99 (ms) S_errors
bench_sysbench() {
  local name=$1 test=$2 threads=$3 secs=$4; shift 4
  local sb=(sysbench "$test" --db-driver=mysql --mysql-socket="$tmp/mysql.sock" --mysql-user=sbtest
    --mysql-password="$sb_password" --mysql-db=sbtest "$@")
  S_load=$(bench_background_cpu)
  wz_log "sysbench $name: $threads threads, ${secs}s (background CPU $S_load)"
  "${sb[@]}" --threads="$threads" --time="$secs" --events=0 --percentile=99 run >"$tmp/sb-$name.txt" 2>&1 \
    || { cat "$tmp/sb-$name.txt" >&2; wz_die "sysbench $name failed"; }
  S_tps=$(sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec\.)/\1/p' "$tmp/sb-$name.txt")
  S_p99=$(sed -n 's/^ *99th percentile: *\([0-9.]*\)/\1/p' "$tmp/sb-$name.txt")
  S_errors=$(sed -n 's/^ *ignored errors: *\([0-9]*\).*/\1/p' "$tmp/sb-$name.txt")
  [ -n "$S_tps" ] || { cat "$tmp/sb-$name.txt" >&2; wz_die "could not parse sysbench's output for $name"; }
  S_tps=$(printf '%.0f' "$S_tps")
  wz_log "  $name: $S_tps/s, p99 $S_p99 ms, ignored errors ${S_errors:-?}"
}

# bench_db_idle: waits (at most 120 s) until no statement of the application user is running.
# The server does not notice an HTTP/1 client that went away, so the statements of a wrk run's
# last requests go on after wrk stops and would load the next measurement.
bench_db_idle() {
  local i n
  for i in $(seq 1 240); do
    n=$(wz_db_sql "$tmp" "SELECT COUNT(*) FROM information_schema.PROCESSLIST
      WHERE USER = '$WZ_DB_USER' AND COMMAND IN ('Query', 'Execute')")
    [ "$n" = 0 ] && return 0
    sleep 0.5
  done
  wz_log "statements of the server still running after 120 s"
}

# bench_db_settle: waits (at most 300 s) until InnoDB has written out what a bulk load left
# behind: dirty pages in the buffer pool and undo history to purge. Right after generating 1M
# tickets the page cleaner and purge threads take a core for a minute or more; measuring then
# gives the load's aftermath (queue p99 2-3x), not a serving database. Sets DB_SETTLE_s.
bench_db_settle() {
  local start i dirty hist was=-1 still=0
  start=$(date +%s)
  for i in $(seq 1 300); do
    read -r dirty hist < <(bench_sql "SELECT
      (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'),
      (SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len')")
    [ "${dirty:-0}" -lt 1000 ] && [ "${hist:-0}" -lt 1000 ] && break
    # the page cleaner leaves a small remainder alone when idle: done once it stops shrinking
    if [ "${dirty:-0}" -ge "$was" ] && [ "$was" -ge 0 ]; then still=$((still + 1)); else still=0; fi
    [ "$still" -ge 5 ] && [ "${hist:-0}" -lt 1000 ] && break
    was=${dirty:-0}
    sleep 1
  done
  DB_SETTLE_s=$(($(date +%s) - start))
  wz_log "InnoDB settled in ${DB_SETTLE_s}s (dirty pages ${dirty:-?}, undo history ${hist:-?})"
}

# bench_settle: waits (at most 300 s) until the work a load left behind is done: the
# acknowledgements in the outbox sent and the statistics caught up (stats_dirty empty). Sets
# SETTLE_s (seconds waited), SETTLE_outbox and SETTLE_dirty (what was left when it began).
bench_settle() {
  local start i o d
  start=$(date +%s)
  SETTLE_outbox=$(bench_sql "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead = 0 AND next_attempt_at <= UTC_TIMESTAMP(6)")
  SETTLE_dirty=$(bench_sql "SELECT COUNT(*) FROM stats_dirty")
  for i in $(seq 1 600); do
    o=$(bench_sql "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead = 0 AND next_attempt_at <= UTC_TIMESTAMP(6)")
    d=$(bench_sql "SELECT COUNT(*) FROM stats_dirty")
    [ "$o" = 0 ] && [ "$d" = 0 ] && break
    sleep 0.5
  done
  SETTLE_s=$(($(date +%s) - start))
  bench_db_idle
}

# bench_curl_times N TOKEN URL: N sequential requests; sets C_p50 C_max (ms) for a query too
# slow for wrk to finish any within its run
bench_curl_times() {
  local n=$1 token=$2 url=$3 i times=()
  for i in $(seq 1 "$n"); do
    times+=("$(curl -s -o /dev/null -m 120 -w '%{time_total}' -H "Authorization: Bearer $token" "$url")")
  done
  read -r C_p50 C_max < <(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 * 1000 }
    END { printf "%.2f %.2f\n", a[int((NR + 1) / 2)], a[NR] }')
}
