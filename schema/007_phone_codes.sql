-- 007: one-time codes for the web message board's phone sign-in. Only keyed hashes of the phone
-- number and of the code are stored; a code lives 5 minutes, allows 5 tries, and is used once.
CREATE TABLE phone_codes (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone_hash  BINARY(32) NOT NULL,
  code_hash   BINARY(32) NOT NULL,
  expires_at  DATETIME(6) NOT NULL,
  attempts    INT UNSIGNED NOT NULL DEFAULT 0,
  used_at     DATETIME(6) NULL,
  client_ip   VARCHAR(45) NOT NULL DEFAULT '',
  created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_codes_phone (phone_hash, id),
  KEY ix_codes_ip (client_ip, created_at),
  KEY ix_codes_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
