"""The outbox's Weibo, Douyin and Toutiao senders against a real MariaDB and the fake platform
(fake_platform.py). Tickets are made by signed pushes to the real inbound endpoints, so the
citizen and the inbox rows are real. Asserted: a Weibo fan's acknowledgement and reply are
POSTed to messages/reply.json with the account's token, the fan's uid and the text; a 5xx is
tried again and then delivered; a permanent Weibo error is dead at once; outside the 48-hour
window the row is dead without a call; a Douyin reply goes to the conversation and message of
the citizen's latest private message, with the account's open_id and token; a refused token is
dead with the reason; a ticket from a comment is parked; Toutiao uses the same API under its
own base; accounts without access_token are dead with a clear message."""
import hashlib
import json
import random
import time
import unittest
import urllib.parse
import uuid

from fake_platform import BYTEDANCE_SEND, WEIBO_REPLY, FakePlatform
from harness import ServerTestCase, demo_secret, mint_token, wait_for

WEIBO_SECRET = "weibo-app-secret-outbox-0123"
WEIBO_TOKEN = "2.00outboxWeiboToken_abc"
CLIENT_SECRET = "bytedance-client-secret-outbox"
DOUYIN_TOKEN = "act.douyin-outbox-token"
TOUTIAO_TOKEN = "act.toutiao-outbox-token"
ACCOUNT_OPEN_ID = "aaa-7ae0-4399-914a-5eb1df5861ba"


def weibo_query(ts=None, nonce="57155157"):
    ts = str(int(time.time() * 1000) if ts is None else ts)
    sig = hashlib.sha1("".join(sorted([WEIBO_SECRET, ts, nonce])).encode()).hexdigest()
    return urllib.parse.urlencode({"signature": sig, "timestamp": ts, "nonce": nonce})


def uid():
    return str(random.randint(10**9, 10**10 - 1))


class OutboxPlatforms(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakePlatform({})
        cls.fake.weibo_tokens.add(WEIBO_TOKEN)
        cls.fake.bytedance_tokens.update({DOUYIN_TOKEN, TOUTIAO_TOKEN})
        cls.server_env = {
            "WZ_WEIBO_API_BASE": cls.fake.base, "WZ_DOUYIN_API_BASE": cls.fake.base + "/douyin",
            "WZ_TOUTIAO_API_BASE": cls.fake.base + "/toutiao",
            "WZ_OUTBOX_POLL_MS": "50", "WZ_OUTBOX_BACKOFF_MS": "400", "WZ_OUTBOX_BACKOFF_MAX_MS": "1600",
            "WZ_OUTBOX_MAX_ATTEMPTS": "4", "WZ_OUTBOX_TIMEOUT_MS": "700",
            "WZ_CHANNELS_INBOX_POLL_MS": "200", "WZ_SLA_ENABLED": "false",
        }
        super().setUpClass()
        secret = demo_secret(cls.data_dir)
        cls.admin_id = cls.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        cls.admin = {"Authorization": "Bearer " + mint_token(secret, cls.admin_id, "admin", 1, "/1/")}

        def account(platform, secrets):
            name = platform + "-" + uuid.uuid4().hex[:8]
            doc = {"unit_id": 1, "platform": platform, "name": name, "platform_account_id": name, "secrets": secrets}
            s, _, body = cls.server.json("POST", "/api/v1/accounts", doc, cls.admin)
            assert s == 201, body
            return body["account"]["id"]
        bd = {"client_key": "awoutboxkey00000", "client_secret": CLIENT_SECRET, "open_id": ACCOUNT_OPEN_ID}
        cls.weibo = account("weibo", {"app_secret": WEIBO_SECRET, "access_token": WEIBO_TOKEN})
        cls.weibo_untoken = account("weibo", {"app_secret": WEIBO_SECRET})
        cls.douyin = account("douyin", dict(bd, access_token=DOUYIN_TOKEN))
        cls.douyin_untoken = account("douyin", bd)
        cls.douyin_stale = account("douyin", dict(bd, access_token="act.expired"))
        cls.toutiao = account("toutiao", dict(bd, access_token=TOUTIAO_TOKEN))

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.fake.stop()

    # ---- helpers ----

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
        self.assertIsNotNone(got, f"{where}: {self.row(where)}\n{self.server.logs()[-1500:]}")
        return got

    def ticket_of(self, account, key):
        """The ticket the inbox row made (waits for the inbox to process the push)."""
        q = f"SELECT COALESCE(ticket_id, '') FROM channel_inbox WHERE account_id = {account} AND dedupe_key = '{key}'"
        t = wait_for(lambda: self.db.query(q).strip() or None, 10, 0.1)
        self.assertIsNotNone(t, self.server.logs()[-1500:])
        return t

    def number(self, ticket):
        return self.db.query(f"SELECT number FROM tickets WHERE id = {ticket}").strip()

    def weibo_push(self, account, sender, text):
        created = time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime())
        doc = {"type": "text", "receiver_id": 1902538057, "sender_id": int(sender), "created_at": created,
               "text": text, "data": {}}
        body = json.dumps(doc, ensure_ascii=False).encode()
        s, _, _ = self.server.request("POST", f"/channels/weibo/{account}?{weibo_query()}", body,
                                      {"Content-Type": "application/json"})
        self.assertEqual(s, 200)
        q = (f"SELECT ticket_id FROM channel_inbox WHERE account_id = {account} AND sender = '{sender}' "
             "AND ticket_id IS NOT NULL ORDER BY id DESC LIMIT 1")
        t = wait_for(lambda: self.db.query(q).strip() or None, 10, 0.1)
        self.assertIsNotNone(t, self.server.logs()[-1500:])
        return t

    def bytedance_push(self, platform, account, event, content):
        doc = {"event": event, "client_key": "awoutboxkey00000", "from_user_id": content.pop("from"),
               "to_user_id": ACCOUNT_OPEN_ID, "log_id": uuid.uuid4().hex,
               "content": json.dumps(content, ensure_ascii=False)}
        body = json.dumps(doc, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json",
                   "X-Douyin-Signature": hashlib.sha1(CLIENT_SECRET.encode() + body).hexdigest()}
        s, _, data = self.server.request("POST", f"/channels/{platform}/{account}", body, headers)
        self.assertEqual(s, 200, data)

    def private_message(self, platform, account, user, text, conversation=None):
        conversation = conversation or "@conv" + uuid.uuid4().hex
        message = "@msg" + uuid.uuid4().hex
        self.bytedance_push(platform, account, "im_receive_msg", {
            "from": user, "conversation_short_id": conversation, "server_message_id": message,
            "conversation_type": 1, "create_time": int(time.time() * 1000), "message_type": "text", "text": text,
            "user_infos": [{"open_id": user, "nick_name": "市民"}]})
        return {"conversation": conversation, "message": message,
                "ticket": self.ticket_of(account, "im:" + message)}

    def publish_reply(self, ticket, body):
        """A published reply and its outbox row, as the reply flow writes them."""
        q = ("INSERT INTO replies (ticket_id, author_id, body, status, published_at) VALUES "
             f"({ticket}, {self.admin_id}, '{body}', 'published', UTC_TIMESTAMP(6));"
             "INSERT INTO outbox (kind, ticket_id, payload) VALUES "
             f"('reply', {ticket}, JSON_OBJECT('reply_id', LAST_INSERT_ID()));"
             "SELECT LAST_INSERT_ID();")
        return self.db.query(q).strip()

    def form(self, call):
        return dict(urllib.parse.parse_qsl(call["body"].decode()))

    # ---- Weibo ----

    def test_weibo_acknowledgement_and_reply_reach_the_fan(self):
        fan = uid()
        t = self.weibo_push(self.weibo, fan, "东门路口的红绿灯坏了三天了")
        number = self.number(t)
        ack = self.wait_row(f"ticket_id = {t} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.assertEqual((ack["via"], ack["attempts"]), ("weibo_message", 1))
        calls = [c for c in self.fake.calls_to(WEIBO_REPLY) if self.form(c).get("receiver_id") == fan]
        self.assertEqual(len(calls), 1)
        f = self.form(calls[0])
        self.assertEqual(calls[0]["method"], "POST")
        self.assertEqual(calls[0]["headers"]["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual((f["access_token"], f["type"]), (WEIBO_TOKEN, "text"))
        self.assertNotIn("access_token", calls[0]["query"])  # never in the URL
        text = json.loads(f["data"])["text"]
        self.assertIn(number, text)
        self.assertIn("已受理", text)

        oid = self.publish_reply(t, "红绿灯已于今日修复，感谢反映。")
        rep = self.wait_row(f"id = {oid}", lambda r: r["sent"])
        self.assertEqual(rep["via"], "weibo_message")
        calls = [c for c in self.fake.calls_to(WEIBO_REPLY) if self.form(c).get("receiver_id") == fan]
        self.assertEqual(len(calls), 2)
        text = json.loads(self.form(calls[1])["data"])["text"]
        self.assertIn("红绿灯已于今日修复，感谢反映。", text)
        self.assertIn(number, text)

    def test_weibo_5xx_is_retried_and_a_permanent_error_is_dead(self):
        self.fake.script(WEIBO_REPLY, ("status", 503))
        fan = uid()
        t = self.weibo_push(self.weibo, fan, "公园的路灯不亮")
        where = f"ticket_id = {t} AND kind = 'acknowledgement'"
        first = self.wait_row(where, lambda r: r["attempts"] >= 1 and (r["error"] or r["sent"]))
        done = self.wait_row(where, lambda r: r["sent"])
        self.assertEqual(done["attempts"], 2, first)
        self.assertEqual(done["via"], "weibo_message")
        errors = self.db.query(f"SELECT last_error FROM outbox WHERE id = {done['id']}").strip()
        self.assertIn("HTTP 503", errors)  # the failed attempt's reason stays for the record

        self.fake.script(WEIBO_REPLY, ("weibo_error", 20003, "User does not exists!", 400))
        oid = self.publish_reply(t, "已通知路灯管理所。")
        dead = self.wait_row(f"id = {oid}", lambda r: r["dead"])
        self.assertEqual(dead["attempts"], 1)  # at once, not after max_attempts
        self.assertIn("20003", dead["error"])
        self.assertIn("User does not exists", dead["error"])

    def test_weibo_outside_the_window_is_dead_without_a_call(self):
        fan = uid()
        t = self.weibo_push(self.weibo, fan, "小区垃圾没人清运")
        self.wait_row(f"ticket_id = {t} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.db.query(f"UPDATE ticket_messages SET created_at = UTC_TIMESTAMP(6) - INTERVAL 49 HOUR "
                      f"WHERE ticket_id = {t}")
        n = len(self.fake.calls_to(WEIBO_REPLY))
        oid = self.publish_reply(t, "已安排清运。")
        dead = self.wait_row(f"id = {oid}", lambda r: r["dead"])
        self.assertIn("48-hour", dead["error"])
        self.assertEqual(len(self.fake.calls_to(WEIBO_REPLY)), n)

    def test_weibo_refused_token_and_missing_token(self):
        fan = uid()
        t = self.weibo_push(self.weibo_untoken, fan, "噪音扰民")
        dead = self.wait_row(f"ticket_id = {t} AND kind = 'acknowledgement'", lambda r: r["dead"])
        self.assertIn("no access_token", dead["error"])
        self.assertFalse([c for c in self.fake.calls_to(WEIBO_REPLY) if self.form(c).get("receiver_id") == fan])

        self.fake.weibo_tokens.discard(WEIBO_TOKEN)  # the platform no longer takes it
        try:
            fan = uid()
            t = self.weibo_push(self.weibo, fan, "井盖丢了")
            dead = self.wait_row(f"ticket_id = {t} AND kind = 'acknowledgement'", lambda r: r["dead"])
        finally:
            self.fake.weibo_tokens.add(WEIBO_TOKEN)
        self.assertEqual(dead["attempts"], 1)
        self.assertIn("21332", dead["error"])
        self.assertIn("access_token was refused", dead["error"])
        # renewed (here: taken again) and retried by an admin: delivered
        s, _, body = self.server.json("POST", f"/api/v1/outbox/{dead['id']}/retry", None, self.admin)
        self.assertEqual(s, 200, body)
        self.wait_row(f"id = {dead['id']}", lambda r: r["sent"])

    # ---- Douyin and Toutiao ----

    def test_douyin_replies_in_the_citizens_latest_conversation(self):
        user = "dy-" + uuid.uuid4().hex[:12]
        first = self.private_message("douyin", self.douyin, user, "小区停车难，消防通道被占")
        t = first["ticket"]
        ack = self.wait_row(f"ticket_id = {t} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.assertEqual(ack["via"], "douyin_im")
        calls = [c for c in self.fake.calls_to("/douyin" + BYTEDANCE_SEND)
                 if json.loads(c["body"])["to_user_id"] == user]
        self.assertEqual(len(calls), 1)
        c = calls[0]
        self.assertEqual(c["query"], {"open_id": ACCOUNT_OPEN_ID})
        self.assertEqual(c["headers"]["access-token"], DOUYIN_TOKEN)
        self.assertEqual(c["headers"]["content-type"], "application/json")
        doc = json.loads(c["body"])
        self.assertEqual((doc["conversation_id"], doc["msg_id"], doc["scene"]),
                         (first["conversation"], first["message"], "im_reply_msg"))
        self.assertEqual(doc["content"]["msg_type"], 1)
        self.assertIn(self.number(t), doc["content"]["text"]["text"])

        # the citizen writes again (a follow-up of the same ticket): the reply answers that message
        again = self.private_message("douyin", self.douyin, user, "今天又堵了", first["conversation"])
        self.assertEqual(again["ticket"], t)
        oid = self.publish_reply(t, "已联系物业清理消防通道。")
        self.wait_row(f"id = {oid}", lambda r: r["sent"])
        calls = [c for c in self.fake.calls_to("/douyin" + BYTEDANCE_SEND)
                 if json.loads(c["body"])["to_user_id"] == user]
        self.assertEqual(len(calls), 2)
        doc = json.loads(calls[1]["body"])
        self.assertEqual((doc["conversation_id"], doc["msg_id"]), (first["conversation"], again["message"]))
        self.assertIn("已联系物业清理消防通道。", doc["content"]["text"]["text"])

    def test_douyin_errors_tokens_and_comments(self):
        # a permanent platform error: dead at once
        self.fake.script("/douyin" + BYTEDANCE_SEND, ("douyin_error", 28001007, "参数不合法"))
        m = self.private_message("douyin", self.douyin, "dy-" + uuid.uuid4().hex[:12], "路面塌陷")
        dead = self.wait_row(f"ticket_id = {m['ticket']} AND kind = 'acknowledgement'", lambda r: r["dead"])
        self.assertEqual(dead["attempts"], 1)
        self.assertIn("28001007", dead["error"])
        # a 5xx: tried again, then delivered
        self.fake.script("/douyin" + BYTEDANCE_SEND, ("status", 502))
        m = self.private_message("douyin", self.douyin, "dy-" + uuid.uuid4().hex[:12], "水管爆裂")
        done = self.wait_row(f"ticket_id = {m['ticket']} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.assertEqual(done["attempts"], 2)
        # no token, and a token the platform refuses
        m = self.private_message("douyin", self.douyin_untoken, "dy-" + uuid.uuid4().hex[:12], "电梯坏了")
        dead = self.wait_row(f"ticket_id = {m['ticket']} AND kind = 'acknowledgement'", lambda r: r["dead"])
        self.assertIn("no access_token", dead["error"])
        m = self.private_message("douyin", self.douyin_stale, "dy-" + uuid.uuid4().hex[:12], "停水")
        dead = self.wait_row(f"ticket_id = {m['ticket']} AND kind = 'acknowledgement'", lambda r: r["dead"])
        self.assertIn("28001008", dead["error"])
        self.assertIn("access_token was refused", dead["error"])
        # a ticket from a comment on a video: parked, not published under the video
        n = len(self.fake.calls_to("/douyin" + BYTEDANCE_SEND))
        cid = "@comment" + uuid.uuid4().hex
        self.bytedance_push("douyin", self.douyin, "item_comment_reply", {
            "from": "dy-" + uuid.uuid4().hex[:12], "comment_id": cid,
            "content": "视频里这条路什么时候修？", "create_time": int(time.time()), "reply_to_item_id": "@item1"})
        t = self.ticket_of(self.douyin, "comment:" + cid)
        r = self.wait_row(f"ticket_id = {t} AND kind = 'acknowledgement'", lambda r: r["error"])
        self.assertEqual((r["attempts"], r["sent"], r["dead"]), (0, False, False))
        self.assertIn("answered on the platform", r["error"])
        self.assertGreater(r["delay_us"], 3500 * 10**6)  # looked at again in an hour
        self.assertEqual(len(self.fake.calls_to("/douyin" + BYTEDANCE_SEND)), n)

    def test_toutiao_uses_the_same_api_under_its_base(self):
        user = "tt-" + uuid.uuid4().hex[:12]
        m = self.private_message("toutiao", self.toutiao, user, "文章里提到的学校什么时候开学？")
        ack = self.wait_row(f"ticket_id = {m['ticket']} AND kind = 'acknowledgement'", lambda r: r["sent"])
        self.assertEqual(ack["via"], "toutiao_im")
        calls = [c for c in self.fake.calls_to("/toutiao" + BYTEDANCE_SEND)
                 if json.loads(c["body"])["to_user_id"] == user]
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["headers"]["access-token"], TOUTIAO_TOKEN)
        self.assertEqual(json.loads(calls[0]["body"])["conversation_id"], m["conversation"])


if __name__ == "__main__":
    unittest.main()
