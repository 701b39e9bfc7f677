-- 010: the outbox sender (server/channels/outbox.c). A row is claimed by a committed UPDATE
-- (attempts + 1, next_attempt_at = now + lease), so several servers on a Galera cluster never
-- deliver it at once; the columns below say when the last attempt began and how a delivered row
-- went out. The claim's scan uses ix_outbox_due (sent_at, dead, next_attempt_at) from 002.
ALTER TABLE outbox
  ADD COLUMN last_attempt_at DATETIME(6) NULL COMMENT 'when the last claim began a delivery' AFTER attempts,
  ADD COLUMN delivered_via VARCHAR(64) NOT NULL DEFAULT ''
    COMMENT 'wechat_custom, wechat_template, wechat_subscribe, hook, internal, in_app, no_callback' AFTER sent_at,
  ADD KEY ix_outbox_ticket (ticket_id, id);
