"""A WeChat official account's server URL (/channels/wechat/{account_id}) through HTTP against a
real MariaDB: the handshake, plain and safe-mode pushes becoming tickets, WeChat's retries
deduplicated, a fan's next messages joining their open ticket, events, the account's posts, and
every malformed, unsigned, stale or oversize push refused with the right answer. Rows that a
crash left unprocessed are picked up by the sweeper."""
import json
import time
import unittest
import uuid

from harness import ServerTestCase, wait_for
from wechat_oa_push import event_xml, new_aes_key, plain_query, safe_push, sign, text_xml

TOKEN = "wenzheng-wechat-token"
APPID = "wx1234567890abcdef"


class ChannelWeChat(ServerTestCase):
    server_env = {"WZ_CHANNELS_INBOX_POLL_MS": "200", "WZ_CHANNELS_INBOX_MAX_ATTEMPTS": "2"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.user_headers()["admin"]
        cls.aes_key = new_aes_key()

        def account(platform, name, secrets=None):
            doc = {"unit_id": 1, "platform": platform, "name": name,
                   "platform_account_id": name + "-" + uuid.uuid4().hex[:6]}
            if secrets:
                doc["secrets"] = secrets
            s, _, body = cls.server.json("POST", "/api/v1/accounts", doc, cls.admin)
            assert s == 201, body
            return body["account"]["id"]
        cls.oa = account("wechat_oa", "oa", {"token": TOKEN, "encoding_aes_key": cls.aes_key, "app_id": APPID})
        cls.plain_only = account("wechat_oa", "oa-plain", {"token": TOKEN})
        cls.no_token = account("wechat_oa", "oa-none", {"app_id": APPID})
        cls.weibo = account("weibo", "weibo", {"token": TOKEN})

    def push(self, xml, account=None, query=None, raw=None):
        body = raw if raw is not None else xml.encode()
        q = query if query is not None else plain_query(TOKEN)
        return self.server.request("POST", f"/channels/wechat/{account or self.oa}?{q}", body,
                                   {"Content-Type": "text/xml"})

    def ticket_of(self, msg_id, account=None):
        def find():
            return self.db.query(f"SELECT id FROM tickets WHERE account_id = {account or self.oa} "
                                 f"AND external_id = '{msg_id}'").strip()
        return wait_for(find, 10)

    def inbox(self, key, account=None):
        return self.db.query(f"SELECT outcome, COALESCE(ticket_id, '-'), attempts FROM channel_inbox "
                             f"WHERE account_id = {account or self.oa} AND dedupe_key = '{key}'").split()

    def test_handshake(self):
        ts, nonce = str(int(time.time())), "552211"
        q = f"signature={sign(TOKEN, ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=5837421957339414373"
        status, hdrs, body = self.server.request("GET", f"/channels/wechat/{self.oa}?{q}")
        self.assertEqual((status, body), (200, b"5837421957339414373"))
        self.assertTrue(hdrs["content-type"].startswith("text/plain"))
        bad = f"signature={sign('other-token', ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=1"
        status, _, body = self.server.json("GET", f"/channels/wechat/{self.oa}?{bad}")
        self.assertError(status, body, 401, "unauthenticated")
        old = str(int(time.time()) - 400)
        stale = f"signature={sign(TOKEN, old, nonce)}&timestamp={old}&nonce={nonce}&echostr=1"
        status, _, body = self.server.json("GET", f"/channels/wechat/{self.oa}?{stale}")
        self.assertError(status, body, 401, "unauthenticated")
        for account in (self.weibo, "999999", "x"):
            status, _, body = self.server.json("GET", f"/channels/wechat/{account}?{q}")
            self.assertError(status, body, 404, "not_found")
        status, _, body = self.server.json("GET", f"/channels/wechat/{self.no_token}?{q}")
        self.assertError(status, body, 503, "not_configured")

    def test_plain_text_becomes_a_ticket_once(self):
        fan, msg_id = "oFan" + uuid.uuid4().hex[:8], str(7000000000000000000 + int(uuid.uuid4().int % 10**15))
        xml = text_xml(fan, "请问新生儿医保怎么办理？电话13812345678", msg_id)
        status, hdrs, body = self.push(xml)
        self.assertEqual((status, body), (200, b"success"))
        ticket = self.ticket_of(msg_id)
        self.assertTrue(ticket, self.server.logs()[-2000:])
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{ticket}", None, self.admin)
        self.assertEqual((t["channel"], t["account_id"]), ("wechat_oa", self.oa))
        self.assertIn(t["status"], ("new", "dispatched"))  # the routing rules decide
        self.assertEqual(t["messages"][0]["content"], "请问新生儿医保怎么办理？电话13812345678")
        citizen = self.db.query(f"SELECT appid, openid FROM citizens c JOIN tickets t ON t.citizen_id = c.id "
                                f"WHERE t.id = {ticket}").split()
        self.assertEqual(citizen, [f"acct:{self.oa}", fan])
        self.assertEqual(self.inbox(msg_id)[:2], ["ticket", ticket])
        # WeChat retries the same push (no answer within 5 s): "success", nothing new
        for _ in range(3):
            self.assertEqual(self.push(xml)[2], b"success")
        time.sleep(0.5)
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM tickets WHERE external_id = '{msg_id}'").strip(), "1")
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM channel_inbox WHERE dedupe_key = '{msg_id}'").strip(),
                         "1")

    def test_safe_mode(self):
        fan, msg_id = "oSafe" + uuid.uuid4().hex[:8], str(6100000000000000000 + int(uuid.uuid4().int % 10**15))
        q, body = safe_push(TOKEN, self.aes_key, APPID, text_xml(fan, "加密模式的留言：垃圾清运不及时", msg_id))
        status, _, data = self.push(None, query=q, raw=body)
        self.assertEqual((status, data), (200, b"success"))
        ticket = self.ticket_of(msg_id)
        self.assertTrue(ticket)
        self.assertEqual(self.db.query(f"SELECT content FROM tickets WHERE id = {ticket}").strip(),
                         "加密模式的留言：垃圾清运不及时")
        # a changed envelope, another account's key, another AppID, a plain push with a bad signature
        q2, body2 = safe_push(TOKEN, self.aes_key, APPID, text_xml(fan, "x", "61"))
        status, _, data = self.push(None, query=q2, raw=body2.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[A"))
        self.assertEqual(status, 401, data)
        q3, body3 = safe_push(TOKEN, new_aes_key(), APPID, text_xml(fan, "x", "62"))
        self.assertEqual(self.push(None, query=q3, raw=body3)[0], 400)
        q4, body4 = safe_push(TOKEN, self.aes_key, "wx_another_app", text_xml(fan, "x", "63"))
        status, _, data = self.push(None, query=q4, raw=body4)
        self.assertEqual(status, 400)
        self.assertIn(b"AppID", data)
        q5, body5 = safe_push(TOKEN, self.aes_key, APPID, text_xml(fan, "x", "64"))
        status, _, data = self.push(None, account=self.plain_only, query=q5, raw=body5)
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(data)["error"]["code"], "not_configured")
        for key in ("61", "62", "63", "64"):
            self.assertEqual(self.inbox(key), [])

    def test_follow_ups_join_the_open_ticket(self):
        fan = "oFollow" + uuid.uuid4().hex[:8]
        base = 5200000000000000000 + int(uuid.uuid4().int % 10**12) * 10
        self.assertEqual(self.push(text_xml(fan, "你好，我想反映一个问题", base))[2], b"success")
        first = self.ticket_of(base)
        self.push(text_xml(fan, "我们小区的电梯坏了一周了", base + 1))
        self.push(text_xml(fan, "物业一直不修", base + 2))
        wait_for(lambda: self.inbox(base + 2) and self.inbox(base + 2)[0] == "follow_up", 10)
        self.assertEqual(self.inbox(base + 1)[:2], ["follow_up", first])
        self.assertEqual(self.inbox(base + 2)[:2], ["follow_up", first])
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{first}", None, self.admin)
        self.assertEqual([m["content"] for m in t["messages"]],
                         ["你好，我想反映一个问题", "我们小区的电梯坏了一周了", "物业一直不修"])
        self.assertEqual([m["kind"] for m in t["messages"]], ["message", "follow_up", "follow_up"])
        # another fan: a ticket of their own
        self.push(text_xml("oOther" + uuid.uuid4().hex[:6], "另一个人的问题", base + 3))
        self.assertNotEqual(self.ticket_of(base + 3), first)
        # outside the window (the fan's last message an hour ago): a new ticket
        self.db.query(f"UPDATE ticket_messages SET created_at = created_at - INTERVAL 1 HOUR WHERE ticket_id = {first}")
        self.push(text_xml(fan, "又有一个新问题", base + 4))
        later = self.ticket_of(base + 4)
        self.assertTrue(later)
        self.assertNotEqual(later, first)
        # a closed ticket takes no follow-ups either
        self.db.query(f"UPDATE tickets SET status = 'closed' WHERE id = {later}")
        self.push(text_xml(fan, "关闭以后再问", base + 5))
        self.assertNotIn(self.ticket_of(base + 5), (first, later, ""))

    def test_events_and_posts(self):
        fan, now = "oEvent" + uuid.uuid4().hex[:6], int(time.time())
        xml = event_xml(fan, "subscribe", now)
        self.assertEqual(self.push(xml)[2], b"success")
        key = f"ev:{fan}:{now}:subscribe"
        wait_for(lambda: self.inbox(key) and self.inbox(key)[0] == "ignored", 10)
        self.assertEqual(self.inbox(key)[:2], ["ignored", "-"])
        self.assertEqual(self.push(xml)[2], b"success")  # a retry of the event
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM channel_inbox WHERE dedupe_key = '{key}'").strip(), "1")
        # a finished mass send is the account posting: account health sees it
        posted = now - 3600
        mass = event_xml("mphelper", "MASSSENDJOBFINISH", posted,
                         "<MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status><TotalCount>100</TotalCount>")
        self.assertEqual(self.push(mass, account=self.plain_only)[2], b"success")
        key = f"ev:mphelper:{posted}:MASSSENDJOBFINISH:1000001625"
        wait_for(lambda: self.inbox(key, self.plain_only) and self.inbox(key, self.plain_only)[0] == "post", 10)
        got = self.db.query(f"SELECT UNIX_TIMESTAMP(last_post_at) FROM accounts WHERE id = {self.plain_only}").strip()
        self.assertEqual(int(float(got)), posted)
        status, _, body = self.server.json("GET", f"/api/v1/accounts/{self.plain_only}", None, self.admin)
        self.assertEqual(status, 200)
        self.assertIsNotNone(body["account"]["last_post_at"])

    def test_location_message(self):
        fan, msg_id = "oLoc" + uuid.uuid4().hex[:6], str(5300000000000000000 + int(uuid.uuid4().int % 10**12))
        xml = (f"<xml><ToUserName>gh_test</ToUserName><FromUserName>{fan}</FromUserName><CreateTime>"
               f"{int(time.time())}</CreateTime><MsgType>location</MsgType><Location_X>39.915</Location_X>"
               f"<Location_Y>116.404</Location_Y><Scale>15</Scale><Label><![CDATA[东城区天安门]]></Label>"
               f"<MsgId>{msg_id}</MsgId></xml>")
        self.assertEqual(self.push(xml)[2], b"success")
        ticket = self.ticket_of(msg_id)
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{ticket}", None, self.admin)
        self.assertEqual(t["location"]["address"], "东城区天安门")
        self.assertAlmostEqual(t["location"]["latitude"], 39.915)
        self.assertIn("[位置] 东城区天安门", t["messages"][0]["content"])

    def test_refusals(self):
        xml = text_xml("oBad", "问题", "77")
        now = int(time.time())
        for q in [plain_query("other-token"), plain_query(TOKEN, ts=now - 301), plain_query(TOKEN, ts=now + 330),  # room for a slow run: the clock moves on
                  plain_query(TOKEN).replace("signature=", "signature=0"), "timestamp=1&nonce=2"]:
            status, _, body = self.push(xml, query=q)
            self.assertEqual(status, 401, (q, body))
            self.assertEqual(json.loads(body)["error"]["code"], "unauthenticated")
        for raw, want in [(b"<xml><ToUserName>gh", 400), (b"not xml at all", 400),
                          (b"<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
                           b"<Content>no id</Content></xml>", 422),
                          (b"<!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Content>&e;</Content>"
                           b"</xml>", 400),
                          (b"<xml><Content>" + b"a" * (70 * 1024) + b"</Content></xml>", 413)]:
            status, _, body = self.push(None, raw=raw)
            self.assertEqual(status, want, body[:200])
            self.assertIn("error", json.loads(body))
        status, _, body = self.push(xml, account=self.weibo)
        self.assertEqual(status, 404)
        self.assertEqual(self.inbox("77"), [])

    def test_a_row_left_by_a_crash_is_processed(self):
        # what a server that crashed after committing the push (before processing it) leaves behind
        key = str(5400000000000000000 + int(uuid.uuid4().int % 10**12))
        payload = json.dumps({"msg_type": "text", "event": "", "sender_name": "", "created_at": int(time.time()),
                              "content": "崩溃前收到的留言"}, ensure_ascii=False)
        self.db.query(f"INSERT INTO channel_inbox (account_id, dedupe_key, kind, sender, payload, lease_until) "
                      f"VALUES ({self.oa}, '{key}', 'message', 'oCrash', '{payload}', UTC_TIMESTAMP(6) - INTERVAL 1 SECOND)")
        ticket = self.ticket_of(key)
        self.assertTrue(ticket)
        self.assertEqual(self.inbox(key)[0], "ticket")

    def test_a_row_that_keeps_failing_is_set_aside(self):
        key = str(5500000000000000000 + int(uuid.uuid4().int % 10**12))
        payload = json.dumps({"msg_type": "text", "event": "", "sender_name": "", "created_at": 0})  # no content
        self.db.query(f"INSERT INTO channel_inbox (account_id, dedupe_key, kind, sender, payload) "
                      f"VALUES ({self.oa}, '{key}', 'message', 'oBroken', '{payload}')")
        first = wait_for(lambda: self.inbox(key)[2] == "1" and self.inbox(key), 10)
        self.assertEqual(first[:2], ["NULL", "-"])  # tried once, waiting to retry
        row = self.db.query(f"SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), next_attempt_at) > 500000, "
                            f"last_error FROM channel_inbox WHERE dedupe_key = '{key}'").strip().split("\t")
        self.assertEqual(row, ["1", "a message without content"])  # backing off, with the reason
        # the second try (about 2 s later) is the last: set aside as failed, nothing made
        done = wait_for(lambda: self.inbox(key)[0] == "failed" and self.inbox(key), 15)
        self.assertEqual(done, ["failed", "-", "2"])
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM tickets WHERE external_id = '{key}'").strip(), "0")


if __name__ == "__main__":
    unittest.main()
