"""What the citizen clients need from the server, against a real MariaDB: photo uploads
(multipart or raw, checked by content, stored outside any served directory, readable only by
the uploader and the ticket's staff, attached once), the consent to publish and the public
board (masked, filtered, paged, withheld by staff with an audited reason, cached, rate
limited), and the clients' public settings."""
import json
import urllib.parse
import os
import time
import unittest
import uuid

from harness import mint_token
from test_tickets import TicketsBase

# the smallest files each format's signature check accepts
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 32


def multipart(field, filename, data, ctype="image/jpeg", boundary="----WxFormBoundary7MA4YWxkTrZu0gW"):
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n随手拍\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {ctype}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def quote(query):
    """The query string with its non-ASCII text percent-encoded, as a browser sends it."""
    return urllib.parse.quote(query, safe="?&=%")


def tag():
    """A search tag of letters only: the board refuses five digits in a row."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


class Citizen(TicketsBase):
    server_env = {"WZ_SLA_POLL_MS": "200", "WZ_PUBLIC_BOARD_CACHE_S": "0", "WZ_PUBLIC_BOARD_RATE_PER_MIN": "0"}

    def upload(self, who, body, ctype):
        token = self.users.get(who) or self.citizens.get(who)
        status, headers, data = self.server.request("POST", "/api/v1/uploads", body,
                                                    {"Authorization": "Bearer " + token, "Content-Type": ctype})
        return status, headers, json.loads(data) if data else None

    def fetch(self, who, uid):
        token = self.users.get(who) or self.citizens.get(who)
        return self.server.request("GET", f"/api/v1/uploads/{uid}", None, {"Authorization": "Bearer " + token})


class Uploads(Citizen):
    def test_multipart_and_raw_photos_by_their_bytes(self):
        body, ctype = multipart("file", "a.jpg", JPEG)
        status, _, doc = self.upload(1001, body, ctype)
        self.assertEqual(status, 201, doc)
        self.assertEqual((doc["upload"]["content_type"], doc["upload"]["size"]), ("image/jpeg", len(JPEG)))
        for data, ctype, want in ((PNG, "image/png", "image/png"), (WEBP, "image/webp", "image/webp"),
                                  (PNG, "image/jpeg", "image/png")):  # the bytes decide, not the header
            status, _, doc = self.upload(1001, data, ctype)
            self.assertEqual((status, doc["upload"]["content_type"]), (201, want), doc)
        # stored under data_dir/uploads by id, byte for byte, and nowhere else
        path = os.path.join(self.data_dir, "uploads", doc["upload"]["id"])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), PNG)
        self.assertEqual([n for n in os.listdir(os.path.join(self.data_dir, "uploads")) if n.startswith("tmp-")], [])
        row = self.db.query(f"SELECT owner_role, owner_id, sha256 FROM uploads WHERE id = {doc['upload']['id']}").split()
        import hashlib
        self.assertEqual(row, ["citizen", "1001", hashlib.sha256(PNG).hexdigest()])

    def test_refusals(self):
        html = b"<html><script>alert(1)</script></html>"
        status, _, doc = self.upload(1001, *multipart("file", "photo.jpg", html))
        self.assertError(status, doc, 415, "unsupported_media_type")
        status, _, doc = self.upload(1001, html, "image/jpeg")
        self.assertError(status, doc, 415, "unsupported_media_type")
        status, _, doc = self.upload(1001, JPEG, "text/plain")
        self.assertError(status, doc, 415, "unsupported_media_type")
        status, _, doc = self.upload(1001, *multipart("picture", "a.jpg", JPEG))
        self.assertError(status, doc, 400, "bad_request")
        self.assertEqual(doc["error"]["field"], "file")
        status, _, doc = self.upload(1001, b"--x\r\nno headers end", "multipart/form-data; boundary=x")
        self.assertError(status, doc, 400, "bad_request")
        status, _, doc = self.upload(1001, JPEG, "multipart/form-data")
        self.assertError(status, doc, 400, "bad_request")
        big = JPEG[:-2] + b"\x00" * (5 * 1024 * 1024) + b"\xff\xd9"
        status, _, doc = self.upload(1001, big, "image/jpeg")
        self.assertError(status, doc, 413, "body_too_large")
        status, _, doc = self.upload(1001, b"", "image/jpeg")
        self.assertError(status, doc, 422, "validation_failed")
        status, _, data = self.server.request("POST", "/api/v1/uploads", JPEG, {"Content-Type": "image/jpeg"})
        self.assertEqual(status, 401)

    def test_who_reads_a_photo_and_attaching_it(self):
        status, _, doc = self.upload(1001, JPEG, "image/jpeg")
        uid = doc["upload"]["id"]
        status, headers, data = self.fetch(1001, uid)
        self.assertEqual((status, headers["content-type"], data), (200, "image/jpeg", JPEG))
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        for who in (1002, "staff_zjj", "dispatcher"):  # not attached yet: only its owner
            self.assertEqual(self.fetch(who, uid)[0], 404, who)
        t = self.submit(unit_id=3, attachments=[uid])
        d = self.call(1001, "GET", f"/tickets/{t['id']}")[2]
        self.assertEqual(d["attachments"], [{"id": uid, "content_type": "image/jpeg", "size": len(JPEG)}])
        for who, want in ((1001, 200), ("staff_zjj", 200), ("dispatcher", 200), ("evaluator", 200),
                          ("staff_rsj", 404), (1002, 404)):
            self.assertEqual(self.fetch(who, uid)[0], want, who)
        # once used, a photo cannot join another ticket, and never someone else's
        status, _, body = self.call(1001, "POST", "/messages", {"type": "help", "content": "再问", "attachments": [uid]},
                                    {"Idempotency-Key": uuid.uuid4().hex})
        self.assertError(status, body, 422, "validation_failed")
        self.assertEqual(body["error"]["field"], "attachments")
        status, _, other = self.upload(1002, PNG, "image/png")
        status, _, body = self.call(1001, "POST", "/messages",
                                    {"type": "help", "content": "再问", "attachments": [other["upload"]["id"]]},
                                    {"Idempotency-Key": uuid.uuid4().hex})
        self.assertError(status, body, 422, "validation_failed")
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM tickets WHERE content = '再问'").strip(), "0",
                         "a refused attachment leaves no ticket behind")
        for bad in ([uid, uid], ["x"], [0], list(range(1, 11)), "1"):
            status, _, body = self.call(1001, "POST", "/messages", {"type": "help", "content": "x", "attachments": bad},
                                        {"Idempotency-Key": uuid.uuid4().hex})
            self.assertError(status, body, 422, "validation_failed")

    def test_a_retried_submission_keeps_its_photos(self):
        status, _, doc = self.upload(1001, JPEG, "image/jpeg")
        key = uuid.uuid4().hex
        doc1 = {"type": "help", "content": "路灯坏了", "unit_id": 3, "attachments": [doc["upload"]["id"]]}
        s1, _, b1 = self.call(1001, "POST", "/messages", doc1, {"Idempotency-Key": key})
        s2, _, b2 = self.call(1001, "POST", "/messages", doc1, {"Idempotency-Key": key})
        self.assertEqual((s1, s2), (201, 200))
        self.assertEqual(b1["ticket"]["id"], b2["ticket"]["id"])


class Sweeper(Citizen):
    server_env = {"WZ_UPLOADS_MAX_UNATTACHED_S": "2", "WZ_UPLOADS_SWEEP_MS": "200"}

    def test_unattached_uploads_go_attached_ones_stay(self):
        status, _, kept = self.upload(1001, JPEG, "image/jpeg")
        self.submit(unit_id=3, attachments=[kept["upload"]["id"]])
        status, _, dropped = self.upload(1001, PNG, "image/png")
        stale_tmp = os.path.join(self.data_dir, "uploads", "tmp-crashed")
        with open(stale_tmp, "wb") as f:
            f.write(b"half a photo")
        os.utime(stale_tmp, (time.time() - 3600, time.time() - 3600))
        dropped_path = os.path.join(self.data_dir, "uploads", dropped["upload"]["id"])
        from harness import wait_for
        self.assertTrue(wait_for(lambda: not os.path.exists(dropped_path), 15), "the unused photo is removed")
        self.assertEqual(self.db.query(f"SELECT COUNT(*) FROM uploads WHERE id = {dropped['upload']['id']}").strip(), "0")
        self.assertEqual(self.fetch(1001, dropped["upload"]["id"])[0], 404)
        self.assertTrue(wait_for(lambda: not os.path.exists(stale_tmp), 15), "a crash's temporary file is removed")
        self.assertEqual(self.fetch(1001, kept["upload"]["id"])[0], 200, "an attached photo stays")


class PublicBoard(Citizen):
    def answered(self, content, publish=True, unit=3, reply="您好，已安排处理。", type_="complaint"):
        t = self.submit(unit_id=unit, content=content, publish=publish, type=type_)
        staff = {3: "staff_zjj", 6: "staff_dcjy"}[unit]
        self.act(staff, t["id"], "sign")
        self.act(staff, t["id"], "replies", {"content": reply}, want=201)
        return t

    def board(self, query=""):
        status, headers, body = self.server.json("GET", "/api/v1/public/replies" + quote(query))
        self.assertEqual(status, 200, body)
        return body, headers

    def test_only_consented_answered_items_masked(self):
        tag_ = tag()
        t = self.answered(f"小区{tag_}物业乱收费，业主电话13812345678")
        self.answered(f"不公开{tag_}的问题", publish=False)
        unanswered = self.submit(unit_id=3, content=f"未答复{tag_}", publish=True)
        self.assertEqual(unanswered["publication"], {"state": "pending", "reason": None})
        body, headers = self.board("?q=" + tag_)
        self.assertEqual(headers["cache-control"], "public, max-age=0")
        self.assertEqual([i["id"] for i in body["items"]], [t["id"]])
        item = body["items"][0]
        self.assertIn("138****5678", item["content"])
        self.assertNotIn("13812345678", json.dumps(body))
        self.assertEqual((item["unit_name"], item["reply"], item["type"]), ("示范市住房和城乡建设局", "您好，已安排处理。", "complaint"))
        self.assertEqual(set(item), {"id", "title", "content", "type", "unit_id", "unit_name", "received_at",
                                     "replied_at", "reply"})
        status, _, one = self.server.json("GET", f"/api/v1/public/replies/{t['id']}")
        self.assertEqual((status, one["item"]), (200, item))
        status, _, body = self.server.json("GET", f"/api/v1/public/replies/{unanswered['id']}")
        self.assertError(status, body, 404, "not_found")
        d = self.call(1001, "GET", f"/tickets/{t['id']}")[2]
        self.assertEqual((d["publish"], d["publication"]["state"]), (True, "published"))

    def test_filters_and_pages(self):
        tag_ = tag()
        ids = [self.answered(f"{tag_} 第{i}个 学校问题", unit=6 if i % 2 else 3, type_="consultation" if i < 3 else "help")["id"]
               for i in range(5)]
        body, _ = self.board(f"?q={tag_}&unit_id=6")
        self.assertEqual([i["id"] for i in body["items"]], [ids[3], ids[1]])
        body, _ = self.board(f"?q={tag_}&type=help")
        self.assertEqual([i["id"] for i in body["items"]], [ids[4], ids[3]])
        seen, cursor = [], ""
        while True:
            body, _ = self.board(f"?q={tag_}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
            seen += [i["id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, ids[::-1], "newest reply first, each once")
        for q, field in (("?q=13812", "q"), ("?limit=0", "limit"), ("?limit=51", "limit"), ("?cursor=abc", "cursor"),
                         ("?type=x", "type"), ("?unit_id=x", "unit_id"), ("?q=" + "字" * 51, "q")):
            status, _, body = self.server.json("GET", "/api/v1/public/replies" + quote(q))
            self.assertError(status, body, 422, "validation_failed")
            self.assertEqual(body["error"]["field"], field, q)
        body, _ = self.board("?q=%25")  # a literal %, not a wildcard
        self.assertEqual(body["items"], [])

    def test_staff_withhold_with_a_reason_and_restore(self):
        tag_ = tag()
        t = self.answered(f"{tag_} 邻居张三家噪音")
        for who in ("evaluator", 1001):
            status, _, body = self.call(who, "POST", f"/tickets/{t['id']}/publication", {"withheld": True, "reason": "x"})
            self.assertError(status, body, 403, "forbidden")
        self.act("staff_rsj", t["id"], "publication", {"withheld": True, "reason": "x"}, want=404)
        for bad in ({"withheld": True}, {"withheld": True, "reason": " "}, {"withheld": False, "reason": "x"}, {},
                    {"withheld": "yes"}):
            body = self.act("staff_zjj", t["id"], "publication", bad, want=422)
        body = self.act("staff_zjj", t["id"], "publication", {"withheld": True, "reason": "涉及第三人姓名"})
        self.assertEqual(body["ticket"]["publication"], {"state": "withheld", "reason": "涉及第三人姓名"})
        self.assertEqual(self.board("?q=" + tag_)[0]["items"], [])
        d = self.call(1001, "GET", f"/tickets/{t['id']}")[2]
        self.assertEqual(d["publication"], {"state": "withheld", "reason": None}, "the citizen sees the state only")
        ev = self.db.query(f"SELECT action, actor_role, JSON_VALUE(payload, '$.reason') FROM ticket_events "
                           f"WHERE ticket_id = {t['id']} ORDER BY id DESC LIMIT 1").split("\t")
        self.assertEqual([e.strip() for e in ev], ["publication_withheld", "staff", "涉及第三人姓名"])
        body = self.act("supervisor", t["id"], "publication", {"withheld": False})
        self.assertEqual(body["ticket"]["publication"]["state"], "published")
        self.assertEqual(len(self.board("?q=" + tag_)[0]["items"]), 1)
        self.act("supervisor", t["id"], "publication", {"withheld": False}, want=409)

    def test_units_for_visitors(self):
        status, headers, body = self.server.json("GET", "/api/v1/public/units")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["items"]), 10)
        self.assertEqual(body["items"][0], {"id": "1", "parent_id": None, "name": "示范市人民政府"})
        self.assertIn({"id": "7", "parent_id": "5", "name": "东华街道办事处"}, body["items"])

    def test_config(self):
        status, _, body = self.server.json("GET", "/api/v1/public/config")
        self.assertEqual(status, 200)
        self.assertEqual(body["uploads"], {"max_bytes": 5242880, "types": ["image/jpeg", "image/png", "image/webp"]})
        self.assertEqual(body["miniprogram"], {"reply_template_id": ""})


class BoardCacheAndLimit(Citizen):
    server_env = {"WZ_PUBLIC_BOARD_CACHE_S": "60", "WZ_PUBLIC_BOARD_RATE_PER_MIN": "20"}

    def test_cached_then_limited(self):
        status, headers, first = self.server.request("GET", "/api/v1/public/replies?type=help")
        self.assertEqual((status, headers["cache-control"]), (200, "public, max-age=60"))
        t = self.submit(unit_id=3, content="缓存中看不到的新答复", publish=True, type="help")
        self.act("staff_zjj", t["id"], "sign")
        self.act("staff_zjj", t["id"], "replies", {"content": "已答复"}, want=201)
        status, _, again = self.server.request("GET", "/api/v1/public/replies?type=help")
        self.assertEqual(again, first, "within the cache time the same answer, without the database")
        statuses = [self.server.request("GET", "/api/v1/public/replies?type=help")[0] for _ in range(25)]
        self.assertIn(429, statuses)
        status, headers, body = self.server.request("GET", "/api/v1/public/config")
        self.assertEqual(status, 200, "the limit is the board's, not every public endpoint's")
        status, headers, body = self.server.request("GET", "/api/v1/public/replies")
        self.assertEqual(status, 429)
        self.assertGreaterEqual(int(headers["retry-after"]), 1)
        self.assertEqual(json.loads(body)["error"]["code"], "rate_limited")


if __name__ == "__main__":
    unittest.main()
