"""A fake WeChat API on loopback for the mini-program sign-in tests: /sns/jscode2session answers
by the code it is given, the way the real one documents (errcode 40029 for an invalid code, ...).

  code-ok-<x>        openid "o_<x>"
  code-union-<x>-<y> openid "o_<y>", unionid "u_<x>"
  code-bad           40029 invalid code       code-used   40163 code been used
  code-limit         45011 too many calls     code-busy   -1 system error
  code-500           HTTP 500                 code-garbage  a body that is not JSON
  code-slow          answers after 3 s
Any call with another appid or secret gets 40013 / 40125."""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeWeChat:
    def __init__(self, appid, secret):
        self.appid, self.secret = appid, secret
        self.calls = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                fake.calls.append((url.path, q))
                status, doc = fake.answer(url.path, q)
                body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path, q):
        if path != "/sns/jscode2session" or q.get("grant_type") != "authorization_code":
            return 404, {"errcode": 404, "errmsg": "no such api"}
        if q.get("appid") != self.appid:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if q.get("secret") != self.secret:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        code = q.get("js_code", "")
        fixed = {"code-bad": (200, {"errcode": 40029, "errmsg": "invalid code"}),
                 "code-used": (200, {"errcode": 40163, "errmsg": "code been used"}),
                 "code-limit": (200, {"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
                 "code-busy": (200, {"errcode": -1, "errmsg": "system error"}),
                 "code-500": (500, {"errmsg": "oops"}),
                 "code-garbage": (200, b"<html>not json</html>")}
        if code in fixed:
            return fixed[code]
        if code == "code-slow":
            time.sleep(3)
            return 200, {"openid": "o_slow", "session_key": "k"}
        if code.startswith("code-ok-"):
            return 200, {"openid": "o_" + code[8:], "session_key": "sk"}
        if code.startswith("code-union-"):
            union, openid = code[11:].split("-", 1)
            return 200, {"openid": "o_" + openid, "unionid": "u_" + union, "session_key": "sk"}
        return 200, {"errcode": 40029, "errmsg": "invalid code"}

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
