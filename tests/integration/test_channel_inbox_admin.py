"""The channel inbox for admins (GET /api/v1/channel-inbox, POST /api/v1/channel-inbox/{id}/retry)
against a real server and MariaDB. Rows are written with SQL in every state: a message without
content fails (max_attempts 1) and is set aside with its error; once its payload is fixed, a
retry through the API makes it due, audited, and it becomes a ticket; a processed row cannot be
retried (409); a pending row waiting for its backoff is processed at once, and with the
sweeper ten minutes away (a second server) the retry alone makes the ticket. Lists filter by
outcome, account and ticket, page newest first, and show the content with personal numbers
masked and never the sender's nickname or location. Only admins: 403 for a dispatcher and a
staff member, 401 without a token; 404 for an unknown row, 422 for bad filters."""
import json
import unittest
import uuid

from harness import ServerTestCase, wait_for

MOBILE = "13812345678"


class ChannelInboxAdmin(ServerTestCase):
    server_env = {"WZ_CHANNELS_INBOX_MAX_ATTEMPTS": "1", "WZ_CHANNELS_INBOX_POLL_MS": "200",
                  "WZ_SLA_ENABLED": "false"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = cls.user_headers()
        cls.admin = cls.users["admin"]

    # ---- helpers ----

    def account(self):
        name = "oa-" + uuid.uuid4().hex[:8]
        doc = {"unit_id": 1, "platform": "wechat_oa", "name": name, "platform_account_id": name,
               "secrets": {"token": "inbox-admin-token"}}
        s, _, body = self.server.json("POST", "/api/v1/accounts", doc, self.admin)
        self.assertEqual(s, 201, body)
        return body["account"]["id"]

    def put(self, account, content=None, kind="message", outcome=None, ticket=None, attempts=0, due_in_s=0,
            error="", msg_type="text", event=""):
        """An inbox row as the push handler stores it; outcome set = already processed."""
        fields = (f"'msg_type', '{msg_type}', 'event', '{event}', 'sender_name', '王小明', "
                  "'created_at', 1767225600, 'location', JSON_OBJECT('latitude', 30.1, 'longitude', 120.2, "
                  "'address', '杭州市西湖区文三路')")
        if content is not None:
            fields += f", 'content', '{content}'"
        processed = "UTC_TIMESTAMP(6)" if outcome else "NULL"
        q = ("INSERT INTO channel_inbox (account_id, dedupe_key, kind, sender, payload, attempts, next_attempt_at, "
             "processed_at, outcome, ticket_id, last_error) VALUES "
             f"({account}, '{uuid.uuid4().hex}', '{kind}', 'o{uuid.uuid4().hex[:12]}', JSON_OBJECT({fields}), "
             f"{attempts}, UTC_TIMESTAMP(6) + INTERVAL {due_in_s} SECOND, {processed}, "
             f"{'NULL' if outcome is None else repr(outcome)}, {ticket or 'NULL'}, '{error}'); "
             "SELECT LAST_INSERT_ID();")
        return self.db.query(q).strip()

    def row(self, rid):
        line = self.db.query("SELECT COALESCE(outcome, 'pending'), COALESCE(ticket_id, '-'), attempts, last_error, "
                             f"processed_at IS NULL FROM channel_inbox WHERE id = {rid}").rstrip("\n")
        f = line.split("\t")
        return {"outcome": f[0], "ticket": f[1], "attempts": int(f[2]), "error": f[3], "pending": f[4] == "1"}

    def wait_outcome(self, rid, outcome, timeout=15):
        got = wait_for(lambda: self.row(rid)["outcome"] == outcome, timeout)
        self.assertTrue(got, f"row {rid}: {self.row(rid)}")
        return self.row(rid)

    def list(self, query, headers=None):
        s, _, body = self.server.json("GET", "/api/v1/channel-inbox" + query, None, headers or self.admin)
        self.assertEqual(s, 200, body)
        self.assertEqual(set(body), {"items", "next_cursor"})
        return body

    # ---- retry ----

    def test_a_failed_row_fixed_and_retried_becomes_a_ticket(self):
        acct = self.account()
        rid = self.put(acct, content=None)  # a message without content: processing refuses it
        failed = self.wait_outcome(rid, "failed")
        self.assertEqual((failed["attempts"], failed["error"], failed["ticket"]), (1, "a message without content", "-"))
        items = self.list(f"?outcome=failed&account_id={acct}")["items"]
        self.assertEqual([i["id"] for i in items], [rid])
        self.assertEqual((items[0]["outcome"], items[0]["last_error"], items[0]["attempts"]),
                         ("failed", "a message without content", 1))
        self.assertIsNone(items[0]["next_attempt_at"])
        self.assertIsNotNone(items[0]["processed_at"])

        # the operator fixes the cause (here: the payload), then retries
        self.db.query(f"UPDATE channel_inbox SET payload = JSON_SET(payload, '$.content', '路灯坏了，电话{MOBILE}') "
                      f"WHERE id = {rid}")
        s, _, body = self.server.json("POST", f"/api/v1/channel-inbox/{rid}/retry", None, self.admin)
        self.assertEqual(s, 200, body)
        doc = body["channel_inbox"]
        self.assertEqual((doc["id"], doc["outcome"], doc["attempts"], doc["processed_at"]), (rid, "pending", 0, None))
        self.assertIsNotNone(doc["next_attempt_at"])
        self.assertEqual(doc["payload"]["content"], "路灯坏了，电话138****5678")
        done = self.wait_outcome(rid, "ticket")
        self.assertEqual((done["attempts"], done["error"]), (1, ""))
        ticket = done["ticket"]
        content = self.db.query(f"SELECT content FROM tickets WHERE id = {ticket} AND account_id = {acct}").strip()
        self.assertTrue(content.startswith("路灯坏了"), content)

        audit = self.db.query("SELECT action, actor_role, JSON_VALUE(payload, '$.was'), "
                              "JSON_VALUE(payload, '$.attempts'), JSON_VALUE(payload, '$.last_error') FROM audit_log "
                              f"WHERE target_type = 'channel_inbox' AND target_id = '{rid}'").rstrip("\n").split("\t")
        self.assertEqual(audit, ["channel_inbox.retry", "admin", "failed", "1", "a message without content"])

        # by its ticket; and now that it is a ticket, a retry is refused and changes nothing
        items = self.list(f"?ticket_id={ticket}")["items"]
        self.assertEqual([(i["id"], i["outcome"], i["ticket_id"]) for i in items], [(rid, "ticket", ticket)])
        s, _, body = self.server.json("POST", f"/api/v1/channel-inbox/{rid}/retry", None, self.admin)
        self.assertError(s, body, 409, "conflict")
        self.assertIn("processed (ticket)", body["error"]["message"])
        self.assertEqual(self.row(rid), done)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM audit_log WHERE target_type = 'channel_inbox' "
                                       f"AND target_id = '{rid}'").strip(), "1")

    def test_processed_rows_are_not_retried(self):
        acct = self.account()
        for outcome, kind in (("follow_up", "message"), ("post", "post"), ("ignored", "ignore")):
            rid = self.put(acct, content="你好", kind=kind, outcome=outcome)
            s, _, body = self.server.json("POST", f"/api/v1/channel-inbox/{rid}/retry", None, self.admin)
            self.assertError(s, body, 409, "conflict")
            self.assertEqual(self.row(rid)["outcome"], outcome)

    def test_a_pending_row_waiting_for_its_backoff_is_processed_now(self):
        acct = self.account()
        rid = self.put(acct, content="小区门口积水严重", attempts=3, due_in_s=3600, error="lock wait timeout")
        items = self.list(f"?outcome=pending&account_id={acct}")["items"]
        self.assertEqual([(i["id"], i["outcome"], i["attempts"]) for i in items], [(rid, "pending", 3)])
        s, _, body = self.server.json("POST", f"/api/v1/channel-inbox/{rid}/retry", None, self.admin)
        self.assertEqual(s, 200, body)
        self.assertEqual(body["channel_inbox"]["attempts"], 0)
        done = self.wait_outcome(rid, "ticket")
        self.assertEqual(done["attempts"], 1)
        audit = self.db.query("SELECT JSON_VALUE(payload, '$.was'), JSON_VALUE(payload, '$.attempts') FROM audit_log "
                              f"WHERE target_type = 'channel_inbox' AND target_id = '{rid}'").split()
        self.assertEqual(audit, ["pending", "3"])

    def test_unknown_rows_are_404(self):
        for path in ("999999999", "0", "abc"):
            s, _, body = self.server.json("POST", f"/api/v1/channel-inbox/{path}/retry", None, self.admin)
            self.assertError(s, body, 404, "not_found")

    # ---- lists ----

    def test_filters_paging_and_masking(self):
        acct, other = self.account(), self.account()
        ids = {
            "ticket": self.put(acct, content=f"我的电话是{MOBILE}，身份证110101199003071234", outcome="ticket",
                               ticket=None),
            "follow_up": self.put(acct, content="补充一下", outcome="follow_up"),
            "post": self.put(acct, kind="post", msg_type="event", event="MASSSENDJOBFINISH", outcome="post"),
            "ignored": self.put(acct, kind="ignore", msg_type="event", event="subscribe", outcome="ignored"),
            "failed": self.put(acct, content="x", outcome="failed", error="the database went away"),
            "pending": self.put(acct, content="还没处理", due_in_s=3600),
        }
        theirs = self.put(other, kind="ignore", msg_type="event", event="unsubscribe", outcome="ignored")

        everything = self.list(f"?account_id={acct}")
        self.assertIsNone(everything["next_cursor"])
        want = sorted(ids.values(), key=int, reverse=True)
        self.assertEqual([i["id"] for i in everything["items"]], want)
        for outcome, rid in ids.items():
            items = self.list(f"?outcome={outcome}&account_id={acct}")["items"]
            self.assertEqual([(i["id"], i["outcome"]) for i in items], [(rid, outcome)], outcome)
        self.assertEqual([i["id"] for i in self.list(f"?account_id={other}")["items"]], [theirs])
        # across accounts: every failed row is failed, and ours is among them
        failed = self.list("?outcome=failed&limit=200")["items"]
        self.assertTrue(all(i["outcome"] == "failed" for i in failed))
        self.assertIn(ids["failed"], [i["id"] for i in failed])
        pending = self.list("?outcome=pending&limit=200")["items"]
        self.assertTrue(all(i["processed_at"] is None for i in pending))
        self.assertIn(ids["pending"], [i["id"] for i in pending])

        # paging: newest first, two at a time, each row once, the last page says so
        seen, cursor, pages = [], None, 0
        while True:
            page = self.list(f"?account_id={acct}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
            pages += 1
            self.assertLessEqual(len(page["items"]), 2)
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            self.assertEqual(cursor, page["items"][-1]["id"])
        self.assertEqual((seen, pages), (want, 3))

        # one row in full: the fields, the payload's safe part, the content masked
        row = next(i for i in everything["items"] if i["id"] == ids["ticket"])
        self.assertEqual(set(row), {"id", "account_id", "dedupe_key", "kind", "sender", "payload", "received_at",
                                    "attempts", "next_attempt_at", "lease_until", "processed_at", "outcome",
                                    "ticket_id", "last_error"})
        self.assertEqual((row["account_id"], row["kind"], row["outcome"], row["ticket_id"]),
                         (acct, "message", "ticket", None))
        self.assertTrue(row["sender"].startswith("o"))
        self.assertEqual(row["payload"], {"msg_type": "text", "event": "", "created_at": "2026-01-01T08:00:00+08:00",
                                          "content": "我的电话是138****5678，身份证110101********1234"})
        post = next(i for i in everything["items"] if i["id"] == ids["post"])
        self.assertEqual(post["payload"], {"msg_type": "event", "event": "MASSSENDJOBFINISH",
                                           "created_at": "2026-01-01T08:00:00+08:00", "content": None})
        pend = next(i for i in everything["items"] if i["id"] == ids["pending"])
        self.assertIsNone(pend["processed_at"])
        self.assertIsNotNone(pend["next_attempt_at"])
        text = json.dumps(everything, ensure_ascii=False)
        for secret in (MOBILE, "199003071234", "王小明", "文三路", "latitude"):
            self.assertNotIn(secret, text)

    def test_bad_filters_are_422(self):
        for query, field in (("?outcome=dead", "outcome"), ("?outcome=", "outcome"), ("?account_id=abc", "account_id"),
                             ("?account_id=-1", "account_id"), ("?ticket_id=1x", "ticket_id"),
                             ("?cursor=x", "cursor"), ("?limit=0", "limit"), ("?limit=201", "limit"),
                             ("?limit=ten", "limit")):
            s, _, body = self.server.json("GET", "/api/v1/channel-inbox" + query, None, self.admin)
            self.assertError(s, body, 422, "validation_failed")
            self.assertEqual(body["error"].get("field"), field, query)

    # ---- who ----

    def test_only_admins(self):
        acct = self.account()
        rid = self.put(acct, content="x", outcome="failed", error="boom")
        for who in ("dispatcher", "staff_zjj"):
            for method, path in (("GET", "/api/v1/channel-inbox"), ("POST", f"/api/v1/channel-inbox/{rid}/retry")):
                s, _, body = self.server.json(method, path, None, self.users[who])
                self.assertError(s, body, 403, "forbidden")
        for method, path in (("GET", "/api/v1/channel-inbox"), ("POST", f"/api/v1/channel-inbox/{rid}/retry")):
            s, _, body = self.server.json(method, path)
            self.assertError(s, body, 401, "unauthenticated")
        self.assertEqual(self.row(rid)["outcome"], "failed")


class RetryWithoutSweeper(ChannelInboxAdmin):
    """The sweeper's next round is ten minutes away: only the retry's own processing can make
    the ticket."""
    server_env = dict(ChannelInboxAdmin.server_env, WZ_CHANNELS_INBOX_POLL_MS="600000")

    def test_the_retry_processes_the_row_itself(self):
        acct = self.account()
        rid = self.put(acct, content="垃圾清运不及时", outcome="failed", attempts=10, error="the database went away")
        s, _, body = self.server.json("POST", f"/api/v1/channel-inbox/{rid}/retry", None, self.admin)
        self.assertEqual(s, 200, body)
        done = self.wait_outcome(rid, "ticket", timeout=10)
        self.assertEqual((done["attempts"], done["error"]), (1, ""))
        self.assertNotEqual(done["ticket"], "-")


def load_tests(loader, tests, pattern):
    """The second class runs only its own test (the first class's rely on the sweeper)."""
    suite = unittest.TestSuite()
    suite.addTests(loader.loadTestsFromTestCase(ChannelInboxAdmin))
    suite.addTest(RetryWithoutSweeper("test_the_retry_processes_the_row_itself"))
    return suite


if __name__ == "__main__":
    unittest.main()
