"""SLA timers: rows of sla_timers fire once each (warning, breach, auto-close) with their events
in the same transaction, also with two servers sharing one database and across a restart."""
import tempfile
import time
import unittest

from harness import Database, Server, base_env, run_cli, wait_for


def insert_ticket(db, status, n=1, number_prefix="T"):
    """Inserts n tickets in one statement; returns their ids."""
    rows = ",".join(
        f"('{number_prefix}{i:06d}', 'consultation', 'title', 'content', 'web', '{status}', 3, UTC_TIMESTAMP(6))"
        for i in range(n))
    db.query("INSERT INTO tickets (number, type, title, content, channel, status, unit_id, received_at) VALUES " + rows)
    ids = db.query(f"SELECT id FROM tickets WHERE number LIKE '{number_prefix}%' ORDER BY id").split()
    return [int(i) for i in ids]


def add_timer(db, ticket_id, kind, offset_seconds):
    db.query(f"INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES ({ticket_id}, '{kind}', "
             f"UTC_TIMESTAMP(6) + INTERVAL {offset_seconds} SECOND)")


def count(db, where_sql):
    return int(db.query(where_sql).strip())


def id_list(ids):
    """The demo seed brings tickets, timers and events of its own: count only the test's."""
    return "(" + ",".join(str(i) for i in ids) + ")"


class SlaTimers(unittest.TestCase):
    def setUp(self):
        self.db = Database()
        self.data_dir = tempfile.mkdtemp(prefix="wz-data-")
        self.env = base_env(self.db, self.data_dir, WZ_SLA_POLL_MS="200")
        for cmd in (["migrate"], ["seed-demo"]):
            r = run_cli(cmd, self.env)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                self.assertEqual(s.stop(), 0, s.logs()[-2000:])
        self.db.drop()

    def start(self, **extra):
        s = Server(dict(self.env, **extra))
        self.servers.append(s)
        return s

    def test_effects(self):
        t_sign, = insert_ticket(self.db, "dispatched", number_prefix="SIGN")
        add_timer(self.db, t_sign, "sign_warn", -5)
        add_timer(self.db, t_sign, "sign_breach", -1)
        add_timer(self.db, t_sign, "reply_warn", 3600)  # not due
        t_stale, = insert_ticket(self.db, "accepted", number_prefix="STALE")
        add_timer(self.db, t_stale, "sign_breach", -1)  # already signed: discarded without effect
        t_rated, = insert_ticket(self.db, "replied", number_prefix="RATE")
        add_timer(self.db, t_rated, "auto_close", -1)
        add_timer(self.db, t_rated, "reply_breach", 3600)
        t_wait, = insert_ticket(self.db, "waiting_citizen", number_prefix="WAIT")
        add_timer(self.db, t_wait, "reply_breach", -1)  # paused: discarded
        add_timer(self.db, t_wait, "info_timeout", -1)

        self.start()
        self.assertTrue(wait_for(lambda: count(self.db, "SELECT COUNT(*) FROM sla_timers WHERE fire_at <= UTC_TIMESTAMP(6)") == 0, 10))

        light, supervised = self.db.query(f"SELECT sla_light, supervised FROM tickets WHERE id = {t_sign}").split()
        self.assertEqual((light, supervised), ("red", "1"))
        events = self.db.query(f"SELECT action, payload FROM ticket_events WHERE ticket_id = {t_sign} ORDER BY id")
        self.assertEqual(events.splitlines(), ['sla_warning\t{"timer":"sign_warn"}', 'sla_breach\t{"timer":"sign_breach"}'])
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM outbox WHERE ticket_id = {t_sign} AND kind = 'escalation'"), 1)
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id = {t_sign}"), 1)  # reply_warn waits

        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM ticket_events WHERE ticket_id = {t_stale}"), 0)
        self.assertEqual(self.db.query(f"SELECT sla_light FROM tickets WHERE id = {t_stale}").strip(), "green")

        status, reason = self.db.query(f"SELECT status, close_reason FROM tickets WHERE id = {t_rated}").split()
        self.assertEqual((status, reason), ("closed", "no_rating"))
        self.assertEqual(self.db.query(f"SELECT action, from_status, to_status, actor_role FROM ticket_events "
                                       f"WHERE ticket_id = {t_rated}").split(), ["close", "replied", "closed", "system"])
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id = {t_rated}"), 0)

        status, reason = self.db.query(f"SELECT status, close_reason FROM tickets WHERE id = {t_wait}").split()
        self.assertEqual((status, reason), ("closed", "no_information"))
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM ticket_events WHERE ticket_id = {t_wait} "
                                        "AND action = 'sla_breach'"), 0)
        metrics = self.servers[0].request("GET", "/metrics")[2].decode()
        self.assertIn("wz_sla_timers_fired_total 4", metrics)  # sign_warn, sign_breach, auto_close, info_timeout
        self.assertIn("wz_sla_timers_discarded_total 2", metrics)

    def test_two_servers_fire_each_timer_once(self):
        ids = insert_ticket(self.db, "dispatched", n=300, number_prefix="PAR")
        values = ",".join(f"({i}, 'sign_breach', UTC_TIMESTAMP(6) + INTERVAL 2 SECOND)" for i in ids)
        self.db.query("INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES " + values)
        # small batches so the two servers really interleave
        self.start(WZ_SLA_BATCH="7")
        self.start(WZ_SLA_BATCH="7")
        mine = id_list(ids)
        self.assertTrue(wait_for(lambda: count(self.db, f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id IN {mine}") == 0, 30))
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM ticket_events WHERE action = 'sla_breach' AND ticket_id IN {mine}"), 300)
        self.assertEqual(count(self.db, "SELECT COUNT(*) FROM (SELECT ticket_id FROM ticket_events "
                                        f"WHERE action = 'sla_breach' AND ticket_id IN {mine} GROUP BY ticket_id "
                                        "HAVING COUNT(*) > 1) d"), 0)
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM outbox WHERE kind = 'escalation' AND ticket_id IN {mine}"), 300)
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM tickets WHERE sla_light = 'red' AND id IN {mine}"), 300)

    def test_restart_with_pending_timers(self):
        ids = insert_ticket(self.db, "dispatched", n=20, number_prefix="RST")
        for i in ids[:10]:
            add_timer(self.db, i, "sign_warn", 3)
        for i in ids[10:]:
            add_timer(self.db, i, "sign_warn", -1)
        mine = id_list(ids)
        timers = f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id IN {mine}"
        server = self.start()
        self.assertTrue(wait_for(lambda: count(self.db, timers) == 10, 10))
        self.assertEqual(server.stop(), 0)  # down before the other ten are due
        time.sleep(3.5)
        self.assertEqual(count(self.db, timers), 10)  # nothing fired them meanwhile
        self.start()
        self.assertTrue(wait_for(lambda: count(self.db, timers) == 0, 10))
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM ticket_events WHERE action = 'sla_warning' AND ticket_id IN {mine}"), 20)
        self.assertEqual(count(self.db, f"SELECT COUNT(DISTINCT ticket_id) FROM ticket_events WHERE action = 'sla_warning' AND ticket_id IN {mine}"), 20)

    def test_disabled_engine_fires_nothing(self):
        t, = insert_ticket(self.db, "dispatched", number_prefix="OFF")
        add_timer(self.db, t, "sign_breach", -1)
        self.start(WZ_SLA_ENABLED="false")
        time.sleep(1)
        self.assertEqual(count(self.db, f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id = {t}"), 1)


if __name__ == "__main__":
    unittest.main()
