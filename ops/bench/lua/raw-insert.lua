-- sysbench script for the intake's raw reference: each thread does single-row autocommit
-- INSERTs of a ticket-sized row into raw_tickets (CREATE TABLE ... LIKE wenzheng.tickets: the
-- same columns and secondary indexes, no foreign keys), one durable commit per event.
function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
  n = 0
  stamp = os.time()
end

function event()
  n = n + 1
  con:query(string.format([[INSERT INTO raw_tickets (number, type, category_id, title, content, channel,
    account_id, citizen_id, citizen_name, contact_masked, contact_raw, status, unit_id, priority, received_at,
    promised_reply_at, dispatch_due_at, dispatched_at, sign_due_at, reply_due_at, resolve_due_at, idempotency_key)
    VALUES ('R%d%03d%08d', 'complaint', 3, '小区门口的路灯坏了两周了，晚上出行很不方便',
    '小区门口的路灯坏了两周了，晚上出行很不方便，希望尽快修理。', 'miniprogram', 3, %d, '李四', '139****9000',
    REPEAT('x', 60), 'dispatched', 3, 'normal', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 15 DAY,
    UTC_TIMESTAMP(6) + INTERVAL 2 HOUR, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 4 HOUR,
    UTC_TIMESTAMP(6) + INTERVAL 15 DAY, UTC_TIMESTAMP(6) + INTERVAL 30 DAY, 'b-%d-%d-%d')]],
    stamp % 100000, sysbench.tid, n, 1000 + sysbench.tid, stamp, sysbench.tid, n))
end

function thread_done()
  con:disconnect()
end
