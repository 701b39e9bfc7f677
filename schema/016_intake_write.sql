-- A new ticket and everything that belongs with it, written by one statement
-- (`SELECT wz_intake_write(...)`, server/tickets/intake.c). Everything the write needs was
-- decided by the server (routing, deadlines, the number, the payloads); this only stores it.
--
-- Why a function: an intake was ten to twelve round trips (START TRANSACTION, the ticket, its
-- message, one or two events, its timers, the acknowledgement, the photos, COMMIT), and on the
-- two-CPU reference machine each round trip's wake-ups cost more CPU than the row it wrote
-- (docs/performance.md, intake). One statement in autocommit mode is one transaction: it commits,
-- durably, before its answer is sent, or changes nothing (a failed check rolls the whole
-- statement back). A stored function, unlike a procedure, returns its value as a plain one-row
-- result, so it needs nothing of the client but a prepared SELECT.
CREATE FUNCTION wz_intake_write(
  p_number          VARCHAR(32),
  p_type            VARCHAR(16),
  p_category        BIGINT UNSIGNED,
  p_title           TEXT CHARACTER SET utf8mb4,
  p_content         TEXT CHARACTER SET utf8mb4,
  p_channel         VARCHAR(16),
  p_account         BIGINT UNSIGNED,
  p_external        VARCHAR(128) CHARACTER SET utf8mb4,
  p_citizen         BIGINT UNSIGNED,
  p_citizen_name    TEXT CHARACTER SET utf8mb4,
  p_contact_masked  VARCHAR(200) CHARACTER SET utf8mb4,
  p_contact_raw     VARBINARY(512),
  p_status          VARCHAR(16),
  p_unit            BIGINT UNSIGNED,
  p_priority        VARCHAR(16),
  p_region          TEXT CHARACTER SET utf8mb4,
  p_received        BIGINT,
  p_promised        BIGINT,
  p_dispatch_due    BIGINT,
  p_dispatched      BIGINT,
  p_sign_due        BIGINT,
  p_reply_due       BIGINT,
  p_resolve_due     BIGINT,
  p_idem            VARCHAR(128) CHARACTER SET utf8mb4,
  p_location        TEXT CHARACTER SET utf8mb4,
  p_publish         TINYINT,
  p_receive_role    VARCHAR(16),
  p_receive_payload TEXT CHARACTER SET utf8mb4,
  p_dispatch_payload TEXT CHARACTER SET utf8mb4,
  p_timers          TEXT CHARACTER SET utf8mb4,  -- [["kind", unix seconds], ...]
  p_ack_payload     TEXT CHARACTER SET utf8mb4,
  p_attachments     TEXT CHARACTER SET utf8mb4   -- [upload id, ...]
) RETURNS BIGINT UNSIGNED
  NOT DETERMINISTIC MODIFIES SQL DATA
BEGIN
  DECLARE t BIGINT UNSIGNED;
  DECLARE n INT;
  INSERT INTO tickets (number, type, category_id, title, content, channel, account_id, external_id,
                       citizen_id, citizen_name, contact_masked, contact_raw, status, unit_id, priority, region,
                       received_at, promised_reply_at, dispatch_due_at, dispatched_at, sign_due_at, reply_due_at,
                       resolve_due_at, idempotency_key, location, publish)
  VALUES (p_number, p_type, p_category, p_title, p_content, p_channel, p_account, p_external,
          p_citizen, p_citizen_name, p_contact_masked, p_contact_raw, p_status, p_unit, p_priority, p_region,
          FROM_UNIXTIME(p_received), FROM_UNIXTIME(p_promised), FROM_UNIXTIME(p_dispatch_due),
          FROM_UNIXTIME(p_dispatched), FROM_UNIXTIME(p_sign_due), FROM_UNIXTIME(p_reply_due),
          FROM_UNIXTIME(p_resolve_due), p_idem, p_location, p_publish);
  SET t = LAST_INSERT_ID();
  INSERT INTO ticket_messages (ticket_id, author, kind, body, external_id)
  VALUES (t, 'citizen', 'message', p_content, p_external);
  INSERT INTO ticket_events (ticket_id, action, to_status, actor_id, actor_role, payload)
  VALUES (t, 'receive', 'new', p_citizen, p_receive_role, p_receive_payload);
  IF p_unit IS NOT NULL THEN
    INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_role, unit_id, payload)
    VALUES (t, 'dispatch', 'new', 'dispatched', 'system', p_unit, p_dispatch_payload);
  END IF;
  INSERT INTO sla_timers (ticket_id, kind, fire_at)
  SELECT t, j.kind, FROM_UNIXTIME(j.at)
  FROM JSON_TABLE(p_timers, '$[*]' COLUMNS (kind VARCHAR(32) PATH '$[0]', at BIGINT PATH '$[1]')) AS j;
  INSERT INTO outbox (kind, ticket_id, payload) VALUES ('acknowledgement', t, p_ack_payload);
  SET n = JSON_LENGTH(p_attachments);
  IF n > 0 THEN
    -- the photos: each must be the citizen's own and free; the count of rows taken says so
    UPDATE uploads SET ticket_id = t
    WHERE owner_role = 'citizen' AND owner_id = p_citizen AND ticket_id IS NULL
      AND id IN (SELECT j.id FROM JSON_TABLE(p_attachments, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) AS j);
    IF ROW_COUNT() <> n THEN
      SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 1644,
        MESSAGE_TEXT = 'an attachment is not the citizen''s own upload, or is already used';
    END IF;
  END IF;
  RETURN t;
END;
