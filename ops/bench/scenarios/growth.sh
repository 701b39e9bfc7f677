# growth: the queue page (as in the queue scenario) and a statistics query (one quarter by unit,
# the city's evaluator) at 1,000, 100,000 and 1,000,000 tickets (WZ_BENCH_GROWTH_MAX=10000000
# adds 10,000,000), each size generated afresh; WZ_BENCH_GROWTH_SECONDS (default 5) per query.
# "Flat": at the largest size the p99 is at most twice the smallest size's, or 5 ms above it.
scenario_growth() {
  local max=${WZ_BENCH_GROWTH_MAX:-1000000} secs=${WZ_BENCH_GROWTH_SECONDS:-5} sizes="1000 100000 1000000" n
  [[ $max =~ ^[1-9][0-9]*$ ]] || wz_die "WZ_BENCH_GROWTH_MAX must be a positive integer"
  [ "$max" -ge 10000000 ] && sizes="$sizes 10000000"
  local q_from q_to
  read -r q_from q_to < <(python3 -c '
import datetime
d = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()
q = (d.month - 1) // 3
end = datetime.date(d.year, q * 3 + 1, 1)
start = datetime.date(d.year - 1, 10, 1) if q == 0 else datetime.date(d.year, q * 3 - 2, 1)
print(start, end)')
  local stats_path="/api/v1/stats?from=$q_from&to=$q_to&group_by=unit"
  local table="| tickets | generated in s | queue, staff p50 / p99 ms | queue, dispatcher p50 / p99 ms | stats, quarter by unit p50 / p99 ms |
|---:|---:|---:|---:|---:|"
  local first_q="" first_s="" last_q="" last_s="" first_n="" last_n=""
  for n in $sizes; do
    [ "$n" -le "$max" ] || continue
    bench_data "$n"
    [ -n "$server_pid" ] || bench_server_start
    queue_measure "growth-$n" "$secs"
    local token; token=$(bench_user_token evaluator)
    local status; status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$stats_path")
    [ "$status" = 200 ] || wz_die "GET $stats_path answered $status"
    bench_db_idle
    bench_wrk "growth-$n-stats" "${WZ_BENCH_QUEUE_CONNECTIONS:-8}" "$secs" "$base$stats_path" "" -H "Authorization: Bearer $token"
    bench_server_alive growth
    table+="
| $n | $bench_data_seconds | $Q_p50_staff_zjj / $Q_p99_staff_zjj | $Q_p50_dispatcher / $Q_p99_dispatcher | $W_p50 / $W_p99 |"
    local worst_q; worst_q=$(awk -v a="$Q_p99_staff_zjj" -v b="$Q_p99_dispatcher" 'BEGIN { print (a > b ? a : b) }')
    [ -n "$first_q" ] || { first_q=$worst_q; first_s=$W_p99; first_n=$n; }
    last_q=$worst_q last_s=$W_p99 last_n=$n
  done
  flat() { bench_met "$2 <= 2 * $1 || $2 <= $1 + 5"; }
  bench_row 80-growth-queue "growth: queue p99 (worse of staff, dispatcher), $first_n -> $last_n tickets" \
    "$first_q -> $last_q ms" - - 'flat' "$(flat "$first_q" "$last_q")"
  bench_row 81-growth-stats "growth: stats p99 (quarter by unit), $first_n -> $last_n tickets" \
    "$first_s -> $last_s ms" - - 'flat' "$(flat "$first_s" "$last_s")"
  cat >"$tmp/block-growth.md" <<MD
### How cost grows with data size

$table

Each size is generated afresh by \`ops/bench/stats-data.sql\` (tickets over three years, every
stage, with their statistics facts and rollups); ${WZ_BENCH_QUEUE_CONNECTIONS:-8} connections, $secs s per query.
The queue is \`GET $queue_path\`; the statistics query is \`GET $stats_path\`
(read from the rollups, docs/metrics.md). "Flat" means the largest size's p99 is at most twice
the smallest's, or at most 5 ms above it.
MD
}
