"""The admin resources through HTTP against a real MariaDB: units (with the materialised path
kept right when a unit moves), accounts (secrets sealed, never returned), categories, routing
rules (a new rule routes the next ticket), SLA policies (a change moves the next deadline) and
the working calendar (a new holiday moves the next deadline, on this server at once and on
another server through the revision poll); roles and the answers to bad input."""
import time
import unittest
import uuid

from harness import wait_for
from test_tickets import TicketsBase

MONDAY_10 = "2026-11-23T10:00:00+08:00"


class AdminBase(TicketsBase):
    def ok(self, who, method, path, doc=None, want=200):
        status, _, body = self.call(who, method, path, doc)
        self.assertEqual(status, want, body)
        return body

    def deadline(self, at, **fields):
        """Submits a consultation straight to unit 3 at a pinned time; its reply deadline."""
        doc = {"type": "consultation", "content": "请问住房公积金怎么提取？", "unit_id": 3}
        doc.update(fields)
        status, _, body = self.call(1001, "POST", "/messages", doc,
                                    {"X-Wz-Debug-Now": at, "Idempotency-Key": uuid.uuid4().hex})
        self.assertEqual(status, 201, body)
        return body["ticket"]["reply_due_at"]


class Roles(AdminBase):
    def test_writes_are_for_admins_only(self):
        for who in ("staff_zjj", "dispatcher", "supervisor", "evaluator", 1001):
            for method, path, doc in [("POST", "/units", {"code": "x", "name": "x", "kind": "other"}),
                                      ("PATCH", "/accounts/1", {"name": "x"}),
                                      ("DELETE", "/categories/12", None),
                                      ("POST", "/routing-rules", {"priority": 1, "kind": "region"}),
                                      ("PATCH", "/sla-policies/1", {"reply_days": 2}),
                                      ("PUT", "/calendar/days/2026-12-01", {"kind": "off"}),
                                      ("PUT", "/calendar/working-periods", {"periods": []})]:
                status, _, body = self.call(who, method, path, doc)
                self.assertError(status, body, 403, "forbidden")

    def test_who_reads_what(self):
        for who in ("staff_zjj", "evaluator", 1001):
            self.assertEqual(len(self.ok(who, "GET", "/units")["items"]), 10)
            self.assertEqual(len(self.ok(who, "GET", "/categories")["items"]), 12)
            self.assertGreaterEqual(len(self.ok(who, "GET", "/accounts")["items"]), 11)
            self.assertIn("2026-10-01", [d["date"] for d in self.ok(who, "GET", "/calendar?year=2026")["days"]])
        for who in ("dispatcher", "supervisor", "admin"):
            self.assertEqual(len(self.ok(who, "GET", "/routing-rules")["items"]), 12)
        for who in ("staff_zjj", "evaluator", 1001):
            status, _, body = self.call(who, "GET", "/routing-rules")
            self.assertError(status, body, 403, "forbidden")
        status, _, body = self.call(1001, "GET", "/sla-policies")
        self.assertError(status, body, 403, "forbidden")
        self.assertEqual(len(self.ok("staff_zjj", "GET", "/sla-policies")["items"]), 12)
        status, _, body = self.server.json("GET", "/api/v1/units")
        self.assertError(status, body, 401, "unauthenticated")

    def test_methods_that_do_not_exist(self):
        status, _, body = self.call("admin", "POST", "/sla-policies", {"type": "help"})
        self.assertError(status, body, 405, "method_not_allowed")
        status, _, body = self.call("admin", "DELETE", "/sla-policies/1")
        self.assertError(status, body, 405, "method_not_allowed")


class Units(AdminBase):
    def create(self, **fields):
        doc = {"code": "u-" + uuid.uuid4().hex[:8], "name": "测试单位", "kind": "department"}
        doc.update(fields)
        return self.ok("admin", "POST", "/units", doc, 201)["unit"]

    def test_create_read_update_delete(self):
        u = self.create(parent_id="5", region="东城区", requires_review=True)
        self.assertEqual(u["parent_id"], "5")
        self.assertEqual(u["path"], f"/1/5/{u['id']}/")
        self.assertEqual((u["requires_review"], u["accepts_direct"], u["region"]), (True, True, "东城区"))
        self.assertRegex(u["created_at"], r"\+08:00$")
        got = self.ok("admin", "GET", f"/units/{u['id']}")["unit"]
        self.assertEqual(got, u)
        root = self.create(parent_id=None, kind="government")
        self.assertEqual(root["path"], f"/{root['id']}/")
        changed = self.ok("admin", "PATCH", f"/units/{u['id']}", {"name": "改名后的单位", "accepts_direct": False})["unit"]
        self.assertEqual((changed["name"], changed["accepts_direct"], changed["path"]),
                         ("改名后的单位", False, u["path"]))
        self.assertEqual(self.ok("admin", "DELETE", f"/units/{u['id']}", want=204), None)
        actions = self.db.query(f"SELECT action FROM audit_log WHERE target_type = 'units' AND target_id = '{u['id']}' "
                                "ORDER BY id").split()
        self.assertEqual(actions, ["units.create", "units.update", "units.delete"])
        status, _, body = self.call("admin", "GET", f"/units/{u['id']}")
        self.assertError(status, body, 404, "not_found")
        status, _, body = self.call("admin", "DELETE", f"/units/{u['id']}")
        self.assertError(status, body, 404, "not_found")
        status, _, body = self.call("admin", "PATCH", "/units/999999", {"name": "x"})
        self.assertError(status, body, 404, "not_found")

    def test_bad_input(self):
        for doc, field in [({"code": "demo-city", "name": "x", "kind": "other"}, "code"),
                           ({"code": "z1", "name": "x", "kind": "village"}, "kind"),
                           ({"code": "z2", "name": "", "kind": "other"}, "name"),
                           ({"code": "z3", "name": "   ", "kind": "other"}, "name"),
                           ({"code": "z4", "kind": "other"}, "name"),
                           ({"code": "z5", "name": "x", "kind": "other", "path": "/9/"}, "path"),
                           ({"code": "z6", "name": "x", "kind": "other", "colour": "red"}, "colour"),
                           ({"code": "z7", "name": "x", "kind": "other", "parent_id": 999999}, "parent_id"),
                           ({"code": "z8", "name": "x", "kind": "other", "parent_id": "abc"}, "parent_id"),
                           ({"code": "z9", "name": "x", "kind": "other", "requires_review": "yes"},
                            "requires_review"),
                           ({"code": "z10", "name": "x" * 201, "kind": "other"}, "name")]:
            status, _, body = self.call("admin", "POST", "/units", doc)
            want = (409, "conflict") if field == "code" else (422, "validation_failed")
            self.assertError(status, body, *want)
            self.assertEqual(body["error"].get("field"), field, doc)
        status, _, body = self.call("admin", "POST", "/units", [1, 2])
        self.assertError(status, body, 422, "validation_failed")

    def test_moving_a_unit_moves_its_subtree_and_the_scope_follows(self):
        child = self.create(parent_id="7", kind="other")
        self.assertEqual(child["path"], f"/1/5/7/{child['id']}/")
        # a ticket of the child unit: in the 东城区 dispatcher's scope, not yet in 西城区's
        tid = self.submit(unit_id=int(child["id"]))["id"]
        dongcheng = mint_dispatcher(self, 5, "/1/5/")
        xicheng = mint_dispatcher(self, 8, "/1/8/")
        self.assertIn(tid, self.list_ids(dongcheng))
        self.assertNotIn(tid, self.list_ids(xicheng))
        moved = self.ok("admin", "PATCH", "/units/7", {"parent_id": "8"})["unit"]
        self.assertEqual((moved["parent_id"], moved["path"]), ("8", "/1/8/7/"))
        self.assertEqual(self.ok("admin", "GET", f"/units/{child['id']}")["unit"]["path"],
                         f"/1/8/7/{child['id']}/")
        self.assertIn(tid, self.list_ids(xicheng))
        self.assertNotIn(tid, self.list_ids(dongcheng))
        # becomes a root, then goes back
        self.assertEqual(self.ok("admin", "PATCH", "/units/7", {"parent_id": None})["unit"]["path"], "/7/")
        self.assertEqual(self.ok("admin", "GET", f"/units/{child['id']}")["unit"]["path"], f"/7/{child['id']}/")
        self.assertEqual(self.ok("admin", "PATCH", "/units/7", {"parent_id": 5})["unit"]["path"], "/1/5/7/")
        paths = dict(line.split("\t") for line in self.db.query("SELECT id, path FROM units").split("\n") if line)
        self.assertEqual(paths[child["id"]], f"/1/5/7/{child['id']}/")
        self.assertEqual(paths["10"], "/1/8/10/")  # untouched

    def test_no_cycles(self):
        child = self.create(parent_id="6", kind="other")
        for parent, why in [("5", "itself"), ("6", "itself"), (child["id"], "itself")]:
            status, _, body = self.call("admin", "PATCH", "/units/5", {"parent_id": parent})
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], "parent_id")
        self.assertEqual(self.ok("admin", "GET", "/units/5")["unit"]["path"], "/1/5/")

    def test_a_unit_in_use_is_not_deleted(self):
        for uid in ("1", "3"):  # sub-units, users, accounts, tickets
            status, _, body = self.call("admin", "DELETE", f"/units/{uid}")
            self.assertError(status, body, 409, "conflict")
        self.assertEqual(len(self.ok("admin", "GET", "/units")["items"]), self.count("units"))

    def count(self, table):
        return int(self.db.query(f"SELECT COUNT(*) FROM {table}").strip())

    def list_ids(self, token):
        status, _, body = self.call(token, "GET", "/tickets?limit=100")
        self.assertEqual(status, 200, body)
        return [t["id"] for t in body["items"]]


def mint_dispatcher(case, unit, path):
    from harness import mint_token
    return mint_token(case.secret, 90000 + unit, "dispatcher", unit, path)


class Accounts(AdminBase):
    def test_secrets_are_sealed_and_never_returned(self):
        secrets = {"token": "wx-token-123", "encoding_aes_key": "k" * 43, "app_secret": "s3cr3t-value"}
        a = self.ok("admin", "POST", "/accounts",
                    {"unit_id": "3", "platform": "wechat_oa", "name": "住建服务号",
                     "platform_account_id": "gh_test_" + uuid.uuid4().hex[:6], "secrets": secrets}, 201)["account"]
        self.assertTrue(a["has_secrets"])
        self.assertNotIn("secrets", a)
        self.assertEqual((a["status"], a["unit_id"], a["unit_name"], a["last_post_at"]),
                         ("active", "3", "示范市住房和城乡建设局", None))
        raw = self.db.query(f"SELECT HEX(secret_box), LENGTH(secret_box) FROM accounts WHERE id = {a['id']}").split()
        plain_len = len('{"app_secret":"s3cr3t-value","encoding_aes_key":"' + "k" * 43 + '","token":"wx-token-123"}')
        self.assertEqual(int(raw[1]), plain_len + 40)  # nonce + MAC
        for v in secrets.values():
            self.assertNotIn(v.encode().hex().upper(), raw[0])
        for path in (f"/accounts/{a['id']}", "/accounts"):
            self.assertNotIn("wx-token-123", str(self.ok("admin", "GET", path)))
        # the other fields change without touching the secrets; null removes them
        b = self.ok("admin", "PATCH", f"/accounts/{a['id']}", {"status": "suspended"})["account"]
        self.assertEqual((b["status"], b["has_secrets"]), ("suspended", True))
        self.assertEqual(self.db.query(f"SELECT HEX(secret_box) FROM accounts WHERE id = {a['id']}").strip(), raw[0])
        c = self.ok("admin", "PATCH", f"/accounts/{a['id']}", {"secrets": None})["account"]
        self.assertFalse(c["has_secrets"])
        # every change is audited, with the caller and what was asked, never the secrets
        rows = self.db.query("SELECT action, actor_role, JSON_EXTRACT(payload, '$.secrets') FROM audit_log "
                             f"WHERE target_type = 'accounts' AND target_id = '{a['id']}' ORDER BY id").splitlines()
        self.assertEqual(rows, ['accounts.create\tadmin\t"(replaced)"', 'accounts.update\tadmin\tNULL',
                                'accounts.update\tadmin\t"(removed)"'])
        self.assertNotIn("wx-token-123", self.db.query("SELECT payload FROM audit_log"))

    def test_bad_input(self):
        base = {"unit_id": "3", "platform": "weibo", "name": "x", "platform_account_id": "weibo_new"}
        for change, want, field in [
                ({"platform_account_id": "weibo_demo_city"}, (409, "conflict"), "platform_account_id"),
                ({"unit_id": "999999"}, (422, "validation_failed"), "unit_id"),
                ({"platform": "myspace"}, (422, "validation_failed"), "platform"),
                ({"status": "deleted"}, (422, "validation_failed"), "status"),
                ({"secrets": "token"}, (422, "validation_failed"), "secrets"),
                ({"secrets": {}}, (422, "validation_failed"), "secrets"),
                ({"secrets": {"Bad-Name": "x"}}, (422, "validation_failed"), "secrets"),
                ({"secrets": {"token": 5}}, (422, "validation_failed"), "secrets"),
                ({"secrets": {"token": "x" * 513}}, (422, "validation_failed"), "secrets"),
                ({"last_post_at": "2099-01-01T00:00:00Z"}, (422, "validation_failed"), "last_post_at"),
                ({"last_post_at": "yesterday"}, (422, "validation_failed"), "last_post_at")]:
            doc = dict(base, **change)
            status, _, body = self.call("admin", "POST", "/accounts", doc)
            self.assertError(status, body, *want)
            self.assertEqual(body["error"].get("field"), field, change)
        status, _, body = self.call("admin", "PATCH", "/accounts/2", {"platform": "douyin"})
        self.assertError(status, body, 422, "validation_failed")
        self.assertIn("cannot be changed", body["error"]["message"])

    def test_filters(self):
        items = self.ok("staff_zjj", "GET", "/accounts?platform=weibo")["items"]
        self.assertEqual({a["id"] for a in items}, {"2", "10"})
        items = self.ok("staff_zjj", "GET", "/accounts?unit_id=1&platform=web")["items"]
        self.assertEqual([a["id"] for a in items], ["4"])
        self.assertEqual([a["id"] for a in self.ok("admin", "GET", "/accounts?status=suspended")["items"]], ["11"])
        for q, field in (("platform=fax", "platform"), ("status=gone", "status"), ("unit_id=x", "unit_id")):
            status, _, body = self.call("admin", "GET", "/accounts?" + q)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], field)

    def test_health(self):
        """Silent for 14 days, and messages waiting past the promised date, per the inspection
        norms; an admin who checked an account by hand records its last post."""
        items = {a["account_id"]: a for a in self.ok("admin", "GET", "/accounts/health")["items"]}
        self.assertEqual(len(items), self.count("accounts"))
        self.assertTrue(items["6"]["silent"])          # last post 20 days ago (demo seed)
        self.assertEqual(items["6"]["days_since_post"], 20)
        self.assertFalse(items["1"]["silent"])         # yesterday
        self.assertTrue(items["4"]["silent"])          # never
        self.assertIsNone(items["4"]["last_post_at"])
        self.assertFalse(items["11"]["silent"])        # suspended accounts are not flagged
        t = self.submit(account_id=6, content="住建公众号留言：小区外墙脱落")
        self.db.query(f"UPDATE tickets SET promised_reply_at = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR WHERE id = {t['id']}")
        h = {a["account_id"]: a for a in self.ok("admin", "GET", "/accounts/health")["items"]}["6"]
        self.assertGreaterEqual(h["waiting_tickets"], 1)
        self.assertGreaterEqual(h["overdue_tickets"], 1)
        self.assertRegex(h["oldest_waiting_at"], r"\+08:00$")
        # the admin checked the account: it posted an hour ago
        import datetime
        an_hour_ago = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).isoformat()
        self.assertEqual(self.ok("admin", "PATCH", "/accounts/6", {"last_post_at": an_hour_ago})["account"]["last_post_at"][:13],
                         (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))) -
                          datetime.timedelta(hours=1)).isoformat()[:13])
        h = {a["account_id"]: a for a in self.ok("admin", "GET", "/accounts/health")["items"]}["6"]
        self.assertEqual((h["silent"], h["days_since_post"]), (False, 0))
        flagged = self.ok("admin", "GET", "/accounts/health?stale=true")["items"]
        stale = [a["account_id"] for a in flagged]
        self.assertIn("4", stale)
        self.assertIn("6", stale)  # still has an overdue message
        self.assertTrue(all(a["silent"] or a["overdue_tickets"] > 0 for a in flagged))
        self.assertNotIn("11", stale)  # suspended, nothing waiting
        # scope: the housing bureau's staff see their own unit's accounts only
        mine = [a["account_id"] for a in self.ok("staff_zjj", "GET", "/accounts/health")["items"]]
        self.assertEqual(mine, ["6"])
        status, _, body = self.call(1001, "GET", "/accounts/health")
        self.assertError(status, body, 403, "forbidden")
        status, _, body = self.call("admin", "GET", "/accounts/health?stale=maybe")
        self.assertError(status, body, 422, "validation_failed")

    def count(self, table):
        return int(self.db.query(f"SELECT COUNT(*) FROM {table}").strip())

    def test_an_account_in_use_is_not_deleted(self):
        status, _, body = self.call("admin", "DELETE", "/accounts/6")  # a routing rule names it
        self.assertError(status, body, 409, "conflict")
        self.assertIn("routing rules", body["error"]["message"])
        status, _, body = self.call("admin", "DELETE", "/accounts/3")  # tickets came through it
        self.assertError(status, body, 409, "conflict")
        a = self.ok("admin", "POST", "/accounts", {"unit_id": 4, "platform": "other", "name": "临时",
                                                   "platform_account_id": "tmp-1"}, 201)["account"]
        self.ok("admin", "DELETE", f"/accounts/{a['id']}", want=204)


class Categories(AdminBase):
    def test_tree(self):
        c = self.ok("admin", "POST", "/categories", {"parent_id": "1", "code": "heating", "name": "供暖"}, 201)
        c = c["category"]
        self.assertEqual((c["parent_id"], c["name"]), ("1", "供暖"))
        d = self.ok("admin", "POST", "/categories", {"parent_id": c["id"], "code": "heating-fee", "name": "供暖费"},
                    201)["category"]
        for parent in (d["id"], c["id"]):
            status, _, body = self.call("admin", "PATCH", f"/categories/{c['id']}", {"parent_id": parent})
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], "parent_id")
        status, _, body = self.call("admin", "PATCH", "/categories/1", {"parent_id": d["id"]})
        self.assertError(status, body, 422, "validation_failed")
        status, _, body = self.call("admin", "POST", "/categories", {"parent_id": 999999, "code": "q", "name": "q"})
        self.assertError(status, body, 422, "validation_failed")
        moved = self.ok("admin", "PATCH", f"/categories/{c['id']}", {"parent_id": None})["category"]
        self.assertIsNone(moved["parent_id"])
        status, _, body = self.call("admin", "POST", "/categories", {"code": "heating", "name": "重复"})
        self.assertError(status, body, 409, "conflict")
        status, _, body = self.call("admin", "DELETE", f"/categories/{c['id']}")  # has a child
        self.assertError(status, body, 409, "conflict")
        self.ok("admin", "DELETE", f"/categories/{d['id']}", want=204)
        self.ok("admin", "DELETE", f"/categories/{c['id']}", want=204)
        status, _, body = self.call("admin", "DELETE", "/categories/2")  # a routing rule names it
        self.assertError(status, body, 409, "conflict")


class RoutingRules(AdminBase):
    def test_a_new_rule_routes_the_next_ticket(self):
        t = self.submit(content="路口的红绿灯坏了，请尽快修理")
        self.assertEqual(t["status"], "new")
        rule = self.ok("admin", "POST", "/routing-rules",
                       {"priority": 5, "kind": "keyword", "keywords": "红绿灯|信号灯", "unit_id": "8"}, 201)["rule"]
        self.assertEqual((rule["kind"], rule["keywords"], rule["unit_id"], rule["enabled"], rule["account_id"]),
                         ("keyword", "红绿灯|信号灯", "8", True, None))
        t = self.submit(content="路口的红绿灯坏了，请尽快修理")
        self.assertEqual((t["status"], t["unit_id"]), ("dispatched", "8"))
        self.ok("admin", "PATCH", f"/routing-rules/{rule['id']}", {"enabled": False})
        self.assertEqual(self.submit(content="信号灯不亮")["status"], "new")
        self.ok("admin", "PATCH", f"/routing-rules/{rule['id']}", {"enabled": True, "keywords": "信号灯"})
        self.assertEqual(self.submit(content="信号灯不亮")["unit_id"], "8")
        # an account rule: null unit_id means the account's own unit
        acc = self.ok("admin", "POST", "/routing-rules", {"priority": 1, "kind": "account", "account_id": 3},
                      201)["rule"]
        self.assertEqual((acc["account_id"], acc["unit_id"], acc["keywords"]), ("3", None, None))
        self.assertEqual(self.submit(content="随便问问")["unit_id"], "1")  # the mini-program's account is unit 1's
        self.ok("admin", "DELETE", f"/routing-rules/{acc['id']}", want=204)
        self.assertEqual(self.submit(content="随便问问")["status"], "new")
        ids = [r["id"] for r in self.ok("dispatcher", "GET", "/routing-rules")["items"]]
        self.assertEqual(ids[0], rule["id"])  # priority order

    def test_bad_rules(self):
        for doc, field in [({"priority": 1, "kind": "account"}, "account_id"),
                           ({"priority": 1, "kind": "account", "account_id": 999999}, "account_id"),
                           ({"priority": 1, "kind": "category", "category_id": 2}, "unit_id"),
                           ({"priority": 1, "kind": "category", "category_id": 999999, "unit_id": 3}, "category_id"),
                           ({"priority": 1, "kind": "keyword", "keywords": "物业||", "unit_id": 3}, "keywords"),
                           ({"priority": 1, "kind": "keyword", "keywords": "物业", "unit_id": 999999}, "unit_id"),
                           ({"priority": 1, "kind": "keyword", "keywords": "物业", "unit_id": 3, "region": "东城区"},
                            "region"),
                           ({"priority": 1, "kind": "region", "unit_id": 3}, "region"),
                           ({"priority": -1, "kind": "region", "region": "东城区", "unit_id": 3}, "priority"),
                           ({"priority": 1, "kind": "weather", "unit_id": 3}, "kind"),
                           ({"kind": "region", "region": "东城区", "unit_id": 3}, "priority")]:
            status, _, body = self.call("admin", "POST", "/routing-rules", doc)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"].get("field"), field, doc)
        # changing the kind needs the new kind's field
        rule = self.ok("admin", "GET", "/routing-rules/7")["rule"]
        self.assertEqual(rule["kind"], "keyword")
        status, _, body = self.call("admin", "PATCH", "/routing-rules/7", {"kind": "region"})
        self.assertError(status, body, 422, "validation_failed")
        changed = self.ok("admin", "PATCH", "/routing-rules/7", {"kind": "region", "region": "东城区"})["rule"]
        self.assertEqual((changed["kind"], changed["region"], changed["keywords"]), ("region", "东城区", None))


class SlaPolicies(AdminBase):
    def test_a_changed_policy_moves_the_next_deadline(self):
        policies = self.ok("admin", "GET", "/sla-policies")["items"]
        self.assertEqual(len(policies), 12)
        p = next(x for x in policies if (x["type"], x["priority"]) == ("consultation", "normal"))
        self.assertEqual((p["reply_days"], p["dispatch_minutes"], p["warn_ratio"]), (1, 120, 0.75))
        self.assertEqual(self.deadline(MONDAY_10), "2026-11-24T10:00:00+08:00")
        q = self.ok("admin", "PATCH", f"/sla-policies/{p['id']}", {"reply_days": 3, "warn_ratio": 0.8})["policy"]
        self.assertEqual((q["reply_days"], q["warn_ratio"], q["type"]), (3, 0.8, "consultation"))
        self.assertEqual(self.deadline(MONDAY_10), "2026-11-26T10:00:00+08:00")

    def test_bad_policies(self):
        for doc, field in [({"resolve_days": 0}, "resolve_days"),       # before the reply limit
                           ({"reply_days": 0}, "reply_days"),
                           ({"warn_ratio": 1.5}, "warn_ratio"),
                           ({"warn_ratio": 0}, "warn_ratio"),
                           ({"type": "help"}, "type"),
                           ({"dispatch_minutes": "120"}, "dispatch_minutes"),
                           ({"reply_days": 30, "resolve_days": 20}, "resolve_days")]:
            status, _, body = self.call("admin", "PATCH", "/sla-policies/2", doc)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"].get("field"), field, doc)
        self.assertEqual(self.ok("admin", "GET", "/sla-policies/2")["policy"]["reply_days"], 10)


class Calendar(AdminBase):
    server_env = {"WZ_SLA_POLL_MS": "200", "WZ_SLA_CALENDAR_REFRESH_MS": "200"}

    def test_a_new_holiday_moves_the_next_deadline(self):
        monday = "2026-11-30T10:00:00+08:00"
        self.assertEqual(self.deadline(monday), "2026-12-01T10:00:00+08:00")
        before = self.ok("staff_zjj", "GET", "/calendar?year=2026")["revision"]
        body = self.ok("admin", "PUT", "/calendar/days/2026-12-01", {"kind": "off", "name": "测试假日"})
        self.assertEqual(body["day"], {"date": "2026-12-01", "kind": "off", "name": "测试假日"})
        self.assertEqual(body["revision"], before + 1)
        self.assertEqual(self.deadline(monday), "2026-12-02T10:00:00+08:00")
        cal = self.ok("staff_zjj", "GET", "/calendar?year=2026")
        self.assertIn({"date": "2026-12-01", "kind": "off", "name": "测试假日"}, cal["days"])
        self.assertTrue(all(d["date"].startswith("2026-") for d in cal["days"]))
        self.ok("admin", "DELETE", "/calendar/days/2026-12-01", want=204)
        self.assertEqual(self.deadline(monday), "2026-12-01T10:00:00+08:00")
        status, _, body = self.call("admin", "DELETE", "/calendar/days/2026-12-01")
        self.assertError(status, body, 404, "not_found")
        # a make-up Saturday counts as a working day
        friday = "2026-12-04T16:00:00+08:00"
        self.assertEqual(self.deadline(friday), "2026-12-07T16:00:00+08:00")
        self.ok("admin", "PUT", "/calendar/days/2026-12-05", {"kind": "work", "name": "调休"})
        self.assertEqual(self.deadline(friday), "2026-12-05T16:00:00+08:00")
        self.ok("admin", "DELETE", "/calendar/days/2026-12-05", want=204)
        audit = self.db.query("SELECT action, target_id, JSON_UNQUOTE(JSON_EXTRACT(payload, '$.kind')) FROM audit_log "
                              "WHERE target_type = 'calendar' AND target_id = '2026-12-05' ORDER BY id").splitlines()
        self.assertEqual(audit, ["calendar.day_put\t2026-12-05\twork", "calendar.day_delete\t2026-12-05\tNULL"])

    def test_working_hours(self):
        cal = self.ok("admin", "GET", "/calendar")
        self.assertEqual(cal["working_periods"], [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "17:30"}])
        self.assertGreater(len(cal["days"]), 60)
        for doc in [{"periods": []},
                    {"periods": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}]},
                    {"periods": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "12:00"}]},
                    {"periods": [{"start": "09:00", "end": "09:00"}]},
                    {"periods": [{"start": "9:00", "end": "12:00"}]},
                    {"periods": [{"start": "09:00", "end": "24:30"}]},
                    {"periods": [{"start": "09:00"}]},
                    {"hours": []}]:
            status, _, body = self.call("admin", "PUT", "/calendar/working-periods", doc)
            self.assertError(status, body, 422, "validation_failed")
        monday = "2026-11-23T16:00:00+08:00"
        self.assertEqual(self.deadline(monday), "2026-11-24T16:00:00+08:00")
        body = self.ok("admin", "PUT", "/calendar/working-periods", {"periods": [{"start": "09:00", "end": "12:00"}]})
        self.assertEqual(body["working_periods"], [{"start": "09:00", "end": "12:00"}])
        # mornings only: Monday 16:00 is after hours, so the 3-hour working day runs Tuesday 09:00-12:00
        self.assertEqual(self.deadline(monday), "2026-11-24T12:00:00+08:00")
        self.ok("admin", "PUT", "/calendar/working-periods",
                {"periods": [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "17:30"}]})
        self.assertEqual(self.deadline(monday), "2026-11-24T16:00:00+08:00")

    def test_bad_days(self):
        for path, doc, want in [("/calendar/days/2026-02-30", {"kind": "off"}, (404, "not_found")),
                                ("/calendar/days/tomorrow", {"kind": "off"}, (404, "not_found")),
                                ("/calendar/days/1999-12-31", {"kind": "off"}, (422, "validation_failed")),
                                ("/calendar/days/2026-12-08", {"kind": "holiday"}, (422, "validation_failed")),
                                ("/calendar/days/2026-12-08", {"kind": "off", "name": "长" * 65},
                                 (422, "validation_failed")),
                                ("/calendar/days/2026-12-08", {"kind": "off", "when": 1}, (422, "validation_failed"))]:
            status, _, body = self.call("admin", "PUT", path, doc)
            self.assertError(status, body, *want)
        status, _, body = self.call("admin", "GET", "/calendar?year=1900")
        self.assertError(status, body, 422, "validation_failed")

    def test_a_change_made_elsewhere_arrives_through_the_revision(self):
        """Another server (here: SQL) changes the calendar and raises the revision; this server
        notices within sla.calendar_refresh_ms and computes deadlines on the new calendar."""
        monday = "2026-12-14T10:00:00+08:00"
        self.assertEqual(self.deadline(monday), "2026-12-15T10:00:00+08:00")
        self.db.query("INSERT INTO calendar_days (day, kind, name) VALUES ('2026-12-15', 'off', '别处设置'); "
                      "UPDATE config_revisions SET revision = revision + 1 WHERE name = 'calendar'")
        self.assertTrue(wait_for(lambda: self.deadline(monday) == "2026-12-16T10:00:00+08:00", timeout=10,
                                 interval=0.3))
        self.assertIn("calendar: revision", self.server.logs())


class Users(AdminBase):
    def login(self, username, password):
        return self.server.json("POST", "/api/v1/auth/login", {"username": username, "password": password})

    def test_create_grant_disable_and_sign_in(self):
        u = self.ok("admin", "POST", "/users", {"username": "new.staff", "display_name": "新办理员", "role": "staff",
                                                "unit_id": 4, "password": "a-long-secret-1"}, 201)["user"]
        self.assertEqual((u["username"], u["role"], u["unit_id"], u["unit_name"], u["disabled"]),
                         ("new.staff", "staff", "4", "示范市人力资源和社会保障局", False))
        self.assertFalse({"password", "password_hash"} & set(u))
        status, _, s = self.login("new.staff", "a-long-secret-1")
        self.assertEqual(status, 200, s)
        self.assertEqual((s["user"]["role"], s["user"]["unit_path"]), ("staff", "/1/4/"))
        # a role grant: the next refresh carries it
        g = self.ok("admin", "PATCH", f"/users/{u['id']}", {"role": "reviewer"})["user"]
        self.assertEqual((g["role"], g["unit_id"]), ("reviewer", "4"))
        status, _, r = self.server.json("POST", "/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]})
        self.assertEqual((status, r["user"]["role"]), (200, "reviewer"))
        # a new password ends the sessions and replaces the old one
        self.ok("admin", "PATCH", f"/users/{u['id']}", {"password": "another-secret-2"})
        status, _, _ = self.server.json("POST", "/api/v1/auth/refresh", {"refresh_token": r["refresh_token"]})
        self.assertEqual(status, 401)
        self.assertEqual(self.login("new.staff", "a-long-secret-1")[0], 401)
        status, _, s = self.login("new.staff", "another-secret-2")
        self.assertEqual(status, 200, s)
        # disabled: no sign-in, no refresh
        self.ok("admin", "PATCH", f"/users/{u['id']}", {"disabled": True})
        self.assertEqual(self.server.json("POST", "/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]})[0], 401)
        self.assertEqual(self.login("new.staff", "another-secret-2")[0], 401)
        payloads = self.db.query(f"SELECT action, payload FROM audit_log WHERE target_type = 'users' "
                                 f"AND target_id = '{u['id']}' ORDER BY id")
        self.assertIn('"password":"(set)"', payloads)
        self.assertNotIn("secret", payloads)
        self.assertEqual([line.split("\t")[0] for line in payloads.splitlines()],
                         ["users.create", "users.update", "users.update", "users.update"])

    def test_bad_users(self):
        base = {"username": "someone", "role": "staff", "unit_id": 3, "password": "a-long-secret-1"}
        for change, want, field in [({"password": "short"}, 422, "password"),
                                    ({"password": "xxsomeone-xx"}, 422, "password"),
                                    ({"password": None}, 422, "password"),
                                    ({"unit_id": None}, 422, "unit_id"),
                                    ({"unit_id": 999999}, 422, "unit_id"),
                                    ({"username": "staff_zjj"}, 409, "username"),
                                    ({"username": "has space"}, 422, "username"),
                                    ({"role": "citizen"}, 422, "role"),
                                    ({"password_hash": "$argon2id$"}, 422, "password_hash")]:
            doc = {k: v for k, v in dict(base, **change).items() if v is not None}
            status, _, body = self.call("admin", "POST", "/users", doc)
            self.assertEqual(status, want, (change, body))
            self.assertEqual(body["error"].get("field"), field, change)
        admin_id = self.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        for change, field in [({"role": "staff", "unit_id": 1}, "role"), ({"disabled": True}, "disabled")]:
            status, _, body = self.call("admin", "PATCH", f"/users/{admin_id}", change)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], field)
        status, _, body = self.call("admin", "PATCH", f"/users/{admin_id}", {"username": "root"})
        self.assertError(status, body, 422, "validation_failed")
        self.assertEqual(self.ok("admin", "PATCH", f"/users/{admin_id}", {"display_name": "管理员"})["user"]["role"],
                         "admin")
        admin = self.ok("admin", "POST", "/users", {"username": "second_admin", "role": "admin",
                                                   "password": "a-long-secret-9"}, 201)["user"]
        self.assertIsNone(admin["unit_id"])  # an admin needs no unit

    def test_who_reads_and_filters(self):
        for who in ("dispatcher", "supervisor", "staff_zjj"):
            status, _, body = self.call(who, "GET", "/users")
            self.assertError(status, body, 403, "forbidden")
        reviewers = self.ok("admin", "GET", "/users?role=reviewer")["items"]
        self.assertLessEqual({"reviewer_zjj", "reviewer_rsj", "reviewer_dcjy"}, {u["username"] for u in reviewers})
        self.assertEqual({u["role"] for u in reviewers}, {"reviewer"})
        self.assertEqual({u["username"] for u in self.ok("admin", "GET", "/users?unit_id=3&role=staff")["items"]},
                         {"staff_zjj"})
        self.assertTrue(all("password_hash" not in u for u in self.ok("admin", "GET", "/users")["items"]))
        status, _, body = self.call("admin", "GET", "/users?role=citizen")
        self.assertError(status, body, 422, "validation_failed")


class AuditLog(AdminBase):
    def test_listing_filters_and_pages(self):
        for i in range(3):
            self.ok("admin", "POST", "/categories", {"code": f"audit-{i}", "name": f"审计{i}"}, 201)
        items = self.ok("admin", "GET", "/audit-log?action=categories.create")["items"]
        self.assertEqual(len(items), 3)
        newest = items[0]
        self.assertEqual((newest["action"], newest["actor_role"], newest["target_type"], newest["payload"]["code"]),
                         ("categories.create", "admin", "categories", "audit-2"))
        self.assertRegex(newest["created_at"], r"\+08:00$")
        self.assertTrue(newest["client_ip"])
        ids = [int(x["id"]) for x in items]
        self.assertEqual(ids, sorted(ids, reverse=True))
        # paging: one at a time, newest first, until the end
        seen, cursor = [], None
        while True:
            q = "/audit-log?action=categories.create&limit=1" + (f"&cursor={cursor}" if cursor else "")
            page = self.ok("admin", "GET", q)
            seen += [x["id"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, [x["id"] for x in items])
        one = self.ok("admin", "GET", f"/audit-log?target_type=categories&target_id={newest['target_id']}")["items"]
        self.assertEqual([x["id"] for x in one], [newest["id"]])
        self.assertEqual(self.ok("admin", "GET", "/audit-log?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")["items"],
                         [])
        for q, field in (("from=yesterday", "from"), ("limit=500", "limit"), ("actor_id=x", "actor_id"),
                         ("cursor=-1", "cursor")):
            status, _, body = self.call("admin", "GET", "/audit-log?" + q)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], field)
        for who in ("supervisor", "evaluator", "staff_zjj", 1001):
            status, _, body = self.call(who, "GET", "/audit-log")
            self.assertError(status, body, 403, "forbidden")


if __name__ == "__main__":
    unittest.main()
