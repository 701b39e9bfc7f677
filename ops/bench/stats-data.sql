-- Generated data for the statistics benchmark (ops/bench/stats), on top of the demo seed:
-- 200 more townships under the two districts, then @tickets tickets received over the three
-- years before @end (UTC), spread over units, accounts, channels, types and categories, in
-- every stage (dispatched, signed, replied on time or late, rated), inserted in chunks of
-- 500,000 by multi-row INSERT ... SELECT (never one request at a time). Their facts and the
-- rollups are then computed the way docs/metrics.md defines them, in bulk: what the catch-up job
-- would have written had the tickets come one by one (the benchmark measures reads, not the job).
-- The coarse grains follow from ops/bench/stats-coarse.sql (ops/bench/stats pipes both).
-- A unit's tickets vary in type, category and channel independently of the unit (seq DIV
-- @nunits steps through them), so the full grain has the combinations real data has.
-- Usage: { echo "SET @tickets = 10000000, @end = UTC_TIMESTAMP();"; cat stats-data.sql stats-coarse.sql; } | mariadb -D <db>

INSERT INTO units (parent_id, code, name, kind, region, path)
SELECT IF(seq % 2, 5, 8), CONCAT('bench-town-', seq), CONCAT('基准乡镇', seq), 'township',
       IF(seq % 2, '东城区', '西城区'), '/'
FROM seq_1_to_200;
UPDATE units u JOIN units p ON p.id = u.parent_id
SET u.path = CONCAT(p.path, u.id, '/') WHERE u.code LIKE 'bench-town-%';

-- each township runs a WeChat official account, as most do
INSERT INTO accounts (unit_id, platform, name, platform_id, status, last_post_at)
SELECT id, 'wechat_oa', CONCAT(name, '发布'), CONCAT('gh_', code), 'active', UTC_TIMESTAMP(6)
FROM units WHERE code LIKE 'bench-town-%';

-- a ticket's unit, and the account it came through: mostly the unit's own account (messages on
-- a township's account are the township's), else one of the city's accounts
CREATE TEMPORARY TABLE bench_units (n INT PRIMARY KEY, id BIGINT, account BIGINT, platform VARCHAR(16))
  ENGINE=MEMORY;
SET @i = -1;
INSERT INTO bench_units
SELECT (@i := @i + 1), u.id, COALESCE(MIN(a.id), 1), COALESCE(MIN(a.platform), 'wechat_oa')
FROM units u LEFT JOIN accounts a ON a.unit_id = u.id GROUP BY u.id ORDER BY u.id;
SET @nunits = (SELECT COUNT(*) FROM bench_units);
SET @span = 3 * 365 * 86400;
SET @start = UNIX_TIMESTAMP(@end) - @span;

DELIMITER //
CREATE OR REPLACE PROCEDURE bench_fill(IN total BIGINT)
BEGIN
  DECLARE done BIGINT DEFAULT 0;
  DECLARE chunk BIGINT;
  WHILE done < total DO
    SET chunk = LEAST(500000, total - done);
    INSERT INTO tickets (number, type, category_id, title, content, channel, account_id, status, unit_id,
                         priority, received_at, promised_reply_at, dispatch_due_at, dispatched_at, sign_due_at,
                         signed_at, reply_due_at, replied_at, closed_at, supervised, extended, reopened_count)
    SELECT CONCAT('BENCH', LPAD(done + s.seq, 10, '0')),
           ELT(1 + (s.seq DIV @nunits) % 6, 'consultation', 'help', 'complaint', 'suggestion', 'report', 'praise'),
           1 + (u.n * 3 + (s.seq DIV @nunits) * 7) % 12, '基准工单', '基准工单内容',
           IF((s.seq DIV @nunits) % 5 = 2, 'miniprogram', u.platform), IF((s.seq DIV @nunits) % 5 = 2, 3, u.account),
           ELT(1 + LEAST(s.seq % 10, 5), 'new', 'dispatched', 'accepted', 'replied', 'closed', 'closed'),
           IF(s.seq % 10 = 0, NULL, u.id), 'normal',
           FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total),
           FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 259200),
           FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 7200),
           IF(s.seq % 10 = 0, NULL, FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 600)),
           IF(s.seq % 10 = 0, NULL, FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 8000)),
           IF(s.seq % 10 IN (0, 1), NULL,
              FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 600 + (s.seq % 13) * 900)),
           IF(s.seq % 10 = 0, NULL, FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 864000)),
           IF(s.seq % 10 < 3, NULL,
              FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 3600 + (s.seq % 17) * 60000)),
           IF(s.seq % 10 < 4, NULL, FROM_UNIXTIME(@start + (done + s.seq) * @span DIV total + 2000000)),
           s.seq % 23 = 0, s.seq % 19 = 0, s.seq % 29 = 0
    FROM seq_1_to_500000 s
    JOIN bench_units u ON u.n = (s.seq * 31) % @nunits
    WHERE s.seq <= chunk;
    SET done = done + chunk;
  END WHILE;
END //
DELIMITER ;

CALL bench_fill(@tickets);
DROP PROCEDURE bench_fill;

-- ratings for the closed ones, latest round only
INSERT INTO ratings (ticket_id, round, satisfaction, resolved)
SELECT id, 1, ELT(1 + id % 3, 'satisfied', 'basically_satisfied', 'unsatisfied'), id % 3 <> 2
FROM tickets WHERE number LIKE 'BENCH%' AND status = 'closed';

-- the facts, as docs/metrics.md defines them (no moves: the generated tickets were never
-- returned or transferred), and the rollups summed from them
INSERT INTO stats_facts (ticket_id, unit_id, scope_unit_id, day, account_id, channel, type, category_id, received, dispatched,
                         signed, signed_on_time, replied, replied_on_time, overdue, returned, transferred, extended,
                         supervised, reopened, rated, satisfied, basically_satisfied, unsatisfied, reply_minutes)
SELECT t.id, COALESCE(t.unit_id, 0), COALESCE(t.unit_id, a.unit_id, 0), DATE(t.received_at + INTERVAL 8 HOUR), COALESCE(t.account_id, 0), t.channel,
       t.type, COALESCE(t.category_id, 0), 1, t.unit_id IS NOT NULL AND t.dispatched_at IS NOT NULL,
       t.unit_id IS NOT NULL AND t.signed_at IS NOT NULL, COALESCE(t.signed_at <= t.sign_due_at, 0),
       t.replied_at IS NOT NULL, COALESCE(t.replied_at <= t.reply_due_at, 0), 0, 0, 0, t.extended, t.supervised,
       t.reopened_count > 0, r.ticket_id IS NOT NULL, COALESCE(r.satisfaction = 'satisfied', 0),
       COALESCE(r.satisfaction = 'basically_satisfied', 0), COALESCE(r.satisfaction = 'unsatisfied', 0),
       IF(t.replied_at IS NULL, NULL, TIMESTAMPDIFF(MINUTE, t.received_at, t.replied_at) DIV 3)
FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id LEFT JOIN accounts a ON a.id = t.account_id
WHERE t.number LIKE 'BENCH%';

INSERT INTO stats_rollup (day, unit_id, account_id, channel, type, category_id, received, dispatched, signed,
                          signed_on_time, replied, replied_on_time, overdue, returned, transferred, extended,
                          supervised, reopened, rated, satisfied, basically_satisfied, unsatisfied, reply_count,
                          reply_minutes)
SELECT day, unit_id, account_id, channel, type, category_id, SUM(received), SUM(dispatched), SUM(signed),
       SUM(signed_on_time), SUM(replied), SUM(replied_on_time), SUM(overdue), SUM(returned), SUM(transferred),
       SUM(extended), SUM(supervised), SUM(reopened), SUM(rated), SUM(satisfied), SUM(basically_satisfied),
       SUM(unsatisfied), COUNT(reply_minutes), COALESCE(SUM(reply_minutes), 0)
FROM stats_facts f
GROUP BY day, unit_id, account_id, channel, type, category_id
ON DUPLICATE KEY UPDATE received = stats_rollup.received + VALUES(received);

INSERT INTO stats_reply_hist (day, unit_id, account_id, channel, type, category_id, bucket, n)
SELECT day, unit_id, account_id, channel, type, category_id,
       CASE WHEN reply_minutes <= 0 THEN 0
            WHEN reply_minutes <= 120 THEN reply_minutes
            WHEN reply_minutes <= 480 THEN 120 + CEIL((reply_minutes - 120) / 5)
            WHEN reply_minutes <= 4800 THEN 192 + CEIL((reply_minutes - 480) / 30)
            WHEN reply_minutes <= 28800 THEN 336 + CEIL((reply_minutes - 4800) / 480)
            ELSE 387 END, COUNT(*)
FROM stats_facts WHERE reply_minutes IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
ON DUPLICATE KEY UPDATE n = stats_reply_hist.n + VALUES(n);

-- the coarse grains: ops/bench/stats-coarse.sql, over every day
SET @since = '1970-01-01';
