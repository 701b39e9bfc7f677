-- 012: the statistics' coarse grains answer every role, and whole months are read a month at a
-- time (docs/metrics.md, "Design"). Measured at 1,000,000 tickets, a quarter by unit read 17,000
-- (day, unit) rows and 59,000 histogram rows per request, and a subtree role (dispatcher,
-- supervisor, evaluator) could not use that grain at all: its scope takes a ticket no unit holds
-- by its account's unit, which the (day, unit) grain did not keep.
--   * every fact and every coarse row now carries scope_unit_id: the unit whose subtree sees it
--     (the holder, or for a ticket no unit holds its account's unit; 0 = only admins);
--   * stats_rollup_unit_month keeps the same sums per (month, unit, scope unit), with the
--     first-reply histogram packed into the row (hist: WZ_STATS_BUCKETS counts, 4 bytes each,
--     big-endian; server/stats/buckets.h), so a month of a unit is one row, not one per bucket;
--   * stats_rollup_dim_month the same with one more key (account, channel, type, category, or
--     account and type): the full grain was nearly a row per ticket on generated province data.
-- The job rebuilds everything from the tickets: the rollups are emptied, every ticket marked.

ALTER TABLE stats_facts ADD COLUMN scope_unit_id BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER unit_id;

DROP TABLE stats_rollup_unit;
DROP TABLE stats_reply_hist_unit;

-- the sums per (day, unit, scope unit): what a query that neither filters nor groups by account,
-- channel, type or category reads for days outside whole months, and for day and week keys
CREATE TABLE stats_rollup_unit (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  scope_unit_id    BIGINT UNSIGNED NOT NULL,
  received         BIGINT NOT NULL DEFAULT 0,
  dispatched       BIGINT NOT NULL DEFAULT 0,
  signed           BIGINT NOT NULL DEFAULT 0,
  signed_on_time   BIGINT NOT NULL DEFAULT 0,
  replied          BIGINT NOT NULL DEFAULT 0,
  replied_on_time  BIGINT NOT NULL DEFAULT 0,
  overdue          BIGINT NOT NULL DEFAULT 0,
  returned         BIGINT NOT NULL DEFAULT 0,
  transferred      BIGINT NOT NULL DEFAULT 0,
  extended         BIGINT NOT NULL DEFAULT 0,
  supervised       BIGINT NOT NULL DEFAULT 0,
  reopened         BIGINT NOT NULL DEFAULT 0,
  rated            BIGINT NOT NULL DEFAULT 0,
  satisfied        BIGINT NOT NULL DEFAULT 0,
  basically_satisfied BIGINT NOT NULL DEFAULT 0,
  unsatisfied      BIGINT NOT NULL DEFAULT 0,
  reply_count      BIGINT NOT NULL DEFAULT 0,
  reply_minutes    BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, unit_id, scope_unit_id),
  KEY ix_rollup_unit_unit_day (unit_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stats_reply_hist_unit (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  scope_unit_id    BIGINT UNSIGNED NOT NULL,
  bucket           SMALLINT UNSIGNED NOT NULL,
  n                BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, unit_id, scope_unit_id, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- the same per (month, unit, scope unit); day is the month's first day
CREATE TABLE stats_rollup_unit_month (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  scope_unit_id    BIGINT UNSIGNED NOT NULL,
  received         BIGINT NOT NULL DEFAULT 0,
  dispatched       BIGINT NOT NULL DEFAULT 0,
  signed           BIGINT NOT NULL DEFAULT 0,
  signed_on_time   BIGINT NOT NULL DEFAULT 0,
  replied          BIGINT NOT NULL DEFAULT 0,
  replied_on_time  BIGINT NOT NULL DEFAULT 0,
  overdue          BIGINT NOT NULL DEFAULT 0,
  returned         BIGINT NOT NULL DEFAULT 0,
  transferred      BIGINT NOT NULL DEFAULT 0,
  extended         BIGINT NOT NULL DEFAULT 0,
  supervised       BIGINT NOT NULL DEFAULT 0,
  reopened         BIGINT NOT NULL DEFAULT 0,
  rated            BIGINT NOT NULL DEFAULT 0,
  satisfied        BIGINT NOT NULL DEFAULT 0,
  basically_satisfied BIGINT NOT NULL DEFAULT 0,
  unsatisfied      BIGINT NOT NULL DEFAULT 0,
  reply_count      BIGINT NOT NULL DEFAULT 0,
  reply_minutes    BIGINT NOT NULL DEFAULT 0,
  hist             VARBINARY(1552) NOT NULL COMMENT '388 buckets x 4 bytes, big-endian counts',
  PRIMARY KEY (day, unit_id, scope_unit_id),
  KEY ix_rollup_month_unit_day (unit_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- the same per (month, unit, scope unit) and one more key: the account (dim 1), the channel (2),
-- the type (3), the category (4), or the account and the type (5); the keys a row does not have
-- are 0 / ''. What a query with one of these as its keys and filters reads for whole months
-- (the full grain's rows are one per ticket or nearly at a province's volume: a day has fewer
-- tickets than unit x account x channel x type x category combinations)
CREATE TABLE stats_rollup_dim_month (
  dim              TINYINT UNSIGNED NOT NULL,
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  scope_unit_id    BIGINT UNSIGNED NOT NULL,
  account_id       BIGINT UNSIGNED NOT NULL,
  channel          VARCHAR(16) NOT NULL,
  type             VARCHAR(16) NOT NULL,
  category_id      BIGINT UNSIGNED NOT NULL,
  received         BIGINT NOT NULL DEFAULT 0,
  dispatched       BIGINT NOT NULL DEFAULT 0,
  signed           BIGINT NOT NULL DEFAULT 0,
  signed_on_time   BIGINT NOT NULL DEFAULT 0,
  replied          BIGINT NOT NULL DEFAULT 0,
  replied_on_time  BIGINT NOT NULL DEFAULT 0,
  overdue          BIGINT NOT NULL DEFAULT 0,
  returned         BIGINT NOT NULL DEFAULT 0,
  transferred      BIGINT NOT NULL DEFAULT 0,
  extended         BIGINT NOT NULL DEFAULT 0,
  supervised       BIGINT NOT NULL DEFAULT 0,
  reopened         BIGINT NOT NULL DEFAULT 0,
  rated            BIGINT NOT NULL DEFAULT 0,
  satisfied        BIGINT NOT NULL DEFAULT 0,
  basically_satisfied BIGINT NOT NULL DEFAULT 0,
  unsatisfied      BIGINT NOT NULL DEFAULT 0,
  reply_count      BIGINT NOT NULL DEFAULT 0,
  reply_minutes    BIGINT NOT NULL DEFAULT 0,
  hist             VARBINARY(1552) NOT NULL COMMENT '388 buckets x 4 bytes, big-endian counts',
  PRIMARY KEY (dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- rebuilt from the tickets by the job (server/stats/refresh.c): the facts and the rollups start
-- empty and every ticket is marked, so old and new rows are never mixed
DELETE FROM stats_facts;
DELETE FROM stats_rollup;
DELETE FROM stats_reply_hist;
INSERT IGNORE INTO stats_dirty (ticket_id) SELECT id FROM tickets;

-- a ticket no unit holds is seen through its account's unit: when an account moves to another
-- unit, its unheld tickets are recomputed, in the moving transaction
CREATE TRIGGER trg_accounts_stats AFTER UPDATE ON accounts FOR EACH ROW
  INSERT INTO stats_dirty (ticket_id)
  SELECT t.id FROM tickets t WHERE t.account_id = NEW.id AND t.unit_id IS NULL AND NOT (OLD.unit_id <=> NEW.unit_id)
  ON DUPLICATE KEY UPDATE marked_at = CURRENT_TIMESTAMP(6);
