-- 014: citizens' photos (uploads) and the public board (公开答复).
--
-- An upload is a file under data_dir/uploads, named by its id, never inside a served
-- directory; this row says whose it is and, once a message names it, which ticket it belongs
-- to. Unattached uploads older than a day are removed by the sweeper (docs/h5.md).
CREATE TABLE uploads (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_role   VARCHAR(16) NOT NULL COMMENT 'citizen, or the staff role that uploaded',
  owner_id     BIGINT UNSIGNED NOT NULL COMMENT 'citizens.id or users.id by owner_role',
  ticket_id    BIGINT UNSIGNED NULL,
  content_type VARCHAR(32) NOT NULL,
  size         BIGINT UNSIGNED NOT NULL,
  sha256       CHAR(64) NOT NULL,
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_uploads_ticket (ticket_id, id),
  KEY ix_uploads_owner (owner_role, owner_id, created_at),
  KEY ix_uploads_unattached (ticket_id, created_at),
  CONSTRAINT fk_uploads_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- publish: the citizen's consent, given at submission, that the question and its reply may be
-- shown (masked, without contact data) on the public board; withheld_reason: staff kept it off
-- the board (NULL: not withheld), each change a ticket event.
ALTER TABLE tickets
  ADD COLUMN publish TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN withheld_reason VARCHAR(800) NULL,
  ADD KEY ix_tickets_public (publish, replied_at, id);
