-- 002: the ticket core: unit policies, SLA policies, the working calendar, routing rules,
-- SLA timers, extensions, the messages of a ticket, merges and the outbox of side effects.
-- Reference data (the official 2025 and 2026 holiday arrangements, the default SLA policies and
-- working hours) is part of the schema, not of the demo seed.

ALTER TABLE units
  ADD COLUMN requires_review TINYINT(1) NOT NULL DEFAULT 0 COMMENT '三审: replies wait for the unit reviewer',
  ADD COLUMN accepts_direct  TINYINT(1) NOT NULL DEFAULT 1 COMMENT 'citizens may address tickets to it directly';

ALTER TABLE tickets
  MODIFY COLUMN status ENUM('new','dispatched','accepted','waiting_citizen','replied','closed') NOT NULL DEFAULT 'new',
  ADD COLUMN region            VARCHAR(200) NOT NULL DEFAULT '' AFTER account_id,
  ADD COLUMN location          JSON NULL AFTER region,
  ADD COLUMN sla_light         ENUM('green','yellow','red') NOT NULL DEFAULT 'green' AFTER priority,
  ADD COLUMN promised_reply_at DATETIME(6) NULL COMMENT '承诺答复期限 told to the citizen at intake; never moved by transfers' AFTER received_at,
  ADD COLUMN resolve_due_at    DATETIME(6) NULL AFTER replied_at,
  ADD COLUMN paused_at         DATETIME(6) NULL COMMENT 'reply clock paused (waiting_citizen) since',
  ADD COLUMN extended_days     INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN transferred_count INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN merged_into       BIGINT UNSIGNED NULL,
  ADD COLUMN close_reason      VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN idempotency_key   VARCHAR(128) NULL,
  ADD UNIQUE KEY uk_tickets_idem (citizen_id, idempotency_key),
  ADD KEY ix_tickets_light (sla_light, status),
  ADD KEY ix_tickets_merged (merged_into),
  ADD CONSTRAINT fk_tickets_merged FOREIGN KEY (merged_into) REFERENCES tickets (id);

ALTER TABLE replies
  ADD COLUMN unit_id BIGINT UNSIGNED NULL AFTER ticket_id,
  ADD CONSTRAINT fk_replies_unit FOREIGN KEY (unit_id) REFERENCES units (id);

ALTER TABLE ratings
  ADD COLUMN unit_id BIGINT UNSIGNED NULL COMMENT 'the unit that replied' AFTER ticket_id,
  ADD KEY ix_ratings_unit (unit_id, created_at),
  ADD CONSTRAINT fk_ratings_unit FOREIGN KEY (unit_id) REFERENCES units (id);

-- what the citizen and the unit said besides the reply: the first message, follow-ups,
-- requests for information
CREATE TABLE ticket_messages (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id  BIGINT UNSIGNED NOT NULL,
  author     ENUM('citizen','unit','system') NOT NULL,
  kind       ENUM('message','follow_up','request_info','acknowledgement') NOT NULL,
  user_id    BIGINT UNSIGNED NULL,
  body       TEXT NOT NULL,
  external_id VARCHAR(128) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_messages_ticket (ticket_id, id),
  CONSTRAINT fk_messages_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='append-only: what was said, as it was said';

CREATE TABLE extensions (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id    BIGINT UNSIGNED NOT NULL,
  unit_id      BIGINT UNSIGNED NOT NULL,
  requested_by BIGINT UNSIGNED NOT NULL,
  days         INT UNSIGNED NOT NULL,
  reason       VARCHAR(1000) NOT NULL,
  status       ENUM('pending','approved','refused') NOT NULL DEFAULT 'pending',
  decided_by   BIGINT UNSIGNED NULL,
  decided_at   DATETIME(6) NULL,
  comment      VARCHAR(1000) NOT NULL DEFAULT '',
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_extensions_ticket (ticket_id),
  KEY ix_extensions_pending (status, created_at),
  CONSTRAINT fk_extensions_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
  CONSTRAINT fk_extensions_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- time limits per ticket type and priority, in working time (see docs/lifecycle.md)
CREATE TABLE sla_policies (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  type                ENUM('consultation','help','complaint','suggestion','report','praise') NOT NULL,
  priority            ENUM('normal','urgent') NOT NULL,
  dispatch_minutes    INT UNSIGNED NOT NULL COMMENT 'from receipt, working minutes',
  sign_minutes        INT UNSIGNED NOT NULL COMMENT 'from dispatch',
  reply_days          INT UNSIGNED NOT NULL COMMENT 'from dispatch, working days',
  resolve_days        INT UNSIGNED NOT NULL,
  return_window_days  INT UNSIGNED NOT NULL,
  extension_max_days  INT UNSIGNED NOT NULL,
  warn_ratio          DECIMAL(4,3) NOT NULL DEFAULT 0.750,
  reopen_max          INT UNSIGNED NOT NULL DEFAULT 1,
  rating_window_days  INT UNSIGNED NOT NULL DEFAULT 5 COMMENT 'auto-close without a rating after',
  info_wait_days      INT UNSIGNED NOT NULL DEFAULT 5 COMMENT 'close an unanswered request for information after',
  updated_at          DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_sla_type_priority (type, priority)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO sla_policies (type, priority, dispatch_minutes, sign_minutes, reply_days, resolve_days,
                          return_window_days, extension_max_days) VALUES
 ('consultation', 'normal', 120, 120,  1,  5, 2, 10),
 ('help',         'normal', 120, 120, 10, 15, 2, 10),
 ('suggestion',   'normal', 120, 120, 10, 15, 2, 10),
 ('complaint',    'normal', 120, 120, 15, 30, 2, 10),
 ('report',       'normal', 120, 120, 15, 30, 2, 10),
 ('praise',       'normal', 120, 120, 10, 10, 2, 10),
 ('consultation', 'urgent',  30,  30,  1,  2, 1,  5),
 ('help',         'urgent',  30,  30,  1,  5, 1,  5),
 ('suggestion',   'urgent',  30,  30,  5, 10, 1,  5),
 ('complaint',    'urgent',  30,  30,  2,  5, 1,  5),
 ('report',       'urgent',  30,  30,  2,  5, 1,  5),
 ('praise',       'urgent',  30,  30,  5,  5, 1,  5);

-- the working calendar: dates that differ from the Monday-Friday week (off = a weekday off,
-- work = a make-up working weekend day 调休), and the working hours of a day (Asia/Shanghai)
CREATE TABLE calendar_days (
  day  DATE NOT NULL PRIMARY KEY,
  kind ENUM('off','work') NOT NULL,
  name VARCHAR(64) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE working_periods (
  id        INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  start_min SMALLINT UNSIGNED NOT NULL COMMENT 'minutes after local midnight',
  end_min   SMALLINT UNSIGNED NOT NULL,
  CHECK (start_min < end_min AND end_min <= 1440)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO working_periods (start_min, end_min) VALUES (540, 720), (810, 1050);

-- routing rules, tried in priority order (lower first); see server/tickets/routing.h
CREATE TABLE routing_rules (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  priority    INT UNSIGNED NOT NULL,
  kind        ENUM('account','category','keyword','region') NOT NULL,
  match_id    BIGINT UNSIGNED NULL COMMENT 'account or category',
  match_text  VARCHAR(512) NULL COMMENT 'keywords separated by | or a region',
  unit_id     BIGINT UNSIGNED NULL COMMENT 'NULL with an account rule: the account''s own unit',
  enabled     TINYINT(1) NOT NULL DEFAULT 1,
  created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY ix_rules_priority (enabled, priority, id),
  CONSTRAINT fk_rules_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- SLA timers: one row per pending (ticket, kind); claimed with FOR UPDATE SKIP LOCKED so that
-- several servers never fire one twice, and kept in the database so a restart loses none
CREATE TABLE sla_timers (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id  BIGINT UNSIGNED NOT NULL,
  kind       ENUM('dispatch_warn','dispatch_breach','sign_warn','sign_breach','reply_warn','reply_breach',
                  'auto_close','info_timeout') NOT NULL,
  fire_at    DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_timers_ticket_kind (ticket_id, kind),
  KEY ix_timers_fire (fire_at),
  CONSTRAINT fk_timers_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- side effects (acknowledgements, notifications, platform calls) written in the same
-- transaction as the change that causes them and sent after the commit
CREATE TABLE outbox (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind            VARCHAR(32) NOT NULL,
  ticket_id       BIGINT UNSIGNED NULL,
  payload         JSON NOT NULL,
  attempts        INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  sent_at         DATETIME(6) NULL,
  dead            TINYINT(1) NOT NULL DEFAULT 0,
  last_error      VARCHAR(500) NOT NULL DEFAULT '',
  created_at      DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_outbox_due (sent_at, dead, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- the official arrangements (State Council notices for 2025 and 2026)
INSERT INTO calendar_days (day, kind, name) VALUES
 ('2025-01-01', 'off', '元旦'),
 ('2025-01-26', 'work', '春节调休'),
 ('2025-01-28', 'off', '春节'),
 ('2025-01-29', 'off', '春节'),
 ('2025-01-30', 'off', '春节'),
 ('2025-01-31', 'off', '春节'),
 ('2025-02-01', 'off', '春节'),
 ('2025-02-02', 'off', '春节'),
 ('2025-02-03', 'off', '春节'),
 ('2025-02-04', 'off', '春节'),
 ('2025-02-08', 'work', '春节调休'),
 ('2025-04-04', 'off', '清明节'),
 ('2025-04-05', 'off', '清明节'),
 ('2025-04-06', 'off', '清明节'),
 ('2025-04-27', 'work', '劳动节调休'),
 ('2025-05-01', 'off', '劳动节'),
 ('2025-05-02', 'off', '劳动节'),
 ('2025-05-03', 'off', '劳动节'),
 ('2025-05-04', 'off', '劳动节'),
 ('2025-05-05', 'off', '劳动节'),
 ('2025-05-31', 'off', '端午节'),
 ('2025-06-01', 'off', '端午节'),
 ('2025-06-02', 'off', '端午节'),
 ('2025-09-28', 'work', '国庆节调休'),
 ('2025-10-01', 'off', '国庆节、中秋节'),
 ('2025-10-02', 'off', '国庆节、中秋节'),
 ('2025-10-03', 'off', '国庆节、中秋节'),
 ('2025-10-04', 'off', '国庆节、中秋节'),
 ('2025-10-05', 'off', '国庆节、中秋节'),
 ('2025-10-06', 'off', '国庆节、中秋节'),
 ('2025-10-07', 'off', '国庆节、中秋节'),
 ('2025-10-08', 'off', '国庆节、中秋节'),
 ('2025-10-11', 'work', '国庆节调休'),
 ('2026-01-01', 'off', '元旦'),
 ('2026-01-02', 'off', '元旦'),
 ('2026-01-03', 'off', '元旦'),
 ('2026-01-04', 'work', '元旦调休'),
 ('2026-02-14', 'work', '春节调休'),
 ('2026-02-15', 'off', '春节'),
 ('2026-02-16', 'off', '春节'),
 ('2026-02-17', 'off', '春节'),
 ('2026-02-18', 'off', '春节'),
 ('2026-02-19', 'off', '春节'),
 ('2026-02-20', 'off', '春节'),
 ('2026-02-21', 'off', '春节'),
 ('2026-02-22', 'off', '春节'),
 ('2026-02-23', 'off', '春节'),
 ('2026-02-28', 'work', '春节调休'),
 ('2026-04-04', 'off', '清明节'),
 ('2026-04-05', 'off', '清明节'),
 ('2026-04-06', 'off', '清明节'),
 ('2026-05-01', 'off', '劳动节'),
 ('2026-05-02', 'off', '劳动节'),
 ('2026-05-03', 'off', '劳动节'),
 ('2026-05-04', 'off', '劳动节'),
 ('2026-05-05', 'off', '劳动节'),
 ('2026-05-09', 'work', '劳动节调休'),
 ('2026-06-19', 'off', '端午节'),
 ('2026-06-20', 'off', '端午节'),
 ('2026-06-21', 'off', '端午节'),
 ('2026-09-20', 'work', '国庆节调休'),
 ('2026-09-25', 'off', '中秋节'),
 ('2026-09-26', 'off', '中秋节'),
 ('2026-09-27', 'off', '中秋节'),
 ('2026-10-01', 'off', '国庆节'),
 ('2026-10-02', 'off', '国庆节'),
 ('2026-10-03', 'off', '国庆节'),
 ('2026-10-04', 'off', '国庆节'),
 ('2026-10-05', 'off', '国庆节'),
 ('2026-10-06', 'off', '国庆节'),
 ('2026-10-07', 'off', '国庆节'),
 ('2026-10-10', 'work', '国庆节调休');
