"""Who may call what: every route the server registers, with every kind of bad token, and the
non-ticket endpoints with every role, each asserting the exact status. Requests are harmless:
writes carry a body that fails validation, so an allowed caller gets 422 (authorisation runs
before validation) and a refused one 403; deletes name rows that do not exist (404 when
allowed). Ticket scope: another unit's or another citizen's ticket is 404, never 403, so its
existence does not leak. (Each ticket action's own role rules are in test_tickets.py.)"""
import os
import subprocess
import time
import unittest
import uuid

from harness import BIN, ServerTestCase, b64url, demo_secret, mint_token

ROLES = ["citizen", "staff", "reviewer", "dispatcher", "supervisor", "evaluator", "admin"]
EVERYONE = set(ROLES)
STAFF_ROLES = EVERYONE - {"citizen"}
PROBE = {"__probe__": True}  # an unknown field: 422 for whoever may write


def routes():
    env = {k: v for k, v in os.environ.items() if not k.startswith("WZ_")}
    out = subprocess.run([BIN, "routes"], env=env, capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()]


def concrete(pattern):
    return (pattern.replace("{id}", "1").replace("{rid}", "1").replace("{eid}", "1")
            .replace("{date}", "2030-01-01"))


# (method, path, body, allowed roles, status when allowed)
MATRIX = [
    ("GET", "/units", None, EVERYONE, 200),
    ("GET", "/units/1", None, EVERYONE, 200),
    ("GET", "/categories", None, EVERYONE, 200),
    ("GET", "/categories/1", None, EVERYONE, 200),
    ("GET", "/accounts", None, EVERYONE, 200),
    ("GET", "/accounts/1", None, EVERYONE, 200),
    ("GET", "/accounts/health", None, STAFF_ROLES, 200),
    ("GET", "/stats?from=2031-01-01&to=2031-02-01&group_by=unit", None, STAFF_ROLES, 200),
    ("GET", "/stats/ranking?metric=reply_rate&from=2031-01-01&to=2031-02-01", None, STAFF_ROLES, 200),
    ("GET", "/stats/accounts/health", None, STAFF_ROLES, 200),
    ("GET", "/calendar", None, EVERYONE, 200),
    ("GET", "/me", None, EVERYONE, 200),
    ("GET", "/tickets", None, EVERYONE, 200),
    ("GET", "/routing-rules", None, {"dispatcher", "supervisor", "admin"}, 200),
    ("GET", "/routing-rules/1", None, {"dispatcher", "supervisor", "admin"}, 200),
    ("GET", "/sla-policies", None, STAFF_ROLES, 200),
    ("GET", "/sla-policies/1", None, STAFF_ROLES, 200),
    ("GET", "/users", None, {"admin"}, 200),
    ("GET", "/users/1", None, {"admin"}, 200),
    ("GET", "/audit-log", None, {"admin"}, 200),
    ("POST", "/messages", PROBE, {"citizen"}, 422),
    ("POST", "/units", PROBE, {"admin"}, 422),
    ("PATCH", "/units/1", PROBE, {"admin"}, 422),
    ("DELETE", "/units/999999", None, {"admin"}, 404),
    ("POST", "/accounts", PROBE, {"admin"}, 422),
    ("PATCH", "/accounts/1", PROBE, {"admin"}, 422),
    ("DELETE", "/accounts/999999", None, {"admin"}, 404),
    ("POST", "/categories", PROBE, {"admin"}, 422),
    ("PATCH", "/categories/1", PROBE, {"admin"}, 422),
    ("DELETE", "/categories/999999", None, {"admin"}, 404),
    ("POST", "/routing-rules", PROBE, {"admin"}, 422),
    ("PATCH", "/routing-rules/1", PROBE, {"admin"}, 422),
    ("DELETE", "/routing-rules/999999", None, {"admin"}, 404),
    ("PATCH", "/sla-policies/1", PROBE, {"admin"}, 422),
    ("POST", "/users", PROBE, {"admin"}, 422),
    ("PATCH", "/users/1", PROBE, {"admin"}, 422),
    ("PUT", "/calendar/days/2030-01-01", PROBE, {"admin"}, 422),
    ("DELETE", "/calendar/days/2030-01-01", None, {"admin"}, 404),
    ("PUT", "/calendar/working-periods", PROBE, {"admin"}, 422),
    ("GET", "/outbox", None, {"admin"}, 200),
    ("POST", "/outbox/999999/retry", None, {"admin"}, 404),
    ("GET", "/channel-inbox", None, {"admin"}, 200),
    ("POST", "/channel-inbox/999999/retry", None, {"admin"}, 404),
    ("GET", "/reply-templates", None, STAFF_ROLES, 200),
    ("GET", "/reply-templates/1", None, STAFF_ROLES, 200),
    ("POST", "/reply-templates", PROBE, {"admin"}, 422),
    ("PATCH", "/reply-templates/1", PROBE, {"admin"}, 422),
    ("DELETE", "/reply-templates/999999", None, {"admin"}, 404),
    ("POST", "/uploads", PROBE, EVERYONE, 415),  # a JSON body is not a photo
    ("GET", "/uploads/999999", None, EVERYONE, 404),
    ("GET", "/public/config", None, EVERYONE, 200),
    ("GET", "/public/units", None, EVERYONE, 200),
    # (GET /events/stream: its roles are in test_console_api.py, as its 200 never ends)
]


# ticket actions: who takes each (docs/lifecycle.md); a probe body shows the role check passed
TICKET_ACTIONS = [
    ("dispatch", {"dispatcher", "admin"}),
    ("sign", {"staff", "admin"}),
    ("replies", {"staff", "admin"}),
    ("replies/1/review", {"reviewer", "admin"}),
    ("return", {"staff", "supervisor", "admin"}),
    ("transfer", {"staff", "dispatcher", "supervisor", "admin"}),
    ("extensions", {"staff", "admin"}),
    ("extensions/1/decision", {"supervisor", "admin"}),
    ("supervise", {"supervisor", "admin"}),
    ("request-info", {"staff", "admin"}),
    ("follow-ups", {"citizen"}),
    ("rating", {"citizen"}),
    ("close", {"dispatcher", "supervisor", "admin"}),
    ("merge", {"dispatcher", "supervisor", "admin"}),
    ("reveal", {"staff", "reviewer", "dispatcher", "supervisor", "admin"}),
    ("publication", {"staff", "reviewer", "dispatcher", "supervisor", "admin"}),
]


class Access(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret = demo_secret(cls.data_dir)
        rows = cls.db.query("SELECT u.username, u.id, u.role, u.unit_id, n.path FROM users u "
                            "JOIN units n ON n.id = u.unit_id").strip().splitlines()
        users = {}
        for line in rows:
            name, uid, role, unit, path = line.split("\t")
            users[name] = mint_token(cls.secret, uid, role, int(unit), path)
        cls.tokens = {"citizen": mint_token(cls.secret, 1001, "citizen"), "staff": users["staff_zjj"],
                      "reviewer": users["reviewer_zjj"], "dispatcher": users["dispatcher"],
                      "supervisor": users["supervisor"], "evaluator": users["evaluator"], "admin": users["admin"]}
        cls.users = users

    def call(self, token, method, path, body=None):
        headers = {"Authorization": "Bearer " + token} if token else {}
        return self.server.json(method, "/api/v1" + path, body, headers)

    def test_every_role_on_every_non_ticket_endpoint(self):
        wrong = []
        for method, path, body, allowed, ok_status in MATRIX:
            for role in ROLES:
                status, _, answer = self.call(self.tokens[role], method, path, body)
                want = ok_status if role in allowed else 403
                if status != want:
                    wrong.append(f"{role} {method} {path}: {status}, want {want}: {answer}")
        self.assertEqual(wrong, [])

    def test_every_role_on_every_ticket_action(self):
        """On a ticket every caller here can see (the citizen's own, dispatched to unit 3, whose
        staff and reviewer these are; the others' scope is the whole city), each role that may
        take an action gets past the role check to the body check (422), the others get 403."""
        status, _, body = self.call(self.tokens["citizen"], "POST", "/messages",
                                    {"type": "help", "content": "楼道灯坏了", "unit_id": 3})
        self.assertEqual(status, 201, body)
        tid = body["ticket"]["id"]
        wrong = []
        for action, allowed in TICKET_ACTIONS:
            for role in ROLES:
                status, _, answer = self.call(self.tokens[role], "POST", f"/tickets/{tid}/{action}", PROBE)
                want = 422 if role in allowed else 403
                if status != want:
                    wrong.append(f"{role} {action}: {status}, want {want}: {answer}")
        self.assertEqual(wrong, [])
        status, _, answer = self.call(self.tokens["admin"], "GET", f"/tickets/{tid}")
        self.assertEqual(answer["status"], "dispatched")  # no probe changed anything
        for role in ROLES:
            self.assertEqual(self.call(self.tokens[role], "GET", f"/tickets/{tid}")[0], 200, role)

    def test_every_route_refuses_bad_tokens(self):
        now = int(time.time())
        admin_id = self.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        header_none = b64url(b'{"alg":"none","typ":"JWT"}')
        claims = b64url(('{"sub":"%s","role":"admin","unit":1,"upath":"/1/","typ":"access","iat":%d,"exp":%d}'
                         % (admin_id, now, now + 900)).encode())
        bad = {
            "none": None,
            "expired": mint_token(self.secret, admin_id, "admin", 1, "/1/", ttl=60, now=now - 3600),
            "other key": mint_token("k" * 64, admin_id, "admin", 1, "/1/"),
            "alg none": header_none + "." + claims + ".",
            "HS512": mint_token(self.secret, admin_id, "admin", 1, "/1/", alg="HS512"),
            "refresh typ": mint_token(self.secret, admin_id, "admin", 1, "/1/", typ="refresh"),
            "garbage": "not.a.token",
        }
        wrong, checked = [], 0
        for method, pattern, _name, access in routes():
            if access != "token" or not pattern.startswith("/api/v1/"):
                continue
            path = concrete(pattern)[len("/api/v1"):]
            for label, token in bad.items():
                status, headers, body = self.call(token, method, path, {} if method != "GET" else None)
                checked += 1
                if status != 401 or body["error"]["code"] != "unauthenticated" or "www-authenticate" not in headers:
                    wrong.append(f"{label}: {method} {path}: {status} {body}")
        self.assertEqual(wrong, [])
        self.assertGreater(checked, 40 * len(bad))

    def test_tickets_outside_the_scope_do_not_exist(self):
        status, _, body = self.call(self.tokens["citizen"], "POST", "/messages",
                                    {"type": "complaint", "content": "小区电梯坏了", "unit_id": 3})
        self.assertEqual(status, 201, body)
        tid = body["ticket"]["id"]
        other_unit = self.users["staff_rsj"]      # unit 4
        other_citizen = mint_token(self.secret, 1002, "citizen")
        for token in (other_unit, other_citizen):
            for method, path, doc in [("GET", f"/tickets/{tid}", None), ("POST", f"/tickets/{tid}/sign", None),
                                      ("POST", f"/tickets/{tid}/follow-ups", {"content": "补充"}),
                                      ("POST", f"/tickets/{tid}/replies", {"content": "答复"})]:
                status, _, answer = self.call(token, method, path, doc)
                self.assertError(status, answer, 404, "not_found")
            status, _, page = self.call(token, "GET", "/tickets")
            self.assertNotIn(tid, [t["id"] for t in page["items"]])
        # in scope but not the caller's action: 403
        status, _, answer = self.call(self.tokens["citizen"], "POST", f"/tickets/{tid}/sign")
        self.assertError(status, answer, 403, "forbidden")
        status, _, answer = self.call(self.tokens["evaluator"], "POST", f"/tickets/{tid}/sign")
        self.assertError(status, answer, 403, "forbidden")
        status, _, answer = self.call(self.tokens["staff"], "POST", f"/tickets/{tid}/sign")
        self.assertEqual(status, 200, answer)


if __name__ == "__main__":
    unittest.main()
