-- 015: the queue sorted by reply deadline (GET /tickets?sort=due) for the statuses still being
-- worked on. The old ORDER BY COALESCE(reply_due_at, ...) could use no index, and closed
-- tickets (which hold the earliest deadlines) would be scanned first by one on reply_due_at:
-- a dispatcher's page over 1,000,000 tickets took seconds. open_due is the deadline of an open
-- ticket only (NULL once replied or closed), so the index holds just the live queue, in order.
ALTER TABLE tickets
  ADD COLUMN open_due DATETIME(6) AS (
    CASE WHEN status IN ('new', 'dispatched', 'accepted', 'waiting_citizen')
         THEN COALESCE(reply_due_at, '9999-12-31 00:00:00') END) STORED,
  ADD KEY ix_tickets_open_due (open_due, id),
  ADD KEY ix_tickets_unit_open_due (unit_id, open_due, id);
