"""Graceful shutdown: stop accepting, let in-flight requests finish (bounded), exit 0."""
import socket
import tempfile
import threading
import time
import unittest

from harness import Database, Server, base_env, run_cli


class Shutdown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database()
        cls.data_dir = tempfile.mkdtemp(prefix="wz-data-")
        env = base_env(cls.db, cls.data_dir)
        for cmd in (["migrate"], ["seed-demo"]):
            r = run_cli(cmd, env)
            assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()

    def start(self, **extra):
        return Server(base_env(self.db, self.data_dir, WZ_THREADS="1", **extra))

    def test_in_flight_request_finishes(self):
        server = self.start()
        results = []
        t = threading.Thread(target=lambda: results.append(server.json("GET", "/api/v1/debug/sleep?ms=1500")))
        t.start()
        time.sleep(0.4)
        started = time.time()
        server.proc.send_signal(15)
        time.sleep(0.3)
        # no longer accepting
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        t.join(10)
        self.assertEqual(len(results), 1)
        self.assertEqual(results[0][0], 200, results[0])
        self.assertEqual(results[0][2], {"slept": True})
        code = server.wait(10)  # not stop(): a second signal means "exit at once"
        self.assertEqual(code, 0, server.logs()[-2000:])
        self.assertLess(time.time() - started, 8)
        self.assertIn("stopped", server.logs())

    def test_shutdown_is_bounded(self):
        server = self.start(WZ_HTTP_SHUTDOWN_TIMEOUT_MS="500")
        t = threading.Thread(target=lambda: self._swallow(server), daemon=True)
        t.start()
        time.sleep(0.4)
        started = time.time()
        code = server.stop(timeout=15)
        self.assertEqual(code, 0)
        # 500 ms of grace, not the 20 s the request wanted
        self.assertLess(time.time() - started, 5)
        self.assertIn("unfinished", server.logs())

    def test_idle_server_stops_at_once(self):
        server = self.start()
        self.assertEqual(server.json("GET", "/healthz")[0], 200)
        started = time.time()
        self.assertEqual(server.stop(sig=2), 0)  # SIGINT, as Ctrl-C
        self.assertLess(time.time() - started, 3)

    @staticmethod
    def _swallow(server):
        try:
            server.json("GET", "/api/v1/debug/sleep?ms=20000", timeout=30)
        except Exception:
            pass


if __name__ == "__main__":
    unittest.main()
