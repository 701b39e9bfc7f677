"""The statistics are exact: every figure the catch-up job keeps in stats_rollup and
stats_reply_hist equals the same figure recomputed here by brute force from tickets, events and
ratings, following docs/metrics.md independently of server/stats/ (its own working-time
arithmetic on the calendar tables, its own walk of the moves). The data: the demo history (400
tickets over 90 days in every status) plus tickets taken through the edge cases over the API
(returned then answered elsewhere, transferred, extended, unsatisfied and reopened then rated
again, merged, replied after their period) while the job runs."""
import collections
import datetime
import time
import unittest
import uuid

from harness import ServerTestCase, demo_secret, mint_token, wait_for

COUNTS = ["received", "dispatched", "signed", "signed_on_time", "replied", "replied_on_time", "overdue", "returned",
          "transferred", "extended", "supervised", "reopened", "rated", "satisfied", "basically_satisfied",
          "unsatisfied"]
LOCAL = datetime.timezone(datetime.timedelta(hours=8))


class Calendar:
    """Working time from the calendar tables, computed here day by day."""

    def __init__(self, db):
        self.days = dict(line.split("\t") for line in db.query("SELECT day, kind FROM calendar_days").splitlines())
        self.periods = [tuple(int(x) for x in line.split("\t"))
                        for line in db.query("SELECT start_min, end_min FROM working_periods ORDER BY start_min")
                        .splitlines()]

    def workday(self, d):
        kind = self.days.get(d.isoformat())
        return kind == "work" if kind else d.weekday() < 5

    def seconds_between(self, a, b):
        if b <= a:
            return 0
        total = 0
        day = datetime.datetime.fromtimestamp(a, LOCAL).date()
        last = datetime.datetime.fromtimestamp(b, LOCAL).date()
        while day <= last:
            if self.workday(day):
                midnight = int(datetime.datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp())
                for start, end in self.periods:
                    lo, hi = max(a, midnight + start * 60), min(b, midnight + end * 60)
                    total += max(0, hi - lo)
            day += datetime.timedelta(days=1)
        return total


def bucket(m):
    """docs/metrics.md's buckets, written out again."""
    if m <= 0:
        return 0
    edges = [(120, 1), (480, 5), (4800, 30), (28800, 480)]
    lower = base = 0
    for limit, width in edges:
        if m <= limit:
            return base + -(-(m - lower) // width)
        base += (limit - lower) // width
        lower = limit
    return 387


def bucket_upper(b):
    """The largest whole minute a bucket holds (the last bucket: 28800, "60 days or more")."""
    return max((m for m in range(0, 28801) if bucket(m) == b), default=28800)


class StatsExact(ServerTestCase):
    server_env = {"WZ_STATS_REFRESH_MS": "100", "WZ_STATS_BATCH": "37"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = cls.user_headers()
        cls.secret = demo_secret(cls.data_dir)

    def citizen(self, n):
        return {"Authorization": "Bearer " + mint_token(self.secret, n, "citizen"),
                "Idempotency-Key": uuid.uuid4().hex}

    def act(self, who, tid, action, doc=None, want=(200, 201)):
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{tid}/{action}", doc, self.users[who])
        self.assertIn(s, want, (action, b))
        return b

    def submit(self, citizen, **fields):
        doc = {"type": "complaint", "content": "小区噪音扰民"}
        doc.update(fields)
        s, _, b = self.server.json("POST", "/api/v1/messages", doc, self.citizen(citizen))
        self.assertEqual(s, 201, b)
        return b["ticket"]["id"]

    def edge_cases(self):
        # a message on the east district's account that no unit holds yet: a district evaluator
        # sees it by the account's unit (written directly, then marked as an event would mark it)
        self.db.query("INSERT INTO tickets (number, type, title, content, channel, account_id, status, received_at) "
                      "VALUES ('exact-unheld-dc', 'help', '未派', '未派单的留言', 'wechat_oa', 8, 'new', "
                      "UTC_TIMESTAMP(6) - INTERVAL 3 DAY)")
        self.db.query("INSERT INTO stats_dirty (ticket_id) SELECT id FROM tickets WHERE number = 'exact-unheld-dc'")
        # returned by 3, dispatched to 6, answered there, rated unsatisfied, reopened, answered, rated again
        a = self.submit(2001, unit_id=3)
        self.act("staff_zjj", a, "return", {"reason": "不属于本单位"})
        self.act("dispatcher", a, "dispatch", {"unit_id": 6})
        self.act("staff_dcjy", a, "sign")
        self.act("staff_dcjy", a, "replies", {"content": "已处理"})
        cz = self.citizen(2001)
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{a}/rating",
                                   {"resolved": False, "satisfaction": "unsatisfied"}, cz)
        self.assertEqual(s, 201, b)
        self.act("staff_dcjy", a, "replies", {"content": "再次处理"})
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{a}/rating",
                                   {"resolved": True, "satisfaction": "basically_satisfied"}, self.citizen(2001))
        self.assertEqual(s, 201, b)
        # transferred 3 -> 6, then extended, still open
        t = self.submit(2002, unit_id=3, type="help")
        self.act("staff_zjj", t, "transfer", {"unit_id": 6, "reason": "教育局职责"})
        self.act("staff_dcjy", t, "sign")
        ext = self.act("staff_dcjy", t, "extensions", {"days": 3, "reason": "需现场勘查"})["extension"]
        self.act("supervisor", t, f"extensions/{ext['id']}/decision", {"decision": "approve"})
        # merged into t: counted nowhere
        m = self.submit(2003, unit_id=6, type="help")
        self.act("dispatcher", m, "merge", {"primary_id": t})
        # received in an earlier period, replied now
        old = self.submit(2004, unit_id=3, type="consultation")
        self.db.query(f"UPDATE tickets SET received_at = received_at - INTERVAL 40 DAY WHERE id = {old}")
        self.db.query(f"INSERT INTO ticket_events (ticket_id, action, actor_role) VALUES ({old}, 'note', 'system')")
        self.act("staff_zjj", old, "sign")
        self.act("staff_zjj", old, "replies", {"content": "请到窗口办理"})
        # a breach: the reply limit already passed when it fires
        late = self.submit(2005, unit_id=3, type="consultation")
        self.db.query(f"UPDATE sla_timers SET fire_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE ticket_id = {late} "
                      f"AND kind = 'sign_breach'")
        wait_for(lambda: self.db.query(f"SELECT COUNT(*) FROM ticket_events WHERE ticket_id = {late} "
                                       f"AND action = 'sla_breach'").strip() == "1", 15)

    def brute_force(self):
        cal = Calendar(self.db)
        tickets = {}
        for line in self.db.query(
                "SELECT id, FLOOR(UNIX_TIMESTAMP(received_at)), COALESCE(unit_id, 0), COALESCE(account_id, 0), "
                "channel, type, COALESCE(category_id, 0), COALESCE(FLOOR(UNIX_TIMESTAMP(replied_at)), 0), "
                "dispatched_at IS NOT NULL, signed_at IS NOT NULL, COALESCE(signed_at <= sign_due_at, 0), "
                "COALESCE(replied_at <= reply_due_at, 0), extended, supervised, reopened_count, "
                "merged_into IS NOT NULL FROM tickets").splitlines():
            f = line.split("\t")
            tickets[int(f[0])] = f
        moves = collections.defaultdict(list)
        breached = set()
        for line in self.db.query("SELECT ticket_id, action, COALESCE(unit_id, 0) FROM ticket_events "
                                  "ORDER BY id").splitlines():
            tid, action, unit = line.split("\t")
            if action in ("dispatch", "transfer", "return"):
                moves[int(tid)].append((action, int(unit)))
            if action == "sla_breach":
                breached.add(int(tid))
        rating = {}
        for line in self.db.query("SELECT ticket_id, satisfaction FROM ratings ORDER BY ticket_id, round").splitlines():
            tid, sat = line.split("\t")
            rating[int(tid)] = sat  # the last round wins
        rollup = collections.defaultdict(lambda: collections.Counter())
        hist = collections.Counter()
        for tid, f in tickets.items():
            (received, unit, account, channel, typ, category, replied_at, dispatched, signed, signed_ok, replied_ok,
             extended, supervised, reopened, merged) = f[1:]
            if merged == "1":
                continue
            received, unit, replied_at = int(received), int(unit), int(replied_at)
            day = datetime.datetime.fromtimestamp(received, LOCAL).date().isoformat()
            key = lambda u: (day, u, int(account), channel, typ, int(category))  # noqa: E731
            c = rollup[key(unit)]
            held = unit > 0
            c["received"] += 1
            c["dispatched"] += held and dispatched == "1"
            c["signed"] += held and signed == "1"
            c["signed_on_time"] += held and signed == "1" and signed_ok == "1"
            c["replied"] += replied_at > 0
            c["replied_on_time"] += replied_at > 0 and replied_ok == "1"
            c["overdue"] += tid in breached
            c["extended"] += extended == "1"
            c["supervised"] += supervised == "1"
            c["reopened"] += int(reopened) > 0
            if tid in rating:
                c["rated"] += 1
                c[rating[tid]] += 1
            if replied_at > 0:
                minutes = cal.seconds_between(received, replied_at) // 60
                c["reply_count"] += 1
                c["reply_minutes"] += minutes
                hist[key(unit) + (bucket(minutes),)] += 1
            current = 0
            for action, u in moves[tid]:
                if action == "dispatch":
                    current = u
                elif action == "transfer":
                    if current:
                        rollup[key(current)]["transferred"] += 1
                    current = u
                else:
                    by = u or current
                    if by:
                        rollup[key(by)]["returned"] += 1
                    current = 0
        return ({k: {n: v for n, v in c.items() if v} for k, c in rollup.items() if any(c.values())},
                {k: v for k, v in hist.items() if v})

    def served(self):
        cols = COUNTS + ["reply_count", "reply_minutes"]
        rollup = {}
        for line in self.db.query(f"SELECT day, unit_id, account_id, channel, type, category_id, {', '.join(cols)} "
                                  "FROM stats_rollup").splitlines():
            f = line.split("\t")
            key = (f[0], int(f[1]), int(f[2]), f[3], f[4], int(f[5]))
            figures = {n: int(v) for n, v in zip(cols, f[6:]) if int(v)}
            if figures:
                rollup[key] = figures
        hist = {}
        for line in self.db.query("SELECT day, unit_id, account_id, channel, type, category_id, bucket, n "
                                  "FROM stats_reply_hist WHERE n <> 0").splitlines():
            f = line.split("\t")
            hist[(f[0], int(f[1]), int(f[2]), f[3], f[4], int(f[5]), int(f[6]))] = int(f[7])
        return rollup, hist

    def settled(self):
        return wait_for(lambda: self.db.query("SELECT COUNT(*) FROM stats_dirty").strip() == "0", 30)

    def assert_exact(self):
        self.assertTrue(self.settled(), "the job did not drain stats_dirty")
        want_rollup, want_hist = self.brute_force()
        got_rollup, got_hist = self.served()
        self.assertEqual(set(got_rollup), set(want_rollup))
        for key in want_rollup:
            self.assertEqual(got_rollup[key], want_rollup[key], key)
        self.assertEqual(got_hist, want_hist)
        # the coarse grains: the same figures summed over account, channel, type and category, by
        # (day, unit, scope unit) and (month, unit, scope unit); the scope unit is the unit, or
        # for a ticket no unit holds its account's unit
        account_unit = {int(a): int(u) for a, u in (line.split("\t") for line in self.db.query(
            "SELECT id, unit_id FROM accounts").splitlines())}
        by_unit, hist_unit = collections.defaultdict(collections.Counter), collections.Counter()
        by_month, hist_month = collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
        for key, figures in want_rollup.items():
            scope = key[1] or account_unit.get(key[2], 0)
            by_unit[(key[0], key[1], scope)].update(figures)
            by_month[(key[0][:8] + "01", key[1], scope)].update(figures)
        for key, n in want_hist.items():
            scope = key[1] or account_unit.get(key[2], 0)
            hist_unit[(key[0], key[1], scope, key[6])] += n
            hist_month[(key[0][:8] + "01", key[1], scope)][key[6]] += n
        cols = COUNTS + ["reply_count", "reply_minutes"]
        got_unit = {}
        for line in self.db.query(f"SELECT day, unit_id, scope_unit_id, {', '.join(cols)} "
                                  "FROM stats_rollup_unit").splitlines():
            f = line.split("\t")
            figures = {n: int(v) for n, v in zip(cols, f[3:]) if int(v)}
            if figures:
                got_unit[(f[0], int(f[1]), int(f[2]))] = figures
        self.assertEqual(got_unit, {k: dict(v) for k, v in by_unit.items()})
        got_hist_unit = {}
        for line in self.db.query("SELECT day, unit_id, scope_unit_id, bucket, n FROM stats_reply_hist_unit "
                                  "WHERE n <> 0").splitlines():
            f = line.split("\t")
            got_hist_unit[(f[0], int(f[1]), int(f[2]), int(f[3]))] = int(f[4])
        self.assertEqual(got_hist_unit, dict(hist_unit))
        got_month, got_hist_month = {}, {}
        for line in self.db.query(f"SELECT day, unit_id, scope_unit_id, {', '.join(cols)}, HEX(hist) "
                                  "FROM stats_rollup_unit_month").splitlines():
            f = line.split("\t")
            key = (f[0], int(f[1]), int(f[2]))
            figures = {n: int(v) for n, v in zip(cols, f[3:-1]) if int(v)}
            packed = f[-1]
            self.assertEqual(len(packed), 388 * 8, key)
            buckets = {b: int(packed[8 * b:8 * b + 8], 16) for b in range(388) if int(packed[8 * b:8 * b + 8], 16)}
            if figures:
                got_month[key] = figures
            if buckets:
                got_hist_month[key] = buckets
        self.assertEqual(got_month, {k: dict(v) for k, v in by_month.items()})
        self.assertEqual(got_hist_month, {k: dict(v) for k, v in hist_month.items() if v})
        # and per dimension: 1 account, 2 channel, 3 type, 4 category, 5 account and type
        def dim_key(dim, key):
            scope = key[1] or account_unit.get(key[2], 0)
            return (dim, key[0][:8] + "01", key[1], scope, key[2] if dim in (1, 5) else 0,
                    key[3] if dim == 2 else "", key[4] if dim in (3, 5) else "", key[5] if dim == 4 else 0)
        by_dim, hist_dim = collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
        for dim in range(1, 6):
            for key, figures in want_rollup.items():
                by_dim[dim_key(dim, key)].update(figures)
            for key, n in want_hist.items():
                hist_dim[dim_key(dim, key)][key[6]] += n
        got_dim, got_hist_dim = {}, {}
        for line in self.db.query(f"SELECT dim, day, unit_id, scope_unit_id, account_id, channel, type, category_id, "
                                  f"{', '.join(cols)}, HEX(hist) FROM stats_rollup_dim_month").splitlines():
            f = line.split("\t")
            key = (int(f[0]), f[1], int(f[2]), int(f[3]), int(f[4]), f[5], f[6], int(f[7]))
            figures = {n: int(v) for n, v in zip(cols, f[8:-1]) if int(v)}
            packed = f[-1]
            buckets = {b: int(packed[8 * b:8 * b + 8], 16) for b in range(388) if int(packed[8 * b:8 * b + 8], 16)}
            if figures:
                got_dim[key] = figures
            if buckets:
                got_hist_dim[key] = buckets
        self.assertEqual(got_dim, {k: dict(v) for k, v in by_dim.items()})
        self.assertEqual(got_hist_dim, {k: dict(v) for k, v in hist_dim.items() if v})
        self.want_hist = want_hist
        return want_rollup

    def test_rollups_equal_brute_force(self):
        # the demo history, counted once the job has caught up
        first = self.assert_exact()
        self.assertGreater(sum(c.get("received", 0) for c in first.values()), 300)
        self.assertGreater(sum(c.get("replied", 0) for c in first.values()), 50)
        # the edge cases, made while the job runs, and counted again
        self.edge_cases()
        totals = collections.Counter()
        for c in self.assert_exact().values():
            totals.update(c)
        for name in ("returned", "transferred", "extended", "reopened", "overdue", "basically_satisfied"):
            self.assertGreater(totals[name], 0, name)
        # a ticket recomputed with nothing changed leaves the figures as they are
        self.db.query("INSERT INTO stats_dirty (ticket_id) SELECT id FROM tickets ORDER BY id LIMIT 50")
        rollup = self.assert_exact()
        self.api_agrees(rollup)
        # an account moved to another unit takes its unheld tickets' scope along (the trigger
        # marks them in the moving statement; the coarse grains follow): 'exact-unheld-dc' moves
        # from the district's scope rows (5) to its education bureau's (6)
        self.db.query("UPDATE accounts SET unit_id = 6 WHERE id = 8")
        self.assert_exact()

    def api_agrees(self, rollup):
        """What evaluators read through the API and its export is the brute force's figures."""
        days = sorted({k[0] for k in rollup})
        start = days[0]
        end = (datetime.date.fromisoformat(days[-1]) + datetime.timedelta(days=1)).isoformat()
        units = collections.defaultdict(collections.Counter)
        for key, figures in rollup.items():
            units[key[1]].update(figures)
        q = f"from={start}&to={end}&group_by=unit"
        s, _, doc = self.server.json("GET", f"/api/v1/stats?{q}", None, self.users["admin"])
        self.assertEqual(s, 200, doc)
        got = {int(r["unit_id"] or 0): r for r in doc["rows"]}
        self.assertEqual(set(got), {u for u, c in units.items() if c.get("received") or c.get("returned")
                                    or c.get("transferred")})
        for unit, row in got.items():
            want = units[unit]
            for name in COUNTS:
                self.assertEqual(row[name], want.get(name, 0), (unit, name))
            self.assertEqual(row["reply_rate"],
                             want["replied"] / want["received"] if want.get("received") else None, unit)
        # every count links to its tickets: the row's drill-down plus figure=<count>
        import urllib.parse
        for unit, row in got.items():
            for name in COUNTS:
                if name in ("returned", "transferred"):  # acts at a unit, not tickets it holds
                    continue
                params = dict(row["drilldown"], figure=name, limit="200")
                listed, cursor = 0, None
                while True:
                    q2 = urllib.parse.urlencode(dict(params, **({"cursor": cursor} if cursor else {})))
                    s, _, page = self.server.json("GET", f"/api/v1/tickets?{q2}", None, self.users["admin"])
                    self.assertEqual(s, 200, page)
                    listed += len(page["items"])
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                self.assertEqual(listed, row[name], (unit, name, params))
        total = sum(c.get("received", 0) for c in units.values())
        self.assertEqual(doc["totals"]["received"], total)
        self.district_agrees(rollup, start, end, "unit,month", lambda k: (k[1], k[0][:7]),
                             lambda r: (int(r["unit_id"] or 0), r["period"]))
        self.district_agrees(rollup, start, end, "account,type", lambda k: (k[2], k[4]),
                             lambda r: (int(r["account_id"] or 0), r["type"]))
        self.district_agrees(rollup, start, end, "category&type=help", lambda k: (k[5],) if k[4] == "help" else None,
                             lambda r: (int(r["category_id"] or 0),))
        # the same figures as a spreadsheet, read back
        import io
        import openpyxl
        status, hdrs, data = self.server.request("GET", f"/api/v1/stats/export?format=xlsx&{q}", None,
                                                 self.users["admin"])
        self.assertEqual(status, 200, data[:300])
        self.assertIn("attachment", hdrs["content-disposition"])
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        col = rows[0].index("受理量")
        self.assertEqual(sum(r[col] for r in rows[1:] if r[col] is not None), total)
        status, hdrs, data = self.server.request("GET", f"/api/v1/stats/export?format=csv&{q}", None,
                                                 self.users["admin"])
        self.assertEqual(status, 200)
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        status, _, body = self.server.json("GET", f"/api/v1/stats/export?format=pdf&{q}", None,
                                           self.users["admin"])
        self.assertError(status, body, 422, "validation_failed")

    def district_agrees(self, rollup, start, end, query, want_key, got_key):
        """A district's evaluator over [start, end) (whole months from the month rows, the days
        around them from the day rows; an unheld ticket in scope by its account's unit), grouped
        as query asks: counts and first-reply medians equal the brute force's, keyed by
        want_key(brute-force key) (None: not in the answer) and got_key(row)."""
        paths = dict(line.split("\t") for line in self.db.query("SELECT id, path FROM units").splitlines())
        account_unit = dict(line.split("\t") for line in self.db.query("SELECT id, unit_id FROM accounts").splitlines())
        district = "/1/5/"
        want = collections.defaultdict(collections.Counter)
        hists = collections.defaultdict(collections.Counter)
        unheld = False
        for key, figures in rollup.items():
            scope = key[1] or int(account_unit.get(str(key[2]), 0))
            if not paths.get(str(scope), "").startswith(district) or want_key(key) is None:
                continue
            want[want_key(key)].update(figures)
            if key[1] == 0:
                unheld = True
        for key, n in self.want_hist.items():
            scope = key[1] or int(account_unit.get(str(key[2]), 0))
            if paths.get(str(scope), "").startswith(district) and want_key(key) is not None:
                hists[want_key(key)][key[6]] += n
        token = {"Authorization": "Bearer " + mint_token(self.secret, 9001, "evaluator", 5, district)}
        self.assertTrue(unheld, "no unheld ticket in the district's scope")
        s, _, doc = self.server.json("GET", f"/api/v1/stats?from={start}&to={end}&group_by={query}", None, token)
        self.assertEqual(s, 200, doc)
        got = {got_key(r): r for r in doc["rows"]}
        self.assertEqual(set(got), {k for k, c in want.items() if any(c.values())})
        for k, row in got.items():
            for name in COUNTS:
                self.assertEqual(row[name], want[k].get(name, 0), (k, name))
            h = hists[k]
            total = sum(h.values())
            if total:
                seen, need = 0, -(-total // 2)
                for b in sorted(h):
                    seen += h[b]
                    if seen >= need:
                        break
                self.assertEqual(row["first_reply_hours_median"], bucket_upper(b) / 60.0, k)
            else:
                self.assertIsNone(row["first_reply_hours_median"], k)


if __name__ == "__main__":
    unittest.main()
