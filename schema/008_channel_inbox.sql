-- 008: the channel inbox. A platform push (a WeChat official account's message, a Weibo private
-- message, a Douyin comment...) is verified, parsed and committed here before the platform gets
-- its answer, so WeChat's 5-second limit never depends on routing, and nothing answered is lost.
-- The inbox then turns each row into a ticket, a follow-up of the sender's open ticket, or an
-- update of the account (a post), and records what it did. Retries of one delivery hit the
-- unique key and are answered as done.
CREATE TABLE channel_inbox (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id      BIGINT UNSIGNED NOT NULL,
  dedupe_key      VARCHAR(128) NOT NULL COMMENT 'the platform''s message id, or sender + time for events',
  kind            ENUM('message','post','ignore') NOT NULL,
  sender          VARCHAR(128) NOT NULL DEFAULT '' COMMENT 'the platform''s id of the citizen',
  payload         JSON NOT NULL COMMENT 'the parsed message (channels/inbound.h)',
  received_at     DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  attempts        INT UNSIGNED NOT NULL DEFAULT 0,
  lease_until     DATETIME(6) NULL COMMENT 'a server is processing it until then',
  next_attempt_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  processed_at    DATETIME(6) NULL,
  outcome         ENUM('ticket','follow_up','post','ignored','failed') NULL,
  ticket_id       BIGINT UNSIGNED NULL,
  last_error      VARCHAR(500) NOT NULL DEFAULT '',
  UNIQUE KEY uk_inbox_delivery (account_id, dedupe_key),
  KEY ix_inbox_pending (processed_at, next_attempt_at),
  KEY ix_inbox_sender (account_id, sender, processed_at) COMMENT 'a sender''s rows run in order',
  KEY ix_inbox_ticket (ticket_id),
  -- the operators' list (GET /api/v1/channel-inbox, newest first, paged by id): the rows set
  -- aside (rare among millions processed) and one account's rows, each already in id order
  KEY ix_inbox_outcome (outcome, id),
  KEY ix_inbox_account (account_id, id),
  CONSTRAINT fk_inbox_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A follow-up that came from a platform carries the platform's message id: a second processing
-- of one inbox row (after a crash between the follow-up and the row's update) hits this key.
ALTER TABLE ticket_messages
  ADD UNIQUE KEY uk_messages_external (ticket_id, external_id);

-- The sender's open ticket on an account, for the follow-up window.
ALTER TABLE tickets
  ADD KEY ix_tickets_citizen_account (citizen_id, account_id, status);
