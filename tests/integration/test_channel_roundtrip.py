"""A WeChat fan's question, end to end through the real paths: a safe-mode push to the official
account's server URL -> the inbox -> a ticket (the fan as a citizen) -> the acknowledgement sent
back to the fan's openid through WeChat's customer-service API -> a follow-up joining the ticket
-> the unit signs and replies through the API -> the reply sent to the same openid, with one
access token for both sends. WeChat's API is a fake on loopback."""
import json
import time
import unittest
import uuid

from fake_platform import FakePlatform
from harness import ServerTestCase, wait_for
from wechat_oa_push import new_aes_key, safe_push, text_xml

TOKEN, APPID, APPSECRET = "roundtrip-token", "wx0a1b2c3d4e5f6a7b", "roundtrip-app-secret"


class ChannelRoundTrip(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakePlatform({APPID: APPSECRET})
        cls.server_env = {"WZ_WECHAT_API_BASE": cls.fake.base, "WZ_OUTBOX_POLL_MS": "50",
                          "WZ_CHANNELS_INBOX_POLL_MS": "200", "WZ_SLA_ENABLED": "false"}
        super().setUpClass()
        cls.users = cls.user_headers()
        cls.aes_key = new_aes_key()
        doc = {"unit_id": 3, "platform": "wechat_oa", "name": "示范市住建局", "platform_account_id": "gh_roundtrip",
               "secrets": {"token": TOKEN, "encoding_aes_key": cls.aes_key, "app_id": APPID,
                           "app_secret": APPSECRET}}
        s, _, body = cls.server.json("POST", "/api/v1/accounts", doc, cls.users["admin"])
        assert s == 201, body
        cls.account = body["account"]["id"]

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.fake.stop()

    def push(self, fan, content, msg_id):
        q, body = safe_push(TOKEN, self.aes_key, APPID, text_xml(fan, content, msg_id))
        status, _, data = self.server.request("POST", f"/channels/wechat/{self.account}?{q}", body,
                                              {"Content-Type": "text/xml"})
        self.assertEqual((status, data), (200, b"success"))

    def sent_to(self, openid):
        return [json.loads(c["body"]) for c in self.fake.calls_to("/cgi-bin/message/custom/send")
                if json.loads(c["body"]).get("touser") == openid]

    def test_a_fans_question_is_answered_on_wechat(self):
        fan = "oRound" + uuid.uuid4().hex[:10]
        base = 8100000000000000000 + int(uuid.uuid4().int % 10**12) * 10
        self.push(fan, "请问老旧小区加装电梯有补贴吗？", base)
        ticket = wait_for(lambda: self.db.query(f"SELECT id FROM tickets WHERE account_id = {self.account} "
                                                f"AND external_id = '{base}'").strip(), 10)
        self.assertTrue(ticket, self.server.logs()[-2000:])
        number = self.db.query(f"SELECT number FROM tickets WHERE id = {ticket}").strip()

        # the acknowledgement reaches the fan: the number and the promised date, by customer service
        acks = wait_for(lambda: self.sent_to(fan), 10)
        self.assertEqual(len(acks), 1, self.server.logs()[-2000:])
        self.assertEqual(acks[0]["msgtype"], "text")
        self.assertIn(number, acks[0]["text"]["content"])

        # the fan adds a detail: it joins the ticket, nothing is sent for it
        self.push(fan, "我们小区是1998年建成的", base + 1)
        wait_for(lambda: self.db.query(f"SELECT outcome FROM channel_inbox WHERE dedupe_key = '{base + 1}'").strip()
                 == "follow_up", 10)

        # the unit (the account's rule routes to 住建局, unit 3) signs and replies in the console
        staff = self.users["staff_zjj"]
        status = self.db.query(f"SELECT status FROM tickets WHERE id = {ticket}").strip()
        if status == "new":  # no rule matched: the dispatcher sends it to the unit
            s, _, b = self.server.json("POST", f"/api/v1/tickets/{ticket}/dispatch", {"unit_id": "3"},
                                       self.users["dispatcher"])
            self.assertEqual(s, 200, b)
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{ticket}/sign", None, staff)
        self.assertEqual(s, 200, b)
        s, _, b = self.server.json("GET", f"/api/v1/tickets/{ticket}", None, staff)
        self.assertEqual([m["content"] for m in b["messages"]],
                         ["请问老旧小区加装电梯有补贴吗？", "我们小区是1998年建成的"])
        s, _, b = self.server.json("POST", f"/api/v1/tickets/{ticket}/replies",
                                   {"content": "有补贴，请向所在街道提交加装申请。"}, staff)
        self.assertEqual(s, 201, b)
        sent = wait_for(lambda: len(self.sent_to(fan)) == 2 and self.sent_to(fan), 10)
        self.assertTrue(sent, self.server.logs()[-2000:])
        self.assertIn("有补贴，请向所在街道提交加装申请。", sent[1]["text"]["content"])
        # one access token for both sends: fetched once, cached for the account
        tokens = [c for c in self.fake.calls_to("/cgi-bin/token") if c["query"].get("appid") == APPID]
        self.assertEqual(len(tokens), 1)
        rows = self.db.query(f"SELECT kind, delivered_via FROM outbox WHERE ticket_id = {ticket} "
                             f"AND kind IN ('acknowledgement', 'reply') ORDER BY id").split()
        self.assertEqual(rows[0::2], ["acknowledgement", "reply"])
        self.assertTrue(all(v.startswith("wechat") for v in rows[1::2]), rows)


if __name__ == "__main__":
    unittest.main()
