# stats: the evaluators' statistics on WZ_BENCH_STATS_TICKETS (default 10,000,000) generated
# tickets (three years of a province-like city: 210 units, a WeChat account per township, every
# stage, with their facts and rollups; ops/bench/stats-data.sql), against the raw reference: the
# same counts by a plain GROUP BY over the tickets table, WZ_BENCH_STATS_RAW_RUNS times (default
# 3) per query, timed by the client. The API runs under wrk with the evaluator's token (an
# admin's where the table says so), WZ_BENCH_QUEUE_CONNECTIONS (8) connections. A long scenario:
# generating 10M tickets takes about 20 minutes here, so it is not in the default set.

# stats_time_sql NAME SQL: runs it WZ_BENCH_STATS_RAW_RUNS times; sets R_p50_NAME R_max_NAME (ms)
stats_time_sql() {
  local name=$1 q=$2 i s e times=()
  for i in $(seq 1 "${WZ_BENCH_STATS_RAW_RUNS:-3}"); do
    s=$(date +%s%N); bench_sql "$q" >/dev/null; e=$(date +%s%N)
    times+=($(((e - s) / 1000000)))
  done
  local p50 max
  read -r p50 max < <(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)], a[NR] }')
  printf -v "R_p50_$name" '%s' "$p50"; printf -v "R_max_$name" '%s' "$max"
  wz_log "  raw $name: p50 $p50 ms, max $max ms over ${#times[@]} runs"
}

# stats_api NAME TOKEN PATH: wrk on one statistics request; sets A_p50_NAME A_p99_NAME A_rps_NAME
stats_api() {
  local name=$1 token=$2 path=$3 status
  status=$(curl -s -o "$tmp/stats-$name.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$base$path")
  [ "$status" = 200 ] || wz_die "GET $path answered $status: $(head -c 300 "$tmp/stats-$name.json")"
  bench_db_idle
  bench_wrk "stats-$name" "${WZ_BENCH_QUEUE_CONNECTIONS:-8}" "$bench_seconds" "$base$path" "" -H "Authorization: Bearer $token"
  printf -v "A_p50_$name" '%s' "$W_p50"; printf -v "A_p99_$name" '%s' "$W_p99"; printf -v "A_rps_$name" '%s' "$W_rps"
  stats_errors=$((stats_errors + W_errors))
}

scenario_stats() {
  local n=${WZ_BENCH_STATS_TICKETS:-10000000}
  [[ $n =~ ^[1-9][0-9]*$ ]] || wz_die "WZ_BENCH_STATS_TICKETS must be a positive integer"
  bench_data "$n"
  [ -n "$server_pid" ] || bench_server_start
  local rollup_rows unit_rows month_rows
  rollup_rows=$(bench_sql "SELECT COUNT(*) FROM stats_rollup")
  unit_rows=$(bench_sql "SELECT COUNT(*) FROM stats_rollup_unit")
  month_rows=$(bench_sql "SELECT COUNT(*) FROM stats_rollup_unit_month")
  # the last full quarter before today, the twelve months before its end, the thirty days
  # before its end (Asia/Shanghai days; the raw queries take the same span in UTC)
  local q_from q_to year_from days_from
  read -r q_from q_to year_from days_from < <(python3 -c '
import datetime
d = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()
q = (d.month - 1) // 3
end = datetime.date(d.year, q * 3 + 1, 1)
start = datetime.date(d.year - 1, 10, 1) if q == 0 else datetime.date(d.year, q * 3 - 2, 1)
print(start, end, end.replace(year=end.year - 1), end - datetime.timedelta(days=30))')
  utc() { python3 -c "import datetime; print(datetime.datetime.fromisoformat('$1') - datetime.timedelta(hours=8))"; }

  local figures="COUNT(*), SUM(dispatched_at IS NOT NULL), SUM(signed_at <= sign_due_at), SUM(replied_at IS NOT NULL),
    SUM(replied_at <= reply_due_at), SUM(supervised), SUM(extended)"
  bench_server_stop # the raw queries alone on the machine, as the API runs alone
  bench_db_idle
  stats_time_sql unit_quarter "SELECT unit_id, $figures FROM tickets WHERE received_at >= '$(utc "$q_from")'
    AND received_at < '$(utc "$q_to")' AND merged_into IS NULL GROUP BY unit_id"
  stats_time_sql month_year "SELECT DATE_FORMAT(received_at + INTERVAL 8 HOUR, '%Y-%m'), $figures FROM tickets
    WHERE received_at >= '$(utc "$year_from")' AND received_at < '$(utc "$q_to")' AND merged_into IS NULL GROUP BY 1"
  bench_server_start

  local evaluator admin
  evaluator=$(bench_user_token evaluator)
  admin=$(bench_user_token admin)
  stats_errors=0
  stats_api unit_quarter "$evaluator" "/api/v1/stats?from=$q_from&to=$q_to&group_by=unit"
  stats_api unit_quarter_admin "$admin" "/api/v1/stats?from=$q_from&to=$q_to&group_by=unit"
  stats_api unit_quarter_rollup "$evaluator" "/api/v1/stats?from=$q_from&to=$q_to&group_by=unit&include_descendants=true"
  stats_api month_year "$evaluator" "/api/v1/stats?from=$year_from&to=$q_to&group_by=month"
  stats_api unit_month_year "$evaluator" "/api/v1/stats?from=$year_from&to=$q_to&group_by=unit,month"
  stats_api days_30 "$evaluator" "/api/v1/stats?from=$days_from&to=$q_to&group_by=day"
  stats_api account_type_quarter "$evaluator" "/api/v1/stats?from=$q_from&to=$q_to&group_by=account,type"
  stats_api ranking_quarter "$evaluator" "/api/v1/stats/ranking?metric=reply_rate&from=$q_from&to=$q_to"
  bench_server_alive stats

  # "20x faster than raw": the raw query's median against the API's p99, the strict reading
  local speed; speed=$(bench_div "$R_p50_unit_quarter" "$A_p99_unit_quarter")
  bench_row 55-stats "stats, one quarter by unit, $n tickets (evaluator)" "p99 $A_p99_unit_quarter ms" \
    "$R_p50_unit_quarter ms (GROUP BY, median)" "$speed" '<= 50 ms and >= 20x' \
    "$(bench_met "$A_p99_unit_quarter <= 50 && $speed >= 20")"
  x() { bench_div "$1" "$2" | sed 's/$/x/; s/^-x$/-/'; }
  cat >"$tmp/block-stats.md" <<MD
### Statistics on $n tickets

| query | API p50 ms | API p99 ms | API req/s | raw GROUP BY p50 ms | raw max ms | raw p50 / API p99 |
|---|---:|---:|---:|---:|---:|---:|
| one quarter by unit | $A_p50_unit_quarter | $A_p99_unit_quarter | $A_rps_unit_quarter | $R_p50_unit_quarter | $R_max_unit_quarter | $(x "$R_p50_unit_quarter" "$A_p99_unit_quarter") |
| one quarter by unit, as an admin | $A_p50_unit_quarter_admin | $A_p99_unit_quarter_admin | $A_rps_unit_quarter_admin | $R_p50_unit_quarter | $R_max_unit_quarter | $(x "$R_p50_unit_quarter" "$A_p99_unit_quarter_admin") |
| one quarter by unit, rolled up over subtrees | $A_p50_unit_quarter_rollup | $A_p99_unit_quarter_rollup | $A_rps_unit_quarter_rollup | | | |
| twelve months by month | $A_p50_month_year | $A_p99_month_year | $A_rps_month_year | $R_p50_month_year | $R_max_month_year | $(x "$R_p50_month_year" "$A_p99_month_year") |
| twelve months by unit x month | $A_p50_unit_month_year | $A_p99_unit_month_year | $A_rps_unit_month_year | | | |
| thirty days by day (the day rows) | $A_p50_days_30 | $A_p99_days_30 | $A_rps_days_30 | | | |
| one quarter by account x type (the full grain) | $A_p50_account_type_quarter | $A_p99_account_type_quarter | $A_rps_account_type_quarter | | | |
| ranking by reply rate, one quarter | $A_p50_ranking_quarter | $A_p99_ranking_quarter | $A_rps_ranking_quarter | | | |

$n tickets over three years (\`ops/bench/stats-data.sql\`: 210 units, an account per township,
every stage), generated with their facts in ${bench_data_seconds:-?} s: $rollup_rows full-grain rollup rows,
$unit_rows (day, unit) rows and $month_rows (month, unit) rows; InnoDB buffer pool $WZ_DB_BUFFER_POOL. The quarter
is $q_from to $q_to, the twelve months $year_from to $q_to. API: \`GET /api/v1/stats\` as the city's
evaluator (scope: everything), ${WZ_BENCH_QUEUE_CONNECTIONS:-8} connections, $bench_seconds s after a warm-up,
errors $stats_errors. Raw: the same counts by a plain \`GROUP BY\` over \`tickets\` (the period's
rows by \`ix_tickets_received\`), ${WZ_BENCH_STATS_RAW_RUNS:-3} runs each through the \`mariadb\` client
with the server stopped.

How cost grows (docs/metrics.md, "How the numbers are kept"): a query that neither filters nor
groups by account, channel, type or category reads the month rows for its whole months and the
day rows for the days around them: months x units (counts and one packed histogram each) plus
days x units, whatever the number of tickets. The full grain answers the rest: its rows are the
distinct combinations that had tickets, which grow with the tickets until every combination of a
day is taken. The raw query reads every ticket of the period.
MD
}
