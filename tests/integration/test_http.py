"""The HTTP core: routing, the one error shape, body checks in their fixed order, request ids,
health, readiness, metrics and the access log."""
import json
import time
import unittest

from harness import ServerTestCase, Server, base_env, wait_for


class HttpCore(ServerTestCase):
    def test_healthz(self):
        status, headers, body = self.server.json("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"status": "ok"})
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertEqual(int(headers["content-length"]), len(json.dumps(body, separators=(",", ":"))))

    def test_readyz_reports_schema(self):
        status, _, body = self.server.json("GET", "/readyz")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "ready")
        self.assertEqual(body["database"], "up")
        self.assertEqual(body["schema_version"], body["schema_expected"])
        self.assertGreaterEqual(body["schema_version"], 1)

    def test_unknown_path_is_json_404(self):
        status, _, body = self.server.json("GET", "/api/v1/no/such/thing")
        self.assertError(status, body, 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        status, headers, body = self.server.json("DELETE", "/healthz")
        self.assertError(status, body, 405, "method_not_allowed")
        self.assertEqual(headers["allow"], "GET, HEAD")
        status, headers, body = self.server.json("GET", "/api/v1/debug/echo")
        self.assertError(status, body, 405, "method_not_allowed")
        self.assertEqual(headers["allow"], "POST")

    def test_head_has_no_body(self):
        status, headers, body = self.server.request("HEAD", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")

    def test_malformed_json_is_400(self):
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", b'{"a": 1,',
                                              {"Content-Type": "application/json"})
        body = json.loads(body)
        self.assertError(status, body, 400, "invalid_json")
        self.assertIn("line 1", body["error"]["message"])

    def test_duplicate_keys_are_rejected(self):
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", b'{"a": 1, "a": 2}',
                                              {"Content-Type": "application/json"})
        self.assertError(status, json.loads(body), 400, "invalid_json")

    def test_wrong_content_type_is_415(self):
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", b'{"a": 1}',
                                              {"Content-Type": "text/plain"})
        self.assertError(status, json.loads(body), 415, "unsupported_media_type")
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", b'{"a": 1}', {})
        self.assertError(status, json.loads(body), 415, "unsupported_media_type")

    def test_size_is_checked_before_type_and_syntax(self):
        big = b"x" * (1024 * 1024 + 1)
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", big, {"Content-Type": "text/plain"})
        self.assertError(status, json.loads(body), 413, "body_too_large")

    def test_oversized_json_is_413(self):
        doc = json.dumps({"text": "问" * 400000}).encode()
        self.assertGreater(len(doc), 1024 * 1024)
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", doc,
                                              {"Content-Type": "application/json"})
        self.assertError(status, json.loads(body), 413, "body_too_large")

    def test_valid_json_roundtrip_keeps_utf8(self):
        doc = {"title": "小区停车难 🚗", "n": 3, "nested": {"ok": True}}
        status, _, body = self.server.json("POST", "/api/v1/debug/echo", doc,
                                           {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 200)
        self.assertEqual(body, {"body": doc})

    def test_action_without_body_needs_no_content_type(self):
        status, _, body = self.server.request("POST", "/api/v1/debug/echo", None, {})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"body": None})

    def test_request_id_echoed_or_generated(self):
        _, headers, _ = self.server.request("GET", "/healthz", headers={"X-Request-Id": "abc-123.DEF_4"})
        self.assertEqual(headers["x-request-id"], "abc-123.DEF_4")
        _, headers, _ = self.server.request("GET", "/healthz", headers={"X-Request-Id": "bad id<script>"})
        self.assertNotEqual(headers["x-request-id"], "bad id<script>")
        self.assertRegex(headers["x-request-id"], r"^[0-9a-f]{20}$")
        _, h1, _ = self.server.request("GET", "/healthz")
        _, h2, _ = self.server.request("GET", "/healthz")
        self.assertNotEqual(h1["x-request-id"], h2["x-request-id"])

    def test_validation_error_names_the_field(self):
        status, _, body = self.server.json("GET", "/api/v1/debug/sleep?ms=abc")
        self.assertError(status, body, 422, "validation_failed")
        self.assertEqual(body["error"]["field"], "ms")

    def test_metrics_prometheus_text(self):
        self.server.request("GET", "/healthz")
        status, headers, body = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        text = body.decode()
        self.assertRegex(text, r'wz_http_requests_total\{route="healthz",method="GET",status="200"\} [1-9]')
        self.assertIn('wz_http_request_duration_seconds_bucket{route="healthz",method="GET",le="+Inf"}', text)
        self.assertRegex(text, r'wz_db_pool_in_use\{worker="0"\} \d+')
        self.assertRegex(text, r'wz_db_pool_alive\{worker="1"\} \d+')
        self.assertIn("wz_db_pool_waiting", text)
        self.assertIn('wz_errors_total{kind="internal"}', text)

    def test_access_log_is_json_lines(self):
        _, headers, _ = self.server.request("GET", "/healthz?token=secret", headers={"X-Request-Id": "log-check-1"})

        def find():
            for line in self.server.logs().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    self.fail(f"log line is not JSON: {line!r}")
                if entry.get("request_id") == "log-check-1":
                    return entry
            return None

        entry = wait_for(find, 5)
        self.assertIsNotNone(entry)
        self.assertEqual(entry["type"], "access")
        self.assertEqual(entry["method"], "GET")
        self.assertEqual(entry["path"], "/healthz")  # no query string: it may carry secrets
        self.assertEqual(entry["status"], 200)
        self.assertGreater(entry["bytes"], 0)
        self.assertIsInstance(entry["duration_us"], int)
        self.assertNotIn("secret", self.server.logs())


class StaticFiles(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        import os
        import tempfile
        cls.static = tempfile.mkdtemp(prefix="wz-static-")
        files = {"index.html": "<!doctype html><title>问政</title>", "assets/app.js": "console.log(1)",
                 "assets/app.css": "body{}", "logo.svg": "<svg/>"}
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(cls.static, name)), exist_ok=True)
            with open(os.path.join(cls.static, name), "w") as f:
                f.write(text)
        cls.h5 = tempfile.mkdtemp(prefix="wz-h5-")
        with open(os.path.join(cls.h5, "index.html"), "w") as f:
            f.write("<!doctype html><title>留言板</title>")
        cls.server_env = {"WZ_STATIC_DIR": cls.static, "WZ_H5_DIR": cls.h5}
        super().setUpClass()

    def test_h5_board_beside_the_console(self):
        status, headers, body = self.server.request("GET", "/h5/")
        self.assertEqual(status, 200)
        self.assertIn("留言板".encode(), body)
        self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        status, _, body = self.server.request("GET", "/")
        self.assertIn("问政".encode(), body, "/ is still the console")
        status, _, body = self.server.json("GET", "/api/v1/healthz")
        self.assertNotEqual(status, 200)
        status, _, body = self.server.request("GET", "/h5/../../etc/passwd")
        self.assertNotIn(b"root:", body)

    def test_files_with_mime_types(self):
        for path, mime in (("/", "text/html"), ("/index.html", "text/html"), ("/assets/app.js", "application/javascript"),
                           ("/assets/app.css", "text/css"), ("/logo.svg", "image/svg+xml")):
            status, headers, body = self.server.request("GET", path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["content-type"].startswith(mime), (path, headers["content-type"]))
            self.assertIn("x-request-id", headers)
        status, _, body = self.server.request("GET", "/")
        self.assertIn("问政".encode(), body)

    def test_console_security_headers(self):
        for path in ("/", "/assets/app.js"):
            status, headers, _ = self.server.request("GET", path)
            self.assertEqual(status, 200)
            csp = headers["content-security-policy"]
            for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'",
                              "connect-src 'self'", "object-src 'none'"):
                self.assertIn(directive, csp)
            self.assertNotIn("unsafe-eval", csp)
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertEqual(headers["x-frame-options"], "DENY")
            self.assertEqual(headers["referrer-policy"], "same-origin")

    def test_api_paths_never_fall_through_to_files(self):
        status, _, body = self.server.json("GET", "/api/v1/index.html")
        self.assertError(status, body, 404, "not_found")

    def test_no_escape_from_the_directory(self):
        status, _, body = self.server.request("GET", "/../../../etc/passwd")
        self.assertNotEqual(status, 200)
        self.assertNotIn(b"root:", body)


class Cors(ServerTestCase):
    server_env = {"WZ_HTTP_CORS_ORIGINS": "https://wz.example.gov.cn, http://localhost:5173"}

    def test_listed_origins_only(self):
        status, headers, body = self.server.request("GET", "/api/v1/public/config", None,
                                                    {"Origin": "https://wz.example.gov.cn"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "https://wz.example.gov.cn")
        self.assertIn("Origin", headers["vary"])
        self.assertIn("Retry-After", headers["access-control-expose-headers"])
        status, headers, _ = self.server.request("GET", "/api/v1/public/config", None, {"Origin": "https://evil.example"})
        self.assertEqual(status, 200)  # answered, but the browser will not show it to that page
        self.assertNotIn("access-control-allow-origin", headers)

    def test_preflight(self):
        status, headers, body = self.server.request(
            "OPTIONS", "/api/v1/messages", None,
            {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
        self.assertEqual((status, body), (204, b""))
        self.assertEqual(headers["access-control-allow-origin"], "http://localhost:5173")
        for h in ("Authorization", "Content-Type", "Idempotency-Key"):
            self.assertIn(h, headers["access-control-allow-headers"])
        self.assertIn("POST", headers["access-control-allow-methods"])
        status, headers, body = self.server.request(
            "OPTIONS", "/api/v1/messages", None, {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 403)
        self.assertNotIn("access-control-allow-origin", headers)
        # an OPTIONS that is not a preflight is an ordinary request: no such method on the route
        status, headers, _ = self.server.request("OPTIONS", "/api/v1/messages")
        self.assertEqual(status, 405)


class NoCorsByDefault(ServerTestCase):
    def test_same_origin_only(self):
        status, headers, _ = self.server.request("GET", "/api/v1/public/config", None,
                                                 {"Origin": "https://wz.example.gov.cn"})
        self.assertEqual(status, 200)
        self.assertNotIn("access-control-allow-origin", headers)
        status, _, _ = self.server.request("OPTIONS", "/api/v1/tickets", None,
                                           {"Origin": "https://wz.example.gov.cn", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 403)


class MetricsAllowList(ServerTestCase):
    server_env = {"WZ_METRICS_ALLOW": "10.9.9.9/32"}

    def test_metrics_refused_outside_allow_list(self):
        status, _, body = self.server.json("GET", "/metrics")
        self.assertError(status, body, 403, "forbidden")
        status, _, _ = self.server.json("GET", "/healthz")
        self.assertEqual(status, 200)


class ForwardedFor(ServerTestCase):
    """Behind a trusted reverse proxy (here: the test itself on 127.0.0.1) the client is the
    address X-Forwarded-For names, for the per-address limits, the audit log and /metrics."""
    server_env = {"WZ_HTTP_TRUSTED_PROXIES": "127.0.0.1", "WZ_PUBLIC_BOARD_CACHE_S": "0",
                  "WZ_PUBLIC_BOARD_RATE_PER_MIN": "5"}

    def board(self, xff):
        return self.server.request("GET", "/api/v1/public/replies", None, {"X-Forwarded-For": xff})[0]

    def test_board_limit_is_per_client_not_per_proxy(self):
        self.assertEqual([self.board("203.0.113.7") for _ in range(5)], [200] * 5)
        self.assertEqual(self.board("203.0.113.7"), 429)
        self.assertEqual(self.board("203.0.113.8"), 200, "another client behind the same proxy")
        # the proxy's own hop is skipped; what a client wrote to the left of it counts as its own
        self.assertEqual(self.board("10.0.0.1, 203.0.113.7, 127.0.0.1"), 429)

    def test_audit_records_the_client(self):
        status, _, _ = self.server.json("POST", "/api/v1/auth/login", {"username": "admin", "password": "wrong-one"},
                                        {"X-Forwarded-For": "198.51.100.23"})
        self.assertEqual(status, 401)
        rows = self.db.query("SELECT client_ip FROM audit_log WHERE action = 'auth.login_failed'").split()
        self.assertEqual(rows, ["198.51.100.23"])

    def test_metrics_allow_list_sees_the_client(self):
        status, _, _ = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        status, _, body = self.server.json("GET", "/metrics", None, {"X-Forwarded-For": "203.0.113.50"})
        self.assertError(status, body, 403, "forbidden")
        status, _, _ = self.server.request("GET", "/metrics", None, {"X-Forwarded-For": "127.0.0.1, ::1"})
        self.assertEqual(status, 200)


class ForwardedForIgnored(ServerTestCase):
    """Without trusted proxies anyone could write the header: it changes nothing."""
    server_env = {"WZ_PUBLIC_BOARD_CACHE_S": "0", "WZ_PUBLIC_BOARD_RATE_PER_MIN": "3"}

    def test_header_does_not_escape_the_limit(self):
        statuses = [self.server.request("GET", "/api/v1/public/replies", None,
                                        {"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        status, _, _ = self.server.request("GET", "/metrics", None, {"X-Forwarded-For": "203.0.113.50"})
        self.assertEqual(status, 200, "the peer (loopback) is what counts")


if __name__ == "__main__":
    unittest.main()
