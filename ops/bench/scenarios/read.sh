# read: GET /api/v1/tickets/{id} with a staff token (住建局, unit 3) for ids of that unit's
# tickets drawn at random, 64 connections, against sysbench oltp_point_select (64 threads,
# WZ_BENCH_SB_ROWS rows, default 100,000) on the same instance. Runs over the bulk data when
# there is some (1,000,000 tickets after queue or growth), else over WZ_BENCH_READ_TICKETS.
scenario_read() {
  [ "$bench_data_size" -gt 0 ] || bench_data "${WZ_BENCH_READ_TICKETS:-100000}"
  local rows=${WZ_BENCH_SB_ROWS:-100000}
  bench_sql "SELECT id FROM tickets WHERE unit_id = 3 ORDER BY RAND() LIMIT 20000" >"$tmp/read-ids.txt"
  local nids; nids=$(wc -l <"$tmp/read-ids.txt")
  [ "$nids" -gt 0 ] || wz_die "no tickets of unit 3 to read"
  local token; token=$(bench_user_token staff_zjj)
  local status; status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$base/api/v1/tickets/$(head -1 "$tmp/read-ids.txt")")
  [ "$status" = 200 ] || wz_die "GET /api/v1/tickets/{id} answered $status before the run"
  export WZ_BENCH_IDS=$tmp/read-ids.txt WZ_BENCH_PATH_PREFIX=/api/v1/tickets/
  bench_wrk read "$bench_conns" "$bench_seconds" "$base/" "$bench_dir/lua/ids.lua" -H "Authorization: Bearer $token"
  bench_server_alive read
  local rps=$W_rps p50=$W_p50 p99=$W_p99 errs=$W_errors load=$W_load
  if [ ! -f "$tmp/sb-prepared" ]; then
    sysbench oltp_point_select --db-driver=mysql --mysql-socket="$tmp/mysql.sock" --mysql-user=sbtest \
      --mysql-password="$sb_password" --mysql-db=sbtest --tables=1 --table-size="$rows" prepare >"$tmp/sb-prepare.txt" 2>&1 \
      || { cat "$tmp/sb-prepare.txt" >&2; wz_die "sysbench prepare failed"; }
    touch "$tmp/sb-prepared"
  fi
  bench_sysbench point_select oltp_point_select "$bench_conns" "$bench_seconds" --tables=1 --table-size="$rows"
  local ratio; ratio=$(bench_div "$rps" "$S_tps")
  bench_row 30-read 'read `GET /tickets/{id}` req/s, staff, 64 conn.' "$rps" "$S_tps selects/s (sysbench)" "$ratio" \
    '>= 0.5x' "$(bench_met "$ratio >= 0.5")"
  cat >"$tmp/block-read.md" <<MD
### Read

| | per s | p50 ms | p99 ms | notes |
|---|---:|---:|---:|---|
| \`GET /api/v1/tickets/{id}\`, staff of unit 3, $bench_conns connections | $rps | $p50 | $p99 | $nids ids drawn at random from the unit's tickets among $bench_data_size generated; errors $errs; other CPU load before: $load |
| raw: sysbench \`oltp_point_select\`, $bench_conns threads | $S_tps | | $S_p99 | 1 table of $rows rows, prepared statements; other CPU load before: $S_load |

Ratio **$ratio** (target >= 0.5). The API request checks the token, loads the ticket with its
unit, messages, events and replies as the staff member may see them (masked contact), and
renders JSON; the raw reference is one primary-key \`SELECT\`.
MD
}
