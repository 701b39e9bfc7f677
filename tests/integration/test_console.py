"""The staff console in a real browser (tests/browser/console.spec.mjs, headless Debian chromium
through playwright-core) against a real server and database with the demo seed: a dispatcher
dispatches a new ticket, the unit's staff signs and replies (a reply with a mobile number is
refused inline first), the reviewer approves, the evaluator sees the figures change and
downloads an XLSX; actions a role may not take are absent. Screenshots of every page go to
build/screenshots/. The console must have been built (clients/console/dist, node_modules):
ops/test does it."""
import json
import os
import secrets
import shutil
import subprocess
import time
import unittest

from harness import ROOT, ServerTestCase, demo_secret, mint_token

DIST = os.path.join(ROOT, "clients", "console", "dist")
SPEC = os.path.join(ROOT, "tests", "browser", "console.spec.mjs")
SHOTS = os.environ.get("WZ_SCREENSHOTS", os.path.join(ROOT, "build", "screenshots"))
CHROMIUM = os.environ.get("WZ_CHROMIUM", "/usr/bin/chromium")


class Console(ServerTestCase):
    # the public board answers at once (no cache), so withholding shows on it immediately
    server_env = {"WZ_STATIC_DIR": DIST, "WZ_PUBLIC_BOARD_CACHE_S": "0"}

    @classmethod
    def setUpClass(cls):
        for path, what in [(os.path.join(DIST, "index.html"), "the built console (npm run build in clients/console)"),
                           (os.path.join(ROOT, "clients", "console", "node_modules", "playwright-core"),
                            "clients/console/node_modules (npm ci)"),
                           (CHROMIUM, "Debian's chromium")]:
            if not os.path.exists(path):
                raise RuntimeError(f"missing {what}: {path}; run through ops/test")
        if not shutil.which("node"):
            raise RuntimeError("node is not on PATH")
        super().setUpClass()

    def test_console_in_a_browser(self):
        # the console itself is served at /
        status, _, body = self.server.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b'<div id="app">', body)

        # a new ticket no routing rule takes, from a citizen on the web message board
        citizen = mint_token(demo_secret(self.data_dir), 990001, "citizen")
        title = "浏览器测试" + secrets.token_hex(3)
        status, _, doc = self.server.json("POST", "/api/v1/messages", {
            "type": "consultation", "title": title, "channel": "web", "contact_name": "张先生",
            "contact_phone": "13900001111", "content": "请问周末市民中心开放吗？" + title,
        }, headers={"Authorization": "Bearer " + citizen})
        self.assertEqual(status, 201, doc)
        ticket = doc["ticket"]
        self.assertEqual(ticket["status"], "new", "a routing rule took the test ticket")

        env = dict(os.environ, WZ_URL=f"http://127.0.0.1:{self.server.port}", WZ_TICKET_ID=ticket["id"],
                   WZ_TICKET_TITLE=title, WZ_CITIZEN_TOKEN=mint_token(demo_secret(self.data_dir), 990002, "citizen", ttl=1800),
                   WZ_SCREENSHOTS=SHOTS, WZ_CHROMIUM=CHROMIUM,
                   WZ_DEMO_PASSWORD=os.environ.get("WZ_DEMO_PASSWORD", "wenzheng-demo"))
        started = time.monotonic()
        proc = subprocess.run(["node", SPEC], env=env, capture_output=True, text=True, timeout=420)
        print(proc.stdout)
        print(f"browser test: {time.monotonic() - started:.1f} s; screenshots in {SHOTS}")
        if proc.returncode != 0:
            self.fail(f"browser test failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}\n"
                      f"server log:\n{self.server.logs()[-3000:]}")
        for name in ["01-login", "02-queue-dispatcher", "04-ticket-privacy-refused", "07-dashboard", "10-accounts",
                     "16-admin-calendar", "20-ticket-photo-preview", "21-ticket-published", "22-ticket-withheld",
                     "23-ticket-evaluator-publication"]:
            self.assertTrue(os.path.exists(os.path.join(SHOTS, name + ".png")), name)

        # what the browser did is what the database says
        events = [r.split("\t") for r in self.db.query(
            f"SELECT action, actor_role FROM ticket_events WHERE ticket_id = {int(ticket['id'])} "
            "AND action NOT LIKE 'sla_%' ORDER BY id").splitlines()]
        self.assertEqual([e[0] for e in events], ["receive", "dispatch", "sign", "reply", "review_approve"], events)
        self.assertEqual([e[1] for e in events][1:], ["dispatcher", "staff", "staff", "reviewer"])
        replies = self.db.query(f"SELECT status, body LIKE '%13812345678%' FROM replies "
                                f"WHERE ticket_id = {int(ticket['id'])}").splitlines()
        self.assertEqual(replies, ["published\t0"], "one reply, published; the refused one was not stored")
        reveals = self.db.query("SELECT COUNT(*) FROM audit_log WHERE action = 'tickets.reveal' "
                                f"AND target_id = '{int(ticket['id'])}'").strip()
        self.assertEqual(reveals, "1", "the reveal was audited")

        # the photo ticket: withheld with its reason, then restored, by 住建局's staff
        rows = [r.split("\t") for r in self.db.query(
            "SELECT e.action, e.actor_role, JSON_UNQUOTE(JSON_EXTRACT(e.payload, '$.reason')) FROM ticket_events e "
            "JOIN tickets t ON t.id = e.ticket_id WHERE t.title LIKE '小区路灯不亮%' "
            "AND e.action LIKE 'publication_%' ORDER BY e.id").splitlines()]
        self.assertEqual(rows, [["publication_withheld", "staff", "答复涉及第三人姓名，核实后再公开"],
                                ["publication_restored", "staff", "NULL"]], rows)


if __name__ == "__main__":
    unittest.main()
