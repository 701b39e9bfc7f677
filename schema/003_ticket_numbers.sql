-- 003: human-readable ticket numbers WZ + local date + a daily sequence (WZ20261122000123).
-- One row per day; the sequence is taken with
--   INSERT ... ON DUPLICATE KEY UPDATE seq = LAST_INSERT_ID(seq + 1)
-- inside the intake transaction, so a rolled-back intake gives its number back.
CREATE TABLE ticket_counters (
  day DATE NOT NULL PRIMARY KEY,
  seq INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
