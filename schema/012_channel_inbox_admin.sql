-- 012: the channel inbox for operators (GET /api/v1/channel-inbox, server/admin/channel_inbox.c).
-- The list is newest first and paged by id; its common filters each get an index that yields
-- the rows already in id order, so a page reads a page's worth of rows whatever the table's size:
-- the rows set aside (outcome 'failed', rare among millions processed) and one account's rows.
-- (pending rows use ix_inbox_pending from 008; one ticket's rows ix_inbox_ticket, which InnoDB
-- orders by id within a ticket.)
ALTER TABLE channel_inbox
  ADD KEY ix_inbox_outcome (outcome, id),
  ADD KEY ix_inbox_account (account_id, id);
