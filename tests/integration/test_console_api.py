"""What the web console needs beyond the ticket API, against a real MariaDB: the live event
stream (scope, ready / ticket / expired events, keep-alives, the stop), revealing a citizen's
contact number (roles, scope, the audit row before the answer) and reply templates (who sees
which, who writes)."""
import http.client
import json
import time
import unittest
import uuid

from harness import mint_token
from test_tickets import TicketsBase


class Stream:
    """An open GET /api/v1/events/stream, read event by event."""

    def __init__(self, port, token, timeout=10):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.request("GET", "/api/v1/events/stream", headers={"Authorization": "Bearer " + token})
        self.resp = self.conn.getresponse()

    def next(self):
        """The next event as (name, data, id); comments are returned as ("comment", text, None);
        None at the end of the stream."""
        name, data, eid = None, [], None
        while True:
            line = self.resp.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line == "":
                if name is not None or data:
                    return name or "message", "\n".join(data), eid
                continue
            if line.startswith(":"):
                return "comment", line[1:].strip(), None
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                eid = value

    def until(self, pred, timeout=10):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            ev = self.next()
            if ev is None:
                break
            seen.append(ev)
            if pred(ev):
                return ev, seen
        return None, seen

    def close(self):
        self.conn.close()


def ticket_event(tid, action=None):
    def pred(ev):
        if ev[0] != "ticket":
            return False
        d = json.loads(ev[1])
        return d["ticket_id"] == str(tid) and (action is None or d["action"] == action)
    return pred


class EventStream(TicketsBase):
    server_env = {"WZ_SLA_POLL_MS": "200", "WZ_EVENTS_POLL_MS": "100", "WZ_EVENTS_KEEPALIVE_S": "1"}

    def open(self, who, **kw):
        s = Stream(self.server.port, self.users.get(who) or who, **kw)
        self.addCleanup(s.close)
        return s

    def test_ready_then_the_events_of_the_callers_scope(self):
        zjj, rsj, disp = self.open("staff_zjj"), self.open("staff_rsj"), self.open("dispatcher")
        for s in (zjj, rsj, disp):
            self.assertEqual(s.resp.status, 200)
            self.assertEqual(s.resp.getheader("Content-Type"), "text/event-stream; charset=utf-8")
            self.assertEqual(s.next()[0], "ready")
        t = self.submit(unit_id=3)  # dispatched straight to the housing bureau
        ev, _ = zjj.until(ticket_event(t["id"], "dispatch"))
        self.assertIsNotNone(ev, "staff of unit 3 get the dispatch of a ticket to unit 3")
        d = json.loads(ev[1])
        self.assertEqual((d["status"], d["unit_id"], d["to_status"]), ("dispatched", "3", "dispatched"))
        self.assertEqual(ev[2], d["event_id"])
        self.assertRegex(d["at"], r"\+08:00$")
        ev, _ = disp.until(ticket_event(t["id"], "dispatch"))
        self.assertIsNotNone(ev, "the city's dispatcher sees every unit's tickets")
        # each event once, in id order, whatever the overlapping reads of the hub
        self.act("staff_zjj", t["id"], "sign")
        ev, seen = zjj.until(ticket_event(t["id"], "sign"))
        self.assertIsNotNone(ev)
        ids = [int(e[2]) for e in seen if e[0] == "ticket"]
        self.assertEqual(ids, sorted(set(ids)))
        # unit 4's staff saw none of it: their stream carries only keep-alives meanwhile
        _, seen = rsj.until(lambda e: False, timeout=2.5)
        self.assertNotIn(str(t["id"]), "".join(e[1] for e in seen if e[0] == "ticket"))
        self.assertIn("comment", [e[0] for e in seen], "an idle stream gets keep-alive comments")

    def test_a_transferred_ticket_tells_the_unit_it_left(self):
        t = self.submit(unit_id=3)
        self.act("staff_zjj", t["id"], "sign")
        zjj = self.open("staff_zjj")
        self.assertEqual(zjj.next()[0], "ready")
        self.act("staff_zjj", t["id"], "transfer", {"unit_id": 4, "reason": "属于人社局职责"})
        ev, _ = zjj.until(ticket_event(t["id"], "transfer"))
        self.assertIsNotNone(ev)
        self.assertEqual(json.loads(ev[1])["unit_id"], "4")

    def test_refusals(self):
        status, _, body = self.server.json("GET", "/api/v1/events/stream")
        self.assertError(status, body, 401, "unauthenticated")
        status, _, body = self.call(1001, "GET", "/events/stream")
        self.assertError(status, body, 403, "forbidden")

    def test_the_stream_ends_when_the_token_expires(self):
        uid, unit = self.db.query("SELECT id, unit_id FROM users WHERE username = 'staff_zjj'").split()
        token = mint_token(self.secret, uid, "staff", int(unit), "/1/3/", ttl=2)
        s = self.open(token)
        self.assertEqual(s.next()[0], "ready")
        ev, seen = s.until(lambda e: e[0] == "expired", timeout=8)
        self.assertIsNotNone(ev, seen)
        self.assertIsNone(s.next(), "the server ends the stream after saying so")


class StopWithOpenStreams(TicketsBase):
    def test_open_streams_do_not_hold_the_stop(self):
        streams = [Stream(self.server.port, self.users["staff_zjj"]) for _ in range(3)]
        for s in streams:
            self.assertEqual(s.next()[0], "ready")
        started = time.time()
        self.assertEqual(self.server.stop(), 0)
        self.assertLess(time.time() - started, 9, "the stop did not wait for its 10 s timeout")
        for s in streams:
            self.assertIsNone(s.next())
            s.close()
        self.assertNotIn("requests unfinished", self.server.logs())

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()


class Reveal(TicketsBase):
    def test_who_may_see_the_number_and_the_audit_row(self):
        t = self.submit(unit_id=3, contact_phone="13812345678")
        self.assertEqual(t["contact"], "138****5678")
        for who in ("staff_zjj", "reviewer_zjj", "dispatcher", "supervisor", "admin"):
            reason = f"回访核实 {uuid.uuid4().hex[:6]}"
            body = self.act(who, t["id"], "reveal", {"reason": reason})
            self.assertEqual(body, {"contact": "13812345678"})
            row = self.db.query(f"SELECT a.action, a.target_type, a.target_id, u.username, "
                                f"JSON_VALUE(a.payload, '$.reason') FROM audit_log a JOIN users u ON u.id = a.actor_id "
                                f"WHERE a.action = 'tickets.reveal' ORDER BY a.id DESC LIMIT 1").strip().split("\t")
            self.assertEqual(row, ["tickets.reveal", "ticket", t["id"], who, reason])
        for who in ("evaluator", 1001):
            status, _, body = self.call(who, "POST", f"/tickets/{t['id']}/reveal", {"reason": "x"})
            self.assertError(status, body, 403, "forbidden")
        before = self.db.query("SELECT COUNT(*) FROM audit_log WHERE action = 'tickets.reveal'")
        for who in ("staff_rsj", "staff_dcjy"):
            status, _, body = self.call(who, "POST", f"/tickets/{t['id']}/reveal", {"reason": "x"})
            self.assertError(status, body, 404, "not_found")
        status, _, body = self.call("staff_zjj", "POST", "/tickets/999999999/reveal", {"reason": "x"})
        self.assertError(status, body, 404, "not_found")
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM audit_log WHERE action = 'tickets.reveal'"), before,
                         "a refusal reveals nothing and records nothing")

    def test_reason_is_required(self):
        t = self.submit(unit_id=3, contact_phone="13812345678")
        for doc in (None, {}, {"reason": ""}, {"reason": 5}, {"reason": "x" * 201}, {"reason": "x", "more": 1}):
            status, _, body = self.call("staff_zjj", "POST", f"/tickets/{t['id']}/reveal", doc)
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], "reason")
        self.act("staff_zjj", t["id"], "reveal", {"reason": "回" * 200})

    def test_no_contact_given(self):
        t = self.submit(unit_id=3)
        self.assertEqual(self.act("staff_zjj", t["id"], "reveal", {"reason": "回访"}), {"contact": None})


class ReplyTemplates(TicketsBase):
    def titles(self, who):
        status, _, body = self.call(who, "GET", "/reply-templates")
        self.assertEqual(status, 200, body)
        return {i["title"] for i in body["items"]}

    def test_each_caller_sees_the_global_ones_and_their_units_line(self):
        # the demo seed: two global, one for unit 3 (housing), one for unit 4 (social security)
        self.assertEqual(self.titles("staff_zjj"), {"已受理", "需补充材料", "公积金提取"})
        self.assertEqual(self.titles("staff_rsj"), {"已受理", "需补充材料", "社保转移接续"})
        self.assertEqual(self.titles("admin"), {"已受理", "需补充材料", "公积金提取", "社保转移接续"})
        # a district's template serves its township (7, under 5) but not the district's other units' peers
        status, _, body = self.call("admin", "POST", "/reply-templates",
                                    {"unit_id": 5, "title": "东城区通用", "body": "您好，东城区已收到。"})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["reply_template"]["unit_name"], "东城区人民政府")
        self.assertIn("东城区通用", self.titles("staff_donghua"))
        self.assertNotIn("东城区通用", self.titles("staff_xcwj"))
        status, _, body = self.call(1001, "GET", "/reply-templates")
        self.assertError(status, body, 403, "forbidden")

    def test_admins_write_them(self):
        doc = {"title": "节假日答复", "body": "您好，节假日期间答复顺延。"}
        for who in ("staff_zjj", "reviewer_zjj", "dispatcher", "evaluator"):
            status, _, body = self.call(who, "POST", "/reply-templates", doc)
            self.assertError(status, body, 403, "forbidden")
        status, _, body = self.call("admin", "POST", "/reply-templates", doc)
        self.assertEqual(status, 201, body)
        tid = body["reply_template"]["id"]
        self.assertIsNone(body["reply_template"]["unit_id"])
        status, _, body = self.call("admin", "PATCH", f"/reply-templates/{tid}", {"body": "新的答复内容"})
        self.assertEqual((status, body["reply_template"]["body"]), (200, "新的答复内容"))
        for bad in ({"title": "", "body": "x"}, {"title": "x"}, {"title": "x", "body": "y" * 2001},
                    {"title": "x", "body": "y", "unit_id": 99999}):
            status, _, body = self.call("admin", "POST", "/reply-templates", bad)
            self.assertError(status, body, 422, "validation_failed")
        status, _, body = self.call("admin", "POST", "/reply-templates", {"unit_id": 3, "title": "公积金提取", "body": "x"})
        self.assertError(status, body, 409, "conflict")
        status, _, _ = self.call("admin", "DELETE", f"/reply-templates/{tid}")
        self.assertEqual(status, 204)


if __name__ == "__main__":
    unittest.main()
