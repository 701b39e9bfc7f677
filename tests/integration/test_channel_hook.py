"""The generic signed webhook (/channels/hook/{account_id}) through HTTP against a real MariaDB:
a signed delivery becomes a routed ticket, a retried or replayed one returns the same ticket,
and every way of getting it wrong answers what it should: a wrong or missing signature, a
timestamp out of the 5-minute window, an account that takes no hooks, no secret, a bad body."""
import hashlib
import hmac
import json
import time
import unittest
import uuid

from harness import ServerTestCase

SECRET = "hotline-hmac-secret-0123456789"


def sign(body, ts=None, secret=SECRET):
    ts = str(int(time.time()) if ts is None else ts)
    sig = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Wz-Timestamp": ts, "X-Wz-Signature": sig, "Content-Type": "application/json"}


class ChannelHook(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.user_headers()["admin"]

        def account(platform, name, secrets=None, status="active"):
            doc = {"unit_id": 1, "platform": platform, "name": name, "status": status,
                   "platform_account_id": name + "-" + uuid.uuid4().hex[:6]}
            if secrets:
                doc["secrets"] = secrets
            s, _, body = cls.server.json("POST", "/api/v1/accounts", doc, cls.admin)
            assert s == 201, body
            return body["account"]["id"]
        cls.hotline = account("hotline_12345", "hotline", {"hmac_secret": SECRET})
        cls.no_secret = account("app", "app-without-secret", {"token": "x"})
        cls.wechat = account("wechat_oa", "wechat", {"hmac_secret": SECRET})
        cls.suspended = account("other", "suspended", {"hmac_secret": SECRET}, status="suspended")

    def deliver(self, doc, account=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(doc, ensure_ascii=False).encode()
        h = sign(body) if headers is None else headers
        status, hdrs, data = self.server.request("POST", f"/channels/hook/{account or self.hotline}", body, h)
        return status, hdrs, (json.loads(data) if data else None)

    def test_a_delivery_becomes_a_routed_ticket_once(self):
        doc = {"external_id": "12345-" + uuid.uuid4().hex[:8], "type": "complaint",
               "content": "小区物业长期不处理漏水问题", "contact_name": "李女士", "contact_phone": "13900001111"}
        status, _, body = self.deliver(doc)
        self.assertEqual(status, 201, body)
        t = body["ticket"]
        self.assertEqual((t["status"], t["unit_id"], body["duplicate"]), ("dispatched", "3", False))  # keyword rule
        self.assertRegex(t["no"], r"^WZ\d{14}$")
        self.assertRegex(t["promised_reply_at"], r"\+08:00$")
        status, _, full = self.server.json("GET", f"/api/v1/tickets/{t['id']}", None, self.admin)
        self.assertEqual((full["channel"], full["account_id"], full["contact"], full["title"]),
                         ("hotline_12345", self.hotline, "139****1111", "小区物业长期不处理漏水问题"))
        # the sender retries (a new timestamp and signature): the same ticket, nothing new
        status, _, again = self.deliver(doc)
        self.assertEqual((status, again["ticket"]["id"], again["duplicate"]), (200, t["id"], True))
        # a captured request replayed inside the window: the same answer, nothing new
        raw = json.dumps(doc, ensure_ascii=False).encode()
        headers = sign(raw)
        self.assertEqual(self.deliver(None, raw=raw, headers=headers)[0], 200)
        self.assertEqual(self.deliver(None, raw=raw, headers=headers)[0], 200)
        n = self.db.query(f"SELECT COUNT(*) FROM tickets WHERE external_id = '{doc['external_id']}'").strip()
        self.assertEqual(n, "1")

    def test_signatures_and_the_window(self):
        raw = json.dumps({"external_id": "sig-1", "content": "问一下"}).encode()
        now = int(time.time())
        for headers in [sign(raw, secret="another-secret"),
                        sign(raw, ts=now - 301), sign(raw, ts=now + 330),  # +330: the clock moves on
                        dict(sign(raw), **{"X-Wz-Signature": "00" * 32}),
                        dict(sign(raw), **{"X-Wz-Signature": "xyz"}),
                        dict(sign(raw), **{"X-Wz-Timestamp": "soon"}),
                        {"Content-Type": "application/json"}]:
            status, _, body = self.deliver(None, raw=raw, headers=headers)
            self.assertError(status, body, 401, "unauthenticated")
        # a body changed after signing
        headers = sign(raw)
        status, _, body = self.deliver(None, raw=raw.replace(b"sig-1", b"sig-2"), headers=headers)
        self.assertError(status, body, 401, "unauthenticated")
        # upper-case hex and the edge of the window are fine
        h = sign(raw, ts=now - 290)
        h["X-Wz-Signature"] = h["X-Wz-Signature"].upper()
        self.assertEqual(self.deliver(None, raw=raw, headers=h)[0], 201)

    def test_accounts_that_take_no_hooks(self):
        doc = {"external_id": "acc-1", "content": "问一下"}
        for account in (self.wechat, self.suspended, "999999", "abc"):
            status, _, body = self.deliver(doc, account=account)
            self.assertError(status, body, 404, "not_found")
        status, _, body = self.deliver(doc, account=self.no_secret)
        self.assertError(status, body, 503, "not_configured")

    def test_bad_bodies(self):
        for doc, field in [({"content": "没有编号"}, None),
                           ({"external_id": "b-1"}, None),
                           ({"external_id": "b 2", "content": "x"}, "external_id"),
                           ({"external_id": "b-3", "content": "   "}, "content"),
                           ({"external_id": "b-4", "content": "x", "type": "rumour"}, "type"),
                           ({"external_id": "b-5", "content": "x", "unit_id": 999999}, "unit_id"),
                           ({"external_id": "b-6", "content": "x", "category_id": "2"}, "category_id"),
                           ({"external_id": "b-7", "content": "x", "contact_phone": "call me"}, "contact_phone"),
                           ({"external_id": "b-8", "content": "x", "colour": "red"}, None)]:
            status, _, body = self.deliver(doc)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"].get("field"), field, doc)
        status, _, body = self.deliver(None, raw=b'{"external_id": ')
        self.assertError(status, body, 400, "invalid_json")
        raw = b'{"external_id": "t-1", "content": "x"}'
        h = dict(sign(raw), **{"Content-Type": "text/plain"})
        status, _, body = self.deliver(None, raw=raw, headers=h)
        self.assertError(status, body, 415, "unsupported_media_type")


if __name__ == "__main__":
    unittest.main()
