"""The demo seed's ticket history: a few hundred tickets over the last 90 days in every status,
whose numbers, events, replies, ratings, timers and lights hang together as the live code would
have written them; seeded once; and the server starts on top of it."""
import re
import shutil
import tempfile
import time
import unittest

from harness import Database, Server, base_env, run_cli

STATUSES = ["new", "dispatched", "accepted", "waiting_citizen", "replied", "closed"]
OPEN = "('new','dispatched','accepted','waiting_citizen','replied')"
ACTIONS = {"receive", "dispatch", "sign", "reply", "review_approve", "review_send_back", "return", "transfer",
           "extension_request", "extension_decide", "supervise", "request_info", "follow_up", "rate", "close",
           "merge", "sla_warning", "sla_breach"}
# the timers each open status may keep (the timer engine discards the others)
TIMERS = {"new": {"dispatch_warn", "dispatch_breach"},
          "dispatched": {"sign_warn", "sign_breach", "reply_warn", "reply_breach"},
          "accepted": {"reply_warn", "reply_breach"},
          "waiting_citizen": {"info_timeout"},
          "replied": {"auto_close"}}


class DemoHistory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database()
        cls.data_dir = tempfile.mkdtemp(prefix="wz-data-")
        cls.env = base_env(cls.db, cls.data_dir)
        r = run_cli(["migrate"], cls.env)
        if r.returncode != 0:
            raise RuntimeError(f"migrate failed: {r.stderr}")
        cls.before = int(cls.db.query("SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP(6))").strip().split(".")[0])
        started = time.monotonic()
        r = run_cli(["seed-demo"], cls.env)
        cls.seed_seconds = time.monotonic() - started
        if r.returncode != 0:
            raise RuntimeError(f"seed-demo failed: {r.stderr}")
        cls.seed_log = r.stderr
        cls.after = int(cls.db.query("SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP(6))").strip().split(".")[0]) + 1

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()
        shutil.rmtree(cls.data_dir, ignore_errors=True)

    def rows(self, q):
        return [line.split("\t") for line in self.db.query(q).splitlines() if line]

    def scalar(self, q):
        return int(self.db.query(q).strip())

    def assertNone(self, q, what):
        rows = self.rows(q)
        self.assertEqual(rows, [], f"{what}: {rows[:5]}")

    def test_volume_spread_and_statuses(self):
        self.assertIn("historical tickets", self.seed_log)
        self.assertGreaterEqual(self.scalar("SELECT COUNT(*) FROM tickets"), 300)
        self.assertNone(f"SELECT id, received_at FROM tickets WHERE received_at < FROM_UNIXTIME({self.before}) - "
                        f"INTERVAL 90 DAY OR received_at > FROM_UNIXTIME({self.after})", "received outside 90 days")
        counts = dict(self.rows("SELECT status, COUNT(*) FROM tickets GROUP BY status"))
        for s in STATUSES:
            self.assertGreater(int(counts.get(s, 0)), 0, f"no ticket is {s}: {counts}")
        self.assertGreater(int(counts["closed"]) * 2, sum(int(v) for v in counts.values()), "closed is the majority")
        # received at plausible local hours, older ones mostly closed
        self.assertNone("SELECT id, received_at FROM tickets WHERE "
                        "HOUR(CONVERT_TZ(received_at, '+00:00', '+08:00')) BETWEEN 1 AND 5", "received at night")
        old_open = self.scalar(f"SELECT COUNT(*) FROM tickets WHERE status IN {OPEN} "
                               f"AND received_at < FROM_UNIXTIME({self.before}) - INTERVAL 45 DAY")
        self.assertLess(old_open, 10)
        # the side paths are all there
        for what, q in [("reopened", "reopened_count = 1"), ("returned", "returned_count > 0"),
                        ("transferred", "transferred_count > 0"), ("extended", "extended = 1"),
                        ("supervised", "supervised = 1"), ("merged", "close_reason = 'merged'"),
                        ("auto-closed", "close_reason = 'no_rating'"), ("late reply", "replied_at > reply_due_at"),
                        ("red", "sla_light = 'red'"), ("phone in content", "content REGEXP '1[3-9][0-9]{9}'")]:
            self.assertGreater(self.scalar(f"SELECT COUNT(*) FROM tickets WHERE {q}"), 0, what)
        self.assertLess(self.scalar(f"SELECT COUNT(*) FROM tickets WHERE replied_at > reply_due_at") * 3,
                        self.scalar("SELECT COUNT(*) FROM tickets WHERE replied_at IS NOT NULL"),
                        "most replies are on time")

    def test_numbers_and_counters(self):
        numbers = self.db.query("SELECT number FROM tickets").split()
        self.assertEqual(len(numbers), len(set(numbers)))
        for n in numbers:
            self.assertRegex(n, r"^WZ\d{14}$")
        # the number's date is the local date of receipt; sequences follow time within a day
        self.assertNone("SELECT id, number FROM tickets WHERE SUBSTRING(number, 3, 8) <> "
                        "DATE_FORMAT(CONVERT_TZ(received_at, '+00:00', '+08:00'), '%Y%m%d')", "number date")
        self.assertNone("SELECT a.id FROM tickets a JOIN tickets b ON LEFT(a.number, 10) = LEFT(b.number, 10) "
                        "AND a.number < b.number AND a.received_at > b.received_at", "sequence out of time order")
        # live intake continues after the demo's numbers
        self.assertNone("SELECT d.day, d.maxseq, c.seq FROM (SELECT STR_TO_DATE(SUBSTRING(number, 3, 8), '%Y%m%d') day, "
                        "MAX(CAST(SUBSTRING(number, 11) AS UNSIGNED)) maxseq FROM tickets GROUP BY day) d "
                        "LEFT JOIN ticket_counters c ON c.day = d.day WHERE c.seq IS NULL OR c.seq < d.maxseq",
                        "counter behind the numbers")

    def test_events(self):
        actions = {a for a, in self.rows("SELECT DISTINCT action FROM ticket_events")}
        self.assertEqual(actions, ACTIONS)
        self.assertNone("SELECT t.id FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e "
                        "WHERE e.ticket_id = t.id AND e.action = 'receive' AND e.to_status = 'new' "
                        "AND e.created_at = t.received_at AND e.id = (SELECT MIN(id) FROM ticket_events "
                        "WHERE ticket_id = t.id))", "no receive event first")
        self.assertNone("SELECT ticket_id, id FROM (SELECT ticket_id, id, created_at, LAG(created_at) OVER "
                        "(PARTITION BY ticket_id ORDER BY id) prev FROM ticket_events) x WHERE created_at < prev",
                        "events out of order")
        self.assertNone(f"SELECT ticket_id, id FROM ticket_events WHERE created_at > FROM_UNIXTIME({self.after})",
                        "an event in the future")
        # actions name the status before and after (the same when it stays); timers and the primary's
        # side of a merge name none
        self.assertNone("SELECT id, action FROM ticket_events WHERE (from_status IS NULL OR to_status IS NULL) AND "
                        "action NOT IN ('receive', 'sla_warning', 'sla_breach', 'merge')", "action without statuses")
        # the last status change leads to the ticket's status
        self.assertNone("SELECT t.id, t.status, e.to_status FROM tickets t JOIN ticket_events e ON e.id = "
                        "(SELECT MAX(id) FROM ticket_events WHERE ticket_id = t.id AND to_status IS NOT NULL) "
                        "WHERE e.to_status <> t.status", "status and events disagree")
        # status changes chain: each from_status is the previous to_status
        self.assertNone("SELECT ticket_id, id FROM (SELECT ticket_id, id, from_status, LAG(to_status) OVER "
                        "(PARTITION BY ticket_id ORDER BY id) prev FROM ticket_events WHERE to_status IS NOT NULL) x "
                        "WHERE prev IS NOT NULL AND from_status <> prev", "broken status chain")
        # payload shapes the live code writes
        for action, keys in [("dispatch", None), ("reply", ["reply_id", "pending_review"]),
                             ("review_approve", ["reply_id", "comment"]), ("return", ["reason"]),
                             ("transfer", ["from_unit", "to_unit", "reason"]),
                             ("extension_request", ["extension_id", "days", "reason"]),
                             ("extension_decide", ["extension_id", "decision", "comment"]), ("supervise", ["note"]),
                             ("request_info", ["question", "message_id"]), ("follow_up", ["message_id"]),
                             ("rate", ["satisfaction", "resolved", "reopened", "rating_id"]),
                             ("close", None), ("merge", None),
                             ("sla_warning", ["timer"]), ("sla_breach", ["timer"])]:
            if keys is None:
                alternatives = {"dispatch": ["unit_id", "routing_rule", "direct"], "close": ["reason", "timer"],
                                "merge": ["primary_id", "duplicate_id"]}[action]
                cond = "NOT (" + " OR ".join(f"JSON_EXISTS(payload, '$.{k}')" for k in alternatives) + ")"
            else:
                cond = "NOT (" + " AND ".join(f"JSON_EXISTS(payload, '$.{k}')" for k in keys) + ")"
            self.assertNone(f"SELECT id, payload FROM ticket_events WHERE action = '{action}' AND {cond}", action)
        # references in payloads point at this ticket's rows
        self.assertNone("SELECT e.id FROM ticket_events e LEFT JOIN replies r ON r.id = "
                        "JSON_VALUE(e.payload, '$.reply_id') AND r.ticket_id = e.ticket_id "
                        "WHERE e.action IN ('reply', 'review_approve', 'review_send_back') AND r.id IS NULL", "reply_id")
        self.assertNone("SELECT e.id FROM ticket_events e LEFT JOIN ticket_messages m ON m.id = "
                        "JSON_VALUE(e.payload, '$.message_id') AND m.ticket_id = e.ticket_id "
                        "WHERE e.action = 'follow_up' AND m.id IS NULL", "message_id")
        self.assertNone("SELECT e.id FROM ticket_events e LEFT JOIN ratings g ON g.id = "
                        "JSON_VALUE(e.payload, '$.rating_id') AND g.ticket_id = e.ticket_id "
                        "WHERE e.action = 'rate' AND g.id IS NULL", "rating_id")
        self.assertNone("SELECT e.id FROM ticket_events e LEFT JOIN extensions x ON x.id = "
                        "JSON_VALUE(e.payload, '$.extension_id') AND x.ticket_id = e.ticket_id "
                        "WHERE e.action LIKE 'extension%' AND x.id IS NULL", "extension_id")
        # people act in their roles; the system acts as nobody
        self.assertNone("SELECT e.id, e.actor_role, u.role FROM ticket_events e JOIN users u ON u.id = e.actor_id "
                        "WHERE e.actor_role <> u.role", "actor role")
        self.assertNone("SELECT id FROM ticket_events WHERE actor_role IN ('system', 'citizen') AND actor_id IS NOT NULL",
                        "system actor")
        # a unit's people act on their unit's tickets (a transfer names the unit it goes to)
        self.assertNone("SELECT e.id FROM ticket_events e JOIN users u ON u.id = e.actor_id WHERE u.role IN "
                        "('staff', 'reviewer') AND u.unit_id <> IF(e.action = 'transfer', "
                        "JSON_VALUE(e.payload, '$.from_unit'), e.unit_id)", "staff of another unit")
        # a merge is written on both tickets
        self.assertNone("SELECT t.id FROM tickets t WHERE t.close_reason = 'merged' AND NOT EXISTS (SELECT 1 FROM "
                        "ticket_events e WHERE e.ticket_id = t.merged_into AND e.action = 'merge' "
                        "AND JSON_VALUE(e.payload, '$.duplicate_id') = t.id)", "merge on the primary")

    def test_closed_replied_rated(self):
        self.assertNone("SELECT id FROM tickets WHERE status = 'closed' AND closed_at IS NULL", "closed without closed_at")
        self.assertNone("SELECT id FROM tickets WHERE status <> 'closed' AND (closed_at IS NOT NULL OR close_reason <> '')",
                        "open with closed_at")
        self.assertNone("SELECT t.id FROM tickets t WHERE (t.status = 'replied' OR (t.status = 'closed' AND "
                        "t.replied_at IS NOT NULL)) AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.ticket_id = t.id "
                        "AND r.status = 'published' AND r.published_at = t.replied_at AND r.unit_id = t.unit_id)",
                        "replied without a published reply")
        self.assertNone("SELECT r.id, u.role, r.unit_id FROM replies r JOIN users u ON u.id = r.author_id "
                        "WHERE NOT (u.role = 'staff' AND u.unit_id = r.unit_id OR u.role = 'admin')", "reply author")
        self.assertNone("SELECT r.id FROM replies r JOIN units n ON n.id = r.unit_id WHERE r.status = 'published' "
                        "AND (n.requires_review = 1) <> (r.reviewer_id IS NOT NULL)", "三审 reviewer")
        self.assertNone("SELECT g.id, g.unit_id FROM ratings g WHERE g.unit_id IS NULL OR g.unit_id <> (SELECT r.unit_id "
                        "FROM replies r WHERE r.ticket_id = g.ticket_id AND r.status = 'published' "
                        "AND r.published_at < g.created_at ORDER BY r.published_at DESC LIMIT 1)", "rating unit")
        self.assertNone("SELECT t.id FROM tickets t WHERE t.reopened_count = 1 AND NOT EXISTS (SELECT 1 FROM ratings g "
                        "WHERE g.ticket_id = t.id AND g.round = 1 AND g.satisfaction = 'unsatisfied')", "reopen")
        sat = dict(self.rows("SELECT satisfaction, COUNT(*) FROM ratings WHERE round = 1 GROUP BY satisfaction"))
        total = sum(int(v) for v in sat.values())
        self.assertGreater(int(sat["satisfied"]) / total, 0.55)
        self.assertGreater(int(sat["unsatisfied"]), 0)
        self.assertNone("SELECT t.id FROM tickets t JOIN tickets p ON p.id = t.merged_into WHERE t.close_reason <> 'merged' "
                        "OR p.id >= t.id OR p.merged_into IS NOT NULL", "merge")
        self.assertNone("SELECT t.id FROM tickets t WHERE t.extended = 1 AND t.extended_days <> (SELECT SUM(days) "
                        "FROM extensions x WHERE x.ticket_id = t.id AND x.status = 'approved')", "extended days")
        self.assertNone("SELECT t.id FROM tickets t WHERE t.status = 'waiting_citizen' AND (t.paused_at IS NULL OR "
                        "NOT EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.kind = 'request_info'))",
                        "waiting without a question")
        self.assertNone("SELECT t.id FROM tickets t WHERE (SELECT m.kind FROM ticket_messages m WHERE m.ticket_id = t.id "
                        "ORDER BY m.id LIMIT 1) <> 'message'", "first message")
        self.assertNone("SELECT id FROM tickets WHERE citizen_id IS NOT NULL OR contact_raw IS NOT NULL OR "
                        "(contact_masked <> '' AND contact_masked NOT REGEXP '^1[0-9]{2}[*]{4}[0-9]{4}$')", "contact")
        self.assertNone("SELECT t.id FROM tickets t JOIN accounts a ON a.id = t.account_id WHERE a.platform <> t.channel",
                        "channel")

    def test_timers_and_lights(self):
        start = f"FROM_UNIXTIME({self.before})"
        self.assertNone(f"SELECT t.id, s.kind FROM sla_timers s JOIN tickets t ON t.id = s.ticket_id "
                        f"WHERE t.status = 'closed' OR s.fire_at <= {start}", "timer of a closed ticket or in the past")
        for status, kinds in TIMERS.items():
            found = {k for k, in self.rows(f"SELECT DISTINCT s.kind FROM sla_timers s JOIN tickets t ON t.id = s.ticket_id "
                                           f"WHERE t.status = '{status}'")}
            self.assertLessEqual(found, kinds, status)
        self.assertNone("SELECT t.id FROM tickets t JOIN sla_timers s ON s.ticket_id = t.id AND s.kind = 'reply_breach' "
                        "WHERE s.fire_at <> t.reply_due_at", "reply_breach timer at the reply deadline")
        # a deadline passed before the seed means red; red means some deadline passed by its end
        end = f"FROM_UNIXTIME({self.after})"
        self.assertNone(f"SELECT id FROM tickets WHERE sla_light <> 'red' AND ("
                        f"(status = 'new' AND dispatch_due_at <= {start}) OR "
                        f"(status = 'dispatched' AND (sign_due_at <= {start} OR reply_due_at <= {start})) OR "
                        f"(status = 'accepted' AND reply_due_at <= {start}))", "overdue but not red")
        self.assertNone(f"SELECT id FROM tickets WHERE sla_light = 'red' AND ("
                        f"(status = 'new' AND dispatch_due_at > {end}) OR "
                        f"(status = 'dispatched' AND sign_due_at > {end} AND reply_due_at > {end}) OR "
                        f"(status = 'accepted' AND reply_due_at > {end}))", "red but not overdue")
        self.assertNone("SELECT t.id FROM tickets t WHERE t.sla_light = 'red' AND t.supervised = 0", "red unsupervised")
        self.assertNone("SELECT t.id FROM tickets t WHERE t.replied_at > t.reply_due_at AND NOT EXISTS (SELECT 1 FROM "
                        "ticket_events e WHERE e.ticket_id = t.id AND e.action = 'sla_breach' "
                        "AND JSON_VALUE(e.payload, '$.timer') = 'reply_breach')", "late reply without a breach")
        self.assertNone("SELECT id FROM tickets WHERE promised_reply_at IS NULL OR dispatch_due_at IS NULL OR "
                        "(dispatched_at IS NOT NULL AND (sign_due_at IS NULL OR reply_due_at IS NULL OR resolve_due_at "
                        "IS NULL OR reply_due_at <= dispatched_at))", "deadlines")

    def test_seeding_twice_adds_nothing_and_serve_starts(self):
        tickets = self.scalar("SELECT COUNT(*) FROM tickets")
        events = self.scalar("SELECT COUNT(*) FROM ticket_events")
        r = run_cli(["seed-demo"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing seeded", r.stderr)
        self.assertEqual(self.scalar("SELECT COUNT(*) FROM tickets"), tickets)
        self.assertEqual(self.scalar("SELECT COUNT(*) FROM ticket_events"), events)
        server = Server(self.env)
        try:
            status, _, _ = server.request("GET", "/readyz")
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(server.stop(), 0, server.logs()[-2000:])
        self.assertNotIn('"level":"error"', server.logs())

    def test_seed_is_fast(self):
        took = re.search(r"historical tickets in ([0-9.]+) s", self.seed_log)
        self.assertIsNotNone(took, self.seed_log)
        self.assertLess(float(took.group(1)), 3.0)


if __name__ == "__main__":
    unittest.main()
