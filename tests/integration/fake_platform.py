"""A fake of the platforms the outbox sender calls, on loopback: WeChat's access token and
message APIs (custom/send, template/send, subscribe/send), Weibo's fans-service reply
(/2/messages/reply.json), the ByteDance open platform's private-message send (/im/send/msg/,
Douyin and Toutiao) and any number of hook receivers (/hook/<name>). Every call is recorded
(time, path, query, headers, body).

Each path answers by a script: the modes queued with script(path, ...) one per call, then the
path's default (set_default; "ok" unless set):
  "ok"                    hooks: 200 {"ok": true}; message APIs: {"errcode": 0} when the
                          access_token is the newest one issued, else 40001 (as WeChat does once
                          a new token replaced it)
  ("status", 503)         that HTTP status
  ("slow", 2.0)           answers "ok" after that many seconds
  "garbage"               200 with a body that is not JSON
  ("errcode", 42001, "access_token expired")   a WeChat error
  ("weibo_error", 20003, "User does not exists!", 400)   a Weibo error (code, text, status)
  ("douyin_error", 28001007, "参数不合法")               a ByteDance error
/cgi-bin/token checks appid and secret (40013 / 40125) and issues a new token each time.
Weibo's reply checks the form (access_token among weibo_tokens, else 21332; type text; data a
JSON {"text"}; receiver_id digits, else 10008); the ByteDance send checks the access-token
header (among bytedance_tokens, else 28001008), open_id in the query and the JSON body
(to_user_id, conversation_id, scene im_reply_msg, content.msg_type 1 with text, else
28001007), answering as the platforms document."""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE_APIS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send",
                "/cgi-bin/message/subscribe/send")
WEIBO_REPLY = "/2/messages/reply.json"
BYTEDANCE_SEND = "/im/send/msg/"


class FakePlatform:
    def __init__(self, apps):
        self.apps = dict(apps)  # appid -> secret
        self.lock = threading.Lock()
        self.calls = []
        self.scripts = {}
        self.defaults = {}
        self.issued = 0
        self.current = {}  # appid -> newest token
        self.expires_in = 7200
        self.weibo_tokens = set()
        self.bytedance_tokens = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self, method):
                url = urllib.parse.urlsplit(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                call = {"t": time.time(), "method": method, "path": url.path,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                with fake.lock:
                    fake.calls.append(call)
                status, doc = fake.answer(call)
                out = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                try:
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller gave up (a timeout test)

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    # ---- the test's controls ----

    def script(self, path, *modes):
        with self.lock:
            self.scripts.setdefault(path, []).extend(modes)

    def set_default(self, path, mode):
        with self.lock:
            self.defaults[path] = mode

    def calls_to(self, path):
        with self.lock:
            return [c for c in self.calls if c["path"] == path]

    def url(self, path):
        return self.base + path

    # ---- answers ----

    def next_mode(self, path):
        with self.lock:
            queued = self.scripts.get(path)
            if queued:
                return queued.pop(0)
            return self.defaults.get(path, "ok")

    def answer(self, call):
        path = call["path"]
        if path == "/cgi-bin/token":
            return self.token(call["query"])
        mode = self.next_mode(path)
        if isinstance(mode, tuple) and mode[0] == "slow":
            time.sleep(mode[1])
            mode = "ok"
        if mode == "garbage":
            return 200, b"<html>502 Bad Gateway</html>"
        if isinstance(mode, tuple) and mode[0] == "status":
            return mode[1], {"error": "scripted"}
        if isinstance(mode, tuple) and mode[0] == "errcode":
            return 200, {"errcode": mode[1], "errmsg": mode[2]}
        if isinstance(mode, tuple) and mode[0] == "weibo_error":
            return mode[3], weibo_error(mode[1], mode[2])
        if isinstance(mode, tuple) and mode[0] == "douyin_error":
            return 200, bytedance_answer(mode[1], mode[2])
        if path == WEIBO_REPLY:
            return self.weibo_reply(call)
        if path.endswith(BYTEDANCE_SEND):
            return self.bytedance_send(call)
        if path in MESSAGE_APIS:
            token = call["query"].get("access_token")
            with self.lock:
                valid = token is not None and token in self.current.values()
            if not valid:
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": len(self.calls)}
        if path.startswith("/hook/"):
            return 200, {"ok": True}
        return 404, {"errcode": 404, "errmsg": "no such api"}

    def token(self, q):
        if q.get("grant_type") != "client_credential":
            return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
        appid = q.get("appid")
        if appid not in self.apps:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if q.get("secret") != self.apps[appid]:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        mode = self.next_mode("/cgi-bin/token")
        if mode != "ok":
            return 200, {"errcode": -1, "errmsg": "system error"}
        with self.lock:
            self.issued += 1
            token = f"tok-{appid}-{self.issued}"
            self.current[appid] = token
        return 200, {"access_token": token, "expires_in": self.expires_in}

    def weibo_reply(self, call):
        form = dict(urllib.parse.parse_qsl(call["body"].decode()))
        with self.lock:
            valid = form.get("access_token") in self.weibo_tokens
        if not valid:
            return 401, weibo_error(21332, "invalid_access_token")
        try:
            data = json.loads(form.get("data", ""))
        except ValueError:
            data = None
        rid = form.get("receiver_id", "")
        if form.get("type") != "text" or not isinstance(data, dict) or not data.get("text") or not rid.isdigit():
            return 400, weibo_error(10008, "param error, see doc for more info")
        return 200, {"id": len(self.calls), "idstr": str(len(self.calls)), "type": "text", "receiver_id": int(rid),
                     "text": data["text"]}

    def bytedance_send(self, call):
        with self.lock:
            valid = call["headers"].get("access-token") in self.bytedance_tokens
        if not valid:
            return 200, bytedance_answer(28001008, "access_token过期,请刷新或重新授权")
        try:
            doc = json.loads(call["body"])
        except ValueError:
            doc = None
        ok = (isinstance(doc, dict) and call["query"].get("open_id") and doc.get("to_user_id")
              and doc.get("conversation_id") and doc.get("scene") == "im_reply_msg"
              and isinstance(doc.get("content"), dict) and doc["content"].get("msg_type") == 1
              and (doc["content"].get("text") or {}).get("text"))
        if not ok:
            return 200, bytedance_answer(28001007, "参数不合法")
        return 200, bytedance_answer(0, "", msg_id=f"@sent{len(self.calls)}")

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def weibo_error(code, text):
    return {"request": WEIBO_REPLY, "error_code": code, "error": text}


def bytedance_answer(code, description, **data):
    d = {"error_code": code, "description": description}
    d.update(data)
    return {"data": d, "extra": {"error_code": code, "description": description, "sub_error_code": 0,
                                 "sub_description": "", "logid": "fake-log-id", "now": int(time.time() * 1000)}}
