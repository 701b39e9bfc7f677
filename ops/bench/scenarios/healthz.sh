# healthz: GET /healthz against Debian's /usr/bin/h2o serving the same bytes as a static file,
# with the same wrk settings (threads, connections, length). Both write an access log line per
# request to a file; h2o runs as many threads as the server has event loops.
scenario_healthz() {
  local body threads h2o_port
  bench_wrk healthz "$bench_conns" "$bench_seconds" "$base/healthz"
  local our_rps=$W_rps our_p99=$W_p99 our_err=$W_errors our_load=$W_load
  threads=$(curl -s "$base/metrics" | grep -c '^wz_db_pool_size{')
  mkdir -p "$tmp/h2o"
  curl -s "$base/healthz" >"$tmp/h2o/healthz"
  body=$(wc -c <"$tmp/h2o/healthz")
  h2o_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$tmp/h2o/h2o.conf" <<CONF
user: $(id -un)
num-threads: $threads
pid-file: $tmp/h2o/h2o.pid
error-log: $tmp/h2o/error.log
access-log: $tmp/h2o/access.log
listen:
  host: 127.0.0.1
  port: $h2o_port
hosts:
  default:
    paths:
      /healthz:
        file.file: $tmp/h2o/healthz
CONF
  setsid /usr/bin/h2o -c "$tmp/h2o/h2o.conf" </dev/null >"$tmp/h2o/stdout" 2>&1 &
  h2o_pid=$!
  local i
  for i in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$h2o_port/healthz" && break
    kill -0 "$h2o_pid" 2>/dev/null || { cat "$tmp/h2o/stdout" "$tmp/h2o/error.log" >&2 2>/dev/null; wz_die "h2o did not start"; }
    sleep 0.1
  done
  bench_wrk h2o "$bench_conns" "$bench_seconds" "http://127.0.0.1:$h2o_port/healthz"
  kill -TERM "$h2o_pid" 2>/dev/null; wait "$h2o_pid" 2>/dev/null || true
  h2o_pid=""
  local ratio; ratio=$(bench_div "$our_rps" "$W_rps")
  bench_row 10-healthz '`GET /healthz` req/s' "$our_rps" "$W_rps (h2o static file)" "$ratio" '>= 0.8x' \
    "$(bench_met "$ratio >= 0.8")"
  cat >"$tmp/block-healthz.md" <<MD
### /healthz against Debian's h2o

| server | req/s | p99 ms | errors | other CPU load before |
|---|---:|---:|---:|---:|
| wenzheng \`GET /healthz\` | $our_rps | $our_p99 | $our_err | $our_load |
| \`/usr/bin/h2o\` $(h2o --version | awk 'NR == 1 { print $3 }'), \`file.file\` of the same $body bytes | $W_rps | $W_p99 | $W_errors | $W_load |

wrk $bench_wrk_threads threads, $bench_conns keep-alive connections, $bench_seconds s after $bench_warmup s of warm-up, for both.
h2o runs $threads threads (the server's event loops) and writes its access log to a file, as
the server does (the server from a separate writer thread). Ratio **$ratio** (target >= 0.8).
MD
}
