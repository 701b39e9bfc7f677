"""ops/run end to end: one `ready:` line on stdout, demo data seeded once, a clean stop of the
server and then the database on SIGTERM or Ctrl-C, and a second run that reuses the data."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from harness import ROOT, sql


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class OpsRun(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="wz-opsrun-")
        self.port = free_port()

    def tearDown(self):
        subprocess.run(["bash", "-c", f". {ROOT}/ops/lib/common.sh; wz_db_stop {self.data}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.data, ignore_errors=True)

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("WZ_")}
        env.update({"WZ_DATA_DIR": self.data, "WZ_PORT": str(self.port)})
        log = open(os.path.join(self.data, f"ops-run-{time.time()}.log"), "w")
        proc = subprocess.Popen([os.path.join(ROOT, "ops", "run")], env=env, stdout=subprocess.PIPE, stderr=log,
                                text=True, start_new_session=True)
        line = {}
        t = threading.Thread(target=lambda: line.setdefault("v", proc.stdout.readline()), daemon=True)
        t.start()
        t.join(300)
        self.assertEqual(line.get("v"), f"ready: http://127.0.0.1:{self.port}\n")
        return proc, log

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.status

    def mariadbd_running(self):
        pid_file = os.path.join(self.data, "mariadbd.pid")
        if not os.path.exists(pid_file):
            return False
        with open(pid_file) as f:
            pid = int(f.read().strip() or 0)
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False

    def stop(self, proc, log, sig):
        proc.send_signal(sig)
        code = proc.wait(60)
        rest = proc.stdout.read()
        log.close()
        self.assertEqual(code, 0)
        self.assertEqual(rest, "", "stdout holds only the ready line")
        with open(log.name) as f:
            return f.read()

    def test_run_stop_and_run_again(self):
        proc, log = self.start()
        self.assertEqual(self.get("/readyz"), 200)
        self.assertEqual(self.get("/healthz"), 200)
        # the staff console is built and served at / (ops/run builds it when node is there)
        if os.path.exists(os.path.join(ROOT, "clients", "console", "dist", "index.html")):
            self.assertEqual(self.get("/"), 200)
        count = sql("SELECT COUNT(*) FROM wenzheng.users", db_dir=self.data).strip()
        self.assertEqual(count, "12")
        sql("INSERT INTO wenzheng.categories (code, name) VALUES ('persist-check', '留存检查')", db_dir=self.data)
        self.assertTrue(self.mariadbd_running())
        keys_path = os.path.join(self.data, "demo-keys.json")
        self.assertEqual(os.stat(keys_path).st_mode & 0o777, 0o600)
        with open(keys_path) as f:
            keys = f.read()
        first = self.stop(proc, log, signal.SIGTERM)
        self.assertIn("seed: demo data loaded", first)
        self.assertEqual(first.count("demo password (all demo users): wenzheng-demo"), 1)
        self.assertIn("stopping gracefully", first)
        self.assertFalse(self.mariadbd_running(), "MariaDB must stop after the server")
        # the root account never logs in with an empty password
        r = subprocess.run(["mariadb", f"--socket={self.data}/mysql.sock", "-uroot", "-p", "-e", "SELECT 1"],
                           input="\n", capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)

        proc, log = self.start()
        self.assertEqual(self.get("/readyz"), 200)
        self.assertEqual(sql("SELECT COUNT(*) FROM wenzheng.users", db_dir=self.data).strip(), "12")
        self.assertEqual(sql("SELECT name FROM wenzheng.categories WHERE code = 'persist-check'",
                             db_dir=self.data).strip(), "留存检查")
        with open(keys_path) as f:
            self.assertEqual(f.read(), keys, "demo keys are generated once and reused")
        second = self.stop(proc, log, signal.SIGINT)
        self.assertNotIn("seed: demo data loaded", second)
        self.assertFalse(self.mariadbd_running())


if __name__ == "__main__":
    unittest.main()
