-- 005: identity: citizens (mini-program openid / unionid, or a phone for the web board),
-- rotating refresh tokens kept in families, login throttling shared by every server, and the
-- audit log of privileged actions that are not ticket actions (those are ticket_events).

CREATE TABLE citizens (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  appid         VARCHAR(32) NULL COMMENT 'the mini-program the openid belongs to',
  openid        VARCHAR(64) NULL,
  unionid       VARCHAR(64) NULL,
  phone_hash    BINARY(32) NULL COMMENT 'keyed hash of the phone number (web board login)',
  phone_masked  VARCHAR(32) NOT NULL DEFAULT '',
  disabled      TINYINT(1) NOT NULL DEFAULT 0,
  created_at    DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  last_login_at DATETIME(6) NULL,
  UNIQUE KEY uk_citizens_openid (appid, openid),
  UNIQUE KEY uk_citizens_unionid (unionid),
  UNIQUE KEY uk_citizens_phone (phone_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ids below this belong to citizens the tests and the demo history name without a login
ALTER TABLE citizens AUTO_INCREMENT = 100000;

-- A refresh token is 32 random bytes given to the client once; only its SHA-256 is kept. Each
-- refresh uses up the token and issues the next one of the same family; presenting a used
-- token again revokes the whole family (it was stolen or replayed).
CREATE TABLE refresh_tokens (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash   BINARY(32) NOT NULL,
  family_id    BIGINT UNSIGNED NOT NULL COMMENT 'the id of the family''s first token',
  subject_kind ENUM('user','citizen') NOT NULL,
  subject_id   BIGINT UNSIGNED NOT NULL,
  expires_at   DATETIME(6) NOT NULL,
  used_at      DATETIME(6) NULL,
  revoked_at   DATETIME(6) NULL,
  client_ip    VARCHAR(45) NOT NULL DEFAULT '',
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_refresh_hash (token_hash),
  KEY ix_refresh_family (family_id),
  KEY ix_refresh_subject (subject_kind, subject_id),
  KEY ix_refresh_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- failed logins per username and per client address (docs/security.md)
CREATE TABLE login_failures (
  scope        ENUM('user','ip') NOT NULL,
  subject      VARCHAR(64) NOT NULL,
  failures     INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME(6) NULL,
  last_at      DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (scope, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  actor_id    BIGINT UNSIGNED NULL,
  actor_role  VARCHAR(16) NOT NULL,
  unit_id     BIGINT UNSIGNED NULL,
  action      VARCHAR(48) NOT NULL COMMENT 'units.create, users.update, auth.login_failed, ...',
  target_type VARCHAR(32) NOT NULL DEFAULT '',
  target_id   VARCHAR(64) NOT NULL DEFAULT '',
  client_ip   VARCHAR(45) NOT NULL DEFAULT '',
  payload     JSON NULL,
  created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_audit_created (created_at),
  KEY ix_audit_actor (actor_id, created_at),
  KEY ix_audit_target (target_type, target_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='append-only: who changed what, when, from where';
