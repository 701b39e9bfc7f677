-- The coarse grains (schema/012_stats_month.sql) summed from the full grain's rows (stats_rollup,
-- stats_reply_hist) of the days from @since: what the catch-up job would have written beside
-- them. Used where rows are made in bulk: the statistics benchmark's generated data
-- (ops/bench/stats-data.sql) and the API test's fixture (tests/integration/test_stats_api.py).
-- A row no unit holds is seen through its account's unit (scope_unit_id).

INSERT INTO stats_rollup_unit (day, unit_id, scope_unit_id, received, dispatched, signed, signed_on_time, replied, replied_on_time, overdue, returned, transferred, extended, supervised, reopened, rated, satisfied, basically_satisfied, unsatisfied, reply_count, reply_minutes)
SELECT r.day, r.unit_id, IF(r.unit_id > 0, r.unit_id, COALESCE(a.unit_id, 0)), SUM(r.received), SUM(r.dispatched), SUM(r.signed), SUM(r.signed_on_time), SUM(r.replied), SUM(r.replied_on_time), SUM(r.overdue), SUM(r.returned), SUM(r.transferred), SUM(r.extended), SUM(r.supervised), SUM(r.reopened), SUM(r.rated), SUM(r.satisfied), SUM(r.basically_satisfied), SUM(r.unsatisfied),
       SUM(r.reply_count), SUM(r.reply_minutes)
FROM stats_rollup r LEFT JOIN accounts a ON a.id = r.account_id
WHERE r.day >= @since GROUP BY 1, 2, 3;

INSERT INTO stats_reply_hist_unit (day, unit_id, scope_unit_id, bucket, n)
SELECT r.day, r.unit_id, IF(r.unit_id > 0, r.unit_id, COALESCE(a.unit_id, 0)), r.bucket, SUM(r.n)
FROM stats_reply_hist r LEFT JOIN accounts a ON a.id = r.account_id
WHERE r.day >= @since GROUP BY 1, 2, 3, 4;

INSERT INTO stats_rollup_unit_month (day, unit_id, scope_unit_id, received, dispatched, signed, signed_on_time, replied, replied_on_time, overdue, returned, transferred, extended, supervised, reopened, rated, satisfied, basically_satisfied, unsatisfied, reply_count, reply_minutes, hist)
SELECT DATE_FORMAT(day, '%Y-%m-01'), unit_id, scope_unit_id, SUM(received), SUM(dispatched), SUM(signed), SUM(signed_on_time), SUM(replied), SUM(replied_on_time), SUM(overdue), SUM(returned), SUM(transferred), SUM(extended), SUM(supervised), SUM(reopened), SUM(rated), SUM(satisfied), SUM(basically_satisfied), SUM(unsatisfied), SUM(reply_count), SUM(reply_minutes),
       REPEAT(X'00', 1552)
FROM stats_rollup_unit WHERE day >= @since GROUP BY 1, 2, 3;

-- the packed histograms: every bucket's count as 4 big-endian bytes, in bucket order
UPDATE stats_rollup_unit_month m JOIN (
  SELECT k.day, k.unit_id, k.scope_unit_id,
         UNHEX(GROUP_CONCAT(LPAD(HEX(COALESCE(h.n, 0)), 8, '0') ORDER BY b.seq SEPARATOR '')) AS packed
  FROM (SELECT DISTINCT DATE_FORMAT(day, '%Y-%m-01') AS day, unit_id, scope_unit_id
        FROM stats_reply_hist_unit WHERE day >= @since) k
  JOIN seq_0_to_387 b
  LEFT JOIN (SELECT DATE_FORMAT(day, '%Y-%m-01') AS day, unit_id, scope_unit_id, bucket, SUM(n) AS n
             FROM stats_reply_hist_unit WHERE day >= @since GROUP BY 1, 2, 3, 4) h
    ON h.day = k.day AND h.unit_id = k.unit_id AND h.scope_unit_id = k.scope_unit_id AND h.bucket = b.seq
  GROUP BY k.day, k.unit_id, k.scope_unit_id) x
  ON x.day = m.day AND x.unit_id = m.unit_id AND x.scope_unit_id = m.scope_unit_id
SET m.hist = x.packed;
