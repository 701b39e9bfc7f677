"""Open311 GeoReport v2 (/open311/v2/) through HTTP against a real MariaDB: the service list and
definitions in JSON and XML, a POST with a good api_key becomes a routed ticket (visible to an
admin through /api/v1/tickets), retries with one Idempotency-Key make one ticket, every way of
getting the key or the arguments wrong answers the spec's error shape and status, and the public
GET methods show only Open311's tickets, within 90 days by default, with personal data masked."""
import json
import time
import unittest
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

from harness import ServerTestCase, demo_secret, mint_token

KEY = "open311-client-secret-0123456789"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class Open311(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        secret = demo_secret(cls.data_dir)
        cls.admin_id = cls.db.query("SELECT id FROM users WHERE username = 'admin'").strip()
        cls.admin = {"Authorization": "Bearer " + mint_token(secret, cls.admin_id, "admin", 1, "/1/")}

        def account(platform, name, secrets=None, status="active"):
            doc = {"unit_id": 1, "platform": platform, "name": name, "status": status,
                   "platform_account_id": name + "-" + uuid.uuid4().hex[:6]}
            if secrets:
                doc["secrets"] = secrets
            s, _, body = cls.server.json("POST", "/api/v1/accounts", doc, cls.admin)
            assert s == 201, body
            return body["account"]["id"]
        cls.client = account("app", "open311-app", {"open311_api_key": KEY})
        cls.api_key = f"{cls.client}.{KEY}"
        cls.suspended = account("other", "open311-suspended", {"open311_api_key": KEY}, status="suspended")
        cls.wechat = account("wechat_oa", "open311-wechat", {"open311_api_key": KEY})
        cls.hook = account("web", "open311-hook-only", {"hmac_secret": KEY})

    # ---- helpers ----

    def post(self, args, fmt="json", headers=None, raw=None):
        body = raw if raw is not None else urllib.parse.urlencode(args).encode()
        h = dict(FORM, **(headers or {}))
        status, hdrs, data = self.server.request("POST", f"/open311/v2/requests.{fmt}", body, h)
        return status, hdrs, data

    def post_json(self, args, headers=None):
        status, hdrs, data = self.post(args, headers=headers)
        return status, json.loads(data)

    def args(self, **extra):
        a = {"api_key": self.api_key, "service_code": "2", "lat": "39.9087", "long": "116.3975",
             "address_string": "东城区东华街道王府井大街1号", "description": "人行道上的井盖缺失，很危险"}
        a.update(extra)
        return {k: v for k, v in a.items() if v is not None}

    def get(self, path):
        status, hdrs, data = self.server.request("GET", "/open311/v2/" + path)
        return status, hdrs, data

    def get_json(self, path):
        status, hdrs, data = self.get(path)
        self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
        return status, json.loads(data)

    def assertSpecError(self, status, doc, want):
        self.assertEqual(status, want, doc)
        self.assertIsInstance(doc, list)
        self.assertEqual(len(doc), 1)
        self.assertEqual(set(doc[0]), {"code", "description"})
        self.assertEqual(doc[0]["code"], want)
        self.assertTrue(doc[0]["description"])

    def assertXmlError(self, status, data, want):
        self.assertEqual(status, want, data)
        root = ET.fromstring(data)
        self.assertEqual(root.tag, "errors")
        self.assertEqual([e.tag for e in root], ["error"])
        self.assertEqual(root.find("error/code").text, str(want))
        self.assertTrue(root.find("error/description").text)

    def create(self, **extra):
        status, doc = self.post_json(self.args(**extra))
        self.assertEqual(status, 201, doc)
        return doc[0]["service_request_id"]

    def ticket(self, number):
        status, _, body = self.server.json("GET", f"/api/v1/tickets?q={number}", None, self.admin)
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["items"]), 1, body)
        return body["items"][0]

    # ---- services ----

    def test_services_in_json_and_xml(self):
        status, doc = self.get_json("services.json")
        self.assertEqual(status, 200, doc)
        by_code = {s["service_code"]: s for s in doc}
        self.assertEqual(len(doc), int(self.db.query("SELECT COUNT(*) FROM categories").strip()))
        housing = by_code["2"]
        self.assertEqual(housing, {"service_code": "2", "service_name": "住房保障", "description": "住房保障",
                                   "metadata": False, "type": "realtime", "keywords": "housing",
                                   "group": "城乡建设"})
        self.assertEqual(by_code["1"]["group"], "城乡建设")  # a root groups itself and its children
        status, hdrs, data = self.get("services.xml")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/xml"), hdrs)
        self.assertTrue(data.startswith(b'<?xml version="1.0" encoding="utf-8"?>'))
        root = ET.fromstring(data)
        self.assertEqual(root.tag, "services")
        xml_housing = [s for s in root if s.find("service_code").text == "2"][0]
        self.assertEqual([c.tag for c in xml_housing],
                         ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"])
        self.assertEqual((xml_housing.find("service_name").text, xml_housing.find("metadata").text,
                          xml_housing.find("group").text), ("住房保障", "false", "城乡建设"))

    def test_service_definitions(self):
        status, doc = self.get_json("services/2.json")
        self.assertEqual((status, doc), (200, {"service_code": "2", "attributes": []}))
        status, _, data = self.get("services/2.xml")
        root = ET.fromstring(data)
        self.assertEqual((status, root.tag, root.find("service_code").text), (200, "service_definition", "2"))
        self.assertEqual(list(root.find("attributes")), [])
        for path in ("services/999999.json", "services/abc.json", "services/0.json"):
            status, doc = self.get_json(path)
            self.assertSpecError(status, doc, 404)
        status, _, data = self.get("services/999999.xml")
        self.assertXmlError(status, data, 404)

    # ---- POST ----

    def test_a_post_becomes_a_routed_ticket(self):
        status, hdrs, data = self.post(self.args(first_name="娜", last_name="李", phone="13900001111",
                                                 email="li@example.com", device_id="dev-1", account_id="u-9",
                                                 jurisdiction_id="demo.gov.cn", **{"attribute[X]": "1"}))
        self.assertEqual(status, 201, data)
        self.assertTrue(hdrs["content-type"].startswith("application/json"))
        doc = json.loads(data)
        self.assertEqual(set(doc[0]), {"service_request_id", "service_notice", "account_id"})
        self.assertRegex(doc[0]["service_request_id"], r"^WZ\d{14}$")
        self.assertIsNone(doc[0]["account_id"])
        t = self.ticket(doc[0]["service_request_id"])
        # category 2 (住房保障) routes to the housing bureau (unit 3) in the demo rules
        self.assertEqual((t["channel"], t["account_id"], t["category_id"], t["type"], t["status"], t["unit_id"]),
                         ("app", self.client, "2", "help", "dispatched", "3"))
        self.assertEqual((t["citizen_name"], t["contact"]), ("李娜", "139****1111"))
        self.assertEqual(t["location"]["latitude"], 39.9087)
        self.assertEqual(t["region"], "东城区东华街道王府井大街1号")
        self.assertEqual(doc[0]["service_notice"], "已分派至承办单位")

    def test_xml_post_and_json_body(self):
        status, hdrs, data = self.post(self.args(), fmt="xml")
        self.assertEqual(status, 201, data)
        root = ET.fromstring(data)
        self.assertEqual((root.tag, root[0].tag), ("service_requests", "request"))
        self.assertRegex(root.find("request/service_request_id").text, r"^WZ\d{14}$")
        self.assertIsNone(root.find("request/account_id").text)
        body = json.dumps({"api_key": self.api_key, "service_code": 3, "lat": 39.91, "long": 116.4,
                           "description": "JSON 提交"}).encode()
        status, _, data = self.post(None, raw=body, headers={"Content-Type": "application/json"})
        self.assertEqual(status, 201, data)
        number = json.loads(data)[0]["service_request_id"]
        self.assertEqual(self.ticket(number)["category_id"], "3")
        status, _, data = self.post(None, raw=b'{"api_key": ', headers={"Content-Type": "application/json"})
        self.assertSpecError(status, json.loads(data), 400)
        status, _, data = self.post(None, raw=b"<x/>", headers={"Content-Type": "text/xml"})
        self.assertSpecError(status, json.loads(data), 400)

    def test_idempotency_key_makes_one_ticket(self):
        key = "retry-" + uuid.uuid4().hex
        first = self.post_json(self.args(), headers={"Idempotency-Key": key})
        again = self.post_json(self.args(), headers={"Idempotency-Key": key})
        self.assertEqual(first[0], 201, first)
        self.assertEqual(again[0], 200, again)
        self.assertEqual(first[1][0]["service_request_id"], again[1][0]["service_request_id"])
        n = self.db.query(f"SELECT COUNT(*) FROM tickets WHERE external_id = 'open311 {key}'").strip()
        self.assertEqual(n, "1")
        # without the header every POST is a new request
        self.assertNotEqual(self.create(), self.create())
        status, doc = self.post_json(self.args(), headers={"Idempotency-Key": "has space"})
        self.assertSpecError(status, doc, 400)

    def test_a_missing_or_wrong_key_is_403(self):
        for key in (None, "", "nodot", f"{self.client}.wrong-secret-0123456789", f"{self.client}.short",
                    f"999999.{KEY}", f"{self.suspended}.{KEY}", f"{self.wechat}.{KEY}", f"{self.hook}.{KEY}",
                    f"abc.{KEY}", f".{KEY}"):
            status, doc = self.post_json(self.args(api_key=key))
            self.assertSpecError(status, doc, 403)
        status, _, data = self.post(self.args(api_key=None), fmt="xml")
        self.assertXmlError(status, data, 403)

    def test_bad_arguments(self):
        for extra in ({"lat": "91"}, {"long": "181"}, {"lat": "abc"}, {"lat": "nan"}, {"long": None},
                      {"lat": None, "long": None, "address_string": None}, {"service_code": None},
                      {"phone": "call me"}, {"media_url": "javascript:alert(1)"}, {"description": "长" * 4001},
                      {"email": "nobody"}):
            status, doc = self.post_json(self.args(**extra))
            self.assertSpecError(status, doc, 400)
        for code in ("999999", "abc"):
            status, doc = self.post_json(self.args(service_code=code))
            self.assertSpecError(status, doc, 404)
        # an address alone is a location; so is an address_id
        self.create(lat=None, long=None)
        self.create(lat=None, long=None, address_string=None, address_id="addr-77")

    # ---- GET requests ----

    def test_requests_show_what_the_spec_says_and_mask_personal_data(self):
        number = self.create(description="家门口路灯坏了，联系我 13812345678 <b>&'\"", phone="13700002222",
                             first_name="Wei", last_name="Zhang", media_url="https://img.example.com/a.jpg?x=1&y=2")
        tid = self.db.query(f"SELECT id FROM tickets WHERE number = '{number}'").strip()
        self.db.query("INSERT INTO replies (ticket_id, author_id, body, status, published_at) VALUES "
                      f"({tid}, {self.admin_id}, '已安排维修，可致电 13999998888', 'published', UTC_TIMESTAMP(6)),"
                      f"({tid}, {self.admin_id}, '草稿 未发布', 'pending_review', NULL)")
        status, hdrs, data = self.get(f"requests/{number}.json")
        self.assertEqual(status, 200, data)
        for secret in (b"13812345678", b"13700002222", b"13999998888", b"Zhang", b"Wei"):
            self.assertNotIn(secret, data)
        doc = json.loads(data)
        self.assertEqual(len(doc), 1)
        r = doc[0]
        self.assertEqual(list(r), ["service_request_id", "status", "status_notes", "service_name", "service_code",
                                   "description", "agency_responsible", "service_notice", "requested_datetime",
                                   "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                                   "lat", "long", "media_url"])
        self.assertEqual((r["service_request_id"], r["status"], r["service_code"], r["service_name"]),
                         (number, "open", "2", "住房保障"))
        self.assertEqual(r["description"], "家门口路灯坏了，联系我 138****5678 <b>&'\"")
        self.assertEqual(r["status_notes"], "已安排维修，可致电 139****8888")
        self.assertEqual(r["agency_responsible"], "示范市住房和城乡建设局")
        self.assertEqual((r["lat"], r["long"]), (39.9087, 116.3975))
        self.assertEqual(r["address"], "东城区东华街道王府井大街1号")
        self.assertEqual(r["media_url"], "https://img.example.com/a.jpg?x=1&y=2")
        for k in ("requested_datetime", "updated_datetime", "expected_datetime"):
            self.assertRegex(r[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", k)
        # staff see the media link in the ticket's text
        self.assertIn("https://img.example.com/a.jpg", self.ticket(number)["content"])
        # the XML parses, and says the same (escaping round-trips)
        status, _, data = self.get(f"requests/{number}.xml")
        root = ET.fromstring(data)
        self.assertEqual((status, root.tag, root[0].tag), (200, "service_requests", "request"))
        req = root.find("request")
        self.assertEqual(req.find("description").text, r["description"])
        self.assertEqual(req.find("media_url").text, r["media_url"])
        self.assertEqual(req.find("lat").text, "39.9087")
        self.assertIsNone(req.find("zipcode").text)
        # closed in Wenzheng = closed in Open311
        self.db.query(f"UPDATE tickets SET status = 'closed' WHERE id = {tid}")
        status, doc = self.get_json(f"requests/{number}.json")
        self.assertEqual((doc[0]["status"], doc[0]["service_notice"]), ("closed", "已办结"))

    def test_unknown_and_foreign_ids_are_404(self):
        other = self.db.query("SELECT t.number FROM tickets t LEFT JOIN open311_requests o ON o.ticket_id = t.id "
                              "WHERE o.ticket_id IS NULL LIMIT 1").strip()
        self.assertTrue(other)  # the demo history: tickets from other channels
        for path in (f"requests/{other}.json", "requests/WZ20000101000001.json", "requests/a-b.json"):
            status, doc = self.get_json(path)
            self.assertSpecError(status, doc, 404)
        status, _, data = self.get("requests/WZ20000101000001.xml")
        self.assertXmlError(status, data, 404)
        status, doc = self.get_json(f"requests.json?service_request_id={other}")
        self.assertEqual((status, doc), (200, []))

    def test_requests_filters_and_the_90_day_default(self):
        a = self.create(service_code="4")
        b = self.create(service_code="5")
        old = self.create(service_code="4")
        self.db.query("UPDATE tickets t JOIN open311_requests o ON o.ticket_id = t.id "
                      "SET t.received_at = t.received_at - INTERVAL 100 DAY, "
                      "o.requested_at = o.requested_at - INTERVAL 100 DAY "
                      f"WHERE t.number = '{old}'")
        self.db.query(f"UPDATE tickets SET status = 'closed' WHERE number = '{b}'")
        status, doc = self.get_json("requests.json")
        numbers = [r["service_request_id"] for r in doc]
        self.assertEqual(status, 200)
        self.assertIn(a, numbers)
        self.assertIn(b, numbers)
        self.assertNotIn(old, numbers)  # older than 90 days
        self.assertLess(numbers.index(b), numbers.index(a))  # newest first
        # only Open311's tickets, never the demo history's
        self.assertEqual(len(doc), int(self.db.query(
            "SELECT COUNT(*) FROM open311_requests WHERE requested_at >= UTC_TIMESTAMP() - INTERVAL 90 DAY").strip()))
        status, doc = self.get_json("requests.json?service_code=4")
        self.assertEqual({r["service_code"] for r in doc}, {"4"})
        self.assertIn(a, [r["service_request_id"] for r in doc])
        status, doc = self.get_json("requests.json?service_code=4,5&status=closed")
        self.assertEqual([r["service_request_id"] for r in doc], [b])
        status, doc = self.get_json("requests.json?status=open")
        self.assertNotIn(b, [r["service_request_id"] for r in doc])
        # the old one, asked for by its dates
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 100 * 86400))
        status, doc = self.get_json(f"requests.json?start_date={day}T00:00:00Z&end_date={day}T23:59:59Z"
                                    "&service_code=4")
        self.assertIn(old, [r["service_request_id"] for r in doc])
        # an offset's '+' left unencoded (it arrives as a space) still reads as +08:00
        status, doc = self.get_json(f"requests.json?start_date={day}T08:00:00+08:00&end_date={day}T23:59:59Z")
        self.assertIn(old, [r["service_request_id"] for r in doc])
        # start alone: 90 days from it, so today's are outside
        status, doc = self.get_json(f"requests.json?start_date={day}")
        self.assertIn(old, [r["service_request_id"] for r in doc])
        self.assertNotIn(a, [r["service_request_id"] for r in doc])
        # by ids, which override the rest
        status, doc = self.get_json(f"requests.json?service_request_id={a},{old}&status=closed")
        self.assertEqual({r["service_request_id"] for r in doc}, {a, old})
        status, _, data = self.get(f"requests.xml?service_request_id={a}")
        root = ET.fromstring(data)
        self.assertEqual([r.find("service_request_id").text for r in root.findall("request")], [a])
        for q in ("start_date=2026-01-01&end_date=2026-06-01", "start_date=yesterday",
                  "end_date=2026-01-01&start_date=2026-02-01", "status=pending", "service_code=x",
                  "service_request_id=a,,b"):
            status, doc = self.get_json("requests.json?" + q)
            self.assertSpecError(status, doc, 400)


if __name__ == "__main__":
    unittest.main()
