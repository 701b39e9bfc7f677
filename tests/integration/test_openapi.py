"""api/openapi.yaml is the contract: it lists exactly the routes the server registers (test-only
debug routes aside), and its error codes are exactly the server's."""
import os
import re
import subprocess
import unittest

import yaml

from harness import BIN, ROOT

METHODS = {"get", "post", "put", "patch", "delete"}


class OpenApiMatchesRouter(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "api", "openapi.yaml")) as f:
            cls.spec = yaml.safe_load(f)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WZ_")}
        out = subprocess.run([BIN, "routes"], env=env, capture_output=True, text=True, check=True).stdout
        cls.routes = {(m.lower(), p) for m, p, _name, _access in (line.split() for line in out.splitlines())}

    def test_every_route_is_documented(self):
        documented = {(m, p) for p, item in self.spec["paths"].items() for m in item if m in METHODS}
        self.assertEqual(self.routes - documented, set(), "routes missing from api/openapi.yaml")

    def test_every_documented_operation_exists(self):
        documented = {(m, p) for p, item in self.spec["paths"].items() for m in item if m in METHODS}
        self.assertEqual(documented - self.routes, set(), "api/openapi.yaml documents routes the server lacks")

    def test_error_codes_match_the_server(self):
        with open(os.path.join(ROOT, "server", "http", "errors.c")) as f:
            server_codes = set(re.findall(r'\{\d{3}, "([a-z_]+)"', f.read()))
        spec_codes = set(self.spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
        self.assertEqual(server_codes, spec_codes)

    def test_operations_have_ids_and_responses(self):
        for path, item in self.spec["paths"].items():
            for method, op in item.items():
                if method in METHODS:
                    self.assertIn("operationId", op, f"{method} {path}")
                    self.assertTrue(op.get("responses"), f"{method} {path}")


if __name__ == "__main__":
    unittest.main()
