"""Tickets through HTTP against a real MariaDB: submission and its retry, the queue, the
detail, every lifecycle action with its role and status rules, review (三审), extensions,
request for information, rating with reopening, merge, privacy, scope, and tokens."""
import time
import unittest
import urllib.parse
import uuid

from harness import ServerTestCase, demo_secret, mint_token


class TicketsBase(ServerTestCase):
    server_env = {"WZ_SLA_POLL_MS": "200"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret = demo_secret(cls.data_dir)
        rows = cls.db.query("SELECT u.username, u.id, u.role, u.unit_id, n.path FROM users u "
                            "JOIN units n ON n.id = u.unit_id").strip().splitlines()
        cls.users = {}
        for line in rows:
            name, uid, role, unit, path = line.split("\t")
            cls.users[name] = mint_token(cls.secret, uid, role, int(unit), path)
        cls.citizens = {n: mint_token(cls.secret, n, "citizen") for n in (1001, 1002)}

    def call(self, who, method, path, doc=None, headers=None):
        token = self.users.get(who) or self.citizens.get(who) or who
        h = {"Authorization": "Bearer " + token}
        h.update(headers or {})
        return self.server.json(method, "/api/v1" + path, doc, h)

    def submit(self, citizen=1001, **fields):
        doc = {"type": "consultation", "content": "请问公积金怎么提取？"}
        doc.update(fields)
        status, _, body = self.call(citizen, "POST", "/messages", doc,
                                    {"Idempotency-Key": uuid.uuid4().hex})
        self.assertEqual(status, 201, body)
        return body["ticket"]

    def act(self, who, tid, action, doc=None, want=200):
        status, _, body = self.call(who, "POST", f"/tickets/{tid}/{action}", doc)
        self.assertEqual(status, want, body)
        return body

    def events(self, tid):
        return self.db.query(f"SELECT action FROM ticket_events WHERE ticket_id = {tid} ORDER BY id").split()


class Submission(TicketsBase):
    def test_submit_directly_to_a_unit_dispatches_it(self):
        t = self.submit(unit_id=3, contact_phone="13812345678", contact_name="王先生",
                        location={"latitude": 39.9, "longitude": 116.4, "address": "东城区东华街道"})
        self.assertEqual(t["status"], "dispatched")
        self.assertEqual(t["unit_id"], "3")
        self.assertRegex(t["no"], r"^WZ\d{14}$")
        self.assertEqual(t["contact"], "138****5678")
        self.assertEqual(t["channel"], "miniprogram")
        self.assertEqual(t["account_id"], "3")  # the mini-program's own account
        for k in ("promised_reply_at", "sign_due_at", "reply_due_at", "dispatched_at"):
            self.assertRegex(t[k], r"\+08:00$", k)
        self.assertEqual(t["location"]["address"], "东城区东华街道")
        self.assertEqual(self.events(t["id"]), ["receive", "dispatch"])

    def test_routing_and_queue(self):
        t = self.submit(content="小区物业乱收停车费")
        self.assertEqual((t["status"], t["unit_id"]), ("dispatched", "3"))  # keyword rule
        t = self.submit(content="想问一下明天天气", channel="web")
        self.assertEqual((t["status"], t["unit_id"]), ("new", None))
        self.assertEqual(t["channel"], "web")

    def test_idempotency_key_returns_the_same_ticket(self):
        key = uuid.uuid4().hex
        doc = {"type": "help", "content": "路灯坏了很久"}
        s1, _, b1 = self.call(1001, "POST", "/messages", doc, {"Idempotency-Key": key})
        s2, _, b2 = self.call(1001, "POST", "/messages", doc, {"Idempotency-Key": key})
        self.assertEqual((s1, s2), (201, 200))
        self.assertEqual(b1["ticket"]["id"], b2["ticket"]["id"])
        self.assertEqual(b1["ticket"]["no"], b2["ticket"]["no"])
        n = self.db.query(f"SELECT COUNT(*) FROM tickets WHERE idempotency_key = '{key}'").strip()
        self.assertEqual(n, "1")
        # another citizen with the same key gets their own ticket
        s3, _, b3 = self.call(1002, "POST", "/messages", doc, {"Idempotency-Key": key})
        self.assertEqual(s3, 201)
        self.assertNotEqual(b3["ticket"]["id"], b1["ticket"]["id"])

    def test_no_account_named_takes_the_channels_own(self):
        self.assertEqual(self.submit(channel="miniprogram")["account_id"], "3")
        self.assertEqual(self.submit(channel="web")["account_id"], "4")
        self.assertEqual(self.submit(channel="web", account_id=6)["account_id"], "6")

    def test_validation(self):
        cases = [
            ({"type": "gossip", "content": "x"}, "type"),
            ({"type": "help", "content": "   "}, "content"),
            ({"type": "help", "content": "x" * 5001}, "content"),
            ({"type": "help", "content": "x", "unit_id": 999}, "unit_id"),
            ({"type": "help", "content": "x", "unit_id": "abc"}, "unit_id"),
            ({"type": "help", "content": "x", "category_id": 999}, "category_id"),
            ({"type": "help", "content": "x", "account_id": 11}, "account_id"),  # suspended
            ({"type": "help", "content": "x", "account_id": 99999}, "account_id"),
            ({"type": "help", "content": "x", "unit_id": 999, "account_id": 99999}, "unit_id"),  # in form order
            ({"type": "help", "content": "x", "contact_phone": "call me"}, "contact_phone"),
            ({"type": "help", "content": "x", "channel": "weibo"}, "channel"),
            ({"type": "help", "content": "x", "location": {"latitude": 91, "longitude": 0}}, "location"),
        ]
        before = self.db.query("SELECT COUNT(*) FROM tickets WHERE citizen_id = 1001").strip()
        for doc, field in cases:
            status, _, body = self.call(1001, "POST", "/messages", doc, {"Idempotency-Key": uuid.uuid4().hex})
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"].get("field"), field, doc)
        # checked in the intake's read (no round trip of its own): nothing was written
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM tickets WHERE citizen_id = 1001").strip(), before)
        status, _, body = self.call(1001, "POST", "/messages", {"type": "help", "content": "x", "extra": 1})
        self.assertError(status, body, 422, "validation_failed")
        status, _, body = self.call(1001, "POST", "/messages", {"type": "help", "content": "x"},
                                    {"Idempotency-Key": "k" * 129})
        self.assertError(status, body, 400, "bad_request")

    def test_only_citizens_submit(self):
        status, _, body = self.call("staff_zjj", "POST", "/messages", {"type": "help", "content": "x"})
        self.assertError(status, body, 403, "forbidden")


class Tokens(TicketsBase):
    def test_token_rules(self):
        now = int(time.time())
        bad = [
            "",
            "garbage",
            mint_token(self.secret, 1001, "citizen", now=now - 3600, ttl=60),  # expired
            mint_token("x" * 40, 1001, "citizen"),  # wrong key
            mint_token(self.secret, 1001, "citizen", alg="HS512"),  # wrong algorithm
            mint_token(self.secret, 1001, "citizen", typ="refresh"),
            mint_token(self.secret, 1001, "system"),
            mint_token(self.secret, 1, "staff", 3, "not-a-path"),
            mint_token(self.secret, 1001, "citizen", extra={"nbf": now + 3600}),
        ]
        for token in bad:
            status, hdrs, body = self.server.json("GET", "/api/v1/tickets", None,
                                                  {"Authorization": "Bearer " + token})
            self.assertError(status, body, 401, "unauthenticated")
            self.assertIn("www-authenticate", hdrs)
        status, _, body = self.server.json("GET", "/api/v1/tickets")
        self.assertError(status, body, 401, "unauthenticated")

    def test_authentication_comes_before_validation(self):
        status, _, body = self.server.json("POST", "/api/v1/messages", {"type": "bogus"})
        self.assertError(status, body, 401, "unauthenticated")


class Lifecycle(TicketsBase):
    def test_full_path_with_sign_reply_rate(self):
        t = self.submit(content="想问一下明天天气")  # no rule matches: the dispatch queue
        tid = t["id"]
        # only dispatchers dispatch; staff cannot see an unassigned ticket at all
        self.act("staff_zjj", tid, "dispatch", {"unit_id": 3}, want=404)
        self.act("evaluator", tid, "dispatch", {"unit_id": 3}, want=403)
        body = self.act("dispatcher", tid, "dispatch", {"unit_id": 999}, want=422)
        self.assertEqual(body["error"]["field"], "unit_id")
        t = self.act("dispatcher", tid, "dispatch", {"unit_id": "3"})["ticket"]
        self.assertEqual((t["status"], t["unit_id"]), ("dispatched", "3"))
        # invalid transitions answer 409 invalid_transition
        status, _, body = self.call("dispatcher", "POST", f"/tickets/{tid}/dispatch", {"unit_id": 4})
        self.assertError(status, body, 409, "invalid_transition")
        status, _, body = self.call("staff_zjj", "POST", f"/tickets/{tid}/replies", {"content": "答复"})
        self.assertError(status, body, 409, "invalid_transition")
        # another unit's staff do not see it
        self.act("staff_rsj", tid, "sign", want=404)
        self.act("reviewer_zjj", tid, "sign", want=403)
        t = self.act("staff_zjj", tid, "sign")["ticket"]
        self.assertEqual(t["status"], "accepted")
        self.assertIsNotNone(t["signed_at"])
        timers = sorted(self.db.query(f"SELECT kind FROM sla_timers WHERE ticket_id = {tid}").split())
        self.assertEqual(timers, ["reply_breach", "reply_warn"])
        # privacy: a reply with a phone number is refused, naming the span
        status, _, body = self.call("staff_zjj", "POST", f"/tickets/{tid}/replies",
                                    {"content": "请致电13912345678咨询"})
        self.assertError(status, body, 422, "personal_data")
        self.assertIn("13912345678", body["error"]["message"])
        self.assertIn("4-14", body["error"]["message"])
        self.assertEqual(body["error"]["field"], "content")
        status, _, body = self.call("staff_zjj", "POST", f"/tickets/{tid}/replies", {"content": "明天晴。"})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["reply"]["status"], "published")
        self.assertEqual(body["ticket"]["status"], "replied")
        # the event names the reply it published (the id comes from the same transaction)
        logged = self.db.query(f"SELECT JSON_VALUE(payload, '$.reply_id') FROM ticket_events "
                               f"WHERE ticket_id = {tid} AND action = 'reply'").strip()
        self.assertEqual(logged, body["reply"]["id"])
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM outbox WHERE ticket_id = {tid} AND kind = 'reply'")
                         .strip(), "1")
        timers = self.db.query(f"SELECT kind FROM sla_timers WHERE ticket_id = {tid}").split()
        self.assertEqual(timers, ["auto_close"])
        # only the citizen who asked rates
        self.act(1002, tid, "rating", {"resolved": True, "satisfaction": "satisfied"}, want=404)
        self.act("staff_zjj", tid, "rating", {"resolved": True, "satisfaction": "satisfied"}, want=403)
        body = self.act(1001, tid, "rating", {"resolved": True, "satisfaction": "great"}, want=422)
        body = self.act(1001, tid, "rating", {"resolved": True, "satisfaction": "satisfied", "comment": "谢谢"},
                        want=201)
        self.assertEqual(body["ticket"]["status"], "closed")
        self.assertEqual(body["rating"]["unit_id"], "3")
        self.assertEqual(self.events(tid), ["receive", "dispatch", "sign", "reply", "rate"])
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id = {tid}").strip(), "0")
        # the event records actor, role, unit and address
        row = self.db.query(f"SELECT actor_role, unit_id, client_ip FROM ticket_events WHERE ticket_id = {tid} "
                            "AND action = 'sign'").split()
        self.assertEqual(row, ["staff", "3", "127.0.0.1"])
        # the detail as the citizen sees it
        status, _, d = self.call(1001, "GET", f"/tickets/{tid}")
        self.assertEqual(status, 200, d)
        self.assertEqual([e["action"] for e in d["events"]], ["receive", "dispatch", "sign", "reply", "rate"])
        self.assertNotIn("actor_id", d["events"][0])
        self.assertEqual(d["rating"]["satisfaction"], "satisfied")
        self.assertEqual(len(d["replies"]), 1)
        self.assertEqual(d["messages"][0]["content"], "想问一下明天天气")
        self.act(1001, tid, "rating", {"resolved": True, "satisfaction": "satisfied"}, want=409)

    def test_review_required_unit(self):
        t = self.submit(unit_id=4, content="养老金什么时候调整")
        tid = t["id"]
        self.act("staff_rsj", tid, "sign")
        body = self.act("staff_rsj", tid, "replies", {"content": "初稿"}, want=201)
        rid = body["reply"]["id"]
        self.assertEqual(body["reply"]["status"], "pending_review")
        self.assertEqual(body["ticket"]["status"], "accepted")
        self.act("staff_rsj", tid, "replies", {"content": "再来一稿"}, want=409)
        # the citizen does not see the draft
        _, _, d = self.call(1001, "GET", f"/tickets/{tid}")
        self.assertEqual(d["replies"], [])
        self.act("staff_rsj", tid, f"replies/{rid}/review", {"decision": "approve"}, want=403)
        self.act("reviewer_zjj", tid, f"replies/{rid}/review", {"decision": "approve"}, want=404)
        self.act("reviewer_rsj", tid, f"replies/{rid}/review", {"decision": "maybe"}, want=422)
        body = self.act("reviewer_rsj", tid, f"replies/{rid}/review", {"decision": "send_back", "comment": "长" * 501},
                        want=422)
        self.assertEqual(body["error"]["field"], "comment")
        body = self.act("reviewer_rsj", tid, f"replies/{rid}/review", {"decision": "send_back", "comment": "补充依据"})
        self.assertEqual(body["reply"]["status"], "sent_back")
        self.assertEqual(body["ticket"]["status"], "accepted")
        self.act("reviewer_rsj", tid, f"replies/{rid}/review", {"decision": "approve"}, want=409)
        rid2 = self.act("staff_rsj", tid, "replies", {"content": "正式答复"}, want=201)["reply"]["id"]
        body = self.act("reviewer_rsj", tid, f"replies/{rid2}/review", {"decision": "approve"})
        self.assertEqual(body["reply"]["status"], "published")
        self.assertEqual(body["ticket"]["status"], "replied")
        _, _, d = self.call(1001, "GET", f"/tickets/{tid}")
        self.assertEqual([r["content"] for r in d["replies"]], ["正式答复"])
        # unsatisfied reopens once (重办), then closes
        body = self.act(1001, tid, "rating", {"resolved": False, "satisfaction": "unsatisfied"}, want=201)
        self.assertEqual(body["ticket"]["status"], "accepted")
        self.assertEqual(body["ticket"]["reopened_count"], 1)
        rid3 = self.act("staff_rsj", tid, "replies", {"content": "重新答复"}, want=201)["reply"]["id"]
        self.act("reviewer_rsj", tid, f"replies/{rid3}/review", {"decision": "approve"})
        body = self.act(1001, tid, "rating", {"resolved": False, "satisfaction": "unsatisfied"}, want=201)
        self.assertEqual(body["ticket"]["status"], "closed")
        self.assertEqual(body["rating"]["round"], 2)

    def test_return_transfer_and_clocks(self):
        t = self.submit(unit_id=3, content="咨询学位")
        tid = t["id"]
        promised = t["promised_reply_at"]
        self.act("staff_zjj", tid, "return", {}, want=422)
        body = self.act("staff_zjj", tid, "return", {"reason": "不属于本单位职责"})
        self.assertEqual((body["ticket"]["status"], body["ticket"]["unit_id"]), ("new", None))
        self.assertEqual(body["ticket"]["returned_count"], 1)
        self.assertEqual(body["ticket"]["promised_reply_at"], promised)  # the citizen's promise stays
        timers = sorted(self.db.query(f"SELECT kind FROM sla_timers WHERE ticket_id = {tid}").split())
        self.assertEqual(timers, ["dispatch_breach", "dispatch_warn"])
        self.act("dispatcher", tid, "dispatch", {"unit_id": 3})
        self.act("dispatcher", tid, "transfer", {"unit_id": 3, "reason": "x"}, want=422)  # same unit
        body = self.act("staff_zjj", tid, "transfer", {"unit_id": 6, "reason": "教育局职责"})
        self.assertEqual((body["ticket"]["status"], body["ticket"]["unit_id"]), ("dispatched", "6"))
        self.assertEqual(body["ticket"]["transferred_count"], 1)
        self.assertEqual(body["ticket"]["promised_reply_at"], promised)
        # a staff member past the return window needs a supervisor
        self.db.query(f"UPDATE tickets SET dispatched_at = dispatched_at - INTERVAL 30 DAY WHERE id = {tid}")
        body = self.act("staff_dcjy", tid, "return", {"reason": "x"}, want=403)
        self.assertIn("return window", body["error"]["message"])
        self.act("supervisor", tid, "return", {"reason": "督查退回"})
        self.assertEqual(self.events(tid), ["receive", "dispatch", "return", "dispatch", "transfer", "return"])

    def test_extension_request_and_decision(self):
        t = self.submit(unit_id=3, type="help", content="求助：楼道灯坏")
        tid = t["id"]
        self.act("staff_zjj", tid, "sign")
        body = self.act("staff_zjj", tid, "extensions", {"days": 11, "reason": "需现场勘查"}, want=422)
        self.assertEqual(body["error"]["field"], "days")
        ext = self.act("staff_zjj", tid, "extensions", {"days": 5, "reason": "需现场勘查"}, want=201)["extension"]
        self.assertEqual(ext["status"], "pending")
        self.act("staff_zjj", tid, "extensions", {"days": 2, "reason": "again"}, want=409)
        eid = ext["id"]
        self.act("staff_zjj", tid, f"extensions/{eid}/decision", {"decision": "approve"}, want=403)
        self.act("supervisor", tid, f"extensions/{eid}/decision", {"decision": "perhaps"}, want=422)
        before = self.call("supervisor", "GET", f"/tickets/{tid}")[2]
        body = self.act("supervisor", tid, f"extensions/{eid}/decision", {"decision": "approve", "comment": "同意"})
        self.assertEqual(body["extension"]["status"], "approved")
        after = body["ticket"]
        self.assertTrue(after["extended"])
        self.assertEqual(after["extended_days"], 5)
        self.assertGreater(after["reply_due_at"], before["reply_due_at"])
        self.assertGreater(after["promised_reply_at"], before["promised_reply_at"])
        self.act("supervisor", tid, f"extensions/{eid}/decision", {"decision": "refuse"}, want=409)
        # the cap counts what was granted
        self.act("staff_zjj", tid, "extensions", {"days": 6, "reason": "x"}, want=422)

    def test_request_info_pauses_and_follow_up_resumes(self):
        t = self.submit(unit_id=3, content="房屋漏水")
        tid = t["id"]
        self.act("staff_zjj", tid, "sign")
        due = self.call("staff_zjj", "GET", f"/tickets/{tid}")[2]["reply_due_at"]
        body = self.act("staff_zjj", tid, "request-info", {"question": "请提供房屋地址"})
        self.assertEqual(body["ticket"]["status"], "waiting_citizen")
        self.assertIsNotNone(body["ticket"]["paused_at"])
        timers = self.db.query(f"SELECT kind FROM sla_timers WHERE ticket_id = {tid}").split()
        self.assertEqual(timers, ["info_timeout"])
        self.act("staff_zjj", tid, "request-info", {"question": "again"}, want=409)
        self.act("staff_zjj", tid, "follow-ups", {"content": "x"}, want=403)
        body = self.act(1001, tid, "follow-ups", {"content": "地址是东城区1号"}, want=201)
        self.assertEqual(body["message"]["kind"], "follow_up")
        self.assertEqual(body["ticket"]["status"], "accepted")
        self.assertIsNone(body["ticket"]["paused_at"])
        self.assertGreaterEqual(body["ticket"]["reply_due_at"], due)
        _, _, d = self.call(1001, "GET", f"/tickets/{tid}")
        self.assertEqual([m["kind"] for m in d["messages"]], ["message", "request_info", "follow_up"])

    def test_supervise_close_and_merge(self):
        a = self.submit(content="想问一下明天天气")["id"]
        b = self.submit(citizen=1002, content="明天天气如何")["id"]
        self.act("staff_zjj", a, "supervise", {"note": "x"}, want=404)
        self.act("dispatcher", a, "supervise", {"note": "x"}, want=403)
        body = self.act("supervisor", a, "supervise", {"note": "请尽快办理"})
        self.assertTrue(body["ticket"]["supervised"])
        self.act("dispatcher", b, "merge", {"primary_id": b}, want=422)
        self.act("dispatcher", b, "merge", {"primary_id": 99999999}, want=422)
        body = self.act("dispatcher", b, "merge", {"primary_id": a})
        self.assertEqual(body["ticket"]["status"], "closed")
        self.assertEqual(body["ticket"]["merged_into"], a)
        self.assertEqual(body["ticket"]["close_reason"], "merged")
        self.assertEqual(self.events(a), ["receive", "supervise", "merge"])
        self.act("dispatcher", b, "merge", {"primary_id": a}, want=409)
        # the duplicate's citizen sees the primary's reply
        self.act("dispatcher", a, "dispatch", {"unit_id": 3})
        self.act("staff_zjj", a, "sign")
        self.act("staff_zjj", a, "replies", {"content": "明天多云"}, want=201)
        _, _, d = self.call(1002, "GET", f"/tickets/{b}")
        self.assertEqual([r["content"] for r in d["replies"]], ["明天多云"])
        # close: not by staff, not from accepted; a dispatcher closes a replied ticket
        self.act("staff_zjj", a, "close", {}, want=403)
        body = self.act("dispatcher", a, "close", {"reason": "已答复"})
        self.assertEqual(body["ticket"]["status"], "closed")
        self.act("dispatcher", a, "close", {}, want=409)

    def test_invalid_transitions_are_409(self):
        tid = self.submit(content="想问一下明天天气")["id"]  # new
        for who, action, doc in [
            ("supervisor", "return", {"reason": "x"}),
            ("dispatcher", "transfer", {"unit_id": 4, "reason": "x"}),
            (1001, "rating", {"resolved": True, "satisfaction": "satisfied"}),
        ]:
            status, _, body = self.call(who, "POST", f"/tickets/{tid}/{action}", doc)
            self.assertError(status, body, 409, "invalid_transition")
        # an extension request that is not this ticket's is not found before any status check
        status, _, body = self.call("supervisor", "POST", f"/tickets/{tid}/extensions/999999/decision",
                                    {"decision": "approve"})
        self.assertError(status, body, 404, "not_found")
        self.act("dispatcher", tid, "close", {"reason": "无效"})
        for who, action, doc in [
            ("dispatcher", "dispatch", {"unit_id": 3}),
            ("supervisor", "supervise", {"note": "x"}),
            (1001, "follow-ups", {"content": "x"}),
            ("dispatcher", "merge", {"primary_id": 1}),
        ]:
            status, _, body = self.call(who, "POST", f"/tickets/{tid}/{action}", doc)
            self.assertError(status, body, 409, "invalid_transition")


class HolidayClock(TicketsBase):
    """Deadlines across the 2026 Spring Festival: Saturday 02-14 is a make-up working day,
    02-15..02-23 are off, Saturday 02-28 works again. The debug clock pins "now"; the timer
    engine runs on the real clock, to which every deadline here is long past (a request-info
    timeout would close the ticket under the test), so it is off for these tests."""
    server_env = {"WZ_SLA_ENABLED": "false"}

    def at(self, when):
        return {"X-Wz-Debug-Now": when}

    def test_complaint_across_the_spring_festival(self):
        status, _, body = self.call(1001, "POST", "/messages",
                                    {"type": "complaint", "unit_id": 3, "content": "小区电梯长期故障"},
                                    self.at("2026-02-13T16:00:00+08:00"))
        self.assertEqual(status, 201, body)
        t = body["ticket"]
        self.assertTrue(t["no"].startswith("WZ20260213"))
        # sign: 120 working minutes = 90 on Friday + 30 on the make-up Saturday
        self.assertEqual(t["sign_due_at"], "2026-02-14T09:30:00+08:00")
        # reply: 15 working days from dispatch, skipping the holiday and counting both Saturdays
        self.assertEqual(t["reply_due_at"], "2026-03-12T16:00:00+08:00")
        # promised to the citizen: the dispatch limit, then the reply limit
        self.assertEqual(t["promised_reply_at"], "2026-03-13T09:30:00+08:00")
        tid = t["id"]
        status, _, body = self.call("staff_zjj", "POST", f"/tickets/{tid}/sign", None,
                                    self.at("2026-02-14T10:00:00+08:00"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["ticket"]["signed_at"], "2026-02-14T10:00:00+08:00")
        status, _, body = self.call("staff_zjj", "POST", f"/tickets/{tid}/extensions",
                                    {"days": 2, "reason": "节后需现场核实"}, self.at("2026-02-24T10:00:00+08:00"))
        self.assertEqual(status, 201, body)
        eid = body["extension"]["id"]
        status, _, body = self.call("supervisor", "POST", f"/tickets/{tid}/extensions/{eid}/decision",
                                    {"decision": "approve"}, self.at("2026-02-24T11:00:00+08:00"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["ticket"]["reply_due_at"], "2026-03-16T16:00:00+08:00")
        self.assertEqual(body["ticket"]["promised_reply_at"], "2026-03-17T09:30:00+08:00")
        # paused on a Friday afternoon, answered after the weekend: the clock lost only the
        # working time in between (Friday 16:00-17:30 and Monday 09:00-10:00 = 150 minutes)
        status, _, body = self.call("staff_zjj", "POST", f"/tickets/{tid}/request-info", {"question": "请提供楼栋号"},
                                    self.at("2026-03-06T16:00:00+08:00"))
        self.assertEqual(status, 200, body)
        status, _, body = self.call(1001, "POST", f"/tickets/{tid}/follow-ups", {"content": "3号楼"},
                                    self.at("2026-03-09T10:00:00+08:00"))
        self.assertEqual(status, 201, body)
        self.assertEqual(body["ticket"]["reply_due_at"], "2026-03-17T10:00:00+08:00")


class Queue(TicketsBase):
    def test_scope_filters_and_cursor(self):
        mine = [self.submit(citizen=1002, unit_id=6, content=f"学校问题{i}")["id"] for i in range(5)]
        _, _, page = self.call(1002, "GET", "/tickets?limit=2")
        self.assertEqual(len(page["items"]), 2)
        seen = [t["id"] for t in page["items"]]
        while page["next_cursor"]:
            _, _, page = self.call(1002, "GET", f"/tickets?limit=2&cursor={page['next_cursor']}")
            seen += [t["id"] for t in page["items"]]
        self.assertEqual(sorted(seen, key=int), sorted(mine, key=int))
        self.assertEqual(len(seen), len(set(seen)))
        # staff see their unit only
        _, _, page = self.call("staff_dcjy", "GET", "/tickets?limit=200")
        self.assertTrue(all(t["unit_id"] == "6" for t in page["items"]))
        _, _, page = self.call("staff_zjj", "GET", "/tickets?limit=200&unit_id=6")
        self.assertEqual(page["items"], [])
        self.submit(content="想问一下明天天气")  # unassigned
        _, _, page = self.call("dispatcher", "GET", "/tickets?limit=200&unassigned=true")
        self.assertTrue(page["items"])
        self.assertTrue(all(t["unit_id"] is None for t in page["items"]))
        _, _, page = self.call("dispatcher", "GET", "/tickets?limit=200&unassigned=false")
        self.assertTrue(all(t["unit_id"] is not None for t in page["items"]))
        # filters
        _, _, page = self.call("dispatcher", "GET", "/tickets?status=dispatched&unit_id=6&sort=due&limit=3")
        self.assertTrue(page["items"])
        dues = [t["reply_due_at"] for t in page["items"]]
        self.assertEqual(dues, sorted(dues))
        _, _, page = self.call("dispatcher", "GET", "/tickets?q=" + urllib.parse.quote("学校问题3"))
        self.assertEqual([t["id"] for t in page["items"]], [mine[3]])
        for bad in ("status=bogus", "limit=0", "limit=201", "sort=x", "cursor=zzz", "received_from=yesterday",
                    "supervised=maybe", "unit_id=-1"):
            status, _, body = self.call("dispatcher", "GET", "/tickets?" + bad)
            self.assertError(status, body, 422, "validation_failed")
        # a cursor of one sort order is refused by the other
        _, _, page = self.call("dispatcher", "GET", "/tickets?limit=1")
        status, _, body = self.call("dispatcher", "GET", f"/tickets?limit=1&sort=due&cursor={page['next_cursor']}")
        self.assertError(status, body, 422, "validation_failed")

    def test_open_queue_by_due_reads_the_index_in_order(self):
        """sort=due over open statuses only reads schema 015's open_due index: the same order and
        pages as the general sort, every ticket once, and no filesort in the plan."""
        for i in range(6):
            t = self.submit(unit_id=6, content=f"学校排队{i}")
            if i % 2:
                self.act("staff_dcjy", t["id"], "sign")
        status_q = "status=new,dispatched,accepted,waiting_citizen"
        def pages(query):
            seen, cursor = [], None
            while True:
                _, _, page = self.call("dispatcher", "GET", f"/tickets?{query}&sort=due&limit=4"
                                       + (f"&cursor={cursor}" if cursor else ""))
                seen += page["items"]
                cursor = page["next_cursor"]
                if cursor is None:
                    return seen
        open_rows = pages(status_q)
        every = [t for t in pages("status=new,dispatched,accepted,waiting_citizen,replied")
                 if t["status"] in ("new", "dispatched", "accepted", "waiting_citizen")]
        self.assertEqual([(t["id"], t["status"], t["reply_due_at"]) for t in open_rows],
                         [(t["id"], t["status"], t["reply_due_at"]) for t in every])
        self.assertEqual(len({t["id"] for t in open_rows}), len(open_rows))
        keys = [(t["reply_due_at"] or "9999", int(t["id"])) for t in open_rows]
        self.assertEqual(keys, sorted(keys))
        plan = self.db.query("EXPLAIN SELECT id FROM tickets t WHERE t.open_due IS NOT NULL "
                             "AND t.status IN ('dispatched', 'accepted') ORDER BY t.open_due, t.id LIMIT 51")
        self.assertNotIn("filesort", plan)
        # a replied ticket leaves the open queue (its open_due is NULL)
        t = self.submit(unit_id=3, content="排队后答复")
        self.act("staff_zjj", t["id"], "sign")
        self.act("staff_zjj", t["id"], "replies", {"content": "已答复。"}, want=201)
        self.assertEqual(self.db.query(f"SELECT open_due IS NULL FROM tickets WHERE id = {t['id']}").strip(), "1")

    def test_evaluator_sees_masked_text(self):
        tid = self.submit(unit_id=3, content="我的电话13812345678，身份证110101199003071234")["id"]
        _, _, d = self.call("evaluator", "GET", f"/tickets/{tid}")
        self.assertNotIn("13812345678", d["content"])
        self.assertIn("138****5678", d["content"])
        self.assertIn("110101********1234", d["content"])
        _, _, d = self.call("staff_zjj", "GET", f"/tickets/{tid}")
        self.assertIn("13812345678", d["content"])
        self.act("evaluator", tid, "sign", want=403)
        # notes that quote the citizen are masked for evaluators too
        self.act("staff_zjj", tid, "sign")
        self.act("staff_zjj", tid, "extensions", {"days": 1, "reason": "联系13812345678未接"}, want=201)
        self.act("staff_zjj", tid, "request-info", {"question": "13812345678是您的电话吗"})
        _, _, d = self.call("evaluator", "GET", f"/tickets/{tid}")
        self.assertNotIn("13812345678", str(d))
        self.assertIn("138****5678", d["extensions"][0]["reason"])
        _, _, d = self.call("supervisor", "GET", f"/tickets/{tid}")
        self.assertIn("13812345678", d["extensions"][0]["reason"])

    def test_not_found(self):
        for path in ("/tickets/999999999", "/tickets/abc"):
            status, _, body = self.call("admin", "GET", path)
            self.assertError(status, body, 404, "not_found")
        tid = self.submit(unit_id=3)["id"]
        status, _, body = self.call(1002, "GET", f"/tickets/{tid}")  # another citizen's
        self.assertError(status, body, 404, "not_found")


if __name__ == "__main__":
    unittest.main()
