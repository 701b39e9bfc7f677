"""Sign-in through HTTP against a real MariaDB: login with argon2id, access and rotating refresh
tokens, reuse detection that ends a whole family, logout, /me, a refresh that picks up a moved
unit, disabled users, throttling per username and per address (429 + Retry-After), and the
audit trail of all of it."""
import base64
import json
import time
import unittest

from harness import ServerTestCase, wait_for

PASSWORD = "wenzheng-demo"  # the demo seed's password for every demo user


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class AuthBase(ServerTestCase):
    def post(self, path, doc):
        return self.server.json("POST", "/api/v1" + path, doc)

    def login(self, username, password=PASSWORD, want=200):
        status, headers, body = self.post("/auth/login", {"username": username, "password": password})
        self.assertEqual(status, want, body)
        return body if want == 200 else (status, headers, body)

    def me(self, access):
        return self.server.json("GET", "/api/v1/me", None, {"Authorization": "Bearer " + access})

    def audit(self, action):
        return int(self.db.query(f"SELECT COUNT(*) FROM audit_log WHERE action = '{action}'").strip())


class Login(AuthBase):
    def test_login_gives_working_tokens(self):
        s = self.login("staff_zjj")
        self.assertEqual((s["token_type"], s["expires_in"]), ("Bearer", 900))
        self.assertEqual(len(s["refresh_token"]), 43)
        u = s["user"]
        self.assertEqual((u["username"], u["role"], u["unit_id"], u["unit_path"], u["display_name"]),
                         ("staff_zjj", "staff", "3", "/1/3/", "住建局办理员"))
        c = claims(s["access_token"])
        self.assertEqual((c["role"], c["unit"], c["upath"], c["typ"]), ("staff", 3, "/1/3/", "access"))
        self.assertEqual(c["exp"] - c["iat"], 900)
        self.assertGreaterEqual(len(c["jti"]), 20)
        status, _, body = self.me(s["access_token"])
        self.assertEqual(status, 200, body)
        self.assertEqual((body["user"]["username"], body["user"]["unit_name"]), ("staff_zjj", "示范市住房和城乡建设局"))
        status, _, body = self.server.json("GET", "/api/v1/tickets", None,
                                           {"Authorization": "Bearer " + s["access_token"]})
        self.assertEqual(status, 200, body)
        stored = self.db.query("SELECT COUNT(*) FROM refresh_tokens WHERE subject_kind = 'user' AND "
                               f"HEX(token_hash) = HEX(UNHEX(SHA2('{s['refresh_token']}', 256)))").strip()
        self.assertEqual(stored, "1")  # only the hash is kept
        self.assertGreaterEqual(self.audit("auth.login"), 1)
        # the audit trail is append-only for the application's own database user
        for q in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            r = self.db.as_app(q)
            self.assertNotEqual(r.returncode, 0, q)
            self.assertIn("denied", r.stderr)

    def test_wrong_password_unknown_user_and_disabled_user_look_the_same(self):
        answers = []
        for username, password in [("staff_rsj", "not-the-password"), ("nobody-here", PASSWORD)]:
            status, headers, body = self.login(username, password, want=401)
            self.assertEqual(body["error"]["code"], "unauthenticated")
            answers.append(body["error"]["message"])
        self.db.query("UPDATE users SET disabled = 1 WHERE username = 'staff_xcwj'")
        status, headers, body = self.login("staff_xcwj", PASSWORD, want=401)
        answers.append(body["error"]["message"])
        self.assertEqual(len(set(answers)), 1)
        self.assertGreaterEqual(self.audit("auth.login_failed"), 3)

    def test_bad_bodies(self):
        for doc in [{"username": "admin"}, {"username": "admin", "password": PASSWORD, "otp": 1},
                    {"username": "", "password": "x"}, {"username": "admin", "password": ""},
                    {"username": "a" * 65, "password": "x"}, ["admin", PASSWORD]]:
            status, _, body = self.post("/auth/login", doc)
            self.assertError(status, body, 422, "validation_failed")


class Refresh(AuthBase):
    def refresh(self, token):
        return self.post("/auth/refresh", {"refresh_token": token})

    def test_rotation_and_reuse_ends_the_family(self):
        first = self.login("dispatcher")
        status, _, second = self.refresh(first["refresh_token"])
        self.assertEqual(status, 200, second)
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertNotEqual(claims(second["access_token"])["jti"], claims(first["access_token"])["jti"])
        self.assertEqual(self.me(second["access_token"])[0], 200)
        # the first token again: stolen; the whole family ends, the newest token too
        status, _, body = self.refresh(first["refresh_token"])
        self.assertError(status, body, 401, "unauthenticated")
        self.assertIn("used before", body["error"]["message"])
        status, _, body = self.refresh(second["refresh_token"])
        self.assertError(status, body, 401, "unauthenticated")
        self.assertGreaterEqual(self.audit("auth.refresh_reused"), 1)
        # another session of the same user is a family of its own and goes on
        other = self.login("dispatcher")
        self.assertEqual(self.refresh(other["refresh_token"])[0], 200)

    def test_logout(self):
        s = self.login("supervisor")
        status, _, body = self.post("/auth/logout", {"refresh_token": s["refresh_token"]})
        self.assertEqual(status, 204, body)
        status, _, body = self.refresh(s["refresh_token"])
        self.assertError(status, body, 401, "unauthenticated")
        # logging out twice, or with a token never issued, is still done
        self.assertEqual(self.post("/auth/logout", {"refresh_token": s["refresh_token"]})[0], 204)
        self.assertEqual(self.post("/auth/logout", {"refresh_token": "x" * 43})[0], 204)

    def test_refresh_reads_the_user_again(self):
        s = self.login("staff_donghua")
        self.assertEqual(claims(s["access_token"])["upath"], "/1/5/7/")
        self.db.query("UPDATE units SET parent_id = 8, path = '/1/8/7/' WHERE id = 7")
        try:
            status, _, body = self.refresh(s["refresh_token"])
            self.assertEqual(status, 200, body)
            self.assertEqual(claims(body["access_token"])["upath"], "/1/8/7/")
            self.db.query("UPDATE users SET disabled = 1 WHERE username = 'staff_donghua'")
            status, _, gone = self.refresh(body["refresh_token"])
            self.assertError(status, gone, 401, "unauthenticated")
            self.assertEqual(self.me(body["access_token"])[0], 401)
        finally:
            self.db.query("UPDATE units SET parent_id = 5, path = '/1/5/7/' WHERE id = 7; "
                          "UPDATE users SET disabled = 0 WHERE username = 'staff_donghua'")

    def test_not_a_token(self):
        for doc in [{"refresh_token": "short"}, {"refresh_token": "!" * 43}, {"refresh_token": "A" * 43}]:
            status, _, body = self.post("/auth/refresh", doc)
            self.assertError(status, body, 401, "unauthenticated")
        status, _, body = self.post("/auth/refresh", {})
        self.assertError(status, body, 422, "validation_failed")


class Revocation(AuthBase):
    """Access tokens of a disabled user, or issued before a new password, are refused before they
    expire: at once on the server that made the change, within auth.revocation_refresh_ms on the
    others (here: a change made in SQL)."""
    server_env = {"WZ_AUTH_REVOCATION_REFRESH_MS": "200"}

    def get(self, access, path="/api/v1/tickets"):
        return self.server.json("GET", path, None, {"Authorization": "Bearer " + access})

    def user_id(self, name):
        return self.db.query(f"SELECT id FROM users WHERE username = '{name}'").strip()

    def test_disable_and_new_password_through_the_api(self):
        admin = self.login("admin")["access_token"]
        s = self.login("staff_rsj")
        self.assertEqual(self.get(s["access_token"])[0], 200)
        uid = self.user_id("staff_rsj")
        h = {"Authorization": "Bearer " + admin}
        time.sleep(1.1)  # revocations count to the second: s is from an earlier one
        status, _, body = self.server.json("PATCH", f"/api/v1/users/{uid}", {"disabled": True}, h)
        self.assertEqual(status, 200, body)
        status, _, body = self.get(s["access_token"])
        self.assertError(status, body, 401, "unauthenticated")
        self.assertIn("session was ended", body["error"]["message"])
        self.assertEqual(self.server.json("PATCH", f"/api/v1/users/{uid}", {"disabled": False}, h)[0], 200)
        time.sleep(1.1)
        fresh = self.login("staff_rsj")
        self.assertEqual(self.get(fresh["access_token"])[0], 200)
        self.assertEqual(self.get(s["access_token"])[0], 401)  # issued before the revocation
        time.sleep(1.1)
        status, _, body = self.server.json("PATCH", f"/api/v1/users/{uid}", {"password": "brand-new-secret-7"}, h)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.get(fresh["access_token"])[0], 401)
        again = self.login("staff_rsj", "brand-new-secret-7")  # in the same second: still good
        self.assertEqual(self.get(again["access_token"])[0], 200)

    def test_a_change_made_elsewhere(self):
        s = self.login("staff_dcjy")
        self.assertEqual(self.get(s["access_token"])[0], 200)
        self.db.query("UPDATE users SET disabled = 1 WHERE username = 'staff_dcjy'")
        try:
            self.assertTrue(wait_for(lambda: self.get(s["access_token"])[0] == 401, timeout=5, interval=0.1))
        finally:
            self.db.query("UPDATE users SET disabled = 0 WHERE username = 'staff_dcjy'")
        self.assertTrue(wait_for(lambda: self.get(s["access_token"])[0] == 200, timeout=5, interval=0.1))


class ThrottleByName(AuthBase):
    def test_a_username_locks_after_five_failures(self):
        for _ in range(4):
            self.login("reviewer_rsj", "wrong", want=401)
        self.login("reviewer_rsj", "wrong", want=401)  # the 5th locks for 30 s
        status, headers, body = self.login("reviewer_rsj", PASSWORD, want=429)
        self.assertEqual(body["error"]["code"], "rate_limited")
        self.assertTrue(25 <= int(headers["retry-after"]) <= 30, headers)
        # other users from the same address are not locked out by it
        self.login("reviewer_zjj")


class ThrottleByAddress(AuthBase):
    def test_an_address_locks_after_many_failures(self):
        for i in range(21):
            self.login(f"guess-{i}", "wrong", want=401)
        status, headers, body = self.login("admin", PASSWORD, want=429)
        self.assertEqual(body["error"]["code"], "rate_limited")
        self.assertGreater(int(headers["retry-after"]), 0)


if __name__ == "__main__":
    unittest.main()
