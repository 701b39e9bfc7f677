# queue: the 50-row queue page sorted by SLA deadline (sort=due) with a status filter, on
# WZ_BENCH_QUEUE_TICKETS (default 1,000,000) tickets generated in bulk, for a staff member
# (unit 3, about 1/210 of the tickets) and the city's dispatcher (every unit), with
# WZ_BENCH_QUEUE_CONNECTIONS (default 8) connections.
queue_path='/api/v1/tickets?limit=50&sort=due&status=dispatched,accepted'

# queue_measure NAME: sets Q_p50_<who> Q_p99_<who> Q_rps_<who> for staff and dispatcher
queue_measure() {
  local name=$1 conns=${WZ_BENCH_QUEUE_CONNECTIONS:-8} secs=${2:-$bench_seconds} who token status
  for who in staff_zjj dispatcher; do
    token=$(bench_user_token "$who")
    status=$(curl -s -o "$tmp/queue-$who.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$base$queue_path")
    [ "$status" = 200 ] || wz_die "the queue answered $status to $who: $(head -c 300 "$tmp/queue-$who.json")"
    bench_db_idle
    bench_wrk "$name-$who" "$conns" "$secs" "$base$queue_path" "" -H "Authorization: Bearer $token"
    if [ "$W_requests" -lt 20 ]; then # too slow for percentiles: time a few requests alone
      wz_log "  $name-$who: only $W_requests answers in ${secs}s; timing 3 requests one after another"
      bench_db_idle
      bench_curl_times 3 "$token" "$base$queue_path"
      W_p50=$C_p50 W_p99=$C_max
      W_rps="$W_rps (p50/p99: median/max of 3 requests alone)"
      bench_db_idle
    fi
    printf -v "Q_p50_$who" '%s' "$W_p50"; printf -v "Q_p99_$who" '%s' "$W_p99"; printf -v "Q_rps_$who" '%s' "$W_rps"
    printf -v "Q_err_$who" '%s' "$W_errors"
  done
}

scenario_queue() {
  local n=${WZ_BENCH_QUEUE_TICKETS:-1000000}
  bench_data "$n"
  queue_measure queue
  bench_server_alive queue
  local open; open=$(bench_sql "SELECT COUNT(*) FROM tickets WHERE status IN ('dispatched', 'accepted')")
  local open3; open3=$(bench_sql "SELECT COUNT(*) FROM tickets WHERE status IN ('dispatched', 'accepted') AND unit_id = 3")
  bench_row 40-queue-staff "queue page (50 rows, sort=due), staff, $n tickets" "p99 $Q_p99_staff_zjj ms" - - '<= 20 ms' \
    "$(bench_met "$Q_p99_staff_zjj <= 20")"
  bench_row 41-queue-dispatcher "queue page (50 rows, sort=due), dispatcher, $n tickets" "p99 $Q_p99_dispatcher ms" - - \
    '<= 20 ms' "$(bench_met "$Q_p99_dispatcher <= 20")"
  cat >"$tmp/block-queue.md" <<MD
### Queue page on $n tickets

\`GET $queue_path\`, ${WZ_BENCH_QUEUE_CONNECTIONS:-8} connections, $bench_seconds s.

| caller | rows matching the filter | req/s | p50 ms | p99 ms | errors |
|---|---:|---:|---:|---:|---:|
| staff of unit 3 (scope: their unit) | $open3 | $Q_rps_staff_zjj | $Q_p50_staff_zjj | $Q_p99_staff_zjj | $Q_err_staff_zjj |
| the city's dispatcher (scope: every unit) | $open | $Q_rps_dispatcher | $Q_p50_dispatcher | $Q_p99_dispatcher | $Q_err_dispatcher |

The tickets come from \`ops/bench/stats-data.sql\` (three years, 210 units, every stage; generated
in ${bench_data_seconds:-?} s). The plans MariaDB chose (EXPLAIN), for the dispatcher:

\`\`\`
$(queue_explain dispatcher)
\`\`\`

and for the staff member:

\`\`\`
$(queue_explain staff)
\`\`\`
MD
}

# the plan of the page's query as the server builds it (server/tickets/listing.c: only open
# statuses asked for, so it orders by the indexed open_due): queue_explain dispatcher | staff
queue_explain() {
  local scope="(u.path LIKE CONCAT('/1/', '%') OR (t.unit_id IS NULL AND au.path LIKE CONCAT('/1/', '%')))"
  [ "$1" = staff ] && scope="t.unit_id = 3"
  bench_sql "EXPLAIN SELECT t.id FROM tickets t LEFT JOIN units u ON u.id = t.unit_id
    LEFT JOIN accounts a ON a.id = t.account_id LEFT JOIN units au ON au.id = a.unit_id
    WHERE $scope AND t.status IN ('dispatched', 'accepted') AND t.open_due IS NOT NULL
    ORDER BY t.open_due ASC, t.id ASC LIMIT 51" \
    | awk -F'\t' '{ printf "%s: type %s, key %s, rows %s, %s\n", $3, $4, $6, $9, $10 }'
}
