# memory: the server's RSS (VmRSS) idle after start, with WZ_BENCH_IDLE_CONNECTIONS (default
# 10,000) idle keep-alive connections that each made one request, and sampled every 5 s over a
# sustained mixed load (reads with 32 connections and intake with 8) of WZ_BENCH_SOAK_SECONDS
# (default 120; 600 for the issue's 10-minute figure). "Flat": the largest sample of the second
# half is at most 5% above the largest of the first half.
scenario_memory() {
  local idle_n=${WZ_BENCH_IDLE_CONNECTIONS:-10000} soak=${WZ_BENCH_SOAK_SECONDS:-120}
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" -gt $((idle_n + 1000)) ] || wz_die "ulimit -n $(ulimit -n) is too low for $idle_n connections"
  bench_server_start # a fresh process, with the raised limit
  sleep 5
  local idle_kb; idle_kb=$(bench_rss_kb "$server_pid")
  local idle_mb; idle_mb=$(awk -v k="$idle_kb" 'BEGIN { printf "%.1f", k / 1024 }')
  bench_row 60-mem-idle 'memory: idle RSS' "$idle_mb MB" - - '<= 20 MB' "$(bench_met "$idle_mb <= 20")"

  # idle keep-alive connections (closed by the server after http.request_timeout_ms of silence)
  local fifo=$tmp/idle.fifo
  rm -f "$fifo"; mkfifo "$fifo"
  python3 "$bench_dir/idle-conns.py" "$port" "$idle_n" /healthz <"$fifo" >"$tmp/idle.out" 2>&1 &
  local client=$!
  exec 7>"$fifo"
  local i
  for i in $(seq 1 600); do
    grep -q '^ready' "$tmp/idle.out" && break
    kill -0 "$client" 2>/dev/null || { cat "$tmp/idle.out" >&2; wz_die "the idle-connection client failed"; }
    sleep 0.1
  done
  sleep 2
  local est conn_kb
  conn_kb=$(bench_rss_kb "$server_pid")
  est=$(ss -Htn state established "( sport = :$port )" | wc -l)
  exec 7>&-
  wait "$client" || true
  local opened; opened=$(sed -n 's/^ready \([0-9]*\) failed \([0-9]*\)/\1 opened, \2 failed/p' "$tmp/idle.out")
  local conn_mb; conn_mb=$(awk -v k="$conn_kb" 'BEGIN { printf "%.1f", k / 1024 }')
  bench_row 61-mem-conns "memory: RSS with $idle_n idle keep-alive connections" "$conn_mb MB" - - '<= 100 MB' \
    "$(bench_met "$conn_mb <= 100 && $est >= $idle_n")"
  bench_server_alive memory

  # the soak: RSS every 5 s under load
  bench_sql "SELECT id FROM tickets ORDER BY RAND() LIMIT 20000" >"$tmp/soak-ids.txt"
  intake_tokens
  local admin; admin=$(bench_user_token admin)
  WZ_BENCH_IDS=$tmp/soak-ids.txt WZ_BENCH_PATH_PREFIX=/api/v1/tickets/ \
    wrk -t1 -c32 -d"${soak}s" --timeout 30s -s "$bench_dir/lua/ids.lua" -H "Authorization: Bearer $admin" "$base/" \
    >"$tmp/soak-read.txt" 2>&1 &
  local w1=$!
  WZ_BENCH_TOKENS=$tmp/citizens.txt wrk -t1 -c8 -d"${soak}s" --timeout 30s -s "$bench_dir/lua/intake.lua" \
    "$base/api/v1/messages" >"$tmp/soak-intake.txt" 2>&1 &
  local w2=$!
  wz_log "memory: soak of ${soak}s, RSS every 5 s"
  : >"$tmp/rss.txt"
  local t=0
  while kill -0 "$w1" 2>/dev/null || kill -0 "$w2" 2>/dev/null; do
    echo "$t $(bench_rss_kb "$server_pid")" >>"$tmp/rss.txt"
    sleep 5; t=$((t + 5))
  done
  wait "$w1" "$w2" || true
  bench_server_alive soak
  local soak_reads soak_intake
  soak_reads=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/soak-read.txt")
  soak_intake=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/soak-intake.txt")
  local verdict
  verdict=$(awk '{ kb[NR] = $2 } END { h = int(NR / 2); for (i = 1; i <= NR; i++) { if (i <= h) { if (kb[i] > a) a = kb[i] } else if (kb[i] > b) b = kb[i] }
    printf "%.1f %.1f %.1f %d", kb[1] / 1024, a / 1024, b / 1024, (b <= a * 1.05) }' "$tmp/rss.txt")
  local first_mb half1_mb half2_mb flat
  read -r first_mb half1_mb half2_mb flat <<<"$verdict"
  bench_row 62-mem-soak "memory: RSS over ${soak} s of load (max 1st half -> 2nd half)" "$half1_mb -> $half2_mb MB" - - \
    'flat (+5%)' "$([ "$flat" = 1 ] && echo met || echo 'not met')"
  local samples; samples=$(awk '{ printf "%s%d s %.1f", (NR > 1 ? ", " : ""), $1, $2 / 1024 }' "$tmp/rss.txt")
  cat >"$tmp/block-memory.md" <<MD
### Memory

| what | RSS MB | notes |
|---|---:|---|
| idle, 5 s after start | $idle_mb | $(curl -s "$base/metrics" | grep -c '^wz_db_pool_size{') event loops, their MariaDB pools connected |
| $idle_n idle keep-alive connections | $conn_mb | ${opened:-?}; $est established at the sample; each made one \`GET /healthz\` |
| over ${soak} s of load | $first_mb at the start, max $half1_mb in the first half, $half2_mb in the second | reads of random tickets (admin, 32 connections): $soak_reads/s; intake (8 connections): $soak_intake/s |

Samples (MB): $samples.
MD
}
