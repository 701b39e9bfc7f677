# sla: the timer engine with WZ_BENCH_SLA_TICKETS (default 1,000,000) open tickets, each with a
# pending reply_breach timer 30 days ahead (so sla_timers holds a million rows).
#  1. three probe timers written 8-11 s ahead, as intake writes them (long before they are
#     due): how late each fires (its event's created_at minus its fire_at);
#  2. one timer written already due, by another process: how soon it fires (bounded by
#     sla.poll_ms, the engine's longest sleep);
#  3. WZ_BENCH_SLA_BURST (default 100,000) reply_warn timers due at the same instant: the time
#     from that instant to the last one fired, and a SQL check that each fired exactly once
#     (one sla_warning event per ticket, no timer left, the engine's fired counter).
# Timers are the rows of sla_timers (schema/002_ticket_core.sql); firing one deletes it and writes
# a ticket_events row with its kind in the payload, in one transaction (server/sla/timers.c).
scenario_sla() {
  local n=${WZ_BENCH_SLA_TICKETS:-1000000} burst=${WZ_BENCH_SLA_BURST:-100000}
  [ "$bench_data_size" -ge "$n" ] || bench_data "$n"
  [ -n "$server_pid" ] || bench_server_start
  wz_log "sla: opening the tickets and writing a timer for each"
  local t0; t0=$(date +%s)
  bench_sql "SET SESSION sql_log_bin = 0;
    UPDATE tickets SET status = 'accepted', replied_at = NULL, closed_at = NULL, sla_light = 'green'
      WHERE status IN ('replied', 'closed');
    UPDATE tickets SET status = 'dispatched', unit_id = 3, dispatched_at = received_at, sla_light = 'green'
      WHERE status = 'new';
    INSERT IGNORE INTO sla_timers (ticket_id, kind, fire_at)
      SELECT id, 'reply_breach', UTC_TIMESTAMP(6) + INTERVAL 30 DAY FROM tickets"
  local open timers
  open=$(bench_sql "SELECT COUNT(*) FROM tickets WHERE status IN ('dispatched', 'accepted')")
  timers=$(bench_sql "SELECT COUNT(*) FROM sla_timers")
  wz_log "sla: $open open tickets, $timers timers (set up in $(($(date +%s) - t0)) s)"
  local ev0; ev0=$(bench_sql "SELECT COALESCE(MAX(id), 0) FROM ticket_events")
  local fired0; fired0=$(bench_metric wz_sla_timers_fired_total)

  # 1. probes written ahead
  bench_sql "CREATE TABLE IF NOT EXISTS bench_probe (ticket_id BIGINT UNSIGNED PRIMARY KEY, fire_at DATETIME(6))
    ENGINE=InnoDB;
    TRUNCATE bench_probe;
    INSERT INTO bench_probe SELECT id, UTC_TIMESTAMP(6) + INTERVAL (8 + 1.5 * (ROW_NUMBER() OVER (ORDER BY id) - 1)) SECOND
      FROM tickets WHERE status = 'dispatched'
        AND id NOT IN (SELECT ticket_id FROM sla_timers WHERE kind = 'reply_warn') ORDER BY id LIMIT 3;
    INSERT INTO sla_timers (ticket_id, kind, fire_at) SELECT ticket_id, 'reply_warn', fire_at FROM bench_probe"
  sleep 14
  local lateness
  lateness=$(bench_sql "SELECT ROUND(MAX(TIMESTAMPDIFF(MICROSECOND, p.fire_at, e.created_at)) / 1e6, 3),
      COUNT(e.id), GROUP_CONCAT(ROUND(TIMESTAMPDIFF(MICROSECOND, p.fire_at, e.created_at) / 1e6, 3))
    FROM bench_probe p LEFT JOIN ticket_events e ON e.ticket_id = p.ticket_id AND e.id > $ev0 AND e.action = 'sla_warning'")
  local late_max late_n late_all
  read -r late_max late_n late_all <<<"$lateness"
  [ "$late_n" = 3 ] || wz_log "sla: only $late_n of 3 probes fired within 14 s"
  # 2. one written already due
  local ev1; ev1=$(bench_sql "SELECT COALESCE(MAX(id), 0) FROM ticket_events")
  local due_now_t; due_now_t=$(bench_sql "SELECT id FROM tickets WHERE status = 'dispatched'
    AND id NOT IN (SELECT ticket_id FROM sla_timers WHERE kind = 'reply_warn') ORDER BY id DESC LIMIT 1")
  bench_sql "CREATE OR REPLACE TABLE bench_now (ticket_id BIGINT UNSIGNED PRIMARY KEY, fire_at DATETIME(6)) ENGINE=InnoDB;
    INSERT INTO bench_now VALUES ($due_now_t, UTC_TIMESTAMP(6));
    INSERT INTO sla_timers (ticket_id, kind, fire_at) SELECT ticket_id, 'reply_warn', fire_at FROM bench_now"
  local due_now_s="" i
  for i in $(seq 1 200); do
    due_now_s=$(bench_sql "SELECT ROUND(TIMESTAMPDIFF(MICROSECOND, n.fire_at, e.created_at) / 1e6, 3)
      FROM bench_now n JOIN ticket_events e ON e.ticket_id = n.ticket_id AND e.id > $ev1 AND e.action = 'sla_warning'")
    [ -n "$due_now_s" ] && break
    sleep 0.1
  done
  poll_ms=$("$bench_build/wenzheng" serve --check-config 2>/dev/null | sed -n 's/^sla\.poll_ms = //p')

  # 3. the burst
  local ev2; ev2=$(bench_sql "SELECT COALESCE(MAX(id), 0) FROM ticket_events")
  local fired2; fired2=$(bench_metric wz_sla_timers_fired_total)
  bench_sql "DROP TABLE IF EXISTS bench_burst;
    CREATE TABLE bench_burst (ticket_id BIGINT UNSIGNED PRIMARY KEY) ENGINE=InnoDB;
    INSERT INTO bench_burst SELECT id FROM tickets WHERE status IN ('dispatched', 'accepted')
      AND id NOT IN (SELECT ticket_id FROM sla_timers WHERE kind = 'reply_warn')
      AND id NOT IN (SELECT ticket_id FROM bench_now) ORDER BY id DESC LIMIT $burst;
    SET @due = UTC_TIMESTAMP(6) + INTERVAL 15 SECOND;
    INSERT INTO sla_timers (ticket_id, kind, fire_at) SELECT ticket_id, 'reply_warn', @due FROM bench_burst;
    CREATE OR REPLACE TABLE bench_due (due DATETIME(6) PRIMARY KEY) ENGINE=InnoDB;
    INSERT INTO bench_due VALUES (@due)"
  local late; late=$(bench_sql "SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), due) / 1e6 FROM bench_due")
  awk -v l="$late" 'BEGIN { exit !(l > 0) }' || wz_log "sla: writing the burst took longer than its 15 s lead"
  wz_log "sla: $burst timers due in $late s"
  local left=1 limit=${WZ_BENCH_SLA_WAIT:-300}
  for i in $(seq 1 "$((limit + 20))"); do
    sleep 1
    left=$(bench_sql "SELECT COUNT(*) FROM sla_timers t JOIN bench_burst b USING (ticket_id) WHERE t.kind = 'reply_warn'")
    [ "$left" = 0 ] && break
  done
  bench_server_alive sla
  local all_s once bad events fired_delta
  all_s=$(bench_sql "SELECT ROUND(TIMESTAMPDIFF(MICROSECOND, (SELECT due FROM bench_due), MAX(e.created_at)) / 1e6, 2)
    FROM ticket_events e WHERE e.id > $ev2 AND e.action = 'sla_warning'")
  events=$(bench_sql "SELECT COUNT(*) FROM ticket_events e JOIN bench_burst b USING (ticket_id) WHERE e.id > $ev2
    AND e.action = 'sla_warning'")
  bad=$(bench_sql "SELECT COUNT(*) FROM bench_burst b LEFT JOIN (SELECT ticket_id, COUNT(*) n FROM ticket_events
    WHERE id > $ev2 AND action = 'sla_warning' AND JSON_VALUE(payload, '$.timer') = 'reply_warn' GROUP BY ticket_id) e
    USING (ticket_id) WHERE COALESCE(e.n, 0) <> 1")
  fired_delta=$(($(bench_metric wz_sla_timers_fired_total) - fired2))
  once=$([ "$bad" = 0 ] && [ "$left" = 0 ] && [ "$events" = "$burst" ] && echo yes || echo no)
  bench_row 50-sla-one "SLA: a due timer fires (worst of 3, written ahead), $timers timers" "${late_max:-never} s late" - - \
    '<= 1 s' "$(bench_met "${late_max:-999} <= 1")"
  bench_row 51-sla-burst "SLA: $burst timers due at once, all fired, each once" \
    "${all_s:-?} s, each once: $once" - - '<= 30 s, each once' \
    "$( [ "$once" = yes ] && bench_met "${all_s:-999} <= 30" || echo 'not met')"
  cat >"$tmp/block-sla.md" <<MD
### SLA timer engine

$open open tickets, $timers pending timers (a \`reply_breach\` 30 days ahead for every ticket).

| what | figure |
|---|---|
| probes written 8-11 s ahead: how late each fired | ${late_all:-none fired} s (worst ${late_max:-?} s) |
| a timer written already due (by another process) | fired after ${due_now_s:-?} s (the engine re-reads the table at least every \`sla.poll_ms\` = $poll_ms ms) |
| $burst \`reply_warn\` timers due at the same instant | the last fired ${all_s:-?} s after the instant; $events events for them, $bad tickets without exactly one, $left timers left, engine counter +$fired_delta |

Lateness is the \`ticket_events.created_at\` of the firing minus the timer's \`fire_at\` (both
the database's clock). The engine (server/sla/timers.c) claims \`sla.batch\` timers per
transaction with \`FOR UPDATE SKIP LOCKED\` and sleeps until the next \`fire_at\`, at most
\`sla.poll_ms\`.
MD
}
