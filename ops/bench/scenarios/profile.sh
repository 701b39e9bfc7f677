# profile: where the time goes under the intake and read loads. Hardware counters are not
# available here (`perf stat -e instructions` says "not supported" in this VM), so `perf record`
# samples the software cpu-clock of the whole machine for WZ_BENCH_PROFILE_SECONDS (default 8)
# in the middle of each load: the share of each program (the server, MariaDB, wrk) and the
# server's and MariaDB's top functions by their own samples.
profile_one() { # profile_one NAME URL LUA [wrk options...]
  local name=$1 url=$2 lua=$3 secs=${WZ_BENCH_PROFILE_SECONDS:-8}
  shift 3
  { cat "$lua"; cat "$bench_dir/wrk-report.lua"; } >"$tmp/prof-$name.lua"
  wrk -t"$bench_wrk_threads" -c"$bench_conns" -d"$((secs + 4))s" --timeout 30s -s "$tmp/prof-$name.lua" "$@" "$url" \
    >"$tmp/prof-wrk-$name.txt" 2>&1 &
  local w=$!
  sleep 2
  perf record -q -e cpu-clock -F 999 -a -g -o "$tmp/perf-$name.data" -- sleep "$secs" >/dev/null 2>&1 \
    || wz_log "perf record failed for $name"
  wait "$w" || true
  local db_pid; db_pid=$(cat "$tmp/mariadbd.pid")
  # samples by process: this server, this MariaDB, wrk, idle, and everything else on the machine
  local split
  split=$(perf script -i "$tmp/perf-$name.data" -F comm,pid 2>/dev/null \
    | awk -v s="$server_pid" -v d="$db_pid" '{ p = $NF; $NF = ""; sub(/ +$/, "");
        l = (p == s ? "wenzheng (this server)" : p == d ? "mariadbd (this run)" : $0 == "wrk" ? "wrk" : p == 0 ? "idle" : "other work on the machine")
        n[l]++; t++ }
      END { for (l in n) printf "%.1f%% %s\n", 100 * n[l] / t, l }' | sort -rn | paste -sd';' | sed 's/;/; /g' || true)
  {
    echo "**$name** ($(awk '/^Requests\/sec/ { print $2 }' "$tmp/prof-wrk-$name.txt") req/s while sampled). CPU samples by program: $split."
    echo
    echo "The server's top functions (own samples, % of the server's):"
    echo
    echo '```'
    perf report -i "$tmp/perf-$name.data" --no-children --pid "$server_pid" --sort dso,sym --stdio -g none \
      --percentage relative 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20 || true
    echo '```'
    echo
    echo "MariaDB's top functions (own samples, % of MariaDB's):"
    echo
    echo '```'
    perf report -i "$tmp/perf-$name.data" --no-children --pid "$db_pid" --sort dso,sym --stdio -g none \
      --percentage relative 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12 || true
    echo '```'
    echo
  } >>"$tmp/block-profile.md"
}

scenario_profile() {
  command -v perf >/dev/null || { wz_log "profile: no perf; skipped"; return 0; }
  intake_tokens
  local ids=$tmp/prof-ids.txt
  bench_sql "SELECT id FROM tickets WHERE unit_id = 3 ORDER BY RAND() LIMIT 20000" >"$ids"
  local staff; staff=$(bench_user_token staff_zjj)
  cat >"$tmp/block-profile.md" <<MD
### Where the time goes

\`perf record -e cpu-clock -a -g\` for ${WZ_BENCH_PROFILE_SECONDS:-8} s in the middle of each load ($bench_conns
connections): the share of each program in the machine's samples, then the top functions of
this run's server and MariaDB processes (other work on the machine is left out of those).

MD
  WZ_BENCH_TOKENS=$tmp/citizens.txt profile_one intake "$base/api/v1/messages" "$bench_dir/lua/intake.lua"
  WZ_BENCH_IDS=$ids WZ_BENCH_PATH_PREFIX=/api/v1/tickets/ profile_one read "$base/" "$bench_dir/lua/ids.lua" \
    -H "Authorization: Bearer $staff"
  bench_server_alive profile
}
