"""kill -9 under load: submissions through every inbound path (the web/mini-program API with an
Idempotency-Key, a WeChat official account's pushes, the generic signed hook) while `wenzheng`
is killed with SIGKILL several times and started again on the same port, with SLA timers coming
due in the window. At the end every submission that got a 2xx exists exactly once, none exists
twice (clients retry with the same key after errors, and sometimes after a 2xx too), and every
timer that came due fired exactly once. The figures are printed for docs/reliability.md."""
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import socket
import tempfile
import threading
import time
import unittest
import uuid

from fake_platform import FakePlatform
from harness import Database, Server, base_env, demo_secret, mint_token, run_cli, wait_for
from wechat_oa_push import plain_query, text_xml

HOOK_SECRET = "crash-hook-secret-0123456789"
WECHAT_TOKEN = "crash-wechat-token"
KILLS = int(os.environ.get("WZ_CRASH_KILLS", "4"))
CLIENTS = 6
TIMERS = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Submission:
    """One thing a client wants accepted; it is sent again, unchanged, until a 2xx."""

    def __init__(self, path, n):
        self.path = path
        # WeChat's MsgId is a 64-bit number
        self.key = (str(uuid.uuid4().int >> 65) if path == "wechat" else f"crash-{path}-{n}-{uuid.uuid4().hex[:10]}")
        self.attempts = 0
        self.acked = False
        self.refused = None  # a 4xx: the test's fault or the server's, never expected


class CrashUnderLoad(unittest.TestCase):
    def setUp(self):
        self.db = Database()
        self.data_dir = tempfile.mkdtemp(prefix="wz-crash-")
        self.port = free_port()
        self.env = base_env(self.db, self.data_dir, WZ_PORT=str(self.port), WZ_SLA_POLL_MS="200",
                            WZ_CHANNELS_INBOX_POLL_MS="200", WZ_LOG_LEVEL="warn",
                            # rows a killed server had leased wait out the lease: short, for the test
                            WZ_CHANNELS_INBOX_LEASE_S="3")
        for cmd in (["migrate"], ["seed-demo"]):
            r = run_cli(cmd, self.env)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.servers = [Server(self.env)]
        secret = demo_secret(self.data_dir)
        admin_id = self.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        self.admin = {"Authorization": "Bearer " + mint_token(secret, admin_id, "admin", 1, "/1/")}
        self.citizens = [mint_token(secret, str(n), "citizen") for n in (1001, 1002)]
        self.hook_account = self.account("hotline_12345", {"hmac_secret": HOOK_SECRET})
        self.wechat_account = self.account("wechat_oa", {"token": WECHAT_TOKEN})

    def tearDown(self):
        s = self.servers[-1]
        if s.proc.poll() is None:
            self.assertEqual(s.stop(), 0, s.logs()[-3000:])
        self.db.drop()

    def account(self, platform, secrets):
        doc = {"unit_id": 1, "platform": platform, "name": "crash-" + platform,
               "platform_account_id": "crash-" + uuid.uuid4().hex[:8], "secrets": secrets}
        status, _, body = self.servers[-1].json("POST", "/api/v1/accounts", doc, self.admin)
        self.assertEqual(status, 201, body)
        return body["account"]["id"]

    # ---- one request of each path, on a fresh connection (the server may have just died) ----

    def send(self, sub):
        if sub.path == "web":
            body = json.dumps({"type": "consultation", "content": f"请问公积金怎么提取 {sub.key}"}).encode()
            # an Idempotency-Key is the citizen's own: the same person sends it again
            citizen = self.citizens[hash(sub.key) % len(self.citizens)]
            headers = {"Authorization": "Bearer " + citizen, "Idempotency-Key": sub.key,
                       "Content-Type": "application/json"}
            target = "/api/v1/messages"
        elif sub.path == "wechat":
            # a fan of its own per message, so each push is its own ticket
            body = text_xml("ocrash" + sub.key, f"路灯不亮了 {sub.key}", sub.key).encode()
            headers = {"Content-Type": "text/xml"}
            target = f"/channels/wechat/{self.wechat_account}?{plain_query(WECHAT_TOKEN)}"
        else:
            body = json.dumps({"external_id": sub.key, "type": "consultation",
                               "content": f"小区路灯不亮 {sub.key}"}).encode()
            ts = str(int(time.time()))
            sig = hmac.new(HOOK_SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers = {"X-Wz-Timestamp": ts, "X-Wz-Signature": sig, "Content-Type": "application/json"}
            target = f"/channels/hook/{self.hook_account}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("POST", target, body, headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    def deliver(self, sub, deadline):
        """Sends until a 2xx (connection errors and 5xx are retried with the same key)."""
        while time.monotonic() < deadline:
            sub.attempts += 1
            try:
                status = self.send(sub)
            except (OSError, http.client.HTTPException):
                status = None
            if status is not None and 200 <= status < 300:
                sub.acked = True
                return
            if status is not None and 400 <= status < 500:
                sub.refused = status
                return
            time.sleep(0.1)

    def client(self, n, stop, subs):
        rng = random.Random(n)
        i = 0
        while not stop.is_set():
            sub = Submission(("web", "wechat", "hook")[i % 3], f"{n}-{i}")
            i += 1
            subs.append(sub)
            self.deliver(sub, time.monotonic() + 60)
            if sub.acked and rng.random() < 0.2:
                self.deliver(sub, time.monotonic() + 60)  # a platform's or a phone's needless retry

    # ---- the SLA timers that come due while the server is being killed ----

    def plant_timers(self, window_s):
        rows = ",".join(f"('CRASH{i:05d}', 'consultation', 't', 'c', 'web', 'dispatched', 3, UTC_TIMESTAMP(6))"
                        for i in range(TIMERS))
        self.db.query("INSERT INTO tickets (number, type, title, content, channel, status, unit_id, received_at) "
                      "VALUES " + rows)
        ids = self.db.query("SELECT id FROM tickets WHERE number LIKE 'CRASH%' ORDER BY id").split()
        values = ",".join(f"({t}, 'sign_breach', UTC_TIMESTAMP(6) + INTERVAL {random.randint(0, window_s * 1000)} "
                          "* 1000 MICROSECOND)" for t in ids)
        self.db.query("INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES " + values)
        return "(" + ",".join(ids) + ")"

    def count(self, q):
        return int(self.db.query(q).strip())

    def test_kill_9_under_load(self):
        timer_tickets = self.plant_timers(window_s=3 * KILLS)
        stop = threading.Event()
        subs = []
        threads = [threading.Thread(target=self.client, args=(n, stop, subs)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        started = time.monotonic()
        for _ in range(KILLS):
            time.sleep(random.uniform(1.5, 3.0))
            s = self.servers[-1]
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait()
            s._closed()
            time.sleep(random.uniform(0.1, 0.5))
            self.servers.append(Server(self.env))  # the same port: the clients' retries find it
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(130)
        loaded_s = time.monotonic() - started

        # the inbox rows a kill left unprocessed are picked up, and every due timer fires
        pending = f"SELECT COUNT(*) FROM channel_inbox WHERE account_id = {self.wechat_account} AND processed_at IS NULL"
        self.assertTrue(wait_for(lambda: self.count(pending) == 0, 30),
                        self.db.query("SELECT outcome, attempts, last_error, COUNT(*) FROM channel_inbox GROUP BY 1, 2, 3"))
        self.assertTrue(wait_for(lambda: self.count(f"SELECT COUNT(*) FROM sla_timers WHERE ticket_id IN {timer_tickets}") == 0, 30))

        refused = [(s.path, s.refused) for s in subs if s.refused]
        self.assertEqual(refused, [])
        found = {}
        for path, where in (("web", "t.content LIKE '%crash-web-%'"),
                            ("wechat", f"t.account_id = {self.wechat_account}"),
                            ("hook", f"t.account_id = {self.hook_account}")):
            rows = self.db.query(f"SELECT t.external_id, t.content FROM tickets t WHERE {where}").splitlines()
            for line in rows:
                ext, content = (line.split("\t") + [""])[:2]
                key = ext if path != "web" else content.rsplit(" ", 1)[-1]
                found[key] = found.get(key, 0) + 1
        made = len(subs)
        acked = [s for s in subs if s.acked]
        lost = [s.key for s in acked if found.get(s.key, 0) != 1]
        duplicated = [k for k, n in found.items() if n > 1]
        retried = sum(1 for s in subs if s.attempts > 1)
        fired = self.count(f"SELECT COUNT(*) FROM ticket_events WHERE action = 'sla_breach' AND ticket_id IN {timer_tickets}")
        twice = self.count("SELECT COUNT(*) FROM (SELECT ticket_id FROM ticket_events WHERE action = 'sla_breach' "
                           f"AND ticket_id IN {timer_tickets} GROUP BY ticket_id HAVING COUNT(*) > 1) d")
        escalations = self.count(f"SELECT COUNT(*) FROM outbox WHERE kind = 'escalation' AND ticket_id IN {timer_tickets}")
        by_path = {p: sum(1 for s in acked if s.path == p) for p in ("web", "wechat", "hook")}
        print(f"\ncrash figures: kills {KILLS} over {loaded_s:.1f} s; submissions made {made}, acknowledged "
              f"{len(acked)} (web {by_path['web']}, wechat {by_path['wechat']}, hook {by_path['hook']}), "
              f"found {sum(1 for s in acked if found.get(s.key) == 1)}, lost {len(lost)}, duplicates "
              f"{len(duplicated)}, sent more than once {retried} ({sum(s.attempts for s in subs)} requests); "
              f"timers due {TIMERS}, fired {fired}, fired twice {twice}, escalations {escalations}", flush=True)
        self.assertGreater(len(acked), 30)  # the load really ran
        self.assertGreater(retried, 0)      # and the kills really hit requests
        self.assertEqual(lost, [])
        self.assertEqual(duplicated, [])
        # an unacknowledged submission (its client gave up) may exist, but never twice
        self.assertEqual([s.key for s in subs if found.get(s.key, 0) > 1], [])
        self.assertEqual((fired, twice, escalations), (TIMERS, 0, TIMERS))


class CrashMidSend(unittest.TestCase):
    """kill -9 while an outbound delivery is in flight: the row is neither lost nor marked sent;
    once its lease is over it is sent again with the same X-Wz-Delivery key, so a receiver that
    keeps the keys it has seen acts once (at-least-once delivery, idempotent by key:
    docs/channels.md)."""

    def setUp(self):
        self.fake = FakePlatform({})
        self.db = Database()
        self.data_dir = tempfile.mkdtemp(prefix="wz-crash-")
        self.env = base_env(self.db, self.data_dir, WZ_PORT=str(free_port()), WZ_OUTBOX_POLL_MS="50",
                            WZ_OUTBOX_TIMEOUT_MS="5000", WZ_SLA_ENABLED="false", WZ_LOG_LEVEL="warn")
        for cmd in (["migrate"], ["seed-demo"]):
            r = run_cli(cmd, self.env)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.server = Server(self.env)

    def tearDown(self):
        try:
            if self.server.proc.poll() is None:
                self.assertEqual(self.server.stop(), 0, self.server.logs()[-3000:])
            self.db.drop()
        finally:
            self.fake.stop()

    def test_kill_9_with_a_delivery_in_flight(self):
        secret = demo_secret(self.data_dir)
        admin_id = self.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        admin = {"Authorization": "Bearer " + mint_token(secret, admin_id, "admin", 1, "/1/")}
        doc = {"unit_id": 1, "platform": "app", "name": "crash-app", "platform_account_id": "crash-app",
               "secrets": {"hmac_secret": HOOK_SECRET, "callback_url": self.fake.url("/hook/crash")}}
        status, _, body = self.server.json("POST", "/api/v1/accounts", doc, admin)
        self.assertEqual(status, 201, body)
        self.fake.script("/hook/crash", ("slow", 3))  # the first call hangs; the next ones answer
        raw = json.dumps({"external_id": "mid-send-1", "content": "路灯不亮"}, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        sig = hmac.new(HOOK_SECRET.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        status, _, data = self.server.request("POST", f"/channels/hook/{body['account']['id']}", raw,
                                              {"X-Wz-Timestamp": ts, "X-Wz-Signature": sig,
                                               "Content-Type": "application/json"})
        self.assertEqual(status, 201, data)
        tid = json.loads(data)["ticket"]["id"]
        self.assertTrue(wait_for(lambda: self.fake.calls_to("/hook/crash"), 10))
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait()
        self.server._closed()
        row = f"SELECT id, attempts, dead, sent_at IS NULL FROM outbox WHERE ticket_id = {tid}"
        oid, attempts, dead, unsent = self.db.query(row).split()
        self.assertEqual((attempts, dead, unsent), ("1", "0", "1"))  # claimed, not done, not lost
        self.server = Server(self.env)
        time.sleep(1)
        self.assertEqual(len(self.fake.calls_to("/hook/crash")), 1)  # the lease still holds it
        # the lease (the longest delivery + 60 s) is waited out here by moving it
        self.db.query(f"UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP(6) WHERE id = {oid}")
        self.assertTrue(wait_for(lambda: self.db.query(row).split()[3] == "0", 15))
        calls = self.fake.calls_to("/hook/crash")
        self.assertEqual(len(calls), 2)
        self.assertEqual({c["headers"]["x-wz-delivery"] for c in calls}, {oid})
        self.assertEqual(self.db.query(row).split()[1:], ["2", "0", "0"])


if __name__ == "__main__":
    unittest.main()
