"""The mini-program sign-in (POST /api/v1/auth/miniprogram) against a fake WeChat API on
loopback: success and the citizen record (by openid, by unionid across apps), the token it
gives working on the citizen endpoints, refresh, a blocked citizen, WeChat's error codes, and
WeChat slow, broken or down (502 with a clear error, never a hang)."""
import socket
import time
import unittest
import uuid

from fake_wechat import FakeWeChat
from harness import Server, ServerTestCase

APPID, SECRET = "wx00000000000de0a0", "demo-miniprogram-secret-00000000"  # the demo values


class WeChatLogin(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeWeChat(APPID, SECRET)
        cls.server_env = {"WZ_WECHAT_API_BASE": cls.fake.base, "WZ_WECHAT_TIMEOUT_MS": "1000"}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.fake.stop()

    def sign_in(self, code):
        return self.server.json("POST", "/api/v1/auth/miniprogram", {"code": code})

    def test_sign_in_and_use_the_token(self):
        status, _, s = self.sign_in("code-ok-alice")
        self.assertEqual(status, 200, s)
        self.assertEqual(s["user"]["role"], "citizen")
        cid = int(s["user"]["id"])
        self.assertGreaterEqual(cid, 100000)
        path, q = self.fake.calls[-1]
        self.assertEqual((path, q["appid"], q["secret"], q["js_code"], q["grant_type"]),
                         ("/sns/jscode2session", APPID, SECRET, "code-ok-alice", "authorization_code"))
        auth = {"Authorization": "Bearer " + s["access_token"]}
        status, _, body = self.server.json("POST", "/api/v1/messages",
                                           {"type": "consultation", "content": "小程序登录后提问"},
                                           dict(auth, **{"Idempotency-Key": uuid.uuid4().hex}))
        self.assertEqual(status, 201, body)
        status, _, mine = self.server.json("GET", "/api/v1/tickets", None, auth)
        self.assertEqual([t["id"] for t in mine["items"]], [body["ticket"]["id"]])
        self.assertEqual(self.server.json("GET", "/api/v1/me", None, auth)[2]["user"], {"id": str(cid), "role": "citizen"})
        # the same WeChat user again is the same citizen
        self.assertEqual(int(self.sign_in("code-ok-alice")[2]["user"]["id"]), cid)
        self.assertNotEqual(int(self.sign_in("code-ok-bob")[2]["user"]["id"]), cid)
        # refresh keeps the citizen
        status, _, r = self.server.json("POST", "/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]})
        self.assertEqual((status, r["user"]["id"], r["user"]["role"]), (200, str(cid), "citizen"))
        n = self.db.query("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.miniprogram_login'").strip()
        self.assertGreaterEqual(int(n), 2)

    def test_unionid_is_one_person_across_apps(self):
        a = self.sign_in("code-union-carol-one")[2]["user"]["id"]
        b = self.sign_in("code-union-carol-two")[2]["user"]["id"]  # another openid, same unionid
        self.assertEqual(a, b)

    def test_a_blocked_citizen(self):
        status, _, s = self.sign_in("code-ok-dave")
        self.assertEqual(status, 200, s)
        self.db.query(f"UPDATE citizens SET disabled = 1 WHERE id = {s['user']['id']}")
        status, _, body = self.sign_in("code-ok-dave")
        self.assertError(status, body, 403, "forbidden")
        status, _, body = self.server.json("POST", "/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]})
        self.assertError(status, body, 401, "unauthenticated")

    def test_wechat_refusals(self):
        for code, want_status, want_code in [("code-bad", 401, "unauthenticated"),
                                             ("code-used", 401, "unauthenticated"),
                                             ("code-limit", 429, "rate_limited"),
                                             ("code-busy", 502, "upstream_failed"),
                                             ("code-500", 502, "upstream_failed"),
                                             ("code-garbage", 502, "upstream_failed")]:
            status, headers, body = self.sign_in(code)
            self.assertError(status, body, want_status, want_code)
        status, _, body = self.sign_in("code-bad")
        self.assertIn("40029", body["error"]["message"])
        self.assertEqual(body["error"]["field"], "code")
        for doc in [{}, {"code": ""}, {"code": "has space"}, {"code": "x" * 129}, {"code": 5},
                    {"code": "code-ok-x", "extra": 1}]:
            status, _, body = self.server.json("POST", "/api/v1/auth/miniprogram", doc)
            self.assertError(status, body, 422, "validation_failed")

    def test_wechat_slow_or_down(self):
        t0 = time.monotonic()
        status, _, body = self.sign_in("code-slow")  # answers after 3 s; the deadline is 1 s
        self.assertError(status, body, 502, "upstream_failed")
        self.assertLess(time.monotonic() - t0, 2.9)
        # WeChat unreachable: a second server pointed at a port nobody listens on
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        env = dict(self.env, WZ_WECHAT_API_BASE=f"http://127.0.0.1:{dead}")
        other = Server(env)
        try:
            status, _, body = other.json("POST", "/api/v1/auth/miniprogram", {"code": "code-ok-erin"})
            self.assertError(status, body, 502, "upstream_failed")
            self.assertIn("WeChat did not answer", body["error"]["message"])
            # the server is fine afterwards
            self.assertEqual(other.request("GET", "/healthz")[0], 200)
        finally:
            self.assertEqual(other.stop(), 0, other.logs()[-2000:])


class NotConfigured(ServerTestCase):
    server_env = {"WZ_MINIPROGRAM_APPID": "wx1111111111111111", "WZ_MINIPROGRAM_SECRET": ""}

    def test_without_a_secret_the_sign_in_says_so(self):
        status, _, body = self.server.json("POST", "/api/v1/auth/miniprogram", {"code": "code-ok-x"})
        self.assertError(status, body, 503, "not_configured")


if __name__ == "__main__":
    unittest.main()
