-- 011: evaluation statistics (docs/metrics.md). Each ticket's contribution is kept as facts and
-- summed into rollups that queries read; a trigger marks every ticket whose events change, in
-- the changing transaction, and the catch-up job (server/stats/refresh.c) recomputes the marked
-- tickets' facts and applies the differences to the rollups.

-- tickets whose facts must be recomputed; written by the trigger below, drained by the job
CREATE TABLE stats_dirty (
  ticket_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  marked_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- one row per (ticket, unit it counts for); unit_id 0 = no unit holds it (未派单)
CREATE TABLE stats_facts (
  ticket_id        BIGINT UNSIGNED NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  day              DATE NOT NULL COMMENT 'received, Asia/Shanghai',
  account_id       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  channel          VARCHAR(16) NOT NULL,
  type             VARCHAR(16) NOT NULL,
  category_id      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  received         TINYINT UNSIGNED NOT NULL DEFAULT 0,
  dispatched       TINYINT UNSIGNED NOT NULL DEFAULT 0,
  signed           TINYINT UNSIGNED NOT NULL DEFAULT 0,
  signed_on_time   TINYINT UNSIGNED NOT NULL DEFAULT 0,
  replied          TINYINT UNSIGNED NOT NULL DEFAULT 0,
  replied_on_time  TINYINT UNSIGNED NOT NULL DEFAULT 0,
  overdue          TINYINT UNSIGNED NOT NULL DEFAULT 0,
  returned         INT UNSIGNED NOT NULL DEFAULT 0,
  transferred      INT UNSIGNED NOT NULL DEFAULT 0,
  extended         TINYINT UNSIGNED NOT NULL DEFAULT 0,
  supervised       TINYINT UNSIGNED NOT NULL DEFAULT 0,
  reopened         TINYINT UNSIGNED NOT NULL DEFAULT 0,
  rated            TINYINT UNSIGNED NOT NULL DEFAULT 0,
  satisfied        TINYINT UNSIGNED NOT NULL DEFAULT 0,
  basically_satisfied TINYINT UNSIGNED NOT NULL DEFAULT 0,
  unsatisfied      TINYINT UNSIGNED NOT NULL DEFAULT 0,
  reply_minutes    INT NULL COMMENT 'working minutes to the first reply; NULL unless replied here',
  PRIMARY KEY (ticket_id, unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- the sums per (day, unit, account, channel, type, category): what the API reads
CREATE TABLE stats_rollup (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
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
  reply_count      BIGINT NOT NULL DEFAULT 0 COMMENT 'tickets with reply_minutes',
  reply_minutes    BIGINT NOT NULL DEFAULT 0 COMMENT 'their sum: the exact mean',
  PRIMARY KEY (day, unit_id, account_id, channel, type, category_id),
  KEY ix_rollup_unit_day (unit_id, day),
  KEY ix_rollup_account_day (account_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- the same sums per (day, unit) only: what a query that neither filters nor groups by account,
-- channel, type or category reads (a quarter of a province's units is some 20,000 rows here,
-- against a hundred thousand or more in stats_rollup)
CREATE TABLE stats_rollup_unit (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
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
  PRIMARY KEY (day, unit_id),
  KEY ix_rollup_unit_unit_day (unit_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stats_reply_hist_unit (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  bucket           SMALLINT UNSIGNED NOT NULL,
  n                BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, unit_id, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- the first-reply histogram (bucket = server/stats/facts.h's wz_stats_bucket) with the same keys
CREATE TABLE stats_reply_hist (
  day              DATE NOT NULL,
  unit_id          BIGINT UNSIGNED NOT NULL,
  account_id       BIGINT UNSIGNED NOT NULL,
  channel          VARCHAR(16) NOT NULL,
  type             VARCHAR(16) NOT NULL,
  category_id      BIGINT UNSIGNED NOT NULL,
  bucket           SMALLINT UNSIGNED NOT NULL,
  n                BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, unit_id, account_id, channel, type, category_id, bucket),
  KEY ix_hist_unit_day (unit_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every state change writes a ticket_events row in its own transaction, so marking here, in that
-- transaction, misses no writer and marks nothing for a rolled-back change. The mark is always a
-- write (an update when the ticket is marked already): on a Galera cluster it then conflicts
-- with a job on another node that is deleting the same mark, so one of the two is retried and
-- no change slips between the job's read and its delete.
CREATE TRIGGER trg_ticket_events_stats AFTER INSERT ON ticket_events FOR EACH ROW
  INSERT INTO stats_dirty (ticket_id) VALUES (NEW.ticket_id)
  ON DUPLICATE KEY UPDATE marked_at = CURRENT_TIMESTAMP(6);

-- tickets that exist before this migration (the demo history, an upgrade) are counted once
INSERT IGNORE INTO stats_dirty (ticket_id) SELECT id FROM tickets;
