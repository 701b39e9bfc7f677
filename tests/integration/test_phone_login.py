"""The web message board's sign-in by phone and one-time code, against a real MariaDB: the code
goes out through the log driver (read back from the server's log), a session follows that works
on the citizen endpoints, the same number is the same citizen, and the limits hold: one code a
minute per number (429 + Retry-After), a wrong code counts, five wrong tries end the code, a
code is used once. Only keyed hashes of numbers and codes are stored."""
import re
import time
import unittest
import uuid

from harness import ServerTestCase


class PhoneLogin(ServerTestCase):
    def post(self, path, doc):
        return self.server.json("POST", "/api/v1/auth/" + path, doc)

    def code_for(self, masked, since):
        """The newest code the log driver wrote for a number, after `since` log characters."""
        found = re.findall(r"to " + re.escape(masked) + r": [^0-9]*(\d{6})", self.server.logs()[since:])
        self.assertTrue(found, "no code in the log")
        return found[-1]

    def test_sign_in_ask_and_stay_the_same_citizen(self):
        mark = len(self.server.logs())
        status, _, body = self.post("phone-code", {"phone": "+86 138-1234-5678"})
        self.assertEqual(status, 202, body)
        self.assertEqual(body, {"expires_in": 300, "resend_after": 60})
        time.sleep(0.3)  # the log is written by its own thread
        code = self.code_for("138****5678", mark)
        status, _, s = self.post("phone", {"phone": "13812345678", "code": code})
        self.assertEqual(status, 200, s)
        self.assertEqual(s["user"]["role"], "citizen")
        auth = {"Authorization": "Bearer " + s["access_token"]}
        status, _, t = self.server.json("POST", "/api/v1/messages",
                                        {"type": "help", "content": "网站留言：路灯不亮", "channel": "web"},
                                        dict(auth, **{"Idempotency-Key": uuid.uuid4().hex}))
        self.assertEqual((status, t["ticket"]["channel"]), (201, "web"))
        # used once
        status, _, body = self.post("phone", {"phone": "13812345678", "code": code})
        self.assertError(status, body, 401, "unauthenticated")
        self.assertEqual(body["error"]["field"], "code")
        # nothing readable is stored
        self.assertEqual(self.db.query("SELECT phone_masked FROM citizens WHERE id = %s" % s["user"]["id"]).strip(),
                         "138****5678")
        dump = self.db.query("SELECT HEX(phone_hash), HEX(code_hash) FROM phone_codes") + \
            self.db.query("SELECT HEX(phone_hash) FROM citizens WHERE phone_hash IS NOT NULL")
        self.assertNotIn("13812345678".encode().hex().upper(), dump)
        self.assertNotIn(code.encode().hex().upper(), dump)
        # a minute later, the same number signs in as the same citizen
        self.db.query("UPDATE phone_codes SET created_at = created_at - INTERVAL 2 MINUTE")
        mark = len(self.server.logs())
        self.assertEqual(self.post("phone-code", {"phone": "13812345678"})[0], 202)
        time.sleep(0.3)
        status, _, again = self.post("phone", {"phone": "138 1234 5678", "code": self.code_for("138****5678", mark)})
        self.assertEqual((status, again["user"]["id"]), (200, s["user"]["id"]))
        n = self.db.query("SELECT COUNT(*) FROM audit_log WHERE action IN ('auth.phone_code', 'auth.phone_login')")
        self.assertGreaterEqual(int(n), 4)

    def test_limits(self):
        self.assertEqual(self.post("phone-code", {"phone": "13900000001"})[0], 202)
        status, headers, body = self.post("phone-code", {"phone": "13900000001"})
        self.assertError(status, body, 429, "rate_limited")
        self.assertTrue(50 <= int(headers["retry-after"]) <= 60, headers)
        # wrong codes count; the fifth ends the code, even for the right one afterwards
        time.sleep(0.3)
        code = self.code_for("139****0001", 0)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            status, _, body = self.post("phone", {"phone": "13900000001", "code": wrong})
            self.assertError(status, body, 401, "unauthenticated")
        status, _, body = self.post("phone", {"phone": "13900000001", "code": code})
        self.assertError(status, body, 401, "unauthenticated")
        # an expired code
        self.db.query("UPDATE phone_codes SET created_at = created_at - INTERVAL 10 MINUTE, "
                      "expires_at = expires_at - INTERVAL 10 MINUTE")
        mark = len(self.server.logs())
        self.assertEqual(self.post("phone-code", {"phone": "13900000001"})[0], 202)
        time.sleep(0.3)
        fresh = self.code_for("139****0001", mark)
        self.db.query("UPDATE phone_codes SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND")
        status, _, body = self.post("phone", {"phone": "13900000001", "code": fresh})
        self.assertError(status, body, 401, "unauthenticated")

    def test_bad_input(self):
        for doc in [{}, {"phone": "12345"}, {"phone": "23812345678"}, {"phone": "1381234567x"},
                    {"phone": "13812345678", "x": 1}, {"phone": 13812345678}]:
            status, _, body = self.post("phone-code", doc)
            self.assertError(status, body, 422, "validation_failed")
        for doc in [{"phone": "13812345678"}, {"phone": "13812345678", "code": "12345"},
                    {"phone": "13812345678", "code": "abcdef"}, {"phone": "1", "code": "123456"}]:
            status, _, body = self.post("phone", doc)
            self.assertError(status, body, 422, "validation_failed")
        # never asked for a code: the same refusal as a wrong one
        status, _, body = self.post("phone", {"phone": "13700000000", "code": "123456"})
        self.assertError(status, body, 401, "unauthenticated")


if __name__ == "__main__":
    unittest.main()
