-- 006: ending sessions early. Disabling a user or a citizen, or giving a user a new password,
-- ends their refresh-token families at once (005) and, through this column, the access tokens
-- already issued: every server keeps the list of recently revoked or disabled subjects in memory
-- (auth/revocations.c) and refuses their tokens issued before the revocation.
ALTER TABLE users
  ADD COLUMN sessions_revoked_at DATETIME(6) NULL COMMENT 'access tokens issued before this are refused',
  ADD KEY ix_users_revoked (sessions_revoked_at),
  ADD KEY ix_users_disabled (disabled);

ALTER TABLE citizens
  ADD COLUMN sessions_revoked_at DATETIME(6) NULL COMMENT 'access tokens issued before this are refused',
  ADD KEY ix_citizens_revoked (sessions_revoked_at),
  ADD KEY ix_citizens_disabled (disabled);
