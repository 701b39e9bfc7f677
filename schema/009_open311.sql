-- 009: Open311 GeoReport v2. The tickets that came in through /open311/v2/requests, with what
-- the spec returns and a ticket does not hold (address_id, media_url). Open311's GET methods
-- are public: they list only tickets with a row here, so a ticket from any other channel can
-- never be read through them. The row is written right after the intake commits, idempotently
-- (a retry with the same Idempotency-Key finds the ticket and writes the row if it is missing);
-- requested_at copies the ticket's received_at so the 90-day window is read from this table's
-- own index, newest first, without touching other channels' tickets.
CREATE TABLE open311_requests (
  ticket_id    BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  account_id   BIGINT UNSIGNED NOT NULL COMMENT 'the client account whose api_key posted it',
  requested_at DATETIME(6) NOT NULL COMMENT 'tickets.received_at',
  address_id   VARCHAR(128) NULL,
  media_url    VARCHAR(1024) NULL,
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_open311_requested (requested_at, ticket_id),
  CONSTRAINT fk_open311_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
  CONSTRAINT fk_open311_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
