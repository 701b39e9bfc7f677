"""The H5 message board end to end (tests/browser/h5/h5.spec.mjs, headless Debian chromium through
playwright-core at 390x844) against a real server and database with the demo seed: phone + code
sign-in, a question with a photo, its status, the unit's reply through the API, the citizen's
rating, the evaluator's satisfaction rate, the public board. Screenshots go to
build/screenshots/h5-*.png. The board must have been built (clients/h5/dist, node_modules):
ops/test does it.

The server serves the board at /h5/ from `h5_dir` (WZ_H5_DIR); a server without that key yet
gets the same layout through static_dir (<tmp>/h5 -> clients/h5/dist)."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, ROOT, ServerTestCase

DIST = os.path.join(ROOT, "clients", "h5", "dist")
SPEC = os.path.join(ROOT, "tests", "browser", "h5", "h5.spec.mjs")
SHOTS = os.environ.get("WZ_SCREENSHOTS", os.path.join(ROOT, "build", "screenshots"))
CHROMIUM = os.environ.get("WZ_CHROMIUM", "/usr/bin/chromium")


def h5_env():
    helptext = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    if "WZ_H5_DIR" in helptext:
        return {"WZ_H5_DIR": DIST}
    static = tempfile.mkdtemp(prefix="wz-h5-static-")
    os.symlink(DIST, os.path.join(static, "h5"))
    return {"WZ_STATIC_DIR": static}


class H5(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        for path, what in [(os.path.join(DIST, "index.html"), "the built board (npm run build in clients/h5)"),
                           (os.path.join(ROOT, "clients", "h5", "node_modules", "playwright-core"),
                            "clients/h5/node_modules (npm ci)"),
                           (CHROMIUM, "Debian's chromium")]:
            if not os.path.exists(path):
                raise RuntimeError(f"missing {what}: {path}; run through ops/test")
        if not shutil.which("node"):
            raise RuntimeError("node is not on PATH")
        cls.server_env = h5_env()
        super().setUpClass()

    def test_h5_board_in_a_phone_browser(self):
        status, _, body = self.server.request("GET", "/h5/")
        self.assertEqual(status, 200)
        self.assertIn(b'<div id="app">', body)
        env = dict(os.environ, WZ_URL=f"http://127.0.0.1:{self.server.port}", WZ_SERVER_LOG=self.server.log_path,
                   WZ_SCREENSHOTS=SHOTS, WZ_CHROMIUM=CHROMIUM,
                   WZ_DEMO_PASSWORD=os.environ.get("WZ_DEMO_PASSWORD", "wenzheng-demo"))
        started = time.monotonic()
        proc = subprocess.run(["node", SPEC], env=env, capture_output=True, text=True, timeout=300)
        print(proc.stdout)
        print(f"browser test: {time.monotonic() - started:.1f} s; screenshots in {SHOTS}")
        if proc.returncode != 0:
            self.fail(f"H5 browser test failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}\n"
                      f"server log:\n{self.server.logs()[-3000:]}")
        for name in ["01-login", "02-ask", "03-submitted", "04-mine", "05-reply", "06-rated", "07-board"]:
            self.assertTrue(os.path.exists(os.path.join(SHOTS, f"h5-{name}.png")), name)
        # what the browser did is what the database says
        rows = self.db.query("SELECT t.channel, r.satisfaction, r.resolved FROM tickets t JOIN ratings r "
                             "ON r.ticket_id = t.id WHERE t.title LIKE '电梯停运%'").split()
        self.assertEqual(rows, ["web", "satisfied", "1"])


if __name__ == "__main__":
    unittest.main()
