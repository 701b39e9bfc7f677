"""What WeChat's servers send to an official account's server URL, built the way the Official
Account Platform documents it: the signed query, plain XML messages, and safe-mode envelopes
(AES-256-CBC with the EncodingAESKey, via the openssl command line: Python's standard library
has no AES)."""
import base64
import hashlib
import os
import subprocess
import time
import urllib.parse


def sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def new_aes_key():
    """A random EncodingAESKey: 43 base64 characters of 32 bytes."""
    return base64.b64encode(os.urandom(32)).decode()[:43]


def encrypt(aes_key, xml, appid):
    key = base64.b64decode(aes_key + "=")
    body = xml.encode()
    plain = os.urandom(16) + len(body).to_bytes(4, "big") + body + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    out = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", key.hex(), "-iv", key[:16].hex(), "-nopad"],
                         input=plain, capture_output=True, check=True).stdout
    return base64.b64encode(out).decode()


def text_xml(sender, content, msg_id, to="gh_test", created=None):
    created = int(time.time()) if created is None else created
    return (f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(sender, event, created, extra=""):
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>{extra}</xml>")


def plain_query(token, ts=None, nonce="8137492", openid=None, **extra):
    ts = str(int(time.time()) if ts is None else ts)
    q = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce}
    if openid:
        q["openid"] = openid
    q.update(extra)
    return urllib.parse.urlencode(q)


def safe_push(token, aes_key, appid, xml, ts=None, nonce="20261204"):
    """The query and body of a safe-mode push."""
    ts = str(int(time.time()) if ts is None else ts)
    enc = encrypt(aes_key, xml, appid)
    body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
    q = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce, "encrypt_type": "aes",
         "msg_signature": sign(token, ts, nonce, enc)}
    return urllib.parse.urlencode(q), body.encode()
