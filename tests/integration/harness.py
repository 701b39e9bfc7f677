"""Integration-test harness: a fresh database per test class on the MariaDB that ops/test
started, and a real `wenzheng serve` process on a free port. Standard library only; admin work
goes through the `mariadb` command-line client as root over the private socket."""
import http.client
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env_required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the integration tests through ops/test")
    return value


BIN = env_required("WZ_BIN")
WRAP = os.environ.get("WZ_WRAP", "").split()
DB_DIR = env_required("WZ_TEST_DB_DIR")


def sql(query, database=None, db_dir=None, user_args=None, check=True):
    """Runs SQL as root (socket auth) and returns stdout; raises with stderr on failure."""
    args = ["mariadb", f"--defaults-file={db_dir or DB_DIR}/my.cnf", "--batch", "--skip-column-names"]
    args += user_args or ["-uroot"]
    if database:
        args += ["-D", database]
    proc = subprocess.run(args + ["-e", query], capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise RuntimeError(f"sql failed: {query}\n{proc.stderr}")
    return proc if not check else proc.stdout


def read_env_file(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k] = v
    return out


class Database:
    """A database of its own for one test class, owned by the shared migration user."""

    def __init__(self, db_dir=None):
        self.db_dir = db_dir or DB_DIR
        creds = read_env_file(os.path.join(self.db_dir, "db.env"))
        self.name = "wzt_" + secrets.token_hex(6)
        self.socket = creds["WZ_DB_SOCKET"]
        self.app_user, self.app_password = creds["WZ_DB_USER"], creds["WZ_DB_PASSWORD"]
        self.migrate_user, self.migrate_password = creds["WZ_DB_MIGRATE_USER"], creds["WZ_DB_MIGRATE_PASSWORD"]
        sql(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
            f"GRANT ALL PRIVILEGES ON `{self.name}`.* TO '{self.migrate_user}'@'localhost' WITH GRANT OPTION;",
            db_dir=self.db_dir)

    def env(self):
        return {
            "WZ_DB_SOCKET": self.socket, "WZ_DB_NAME": self.name,
            "WZ_DB_USER": self.app_user, "WZ_DB_PASSWORD": self.app_password,
            "WZ_DB_MIGRATE_USER": self.migrate_user, "WZ_DB_MIGRATE_PASSWORD": self.migrate_password,
        }

    def query(self, q):
        return sql(q, database=self.name, db_dir=self.db_dir)

    def as_app(self, q):
        """Runs q as the application user; returns the CompletedProcess (check returncode)."""
        return sql(q, database=self.name, db_dir=self.db_dir, check=False,
                   user_args=[f"-u{self.app_user}", f"-p{self.app_password}"])

    def drop(self):
        sql(f"DROP DATABASE IF EXISTS `{self.name}`", db_dir=self.db_dir)


def base_env(db, data_dir, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WZ_")}
    env.update(db.env())
    env.update({"WZ_DATA_DIR": data_dir, "WZ_PORT": "0", "WZ_THREADS": "2", "WZ_DEMO": "true",
                "WZ_DEBUG_ENDPOINTS": "true", "WZ_LOG_LEVEL": "info"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(args, env, timeout=120):
    return subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=timeout)


class Server:
    """A running `wenzheng serve`; stderr (logs) goes to a file for inspection."""

    def __init__(self, env, cwd=None):
        self.log_path = tempfile.mktemp(prefix="wz-server-", suffix=".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(WRAP + [BIN, "serve"], env=env, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, cwd=cwd)
        line = self._read_ready(timeout=60)
        if not line.startswith("ready: http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"server did not become ready: {line!r}\n{self.logs()}")
        self.port = int(line.strip().rsplit(":", 1)[1])

    def _read_ready(self, timeout):
        # select-free: the server prints exactly one line once it listens, or exits
        import threading
        result = {}

        def reader():
            result["line"] = self.proc.stdout.readline()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        t.join(timeout)
        return result.get("line", "")

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, doc=None, headers=None, timeout=30):
        h = dict(headers or {})
        body = None
        if doc is not None:
            body = json.dumps(doc).encode()
            h.setdefault("Content-Type", "application/json")
        status, hdrs, data = self.request(method, path, body, h, timeout)
        return status, hdrs, (json.loads(data) if data else None)

    def _closed(self):
        self.log.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode

    def wait(self, timeout=30):
        """Waits for the process to exit by itself (after a signal the test sent)."""
        self.proc.wait(timeout)
        return self._closed()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        return self._closed()


class ServerTestCase(unittest.TestCase):
    """One database and one server (demo mode, migrated and seeded) per test class."""
    server_env = {}

    @classmethod
    def setUpClass(cls):
        cls.db = Database()
        cls.data_dir = tempfile.mkdtemp(prefix="wz-data-")
        cls.env = base_env(cls.db, cls.data_dir, **cls.server_env)
        for cmd in (["migrate"], ["seed-demo"]):
            r = run_cli(cmd, cls.env)
            if r.returncode != 0:
                raise RuntimeError(f"{cmd} failed: {r.stderr}")
        cls.server = Server(cls.env)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.db.drop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.server.logs()[-3000:]}")

    @classmethod
    def user_headers(cls):
        """Authorization headers for every demo user by username, minted with the demo key as
        the server would issue them (role, unit, the unit's path)."""
        secret = demo_secret(cls.data_dir)
        rows = cls.db.query("SELECT u.username, u.id, u.role, u.unit_id, n.path FROM users u "
                            "JOIN units n ON n.id = u.unit_id").strip().splitlines()
        users = {}
        for line in rows:
            name, uid, role, unit, path = line.split("\t")
            users[name] = {"Authorization": "Bearer " + mint_token(secret, uid, role, int(unit), path)}
        return users

    def assertError(self, status, body, want_status, want_code):
        self.assertEqual(status, want_status, body)
        self.assertIsInstance(body, dict)
        self.assertEqual(set(body), {"error"})
        self.assertEqual(body["error"]["code"], want_code)
        self.assertIsInstance(body["error"]["message"], str)
        self.assertTrue(body["error"]["message"])


def wait_for(predicate, timeout, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(secret, sub, role, unit=0, upath="", ttl=900, now=None, alg="HS256", typ="access", extra=None):
    """An access token as the server issues them (HS256 over the demo jwt_secret)."""
    import hashlib
    import hmac
    now = int(time.time()) if now is None else now
    header = {"alg": alg, "typ": "JWT"}
    claims = {"sub": str(sub), "role": role, "unit": unit, "upath": upath, "typ": typ, "iat": now, "exp": now + ttl}
    claims.update(extra or {})
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    sig = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return signing_input + "." + b64url(sig)


def demo_secret(data_dir):
    with open(os.path.join(data_dir, "demo-keys.json")) as f:
        return json.load(f)["jwt_secret"]
