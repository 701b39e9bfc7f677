"""The citizens' API client (clients/miniprogram/utils/api-core.js, shared by the mini-program and
the H5 board) in node against a real server and database with the demo seed: phone sign-in with
the code from the server's log, a submission whose answer is lost retried with the same
Idempotency-Key (one ticket), 5xx retries, refresh on 401 (once for concurrent requests), the
error shape turned into Chinese texts, the unit's reply read and rated, uploads and the public
board. The tests are node's own runner (node --test); node 20+ is needed, no npm packages."""
import os
import shutil
import subprocess
import time
import unittest

from harness import ROOT, ServerTestCase

TEST = os.path.join(ROOT, "clients", "miniprogram", "test", "server", "api-core.server.test.mjs")


class MiniprogramApi(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("node"):
            raise RuntimeError("node is not on PATH")
        super().setUpClass()

    def test_api_core_against_the_server(self):
        env = dict(os.environ, WZ_URL=f"http://127.0.0.1:{self.server.port}", WZ_SERVER_LOG=self.server.log_path,
                   WZ_DEMO_PASSWORD=os.environ.get("WZ_DEMO_PASSWORD", "wenzheng-demo"))
        started = time.monotonic()
        proc = subprocess.run(["node", "--test", "--test-reporter=spec", TEST], env=env, capture_output=True,
                              text=True, timeout=300, cwd=ROOT)
        print(proc.stdout[-6000:])
        print(f"node --test: {time.monotonic() - started:.1f} s")
        if proc.returncode != 0:
            self.fail(f"api-core tests failed ({proc.returncode}):\n{proc.stderr[-3000:]}\n"
                      f"server log:\n{self.server.logs()[-3000:]}")


if __name__ == "__main__":
    unittest.main()
