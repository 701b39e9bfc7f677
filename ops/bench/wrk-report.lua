-- wrk script for ops/bench/run: after the run, prints one machine-readable line with exact
-- latency percentiles (microseconds) and wrk's error counters. wrk counts a response with a
-- status above 399 as errors.status (the "Non-2xx or 3xx responses" line of its summary).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WZBENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
