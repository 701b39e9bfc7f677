-- 001: the core tables that tickets, identity, channels and statistics build on.
-- Times are UTC DATETIME(6). Tables whose comment starts with 'append-only' get only SELECT and
-- INSERT for the application user (granted by the migration runner).

CREATE TABLE units (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id   BIGINT UNSIGNED NULL,
  code        VARCHAR(64)  NOT NULL,
  name        VARCHAR(200) NOT NULL,
  kind        ENUM('government','department','township','other') NOT NULL,
  region      VARCHAR(100) NOT NULL DEFAULT '',
  -- materialised path of ids ('/1/4/9/') so subtree scope is one indexed prefix match
  path        VARCHAR(1024) NOT NULL DEFAULT '/',
  created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_units_code (code),
  KEY ix_units_parent (parent_id),
  KEY ix_units_path (path(255)),
  CONSTRAINT fk_units_parent FOREIGN KEY (parent_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE accounts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id      BIGINT UNSIGNED NOT NULL,
  platform     ENUM('wechat_oa','weibo','douyin','toutiao','miniprogram','app','web','hotline_12345','other') NOT NULL,
  name         VARCHAR(200) NOT NULL,
  platform_id  VARCHAR(128) NOT NULL,
  status       ENUM('active','suspended','closed') NOT NULL DEFAULT 'active',
  -- platform secrets (token, EncodingAESKey, HMAC secret) sealed with secret_key
  secret_box   VARBINARY(1024) NULL,
  last_post_at DATETIME(6) NULL,
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_accounts_platform (platform, platform_id),
  KEY ix_accounts_unit (unit_id),
  CONSTRAINT fk_accounts_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username      VARCHAR(64) NOT NULL,
  display_name  VARCHAR(100) NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NOT NULL,
  role          ENUM('staff','reviewer','dispatcher','supervisor','evaluator','admin') NOT NULL,
  unit_id       BIGINT UNSIGNED NULL,
  disabled      TINYINT(1) NOT NULL DEFAULT 0,
  created_at    DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at    DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_users_username (username),
  KEY ix_users_unit (unit_id),
  CONSTRAINT fk_users_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE categories (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id  BIGINT UNSIGNED NULL,
  code       VARCHAR(64) NOT NULL,
  name       VARCHAR(200) NOT NULL,
  UNIQUE KEY uk_categories_code (code),
  KEY ix_categories_parent (parent_id),
  CONSTRAINT fk_categories_parent FOREIGN KEY (parent_id) REFERENCES categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tickets (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number           VARCHAR(32) NOT NULL,
  type             ENUM('consultation','help','complaint','suggestion','report','praise') NOT NULL,
  category_id      BIGINT UNSIGNED NULL,
  title            VARCHAR(200) NOT NULL,
  content          TEXT NOT NULL,
  channel          ENUM('wechat_oa','weibo','douyin','toutiao','miniprogram','app','web','hotline_12345','other') NOT NULL,
  account_id       BIGINT UNSIGNED NULL,
  external_id      VARCHAR(128) NULL,
  citizen_id       BIGINT UNSIGNED NULL,
  citizen_name     VARCHAR(100) NOT NULL DEFAULT '',
  contact_masked   VARCHAR(64) NOT NULL DEFAULT '',
  contact_raw      VARBINARY(512) NULL,
  status           ENUM('new','dispatched','accepted','replied','closed') NOT NULL DEFAULT 'new',
  unit_id          BIGINT UNSIGNED NULL,
  priority         ENUM('normal','urgent') NOT NULL DEFAULT 'normal',
  received_at      DATETIME(6) NOT NULL,
  dispatch_due_at  DATETIME(6) NULL,
  dispatched_at    DATETIME(6) NULL,
  sign_due_at      DATETIME(6) NULL,
  signed_at        DATETIME(6) NULL,
  reply_due_at     DATETIME(6) NULL,
  replied_at       DATETIME(6) NULL,
  closed_at        DATETIME(6) NULL,
  supervised       TINYINT(1) NOT NULL DEFAULT 0,
  extended         TINYINT(1) NOT NULL DEFAULT 0,
  reopened_count   INT UNSIGNED NOT NULL DEFAULT 0,
  returned_count   INT UNSIGNED NOT NULL DEFAULT 0,
  version          INT UNSIGNED NOT NULL DEFAULT 0,
  created_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at       DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_tickets_number (number),
  UNIQUE KEY uk_tickets_external (account_id, external_id),
  KEY ix_tickets_queue (status, unit_id, received_at),
  KEY ix_tickets_unit_received (unit_id, received_at),
  KEY ix_tickets_received (received_at),
  KEY ix_tickets_citizen (citizen_id, received_at),
  CONSTRAINT fk_tickets_account FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT fk_tickets_unit FOREIGN KEY (unit_id) REFERENCES units (id),
  CONSTRAINT fk_tickets_category FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ticket_events (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id   BIGINT UNSIGNED NOT NULL,
  action      VARCHAR(32) NOT NULL,
  from_status VARCHAR(16) NULL,
  to_status   VARCHAR(16) NULL,
  actor_id    BIGINT UNSIGNED NULL,
  actor_role  VARCHAR(16) NOT NULL,
  unit_id     BIGINT UNSIGNED NULL,
  client_ip   VARCHAR(45) NOT NULL DEFAULT '',
  payload     JSON NULL,
  created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_events_ticket (ticket_id, id),
  KEY ix_events_created (created_at),
  CONSTRAINT fk_events_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='append-only: the audit trail of every ticket';

CREATE TABLE replies (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id    BIGINT UNSIGNED NOT NULL,
  author_id    BIGINT UNSIGNED NOT NULL,
  reviewer_id  BIGINT UNSIGNED NULL,
  body         TEXT NOT NULL,
  status       ENUM('pending_review','published','sent_back') NOT NULL,
  review_note  VARCHAR(500) NOT NULL DEFAULT '',
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  published_at DATETIME(6) NULL,
  KEY ix_replies_ticket (ticket_id, id),
  CONSTRAINT fk_replies_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
  CONSTRAINT fk_replies_author FOREIGN KEY (author_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ratings (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id    BIGINT UNSIGNED NOT NULL,
  round        INT UNSIGNED NOT NULL DEFAULT 1,
  satisfaction ENUM('satisfied','basically_satisfied','unsatisfied') NOT NULL,
  resolved     TINYINT(1) NOT NULL,
  comment      VARCHAR(1000) NOT NULL DEFAULT '',
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_ratings_round (ticket_id, round),
  CONSTRAINT fk_ratings_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- idempotency keys for writes: a retried request returns the first answer
CREATE TABLE idempotency_keys (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  scope       VARCHAR(64) NOT NULL,
  idem_key    VARCHAR(128) NOT NULL,
  status      SMALLINT UNSIGNED NOT NULL,
  response    MEDIUMTEXT NOT NULL,
  created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_idem (scope, idem_key),
  KEY ix_idem_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
