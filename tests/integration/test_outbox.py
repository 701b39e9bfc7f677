"""The outbox sender against a real MariaDB and a fake platform (fake_platform.py): a hook
account gets its acknowledgement and reply POSTed, signed and keyed by X-Wz-Delivery; failures
back off and recover; after max_attempts a row is dead, listed by GET /outbox?state=dead, and
POST /outbox/{id}/retry makes it due and it is delivered; a WeChat official account reply within
48 hours goes to custom/send with a cached token (fetched once for two sends, again after
42001), outside 48 hours to a template or, without one, dead with the reason; internal kinds
are marked sent; a Weibo ticket without a fan is dead; /outbox is for admins only."""
import hashlib
import hmac
import json
import time
import uuid

from fake_platform import FakePlatform
from harness import ServerTestCase, demo_secret, mint_token, wait_for

HMAC = "outbox-hook-hmac-secret-0123456789"
APPID, APPSECRET = "wx_oa_outbox", "oa-app-secret"
MP_APPID, MP_SECRET = "wx_mp_outbox", "mp-app-secret"
MAX_ATTEMPTS = 4


def sign(body, ts=None):
    ts = str(int(time.time()) if ts is None else ts)
    sig = hmac.new(HMAC.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Wz-Timestamp": ts, "X-Wz-Signature": sig, "Content-Type": "application/json"}


class Outbox(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakePlatform({APPID: APPSECRET, MP_APPID: MP_SECRET})
        cls.server_env = {
            "WZ_MINIPROGRAM_APPID": MP_APPID, "WZ_MINIPROGRAM_SECRET": MP_SECRET,
            "WZ_MINIPROGRAM_REPLY_TEMPLATE_ID": "TPL-MP", "WZ_MINIPROGRAM_REPLY_PAGE": "pages/ticket/detail",
            "WZ_WECHAT_API_BASE": cls.fake.base, "WZ_WECHAT_TIMEOUT_MS": "700",
            "WZ_OUTBOX_POLL_MS": "50", "WZ_OUTBOX_BACKOFF_MS": "400", "WZ_OUTBOX_BACKOFF_MAX_MS": "1600",
            "WZ_OUTBOX_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "WZ_OUTBOX_TIMEOUT_MS": "700",
            "WZ_SLA_ENABLED": "false",
        }
        super().setUpClass()
        secret = cls.jwt = demo_secret(cls.data_dir)
        cls.admin_id = cls.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        cls.admin = {"Authorization": "Bearer " + mint_token(secret, cls.admin_id, "admin", 1, "/1/")}
        rows = cls.db.query("SELECT u.username, u.id, u.role, u.unit_id, n.path FROM users u "
                            "JOIN units n ON n.id = u.unit_id").strip().splitlines()
        cls.users = {}
        for line in rows:
            name, uid, role, unit, path = line.split("\t")
            cls.users[name] = {"Authorization": "Bearer " + mint_token(secret, uid, role, int(unit), path)}

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.fake.stop()

    # ---- helpers ----

    def account(self, platform, secrets):
        name = platform + "-" + uuid.uuid4().hex[:8]
        doc = {"unit_id": 1, "platform": platform, "name": name, "platform_account_id": name, "secrets": secrets}
        s, _, body = self.server.json("POST", "/api/v1/accounts", doc, self.admin)
        self.assertEqual(s, 201, body)
        return body["account"]["id"]

    def hook_account(self, receiver):
        return self.account("hotline_12345", {"hmac_secret": HMAC, "callback_url": self.fake.url(receiver)})

    def hook_ticket(self, account, content="小区物业长期不处理漏水问题"):
        raw = json.dumps({"external_id": uuid.uuid4().hex, "type": "complaint", "content": content},
                         ensure_ascii=False).encode()
        s, _, data = self.server.request("POST", f"/channels/hook/{account}", raw, sign(raw))
        self.assertEqual(s, 201, data)
        return json.loads(data)["ticket"]

    def row(self, where):
        line = self.db.query("SELECT id, kind, attempts, dead, sent_at IS NOT NULL, delivered_via, last_error, "
                             "TIMESTAMPDIFF(MICROSECOND, last_attempt_at, next_attempt_at) FROM outbox "
                             f"WHERE {where} ORDER BY id DESC LIMIT 1").rstrip("\n")
        if not line:
            return None
        f = line.split("\t")
        return {"id": f[0], "kind": f[1], "attempts": int(f[2]), "dead": f[3] == "1", "sent": f[4] == "1",
                "via": f[5], "error": f[6], "delay_us": int(f[7]) if f[7] != "NULL" else None}

    def wait_row(self, where, pred, timeout=15):
        got = wait_for(lambda: (lambda r: r if r and pred(r) else None)(self.row(where)), timeout, 0.1)
        self.assertIsNotNone(got, f"{where}: {self.row(where)}")
        return got

    def wechat_ticket(self, account, hours_since_message, openid=None, reply="已安排维修，预计明天完成。"):
        """A wechat_oa ticket as the WeChat inbox makes them, with a published reply and its outbox row."""
        openid = openid or "o_" + uuid.uuid4().hex[:12]
        number = "WZT" + uuid.uuid4().hex[:12].upper()
        q = (f"INSERT INTO citizens (appid, openid) VALUES ('acct:{account}', '{openid}');"
             "SET @c = LAST_INSERT_ID();"
             "INSERT INTO tickets (number, type, title, content, channel, account_id, citizen_id, status, received_at, "
             f"promised_reply_at) VALUES ('{number}', 'consultation', '漏水', '楼上漏水', 'wechat_oa', {account}, @c, "
             "'replied', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 5 DAY);"
             "SET @t = LAST_INSERT_ID();"
             "INSERT INTO ticket_messages (ticket_id, author, kind, body, created_at) VALUES "
             f"(@t, 'citizen', 'message', '楼上漏水', UTC_TIMESTAMP(6) - INTERVAL {hours_since_message} HOUR);"
             "INSERT INTO replies (ticket_id, author_id, body, status, published_at) VALUES "
             f"(@t, {self.admin_id}, '{reply}', 'published', UTC_TIMESTAMP(6));"
             "INSERT INTO outbox (kind, ticket_id, payload) VALUES "
             "('reply', @t, JSON_OBJECT('reply_id', LAST_INSERT_ID()));"
             "SELECT @t, LAST_INSERT_ID();")
        tid, oid = self.db.query(q).split()
        return {"ticket": tid, "outbox": oid, "openid": openid, "number": number, "reply": reply}

    def assert_signed(self, call):
        h = call["headers"]
        want = hmac.new(HMAC.encode(), h["x-wz-timestamp"].encode() + b"." + call["body"],
                        hashlib.sha256).hexdigest()
        self.assertEqual(h["x-wz-signature"], want)
        self.assertLessEqual(abs(int(h["x-wz-timestamp"]) - time.time()), 60)
        self.assertEqual(h["content-type"], "application/json")

    # ---- hooks ----

    def test_hook_acknowledgement_and_reply_are_signed_and_keyed(self):
        acct = self.hook_account("/hook/city")
        t = self.hook_ticket(acct)
        ack = self.wait_row(f"ticket_id = {t['id']} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.assertEqual((ack["attempts"], ack["via"], ack["dead"]), (1, "hook", False))
        calls = self.fake.calls_to("/hook/city")
        self.assertEqual(len(calls), 1)
        self.assert_signed(calls[0])
        self.assertEqual(calls[0]["headers"]["x-wz-delivery"], ack["id"])
        self.assertEqual(calls[0]["headers"]["x-wz-event"], "acknowledgement")
        doc = json.loads(calls[0]["body"])
        self.assertEqual(doc["event"], "acknowledgement")
        self.assertEqual(doc["delivery_id"], ack["id"])
        self.assertEqual((doc["ticket"]["id"], doc["ticket"]["no"]), (t["id"], t["no"]))
        self.assertEqual(doc["acknowledgement"]["promised_reply_at"], t["promised_reply_at"])
        date = t["promised_reply_at"][:10]
        self.assertEqual(doc["text"], f"您的留言已受理，编号 {t['no']}，我们将于 {date} 前答复。")

        # the unit signs and replies through the API: the reply goes out the same way
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{t['id']}/sign", None, self.users["staff_zjj"])
        self.assertEqual(s, 200, b)
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{t['id']}/replies", {"content": "已联系物业，明天上门维修。"},
                                   self.users["staff_zjj"])
        self.assertEqual(s, 201, b)
        rid = b["reply"]["id"]
        rep = self.wait_row(f"ticket_id = {t['id']} AND kind = 'reply'", lambda r: r["sent"])
        calls = self.fake.calls_to("/hook/city")
        self.assertEqual(len(calls), 2)
        self.assert_signed(calls[1])
        self.assertEqual(calls[1]["headers"]["x-wz-delivery"], rep["id"])
        doc = json.loads(calls[1]["body"])
        self.assertEqual(doc["event"], "reply")
        self.assertEqual(doc["ticket"]["status"], "replied")
        self.assertEqual((doc["reply"]["id"], doc["reply"]["content"]), (rid, "已联系物业，明天上门维修。"))
        self.assertRegex(doc["reply"]["published_at"], r"\+08:00$")
        # the planner named the reply in the row, so exactly this reply is sent
        payload = self.db.query(f"SELECT JSON_VALUE(payload, '$.reply_id') FROM outbox WHERE id = {rep['id']}")
        self.assertEqual(payload.strip(), rid)

    def test_failures_back_off_then_recover_with_one_delivery_key(self):
        acct = self.hook_account("/hook/flaky")
        self.fake.script("/hook/flaky", ("status", 500), ("status", 502), ("status", 503))
        t = self.hook_ticket(acct)
        where = f"ticket_id = {t['id']} AND kind = 'acknowledgement'"
        first = self.wait_row(where, lambda r: r["attempts"] == 1 and r["error"])
        self.assertIn("HTTP 500", first["error"])
        self.assertFalse(first["sent"] or first["dead"])
        self.assertGreaterEqual(first["delay_us"], 200_000)  # next_attempt_at moved past the backoff
        done = self.wait_row(where, lambda r: r["sent"])
        self.assertEqual((done["attempts"], done["via"]), (4, "hook"))
        self.assertIn("HTTP 503", done["error"])  # the last failure stays for the record
        calls = self.fake.calls_to("/hook/flaky")
        self.assertEqual(len(calls), 4)
        self.assertEqual({c["headers"]["x-wz-delivery"] for c in calls}, {done["id"]})
        gaps = [b["t"] - a["t"] for a, b in zip(calls, calls[1:])]
        # equal jitter: [200, 400] ms, then [400, 800], then [800, 1600] (+ up to one 50 ms poll)
        self.assertLess(gaps[0], 0.55, gaps)
        self.assertGreater(gaps[1], 0.38, gaps)
        self.assertGreater(gaps[2], 0.78, gaps)
        self.assertGreater(gaps[2], gaps[0], gaps)

    def test_dead_after_max_attempts_listed_and_retried(self):
        acct = self.hook_account("/hook/down")
        self.fake.set_default("/hook/down", ("status", 503))
        t = self.hook_ticket(acct)
        where = f"ticket_id = {t['id']} AND kind = 'acknowledgement'"
        dead = self.wait_row(where, lambda r: r["dead"], timeout=20)
        self.assertEqual(dead["attempts"], MAX_ATTEMPTS)
        self.assertIn(f"gave up after {MAX_ATTEMPTS} attempts", dead["error"])
        self.assertIn("HTTP 503", dead["error"])
        self.assertEqual(len(self.fake.calls_to("/hook/down")), MAX_ATTEMPTS)
        time.sleep(0.5)
        self.assertEqual(len(self.fake.calls_to("/hook/down")), MAX_ATTEMPTS)  # nothing more once dead

        s, _, body = self.server.json("GET", f"/api/v1/outbox?state=dead&ticket_id={t['id']}", None, self.admin)
        self.assertEqual(s, 200, body)
        self.assertEqual([i["id"] for i in body["items"]], [dead["id"]])
        item = body["items"][0]
        self.assertEqual((item["state"], item["kind"], item["attempts"], item["ticket_id"]),
                         ("dead", "acknowledgement", MAX_ATTEMPTS, t["id"]))
        self.assertIsNone(item["next_attempt_at"])
        self.assertIn("gave up", item["last_error"])
        self.assertRegex(item["last_attempt_at"], r"\+08:00$")

        # only admins see or retry the outbox
        for method, path in (("GET", "/api/v1/outbox"), ("POST", f"/api/v1/outbox/{dead['id']}/retry")):
            s, _, body = self.server.json(method, path, None, self.users["dispatcher"])
            self.assertError(s, body, 403, "forbidden")

        self.fake.set_default("/hook/down", "ok")
        s, _, body = self.server.json("POST", f"/api/v1/outbox/{dead['id']}/retry", None, self.admin)
        self.assertEqual(s, 200, body)
        self.assertEqual(body["outbox"]["attempts"], 0)
        self.assertIn(body["outbox"]["state"], ("pending", "sent"))  # the sender may already be at it
        audit = self.db.query(f"SELECT action, JSON_VALUE(payload, '$.was'), JSON_VALUE(payload, '$.attempts') "
                              f"FROM audit_log WHERE target_type = 'outbox' AND target_id = '{dead['id']}'").split()
        self.assertEqual(audit, ["outbox.retry", "dead", str(MAX_ATTEMPTS)])
        sent = self.wait_row(where, lambda r: r["sent"])
        self.assertEqual((sent["attempts"], sent["dead"]), (1, False))
        self.assertEqual(len(self.fake.calls_to("/hook/down")), MAX_ATTEMPTS + 1)
        s, _, body = self.server.json("POST", f"/api/v1/outbox/{dead['id']}/retry", None, self.admin)
        self.assertError(s, body, 409, "conflict")
        s, _, body = self.server.json("POST", "/api/v1/outbox/999999999/retry", None, self.admin)
        self.assertError(s, body, 404, "not_found")

    def test_a_permanent_refusal_is_dead_at_once(self):
        acct = self.hook_account("/hook/gone")
        self.fake.set_default("/hook/gone", ("status", 404))
        t = self.hook_ticket(acct)
        dead = self.wait_row(f"ticket_id = {t['id']}", lambda r: r["dead"])
        self.assertEqual(dead["attempts"], 1)
        self.assertIn("HTTP 404 (permanent)", dead["error"])

    def test_a_slow_receiver_times_out_and_is_tried_again(self):
        acct = self.hook_account("/hook/slow")
        self.fake.script("/hook/slow", ("slow", 1.5))
        t = self.hook_ticket(acct)
        where = f"ticket_id = {t['id']}"
        first = self.wait_row(where, lambda r: r["attempts"] == 1 and r["error"])
        self.assertIn("did not answer", first["error"])
        done = self.wait_row(where, lambda r: r["sent"])
        self.assertEqual(done["attempts"], 2)

    def test_an_account_without_callback_is_marked_sent(self):
        acct = self.account("app", {"hmac_secret": HMAC})
        t = self.hook_ticket(acct)
        r = self.wait_row(f"ticket_id = {t['id']}", lambda r: r["sent"])
        self.assertEqual(r["via"], "no_callback")

    # ---- WeChat official account ----

    def test_wechat_custom_messages_share_a_cached_token(self):
        acct = self.account("wechat_oa", {"app_id": APPID, "app_secret": APPSECRET})
        before = len([c for c in self.fake.calls_to("/cgi-bin/token") if c["query"].get("appid") == APPID])
        a = self.wechat_ticket(acct, 1)
        b = self.wechat_ticket(acct, 47)
        for x in (a, b):
            r = self.wait_row(f"id = {x['outbox']}", lambda r: r["sent"])
            self.assertEqual((r["via"], r["attempts"]), ("wechat_custom", 1))
        tokens = [c for c in self.fake.calls_to("/cgi-bin/token") if c["query"].get("appid") == APPID]
        self.assertEqual(len(tokens) - before, 1, "one token for two sends")
        self.assertEqual(tokens[-1]["query"]["secret"], APPSECRET)
        sends = {json.loads(c["body"])["touser"]: c for c in self.fake.calls_to("/cgi-bin/message/custom/send")}
        for x in (a, b):
            doc = json.loads(sends[x["openid"]]["body"])
            self.assertEqual(doc["msgtype"], "text")
            self.assertEqual(doc["text"]["content"], f"您的留言（编号 {x['number']}）答复如下：\n{x['reply']}")
            self.assertEqual(sends[x["openid"]]["query"]["access_token"], self.fake.current[APPID])

        # WeChat says the token expired: a new one, the same message again, delivered
        self.fake.script("/cgi-bin/message/custom/send", ("errcode", 42001, "access_token expired"))
        c = self.wechat_ticket(acct, 2)
        r = self.wait_row(f"id = {c['outbox']}", lambda r: r["sent"])
        self.assertEqual((r["via"], r["attempts"]), ("wechat_custom", 1))
        tokens = [x for x in self.fake.calls_to("/cgi-bin/token") if x["query"].get("appid") == APPID]
        self.assertEqual(len(tokens) - before, 2)
        mine = [x for x in self.fake.calls_to("/cgi-bin/message/custom/send")
                if json.loads(x["body"])["touser"] == c["openid"]]
        self.assertEqual(len(mine), 2)
        self.assertNotEqual(mine[0]["query"]["access_token"], mine[1]["query"]["access_token"])

        # an answer that is not JSON is tried again
        self.fake.script("/cgi-bin/message/custom/send", "garbage")
        d = self.wechat_ticket(acct, 2)
        r = self.wait_row(f"id = {d['outbox']}", lambda r: r["sent"])
        self.assertEqual(r["attempts"], 2)
        self.assertIn("not a JSON object", r["error"])

    def test_wechat_outside_48_hours(self):
        acct = self.account("wechat_oa", {"app_id": APPID, "app_secret": APPSECRET})
        x = self.wechat_ticket(acct, 50)
        r = self.wait_row(f"id = {x['outbox']}", lambda r: r["dead"])
        self.assertEqual(r["attempts"], 1)
        self.assertIn("48-hour", r["error"])
        self.assertIn("template_id", r["error"])
        sent_to = [json.loads(c["body"]).get("touser") for c in self.fake.calls
                   if c["path"].startswith("/cgi-bin/message/")]
        self.assertNotIn(x["openid"], sent_to)

        # with a template the account may write any time
        acct = self.account("wechat_oa", {"app_id": APPID, "app_secret": APPSECRET, "template_id": "TPL-REPLY"})
        y = self.wechat_ticket(acct, 50, reply="您反映的路灯问题已修复，感谢您的监督与支持。")
        r = self.wait_row(f"id = {y['outbox']}", lambda r: r["sent"])
        self.assertEqual(r["via"], "wechat_template")
        call = [c for c in self.fake.calls_to("/cgi-bin/message/template/send")
                if json.loads(c["body"])["touser"] == y["openid"]][-1]
        doc = json.loads(call["body"])
        self.assertEqual(doc["template_id"], "TPL-REPLY")
        self.assertEqual(doc["data"]["character_string1"]["value"], y["number"])
        self.assertEqual(doc["data"]["thing2"]["value"], "您反映的路灯问题已修复，感谢您的监督与…")  # 19 + the ellipsis
        self.assertRegex(doc["data"]["time3"]["value"], r"^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$")

        # within 48 hours but WeChat counts differently (45015): the template is the way out
        self.fake.script("/cgi-bin/message/custom/send", ("errcode", 45015, "response out of time limit"))
        z = self.wechat_ticket(acct, 3)
        r = self.wait_row(f"id = {z['outbox']}", lambda r: r["sent"])
        self.assertEqual(r["via"], "wechat_template")

    def test_wechat_without_credentials_or_openid_is_dead(self):
        acct = self.account("wechat_oa", {"token": "only-the-inbound-token"})
        x = self.wechat_ticket(acct, 1)
        r = self.wait_row(f"id = {x['outbox']}", lambda r: r["dead"])
        self.assertIn("app_id and app_secret", r["error"])
        acct = self.account("wechat_oa", {"app_id": APPID, "app_secret": APPSECRET})
        y = self.wechat_ticket(acct, 1)
        self.db.query(f"UPDATE citizens SET appid = 'acct:999999' WHERE openid = '{y['openid']}'")
        # (the row may have gone out before the update: then it was right to send it)
        r = self.wait_row(f"id = {y['outbox']}", lambda r: r["dead"] or r["sent"])
        if r["dead"]:
            self.assertIn("no openid", r["error"])

    # ---- the mini-program ----

    def test_miniprogram_reply_is_a_subscribe_message(self):
        openid = "o_mp_" + uuid.uuid4().hex[:10]
        cid = self.db.query(f"INSERT INTO citizens (appid, openid) VALUES ('{MP_APPID}', '{openid}'); "
                            "SELECT LAST_INSERT_ID()").strip()
        citizen = {"Authorization": "Bearer " + mint_token(self.jwt, cid, "citizen"),
                   "Idempotency-Key": uuid.uuid4().hex}
        s, _, b = self.server.json("POST", "/api/v1/messages", {"type": "consultation", "unit_id": 3,
                                                                "content": "公租房怎么申请？"}, citizen)
        self.assertEqual(s, 201, b)
        t = b["ticket"]
        ack = self.wait_row(f"ticket_id = {t['id']} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.assertEqual(ack["via"], "in_app")  # the app shows it; nothing is pushed
        staff = self.users["staff_zjj"]
        self.assertEqual(self.server.json("POST", f"/api/v1/tickets/{t['id']}/sign", None, staff)[0], 200)
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{t['id']}/replies", {"content": "请登录住房保障网站申请。"},
                                   staff)
        self.assertEqual(s, 201, b)
        rep = self.wait_row(f"ticket_id = {t['id']} AND kind = 'reply'", lambda r: r["sent"])
        self.assertEqual(rep["via"], "wechat_subscribe")
        call = [c for c in self.fake.calls_to("/cgi-bin/message/subscribe/send")
                if json.loads(c["body"])["touser"] == openid][-1]
        self.assertEqual(call["query"]["access_token"], self.fake.current[MP_APPID])
        doc = json.loads(call["body"])
        self.assertEqual((doc["template_id"], doc["page"]), ("TPL-MP", f"pages/ticket/detail?id={t['id']}"))
        self.assertEqual(doc["data"]["character_string1"]["value"], t["no"])
        self.assertEqual(doc["data"]["thing2"]["value"], "请登录住房保障网站申请。")

        # the citizen holds no subscription: the reply stays in the app, the row is not an error
        self.fake.script("/cgi-bin/message/subscribe/send", ("errcode", 43101, "user refuse to accept the msg"))
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{t['id']}/rating",
                                   {"satisfaction": "unsatisfied", "resolved": False}, citizen)
        self.assertEqual((s, b["ticket"]["status"]), (201, "accepted"), b)  # reopened: a second answer
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{t['id']}/replies", {"content": "补充答复"}, staff)
        self.assertEqual(s, 201, b)
        r = self.wait_row(f"ticket_id = {t['id']} AND kind = 'reply' AND id > {rep['id']}", lambda r: r["sent"])
        self.assertEqual(r["via"], "in_app (not subscribed, 43101)")
        payload = self.db.query(f"SELECT JSON_VALUE(payload, '$.reply_id') FROM outbox WHERE id = {r['id']}")
        self.assertEqual(payload.strip(), b["reply"]["id"])  # the second reply, not the first

    # ---- the other kinds and channels ----

    def test_internal_kinds_are_sent_and_unknown_kinds_dead(self):
        acct = self.hook_account("/hook/internal")
        t = self.hook_ticket(acct)
        self.wait_row(f"ticket_id = {t['id']} AND kind = 'acknowledgement'", lambda r: r["sent"])
        n = len(self.fake.calls_to("/hook/internal"))
        oid = self.db.query("INSERT INTO outbox (kind, ticket_id, payload) VALUES "
                            f"('notify_unit', {t['id']}, '{{\"unit_id\": 3}}'); SELECT LAST_INSERT_ID()").strip()
        r = self.wait_row(f"id = {oid}", lambda r: r["sent"])
        self.assertEqual(r["via"], "internal")
        self.assertEqual(len(self.fake.calls_to("/hook/internal")), n)  # nobody outside was told
        oid = self.db.query("INSERT INTO outbox (kind, ticket_id, payload) VALUES "
                            f"('no_such_kind', {t['id']}, '{{}}'); SELECT LAST_INSERT_ID()").strip()
        r = self.wait_row(f"id = {oid}", lambda r: r["dead"])
        self.assertIn("unknown outbox kind", r["error"])

        # a Weibo ticket whose citizen is no fan of the account (entered by staff): nobody to send to
        # (parking is tested with Douyin comments in test_outbox_platforms.py)
        weibo = self.db.query("SELECT id FROM accounts WHERE platform = 'weibo' LIMIT 1").strip()
        q = ("INSERT INTO tickets (number, type, title, content, channel, account_id, status, received_at, "
             f"promised_reply_at) VALUES ('WZW{uuid.uuid4().hex[:10]}', 'consultation', 't', 'c', 'weibo', {weibo}, "
             "'new', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 5 DAY);"
             "INSERT INTO outbox (kind, ticket_id, payload) VALUES ('acknowledgement', LAST_INSERT_ID(), '{}');"
             "SELECT LAST_INSERT_ID()")
        oid = self.db.query(q).strip()
        r = self.wait_row(f"id = {oid}", lambda r: r["dead"])
        self.assertIn("no Weibo uid", r["error"])

    def test_list_filters_and_pages(self):
        acct = self.hook_account("/hook/list")
        t = self.hook_ticket(acct)
        self.wait_row(f"ticket_id = {t['id']}", lambda r: r["sent"])
        for i in range(3):
            self.db.query(f"INSERT INTO outbox (kind, ticket_id, payload) VALUES ('supervision', {t['id']}, '{{}}')")
        wait_for(lambda: self.db.query(f"SELECT COUNT(*) FROM outbox WHERE ticket_id = {t['id']} "
                                       "AND sent_at IS NULL").strip() == "0", 10)
        s, _, body = self.server.json("GET", f"/api/v1/outbox?ticket_id={t['id']}&limit=2", None, self.admin)
        self.assertEqual(s, 200, body)
        self.assertEqual(len(body["items"]), 2)
        self.assertIsNotNone(body["next_cursor"])
        s, _, more = self.server.json("GET", f"/api/v1/outbox?ticket_id={t['id']}&limit=2&cursor={body['next_cursor']}",
                                      None, self.admin)
        self.assertEqual(s, 200, more)
        ids = [i["id"] for i in body["items"] + more["items"]]
        self.assertEqual(len(ids), 4)
        self.assertEqual(ids, sorted(ids, key=int, reverse=True))
        self.assertIsNone(more["next_cursor"])
        s, _, body = self.server.json("GET", f"/api/v1/outbox?ticket_id={t['id']}&kind=acknowledgement&state=sent",
                                      None, self.admin)
        self.assertEqual([(i["kind"], i["state"], i["delivered_via"]) for i in body["items"]],
                         [("acknowledgement", "sent", "hook")])
        self.assertIsNotNone(body["items"][0]["sent_at"])
        s, _, body = self.server.json("GET", f"/api/v1/outbox?ticket_id={t['id']}&state=pending", None, self.admin)
        self.assertEqual(body["items"], [])
        for bad in ("state=lost", "limit=0", "limit=201", "ticket_id=x", "cursor=-1"):
            s, _, body = self.server.json("GET", "/api/v1/outbox?" + bad, None, self.admin)
            self.assertError(s, body, 422, "validation_failed")


class OutboxShutdown(ServerTestCase):
    """A graceful stop with a delivery in flight: the process exits 0 at once (no waiting for the
    receiver), writes no failure for the delivery it cut short, and the claim's lease keeps the
    row from being sent again before it ends."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakePlatform({})
        cls.server_env = {"WZ_OUTBOX_POLL_MS": "50", "WZ_OUTBOX_TIMEOUT_MS": "20000", "WZ_SLA_ENABLED": "false"}
        super().setUpClass()
        secret = demo_secret(cls.data_dir)
        admin_id = cls.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        cls.admin = {"Authorization": "Bearer " + mint_token(secret, admin_id, "admin", 1, "/1/")}

    @classmethod
    def tearDownClass(cls):
        try:
            cls.db.drop()
        finally:
            cls.fake.stop()

    def test_stop_with_a_delivery_in_flight(self):
        doc = {"unit_id": 1, "platform": "app", "name": "slow-app", "platform_account_id": "slow-app",
               "secrets": {"hmac_secret": HMAC, "callback_url": self.fake.url("/hook/stuck")}}
        s, _, body = self.server.json("POST", "/api/v1/accounts", doc, self.admin)
        self.assertEqual(s, 201, body)
        self.fake.set_default("/hook/stuck", ("slow", 8))
        raw = json.dumps({"external_id": "stuck-1", "content": "路灯不亮"}, ensure_ascii=False).encode()
        s, _, data = self.server.request("POST", f"/channels/hook/{body['account']['id']}", raw, sign(raw))
        self.assertEqual(s, 201, data)
        tid = json.loads(data)["ticket"]["id"]
        self.assertTrue(wait_for(lambda: self.fake.calls_to("/hook/stuck"), 10))
        started = time.time()
        code = self.server.stop()
        self.assertEqual(code, 0, self.server.logs()[-3000:])
        self.assertLess(time.time() - started, 5)
        line = self.db.query("SELECT attempts, dead, sent_at IS NULL, last_error, "
                             "next_attempt_at > UTC_TIMESTAMP(6) + INTERVAL 10 SECOND FROM outbox "
                             f"WHERE ticket_id = {tid}").rstrip("\n").split("\t")
        self.assertEqual(line, ["1", "0", "1", "", "1"])


if __name__ == "__main__":
    import unittest
    unittest.main()
