-- The coarse grains (schema/012_stats_month.sql) summed from the full grain's rows (stats_rollup,
-- stats_reply_hist) of the days from @since: what the catch-up job would have written beside
-- them. Used where rows are made in bulk: the statistics benchmark's generated data
-- (ops/bench/stats-data.sql) and the API test's fixture (tests/integration/test_stats_api.py).
-- A row no unit holds is seen through its account's unit (scope_unit_id). The packed
-- histograms are built from the sparse rows in one pass: each bucket's 8 hex digits, after the
-- zeros of the buckets since the previous one (LAG), then the zeros up to the last bucket.

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

UPDATE stats_rollup_unit_month m JOIN (
  SELECT day, unit_id, scope_unit_id,
         UNHEX(CONCAT(GROUP_CONCAT(seg ORDER BY bucket SEPARATOR ''), REPEAT('00000000', 387 - MAX(bucket)))) AS packed
  FROM (SELECT day, unit_id, scope_unit_id, bucket,
               CONCAT(REPEAT('00000000', bucket - COALESCE(LAG(bucket) OVER (PARTITION BY day, unit_id, scope_unit_id ORDER BY bucket), -1) - 1),
                      LPAD(HEX(n), 8, '0')) AS seg
        FROM (SELECT DATE_FORMAT(day, '%Y-%m-01') AS day, unit_id, scope_unit_id, bucket, SUM(n) AS n FROM stats_reply_hist_unit WHERE day >= @since GROUP BY 1, 2, 3, 4) h WHERE n <> 0) z
  GROUP BY day, unit_id, scope_unit_id) x ON x.day = m.day AND x.unit_id = m.unit_id AND x.scope_unit_id = m.scope_unit_id
SET m.hist = x.packed;

-- one row per dimension (1 account, 2 channel, 3 type, 4 category, 5 account and type), from the
-- full grain summed by month first (one pass over it instead of five)
CREATE TEMPORARY TABLE coarse_month AS
SELECT DATE_FORMAT(r.day, '%Y-%m-01') AS day, r.unit_id, IF(r.unit_id > 0, r.unit_id, COALESCE(a.unit_id, 0)) AS scope_unit_id,
       r.account_id, r.channel, r.type, r.category_id, SUM(r.received) AS received, SUM(r.dispatched) AS dispatched, SUM(r.signed) AS signed, SUM(r.signed_on_time) AS signed_on_time, SUM(r.replied) AS replied, SUM(r.replied_on_time) AS replied_on_time, SUM(r.overdue) AS overdue, SUM(r.returned) AS returned, SUM(r.transferred) AS transferred, SUM(r.extended) AS extended, SUM(r.supervised) AS supervised, SUM(r.reopened) AS reopened, SUM(r.rated) AS rated, SUM(r.satisfied) AS satisfied, SUM(r.basically_satisfied) AS basically_satisfied, SUM(r.unsatisfied) AS unsatisfied,
       SUM(r.reply_count) AS reply_count, SUM(r.reply_minutes) AS reply_minutes
FROM stats_rollup r LEFT JOIN accounts a ON a.id = r.account_id
WHERE r.day >= @since GROUP BY 1, 2, 3, 4, 5, 6, 7;
CREATE TEMPORARY TABLE coarse_month_hist AS
SELECT DATE_FORMAT(r.day, '%Y-%m-01') AS day, r.unit_id, IF(r.unit_id > 0, r.unit_id, COALESCE(a.unit_id, 0)) AS scope_unit_id,
       r.account_id, r.channel, r.type, r.category_id, r.bucket, SUM(r.n) AS n
FROM stats_reply_hist r LEFT JOIN accounts a ON a.id = r.account_id
WHERE r.day >= @since GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO stats_rollup_dim_month (dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id, received, dispatched, signed, signed_on_time, replied, replied_on_time, overdue, returned, transferred, extended, supervised, reopened, rated, satisfied, basically_satisfied, unsatisfied, reply_count, reply_minutes, hist)
SELECT d.seq, r.day, r.unit_id, r.scope_unit_id,
       IF(d.seq IN (1, 5), r.account_id, 0), IF(d.seq = 2, r.channel, ''), IF(d.seq IN (3, 5), r.type, ''),
       IF(d.seq = 4, r.category_id, 0),
       SUM(r.received), SUM(r.dispatched), SUM(r.signed), SUM(r.signed_on_time), SUM(r.replied), SUM(r.replied_on_time), SUM(r.overdue), SUM(r.returned), SUM(r.transferred), SUM(r.extended), SUM(r.supervised), SUM(r.reopened), SUM(r.rated), SUM(r.satisfied), SUM(r.basically_satisfied), SUM(r.unsatisfied), SUM(r.reply_count), SUM(r.reply_minutes), REPEAT(X'00', 1552)
FROM coarse_month r JOIN seq_1_to_5 d GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

UPDATE stats_rollup_dim_month m JOIN (
  SELECT dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id,
         UNHEX(CONCAT(GROUP_CONCAT(seg ORDER BY bucket SEPARATOR ''), REPEAT('00000000', 387 - MAX(bucket)))) AS packed
  FROM (SELECT dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id, bucket,
               CONCAT(REPEAT('00000000', bucket - COALESCE(LAG(bucket) OVER (PARTITION BY dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id ORDER BY bucket), -1) - 1),
                      LPAD(HEX(n), 8, '0')) AS seg
        FROM (SELECT d.seq AS dim, r.day, r.unit_id, r.scope_unit_id, IF(d.seq IN (1, 5), r.account_id, 0) AS account_id,
                     IF(d.seq = 2, r.channel, '') AS channel, IF(d.seq IN (3, 5), r.type, '') AS type,
                     IF(d.seq = 4, r.category_id, 0) AS category_id, r.bucket, SUM(r.n) AS n
              FROM coarse_month_hist r JOIN seq_1_to_5 d GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) h WHERE n <> 0) z
  GROUP BY dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id) x ON x.dim = m.dim AND x.day = m.day AND x.unit_id = m.unit_id AND x.scope_unit_id = m.scope_unit_id AND x.account_id = m.account_id AND x.channel = m.channel AND x.type = m.type AND x.category_id = m.category_id
SET m.hist = x.packed;
DROP TEMPORARY TABLE coarse_month;
DROP TEMPORARY TABLE coarse_month_hist;
