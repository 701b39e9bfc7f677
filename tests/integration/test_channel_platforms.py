"""Weibo, Douyin and Toutiao pushes (/channels/{weibo,douyin,toutiao}/{account_id}) through HTTP
against a real MariaDB, replaying the real-format samples in tests/samples/: URL checks,
messages becoming tickets (and follow-ups), the platforms' retries deduplicated, events, the
account's own posts, and wrong or missing signatures, stale timestamps, malformed and oversize
bodies and unconfigured accounts refused."""
import hashlib
import json
import os
import time
import unittest
import urllib.parse
import uuid

from harness import ROOT, ServerTestCase, wait_for

SAMPLES = os.path.join(ROOT, "tests", "samples")
WEIBO_SECRET = "weibo-app-secret-0123456789"
CLIENT_SECRET = "bytedance-client-secret-abcdef"


def sample(platform, name):
    with open(os.path.join(SAMPLES, platform, name), "rb") as f:
        return f.read()


def weibo_query(secret=WEIBO_SECRET, ts=None, nonce="57155157", **extra):
    ts = str(int(time.time() * 1000) if ts is None else ts)  # Weibo's timestamps are milliseconds
    q = {"signature": hashlib.sha1("".join(sorted([secret, ts, nonce])).encode()).hexdigest(),
         "timestamp": ts, "nonce": nonce}
    q.update(extra)
    return urllib.parse.urlencode(q)


def bytedance_headers(body, secret=CLIENT_SECRET, header="X-Douyin-Signature", **extra):
    h = {"Content-Type": "application/json", header: hashlib.sha1(secret.encode() + body).hexdigest()}
    h.update(extra)
    return h


class ChannelPlatforms(ServerTestCase):
    server_env = {"WZ_CHANNELS_INBOX_POLL_MS": "200"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.user_headers()["admin"]

        def account(platform, secrets):
            doc = {"unit_id": 1, "platform": platform, "name": platform + "-account",
                   "platform_account_id": platform + "-" + uuid.uuid4().hex[:8], "secrets": secrets}
            s, _, body = cls.server.json("POST", "/api/v1/accounts", doc, cls.admin)
            assert s == 201, body
            return body["account"]["id"]
        cls.weibo = account("weibo", {"app_secret": WEIBO_SECRET, "access_token": "2.00abc"})
        cls.douyin = account("douyin", {"client_key": "awxxxxxxxxxxxxxx", "client_secret": CLIENT_SECRET})
        cls.douyin_unset = account("douyin", {"client_key": "awxxxxxxxxxxxxxx"})
        cls.toutiao = account("toutiao", {"client_key": "tt1234567890abcd", "client_secret": CLIENT_SECRET})

    def inbox(self, account):
        rows = self.db.query(f"SELECT dedupe_key, COALESCE(outcome, '-'), COALESCE(ticket_id, '-') FROM channel_inbox "
                             f"WHERE account_id = {account} ORDER BY id")
        return [r.split("\t") for r in rows.splitlines()]

    def settled(self, account, n):
        """Waits until the account's n inbox rows are all processed; returns them."""
        def done():
            rows = self.inbox(account)
            return rows if len(rows) == n and all(r[1] != "-" for r in rows) else None
        rows = wait_for(done, 10)
        self.assertIsNotNone(rows, (self.inbox(account), self.server.logs()[-2000:]))
        return rows

    def weibo_post(self, body, query=None):
        q = query if query is not None else weibo_query()
        return self.server.request("POST", f"/channels/weibo/{self.weibo}?{q}", body,
                                   {"Content-Type": "application/json"})

    # ---- Weibo ----

    def test_weibo(self):
        q = weibo_query(echostr="weibo-echo-123")
        status, _, body = self.server.request("GET", f"/channels/weibo/{self.weibo}?{q}")
        self.assertEqual((status, body), (200, b"weibo-echo-123"))
        for bad in [weibo_query(secret="wrong", echostr="x"), weibo_query(ts=int(time.time() * 1000) - 400000,
                                                                          echostr="x")]:
            status, _, body = self.server.json("GET", f"/channels/weibo/{self.weibo}?{bad}")
            self.assertError(status, body, 401, "unauthenticated")

        text = sample("weibo", "text.json")
        status, _, body = self.weibo_post(text)
        self.assertEqual((status, body), (200, b""))
        for _ in range(2):  # Weibo retries the same push
            self.assertEqual(self.weibo_post(text)[0], 200)
        rows = self.settled(self.weibo, 1)
        self.assertEqual(rows[0][1], "ticket")
        ticket = rows[0][2]
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{ticket}", None, self.admin)
        self.assertEqual((t["channel"], t["account_id"]), ("weibo", self.weibo))
        self.assertEqual(t["messages"][0]["content"], "东门路口的红绿灯坏了三天了，早高峰很危险")
        # the same person writes again (now): a follow-up of the open ticket
        doc = json.loads(text)
        doc["text"] = "今天早上又有两辆车差点撞上"
        doc["created_at"] = time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime())
        self.assertEqual(self.weibo_post(json.dumps(doc, ensure_ascii=False).encode())[0], 200)
        # a follow event is recorded, nothing more
        self.assertEqual(self.weibo_post(sample("weibo", "event_follow.json"))[0], 200)
        rows = self.settled(self.weibo, 3)
        self.assertEqual([r[1] for r in rows], ["ticket", "follow_up", "ignored"])
        self.assertEqual(rows[1][2], ticket)
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{ticket}", None, self.admin)
        self.assertEqual([m["kind"] for m in t["messages"]], ["message", "follow_up"])

        # refusals, none stored
        self.assertEqual(self.weibo_post(text, query=weibo_query(secret="x"))[0], 401)
        self.assertEqual(self.weibo_post(text, query="timestamp=1&nonce=2")[0], 401)
        self.assertEqual(self.weibo_post(b'{"type": "text", "sender_id": ')[0], 400)
        self.assertEqual(self.weibo_post(b'{"type": "text", "receiver_id": 1, "text": "x"}')[0], 422)
        status, _, body = self.weibo_post(b'{"text": "' + b"a" * (65 * 1024) + b'"}')
        self.assertEqual(status, 413)
        self.assertEqual(len(self.inbox(self.weibo)), 3)

    # ---- Douyin ----

    def douyin_post(self, body, headers=None, account=None):
        h = bytedance_headers(body) if headers is None else headers
        return self.server.request("POST", f"/channels/douyin/{account or self.douyin}", body, h)

    def test_douyin(self):
        verify = sample("douyin", "verify_webhook.json")
        status, hdrs, body = self.douyin_post(verify)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"challenge": 12345})
        self.assertEqual(self.inbox(self.douyin), [])  # nothing stored for the check

        im = sample("douyin", "im_text.json")
        for _ in range(3):  # the first delivery and two retries
            self.assertEqual(self.douyin_post(im, bytedance_headers(im, **{"Msg-Id": "retry-id"}))[0], 200)
        self.assertEqual(self.douyin_post(sample("douyin", "comment.json"))[0], 200)
        self.assertEqual(self.douyin_post(sample("douyin", "create_video.json"))[0], 200)
        rows = self.settled(self.douyin, 3)
        self.assertEqual([r[1] for r in rows], ["ticket", "ticket", "post"])
        self.assertTrue(rows[0][0].startswith("im:") and rows[1][0].startswith("comment:"))
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{rows[0][2]}", None, self.admin)
        self.assertEqual(t["channel"], "douyin")
        self.assertEqual(t["messages"][0]["content"], "你好，我想反映一下小区停车难的问题")
        self.assertEqual(t["citizen_name"], "热心市民小王")  # the nickname Douyin sent
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{rows[1][2]}", None, self.admin)
        self.assertEqual(t["messages"][0]["content"], "视频里说的那条路什么时候修好？")
        posted = self.db.query(f"SELECT last_post_at IS NOT NULL FROM accounts WHERE id = {self.douyin}").strip()
        self.assertEqual(posted, "1")

        # refusals
        self.assertEqual(self.douyin_post(im, bytedance_headers(im, secret="other"))[0], 401)
        self.assertEqual(self.douyin_post(im, {"Content-Type": "application/json"})[0], 401)
        self.assertEqual(self.douyin_post(im.replace("停车难".encode(), "停车易".encode()), bytedance_headers(im))[0],
                         401)  # the body changed after signing
        bad = b'{"event": "im_receive_msg", '
        self.assertEqual(self.douyin_post(bad)[0], 400)
        missing = b'{"event": "im_receive_msg", "content": "{\\"message_type\\": \\"text\\", \\"text\\": \\"x\\"}"}'
        status, _, body = self.douyin_post(missing)
        self.assertEqual(status, 422, body)
        big = b'{"event": "x", "content": "' + b"a" * (65 * 1024) + b'"}'
        self.assertEqual(self.douyin_post(big)[0], 413)
        status, _, body = self.douyin_post(im, account=self.douyin_unset)
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body)["error"]["code"], "not_configured")
        status, _, body = self.server.request("GET", f"/channels/douyin/{self.douyin}")
        self.assertEqual(status, 405)
        self.assertEqual(len(self.inbox(self.douyin)), 3)

    # ---- Toutiao ----

    def test_toutiao(self):
        verify = sample("toutiao", "verify_webhook.json")
        for header in ("X-Douyin-Signature", "X-Toutiao-Signature"):
            status, _, body = self.server.request("POST", f"/channels/toutiao/{self.toutiao}", verify,
                                                  bytedance_headers(verify, header=header))
            self.assertEqual((status, json.loads(body)), (200, {"challenge": 67890}))
        im = sample("toutiao", "im_text.json")
        for _ in range(2):
            status, _, _ = self.server.request("POST", f"/channels/toutiao/{self.toutiao}", im,
                                               bytedance_headers(im, header="X-Toutiao-Signature"))
            self.assertEqual(status, 200)
        self.server.request("POST", f"/channels/toutiao/{self.toutiao}", sample("toutiao", "comment.json"),
                            bytedance_headers(sample("toutiao", "comment.json")))
        rows = self.settled(self.toutiao, 2)
        # the same reader comments on an article right after writing: one open ticket, two messages
        self.assertEqual([r[1] for r in rows], ["ticket", "follow_up"])
        self.assertEqual(rows[0][2], rows[1][2])
        status, _, t = self.server.json("GET", f"/api/v1/tickets/{rows[0][2]}", None, self.admin)
        self.assertEqual(t["channel"], "toutiao")
        status, _, body = self.server.request("POST", f"/channels/toutiao/{self.toutiao}", im,
                                              bytedance_headers(im, secret="wrong"))
        self.assertEqual(status, 401)
        # an account of another platform is not a Toutiao account
        status, _, body = self.server.request("POST", f"/channels/toutiao/{self.douyin}", im, bytedance_headers(im))
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
