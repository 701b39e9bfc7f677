"""GET /stats, /stats/ranking and /stats/accounts/health against a real MariaDB. The rollup rows
are written here with SQL, in 2031 (far from the demo history, so the catch-up job never touches
these days), and the answers are checked exactly: rows, totals, the roll-up (a parent is its
children summed; totals count each ticket once), null rates, every grouping and two-level
combinations, scope (an evaluator of a district, staff of a unit, 404 outside, 403 citizens),
ranking ties, the accounts' verdicts, 422s, and that drill-downs list exactly the tickets behind
a row through GET /tickets."""
import datetime
import os
import unittest
import urllib.parse

from harness import ROOT, ServerTestCase, demo_secret, mint_token, wait_for

COUNTS = ["received", "dispatched", "signed", "signed_on_time", "replied", "replied_on_time", "overdue",
          "returned", "transferred", "extended", "supervised", "reopened", "rated", "satisfied",
          "basically_satisfied", "unsatisfied"]
RATES = ["reply_rate", "on_time_reply_rate", "on_time_sign_rate", "satisfaction_rate"]
HOURS = ["first_reply_hours_avg", "first_reply_hours_median", "first_reply_hours_p90"]
PERIOD = "from=2031-03-01&to=2031-05-01"

# (day, unit, account, channel, type, category, counts..., reply_count, reply_minutes)
ROWS = {
    "A": ("2031-03-31", 3, 6, "wechat_oa", "complaint", 2,
          dict(received=2, dispatched=2, signed=2, signed_on_time=1, replied=2, replied_on_time=1, rated=2,
               satisfied=1, basically_satisfied=1), 2, 300),
    "B": ("2031-04-01", 3, 6, "wechat_oa", "consultation", 2, dict(received=1, dispatched=1), 0, 0),
    "C": ("2031-04-02", 6, 9, "toutiao", "complaint", 4,
          dict(received=4, dispatched=4, signed=4, signed_on_time=4, replied=4, replied_on_time=4, overdue=0),
          4, 480),
    "D": ("2031-04-03", 7, 8, "wechat_oa", "help", 0,
          dict(received=2, dispatched=2, replied=1, rated=1, unsatisfied=1, overdue=1), 1, 60),
    "E": ("2031-04-03", 5, 8, "wechat_oa", "help", 0, dict(returned=1), 0, 0),
    "F": ("2031-04-05", 0, 8, "wechat_oa", "help", 0, dict(received=1), 0, 0),
    "G": ("2031-04-07", 0, 1, "weibo", "help", 0, dict(received=1), 0, 0),
    "H": ("2031-04-04", 9, 11, "app", "suggestion", 5,
          dict(received=3, dispatched=3, replied=3, rated=1, satisfied=1), 3, 180),
}
HIST = [("A", 60, 1), ("A", 145, 1), ("C", 120, 4), ("D", 60, 1), ("H", 60, 3)]


def figures(*names):
    out = {k: 0 for k in COUNTS}
    rc = rm = 0
    for n in names:
        for k, v in ROWS[n][6].items():
            out[k] += v
        rc += ROWS[n][7]
        rm += ROWS[n][8]
    return out, rc, rm


def local_midnight_utc(date):
    """The UTC 'YYYY-MM-DD HH:MM:SS' of a Beijing date's midnight."""
    d = datetime.datetime.fromisoformat(date) - datetime.timedelta(hours=8)
    return d.strftime("%Y-%m-%d %H:%M:%S")


class StatsApi(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = cls.user_headers()
        secret = demo_secret(cls.data_dir)
        cls.district_eval = {"Authorization": "Bearer " + mint_token(secret, 9001, "evaluator", 5, "/1/5/")}
        cls.citizen = {"Authorization": "Bearer " + mint_token(secret, 1001, "citizen", 0, "")}
        # the job first rebuilds the demo history's figures (migration 012 marks every ticket):
        # bulk inserts beside its writes would deadlock on the month rows' gap locks
        assert wait_for(lambda: cls.db.query("SELECT COUNT(*) FROM stats_dirty").strip() == "0", 60)
        values = []
        for day, unit, account, channel, typ, cat, counts, rc, rm in ROWS.values():
            cols = ", ".join(str(counts.get(k, 0)) for k in COUNTS)
            values.append(f"('{day}', {unit}, {account}, '{channel}', '{typ}', {cat}, {cols}, {rc}, {rm})")
        cls.db.query("INSERT INTO stats_rollup (day, unit_id, account_id, channel, type, category_id, "
                     + ", ".join(COUNTS) + ", reply_count, reply_minutes) VALUES " + ", ".join(values))
        hist = []
        for name, bucket, n in HIST:
            day, unit, account, channel, typ, cat = ROWS[name][:6]
            hist.append(f"('{day}', {unit}, {account}, '{channel}', '{typ}', {cat}, {bucket}, {n})")
        cls.db.query("INSERT INTO stats_reply_hist (day, unit_id, account_id, channel, type, category_id, bucket, n) "
                     "VALUES " + ", ".join(hist))
        # the coarse grains the job keeps beside them, summed the way the bench does it
        coarse = open(os.path.join(ROOT, "ops", "bench", "stats-coarse.sql")).read()
        cls.db.query("SET @since = '2031-01-01';\n" + coarse)
        # the tickets behind unit 3's rows, at the local-midnight edges, a merged duplicate, and one
        # just before the period: written directly (no events, so the catch-up job leaves them)
        tickets = [("s-mar-first", local_midnight_utc("2031-03-31"), None),
                   ("s-mar-last", "2031-03-31 15:59:59.999999", None),
                   ("s-apr-first", "2031-03-31 16:00:00", None),
                   ("s-feb-last", "2031-02-28 15:59:59", None)]
        for number, at, _ in tickets:
            cls.db.query("INSERT INTO tickets (number, type, category_id, title, content, channel, account_id, "
                         "status, unit_id, received_at, dispatched_at) VALUES "
                         f"('{number}', 'complaint', 2, '统计', '统计', 'wechat_oa', 6, 'replied', 3, '{at}', '{at}')")
        cls.db.query("INSERT INTO tickets (number, type, category_id, title, content, channel, account_id, status, "
                     "unit_id, received_at, merged_into, close_reason) SELECT 's-mar-dup', 'complaint', 2, '统计', "
                     "'统计', 'wechat_oa', 6, 'closed', 3, '2031-03-31 03:00:00', id, 'merged' FROM tickets "
                     "WHERE number = 's-mar-first'")
        cls.ids = dict(line.split("\t") for line in cls.db.query(
            "SELECT number, id FROM tickets WHERE number LIKE 's-%'").strip().splitlines())

    def get(self, who, path, want=200):
        status, _, body = self.server.json("GET", "/api/v1" + path, headers=who)
        self.assertEqual(status, want, body)
        return body

    def stats(self, who, query):
        return self.get(who, f"/stats?{PERIOD}&{query}")

    def assertFigures(self, row, *names):
        want, rc, rm = figures(*names)
        for k in COUNTS:
            self.assertEqual(row[k], want[k], (k, names, row))
        r = want
        self.assertEqual(row["reply_rate"], r["replied"] / r["received"] if r["received"] else None)
        self.assertEqual(row["on_time_reply_rate"], r["replied_on_time"] / r["received"] if r["received"] else None)
        self.assertEqual(row["on_time_sign_rate"], r["signed_on_time"] / r["dispatched"] if r["dispatched"] else None)
        sat = r["satisfied"] + r["basically_satisfied"]
        self.assertEqual(row["satisfaction_rate"], sat / r["rated"] if r["rated"] else None)
        self.assertEqual(row["first_reply_hours_avg"], rm / (rc * 60.0) if rc else None)

    def by(self, rows, **keys):
        found = [r for r in rows if all(r.get(k) == v for k, v in keys.items())]
        self.assertEqual(len(found), 1, (keys, rows))
        return found[0]

    # ---- rows, totals, roll-up ----

    def test_units_own_rows_and_totals(self):
        doc = self.stats(self.users["admin"], "group_by=unit")
        rows = doc["rows"]
        self.assertEqual([r["unit_id"] for r in rows], [None, "3", "5", "6", "7", "9"])
        self.assertEqual(rows[0]["unit_name"], "未派单")
        self.assertFigures(rows[0], "F", "G")
        self.assertFigures(self.by(rows, unit_id="3"), "A", "B")
        self.assertEqual(self.by(rows, unit_id="3")["unit_name"], "示范市住房和城乡建设局")
        self.assertEqual(self.by(rows, unit_id="3")["reply_rate"], 2 / 3)
        self.assertEqual(self.by(rows, unit_id="3")["first_reply_hours_median"], 1.0)
        self.assertEqual(self.by(rows, unit_id="3")["first_reply_hours_p90"], 245 / 60)
        five = self.by(rows, unit_id="5")  # a return and nothing else: every rate null
        self.assertFigures(five, "E")
        for k in RATES + HOURS:
            self.assertIsNone(five[k], k)
        self.assertFigures(doc["totals"], *ROWS)
        # of the 10 first replies, the 5th is in the 60-minute bucket, the 9th in the 120-minute one
        self.assertEqual(doc["totals"]["first_reply_hours_median"], 1.0)
        self.assertEqual(doc["totals"]["first_reply_hours_p90"], 2.0)
        self.assertEqual((doc["from"], doc["to"]), ("2031-03-01", "2031-05-01"))

    def test_rollup_sums_subtrees_and_totals_count_once(self):
        own = {r["unit_id"]: r for r in self.stats(self.users["admin"], "group_by=unit")["rows"]}
        doc = self.stats(self.users["admin"], "group_by=unit&include_descendants=true")
        rolled = {r["unit_id"]: r for r in doc["rows"]}
        self.assertEqual(list(rolled), [None, "1", "3", "5", "6", "7", "8", "9"])
        self.assertFigures(rolled["5"], "C", "D", "E")
        self.assertFigures(rolled["1"], "A", "B", "C", "D", "E", "H")
        self.assertFigures(rolled["8"], "H")
        for k in COUNTS:  # a parent is itself plus its children summed
            self.assertEqual(rolled["5"][k], own["5"][k] + own["6"][k] + own["7"][k], k)
            self.assertEqual(rolled["1"][k], rolled["3"][k] + rolled["5"][k] + rolled["8"][k], k)
        self.assertEqual(rolled["5"]["first_reply_hours_median"], 2.0)
        self.assertFigures(doc["totals"], *ROWS)  # each ticket once, not once per level
        self.assertEqual(rolled["5"]["drilldown"]["include_descendants"], "true")

    def test_every_key_alone(self):
        admin = self.users["admin"]
        rows = self.stats(admin, "group_by=account")["rows"]
        self.assertEqual([r["account_id"] for r in rows], ["1", "6", "8", "9", "11"])
        self.assertEqual(self.by(rows, account_id="6")["account_name"], "示范住建")
        self.assertFigures(self.by(rows, account_id="8"), "D", "E", "F")
        rows = self.stats(admin, "group_by=channel")["rows"]
        self.assertEqual([r["channel"] for r in rows], ["app", "toutiao", "wechat_oa", "weibo"])
        self.assertFigures(self.by(rows, channel="wechat_oa"), "A", "B", "D", "E", "F")
        rows = self.stats(admin, "group_by=type")["rows"]
        self.assertFigures(self.by(rows, type="help"), "D", "E", "F", "G")
        self.assertFigures(self.by(rows, type="complaint"), "A", "C")
        rows = self.stats(admin, "group_by=category")["rows"]
        self.assertEqual([r["category_id"] for r in rows], [None, "2", "4", "5"])
        self.assertIsNone(rows[0]["category_name"])
        self.assertEqual(self.by(rows, category_id="2")["category_name"], "住房保障")
        self.assertFigures(rows[0], "D", "E", "F", "G")
        self.assertEqual(rows[0]["drilldown"]["category_id"], "none")
        rows = self.stats(admin, "group_by=day")["rows"]
        self.assertEqual([r["period"] for r in rows],
                         ["2031-03-31", "2031-04-01", "2031-04-02", "2031-04-03", "2031-04-04", "2031-04-05",
                          "2031-04-07"])
        self.assertFigures(self.by(rows, period="2031-04-03"), "D", "E")
        rows = self.stats(admin, "group_by=week")["rows"]
        weeks = {}
        for name, row in ROWS.items():
            y, w, _ = datetime.date.fromisoformat(row[0]).isocalendar()
            weeks.setdefault(f"{y}-W{w:02d}", []).append(name)
        self.assertEqual([r["period"] for r in rows], ["2031-W14", "2031-W15"])
        self.assertEqual(sorted(weeks), ["2031-W14", "2031-W15"])
        for key, names in weeks.items():
            self.assertFigures(self.by(rows, period=key), *names)
        rows = self.stats(admin, "group_by=month")["rows"]
        self.assertEqual([r["period"] for r in rows], ["2031-03", "2031-04"])
        self.assertFigures(rows[0], "A")
        self.assertFigures(rows[1], "B", "C", "D", "E", "F", "G", "H")

    def test_two_level_groupings_and_filters(self):
        admin = self.users["admin"]
        rows = self.stats(admin, "group_by=unit,month")["rows"]
        self.assertFigures(self.by(rows, unit_id="3", period="2031-03"), "A")
        self.assertFigures(self.by(rows, unit_id="3", period="2031-04"), "B")
        self.assertEqual(len(rows), 7)
        rows = self.stats(admin, "group_by=account,type")["rows"]
        self.assertFigures(self.by(rows, account_id="6", type="complaint"), "A")
        self.assertFigures(self.by(rows, account_id="6", type="consultation"), "B")
        self.assertFigures(self.by(rows, account_id="8", type="help"), "D", "E", "F")
        self.assertEqual(len(rows), 6)
        doc = self.stats(admin, "group_by=type&channel=wechat_oa&unit_id=5&include_descendants=true")
        self.assertFigures(doc["totals"], "D", "E")
        self.assertEqual(doc["totals"]["drilldown"]["unit_id"], "5")
        doc = self.stats(admin, "group_by=channel&unit_id=5")
        self.assertFigures(doc["totals"], "E")
        doc = self.stats(admin, "group_by=day&account_id=6&type=complaint")
        self.assertFigures(doc["totals"], "A")
        self.assertEqual(doc["rows"][0]["drilldown"]["account_id"], "6")
        doc = self.get(admin, "/stats?from=2031-04-01&to=2031-04-03&group_by=week")
        self.assertFigures(doc["totals"], "B", "C")  # the range cuts the week
        self.assertEqual(doc["rows"][0]["drilldown"]["received_from"], "2031-04-01T00:00:00+08:00")
        self.assertEqual(doc["rows"][0]["drilldown"]["received_to"], "2031-04-03T00:00:00+08:00")

    # ---- scope ----

    def test_scope(self):
        doc = self.stats(self.district_eval, "group_by=unit")
        self.assertEqual([r["unit_id"] for r in doc["rows"]], [None, "5", "6", "7"])
        self.assertFigures(doc["rows"][0], "F")  # unassigned through the district's own account only
        self.assertFigures(doc["totals"], "C", "D", "E", "F")
        doc = self.stats(self.district_eval, "group_by=unit&include_descendants=true")
        self.assertEqual([r["unit_id"] for r in doc["rows"]], [None, "5", "6", "7"])
        self.assertFigures(doc["totals"], "C", "D", "E", "F")
        self.assertEqual(self.get(self.district_eval, f"/stats?{PERIOD}&unit_id=3", 404)["error"]["field"],
                         "unit_id")
        self.get(self.district_eval, f"/stats?{PERIOD}&unit_id=7&group_by=type")
        staff = self.users["staff_zjj"]
        doc = self.stats(staff, "group_by=unit")
        self.assertEqual([r["unit_id"] for r in doc["rows"]], ["3"])
        self.assertFigures(doc["totals"], "A", "B")
        doc = self.stats(staff, "group_by=account")
        self.assertEqual([r["account_id"] for r in doc["rows"]], ["6"])
        self.get(staff, f"/stats?{PERIOD}&unit_id=5", 404)
        self.get(staff, f"/stats?{PERIOD}&unit_id=3")
        self.get(staff, f"/stats?{PERIOD}&unit_id=999999", 404)
        for path in ("/stats?" + PERIOD, "/stats/ranking?metric=received&" + PERIOD, "/stats/accounts/health"):
            status, _, body = self.server.json("GET", "/api/v1" + path, headers=self.citizen)
            self.assertError(status, body, 403, "forbidden")
        status, _, body = self.server.json("GET", "/api/v1/stats?" + PERIOD)
        self.assertEqual(status, 401, body)

    # ---- drill-down ----

    def tickets(self, who, params):
        return self.get(who, "/tickets?" + urllib.parse.urlencode(dict(params, limit="200")))["items"]

    def test_drilldown_lists_exactly_the_rows_tickets(self):
        admin = self.users["admin"]
        rows = self.stats(admin, "group_by=unit,month")["rows"]
        march = self.by(rows, unit_id="3", period="2031-03")["drilldown"]
        self.assertEqual(march, {"unit_id": "3", "received_from": "2031-03-01T00:00:00+08:00",
                                 "received_to": "2031-04-01T00:00:00+08:00", "merged": "false"})
        got = sorted(t["id"] for t in self.tickets(admin, march))
        self.assertEqual(got, sorted([self.ids["s-mar-first"], self.ids["s-mar-last"]]))
        april = self.by(rows, unit_id="3", period="2031-04")["drilldown"]
        self.assertEqual([t["id"] for t in self.tickets(admin, april)], [self.ids["s-apr-first"]])
        # without merged=false the duplicate is listed too: the parameter matters
        dup = dict(march)
        del dup["merged"]
        self.assertIn(self.ids["s-mar-dup"], [t["id"] for t in self.tickets(admin, dup)])
        # every drill-down of every grouping is a query GET /tickets accepts
        for group in ("unit", "unit&include_descendants=true", "account", "channel", "type", "category", "day",
                      "week", "month", "unit,month", "account,type"):
            doc = self.stats(admin, "group_by=" + group)
            for row in doc["rows"] + [doc["totals"]]:
                self.tickets(admin, row["drilldown"])
        rolled = self.by(self.stats(admin, "group_by=unit&include_descendants=true")["rows"], unit_id="1")
        self.assertEqual(sorted(t["id"] for t in self.tickets(admin, rolled["drilldown"])),
                         sorted(self.ids[n] for n in ("s-mar-first", "s-mar-last", "s-apr-first")))
        # for a district evaluator, scope holds in the list too
        self.assertEqual(self.tickets(self.district_eval, march), [])

    # ---- ranking ----

    def test_ranking(self):
        admin = self.users["admin"]
        doc = self.get(admin, f"/stats/ranking?metric=satisfaction_rate&{PERIOD}")
        self.assertEqual(doc["better"], "higher")
        got = [(i["unit_id"], i["rank"]) for i in doc["items"]]
        # 3, 8 and 9 all 1.0 (a tie shares rank 1), the city 3/4, 5 and 7 both 0; no ratings: unranked
        self.assertEqual(got, [("3", 1), ("8", 1), ("9", 1), ("1", 4), ("5", 5), ("7", 5),
                               ("2", None), ("4", None), ("6", None), ("10", None)])
        self.assertEqual(doc["items"][3]["value"], 0.75)
        self.assertEqual(doc["items"][3]["rated"], 4)
        self.assertIsNone(doc["items"][6]["value"])
        doc = self.get(admin, f"/stats/ranking?metric=received&{PERIOD}&level=2")
        self.assertEqual([(i["unit_id"], i["rank"], i["value"]) for i in doc["items"]],
                         [("6", 1, 4), ("9", 2, 3), ("7", 3, 2), ("10", 4, 0)])
        self.assertTrue(all(i["level"] == 2 for i in doc["items"]))
        doc = self.get(admin, f"/stats/ranking?metric=overdue&{PERIOD}&level=1")
        self.assertEqual(doc["better"], "lower")
        self.assertEqual([(i["unit_id"], i["rank"]) for i in doc["items"]],
                         [("2", 1), ("3", 1), ("4", 1), ("8", 1), ("5", 5)])
        doc = self.get(self.district_eval, f"/stats/ranking?metric=reply_rate&{PERIOD}")
        self.assertEqual([(i["unit_id"], i["rank"]) for i in doc["items"]], [("6", 1), ("5", 2), ("7", 3)])
        self.assertEqual(doc["items"][1]["value"], 5 / 6)

    # ---- accounts' health ----

    def test_accounts_health(self):
        doc = self.get(self.users["admin"], f"/stats/accounts/health?{PERIOD}")
        self.assertEqual((doc["from"], doc["to"], doc["reply_rate_floor"]), ("2031-03-01", "2031-05-01", 0.5))
        facts = {}
        for line in self.db.query(
                "SELECT a.id, a.status, COALESCE(TIMESTAMPDIFF(SECOND, a.last_post_at, UTC_TIMESTAMP()), -1), "
                "(SELECT COUNT(*) FROM tickets t WHERE t.account_id = a.id AND t.status IN "
                "('new', 'dispatched', 'accepted', 'waiting_citizen') AND t.promised_reply_at < UTC_TIMESTAMP(6)) "
                "FROM accounts a").strip().splitlines():
            aid, status, since, overdue = line.split("\t")
            facts[aid] = (status, int(since), int(overdue))
        items = {i["account_id"]: i for i in doc["items"]}
        self.assertEqual(set(items), set(facts))
        for aid, (status, since, overdue) in facts.items():
            item = items[aid]
            received = sum(r[6].get("received", 0) for r in ROWS.values() if str(r[2]) == aid)
            replied = sum(r[6].get("replied", 0) for r in ROWS.values() if str(r[2]) == aid)
            on_time = sum(r[6].get("replied_on_time", 0) for r in ROWS.values() if str(r[2]) == aid)
            self.assertEqual((item["received"], item["replied"], item["replied_on_time"]), (received, replied, on_time))
            self.assertEqual(item["reply_rate"], replied / received if received else None)
            self.assertEqual(item["on_time_reply_rate"], on_time / received if received else None)
            reasons = []
            if status == "active":
                if since < 0 or since > 14 * 86400:
                    reasons.append("silent")
                if overdue:
                    reasons.append("overdue_messages")
                if received and replied / received < 0.5:
                    reasons.append("low_reply_rate")
            self.assertEqual(item["reasons"], reasons, item)
            self.assertEqual(item["verdict"], "exempt" if status != "active" else "fail" if reasons else "pass")
        self.assertIn("silent", items["6"]["reasons"])  # last posted 20 days ago
        self.assertIn("low_reply_rate", items["8"]["reasons"])  # 1 of 3
        self.assertEqual(items["11"]["verdict"], "exempt")  # suspended
        mine = self.get(self.district_eval, f"/stats/accounts/health?{PERIOD}")
        self.assertEqual([i["account_id"] for i in mine["items"]], ["8", "9"])
        mine = self.get(self.users["staff_zjj"], "/stats/accounts/health")
        self.assertEqual([i["account_id"] for i in mine["items"]], ["6"])
        today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()
        self.assertEqual(mine["to"], (today + datetime.timedelta(days=1)).isoformat())
        self.assertEqual(mine["from"], (today - datetime.timedelta(days=29)).isoformat())

    # ---- bad input ----

    def test_422s(self):
        admin = self.users["admin"]
        cases = [("/stats?to=2031-05-01", "from"), ("/stats?from=2031-05-01", "to"),
                 ("/stats?from=2031-05-01&to=2031-04-01", "to"), ("/stats?from=2031-02-29&to=2031-04-01", "from"),
                 ("/stats?from=2027-01-01&to=2031-04-01", "to"), (f"/stats?{PERIOD}&group_by=unit,day,type", "group_by"),
                 (f"/stats?{PERIOD}&group_by=zone", "group_by"), (f"/stats?{PERIOD}&unit_id=abc", "unit_id"),
                 (f"/stats?{PERIOD}&channel=fax", "channel"), (f"/stats?{PERIOD}&include_descendants=1",
                                                                "include_descendants"),
                 (f"/stats/ranking?{PERIOD}", "metric"), (f"/stats/ranking?metric=speed&{PERIOD}", "metric"),
                 (f"/stats/ranking?metric=received&{PERIOD}&level=0", "level"),
                 ("/stats/ranking?metric=received&from=2031-03-01", "to"),
                 ("/stats/accounts/health?from=2031-03-01", "to"),
                 ("/stats/accounts/health?from=2031-03-01&to=x", "to"),
                 ("/tickets?include_descendants=true", "include_descendants"),
                 ("/tickets?merged=maybe", "merged"), ("/tickets?unit_id=none", "unit_id")]
        for path, field in cases:
            status, _, body = self.server.json("GET", "/api/v1" + path, headers=admin)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], field, path)


if __name__ == "__main__":
    unittest.main()
