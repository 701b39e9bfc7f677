"""Migrations (ordered, recorded, idempotent, checksummed, refusing a newer database), the
application user's table grants, and the start-up rules outside demo mode."""
import os
import shutil
import tempfile
import unittest

from harness import ROOT, Database, Server, base_env, run_cli


def migration_count():
    return len([f for f in os.listdir(os.path.join(ROOT, "schema")) if f[:3].isdigit() and f.endswith(".sql")])


class Migrations(unittest.TestCase):
    def setUp(self):
        self.db = Database()
        self.data_dir = tempfile.mkdtemp(prefix="wz-data-")
        self.env = base_env(self.db, self.data_dir)

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_migrate_is_idempotent(self):
        r = run_cli(["migrate"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"migrate: {migration_count()} applied", r.stderr)
        first = self.db.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        r = run_cli(["migrate"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("migrate: 0 applied", r.stderr)
        self.assertEqual(self.db.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version"), first)
        self.assertIn("1\tcore\t", first)

    def test_tables_are_utf8mb4(self):
        run_cli(["migrate"], self.env)
        rows = self.db.query("SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
                             f"WHERE TABLE_SCHEMA = '{self.db.name}'").splitlines()
        self.assertGreater(len(rows), 5)
        for row in rows:
            self.assertTrue(row.endswith("utf8mb4_unicode_ci"), row)
        # every table has a primary key (Galera needs one)
        missing = self.db.query(
            "SELECT t.TABLE_NAME FROM information_schema.TABLES t LEFT JOIN information_schema.TABLE_CONSTRAINTS c "
            "ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY' "
            f"WHERE t.TABLE_SCHEMA = '{self.db.name}' AND c.CONSTRAINT_NAME IS NULL")
        self.assertEqual(missing.strip(), "")

    def test_app_user_cannot_rewrite_the_audit_trail(self):
        run_cli(["migrate"], self.env)
        run_cli(["seed-demo"], self.env)
        self.db.query("INSERT INTO tickets (number, type, title, content, channel, received_at) "
                      "VALUES ('WZ-T-1', 'consultation', 't', 'c', 'web', UTC_TIMESTAMP(6))")
        ok = self.db.as_app("INSERT INTO ticket_events (ticket_id, action, actor_role) "
                            "SELECT id, 'receive', 'system' FROM tickets WHERE number = 'WZ-T-1'")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        for q in ("UPDATE ticket_events SET action = 'forged'", "DELETE FROM ticket_events"):
            r = self.db.as_app(q)
            self.assertNotEqual(r.returncode, 0, q)
            self.assertIn("command denied", r.stderr)
        # ordinary tables stay writable, schema_migrations is read-only
        self.assertEqual(self.db.as_app("UPDATE tickets SET title = 'x' WHERE number = 'WZ-T-1'").returncode, 0)
        self.assertNotEqual(self.db.as_app("DELETE FROM schema_migrations").returncode, 0)
        self.assertNotEqual(self.db.as_app("DROP TABLE units").returncode, 0)

    def test_newer_database_is_refused(self):
        run_cli(["migrate"], self.env)
        run_cli(["seed-demo"], self.env)
        self.db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')")
        r = run_cli(["serve"], self.env, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("newer", r.stderr)
        self.assertNotIn("ready:", r.stdout)
        r = run_cli(["migrate"], self.env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("newer", r.stderr)

    def test_changed_migration_is_refused(self):
        run_cli(["migrate"], self.env)
        schema = tempfile.mkdtemp(prefix="wz-schema-")
        try:
            shutil.copytree(os.path.join(ROOT, "schema"), schema, dirs_exist_ok=True)
            with open(os.path.join(schema, "001_core.sql"), "a") as f:
                f.write("\n-- edited after release\n")
            env = dict(self.env, WZ_SCHEMA_DIR=schema)
            r = run_cli(["migrate"], env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("changed after it was applied", r.stderr)
        finally:
            shutil.rmtree(schema)

    def test_serve_without_migration_rights_refuses_an_old_schema(self):
        env = dict(self.env, WZ_DB_MIGRATE_USER="")
        # never migrated: the application user has no grants yet; a final error, not retried
        r = run_cli(["serve"], env, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Access denied", r.stderr)
        self.assertNotIn("waiting for the database", r.stderr)
        # migrated once, then behind: told to migrate
        run_cli(["migrate"], self.env)
        run_cli(["seed-demo"], self.env)
        self.db.query("DELETE FROM schema_migrations")
        r = run_cli(["serve"], env, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("run `wenzheng migrate`", r.stderr)

    def test_serve_applies_migrations_at_start(self):
        env = dict(self.env, WZ_ADMIN_PASSWORD="a-strong-admin-password")
        server = Server(env)
        try:
            self.assertEqual(server.json("GET", "/readyz")[0], 200)
        finally:
            self.assertEqual(server.stop(), 0)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM schema_migrations").strip(), str(migration_count()))
        # the working calendar came from the database: the official 2025 and 2026 dates
        special = int(self.db.query("SELECT COUNT(*) FROM calendar_days").strip())
        self.assertGreaterEqual(special, 72)
        self.assertIn(f"calendar: {special} special dates, 2 working periods a day", server.logs())


class StartupRules(unittest.TestCase):
    """Outside demo mode the server refuses to start until keys and an admin are configured."""

    def setUp(self):
        self.db = Database()
        self.data_dir = tempfile.mkdtemp(prefix="wz-data-")
        self.env = base_env(self.db, self.data_dir, WZ_DEMO="false")
        r = run_cli(["migrate"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    KEYS = {"WZ_JWT_SECRET": "k" * 40, "WZ_SECRET_KEY": "ab" * 32}

    def test_keys_required(self):
        r = run_cli(["serve"], self.env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("jwt_secret", r.stderr)
        r = run_cli(["serve"], dict(self.env, WZ_JWT_SECRET="k" * 40, WZ_SECRET_KEY="not-hex"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("secret_key", r.stderr)

    def test_admin_required_then_bootstrapped(self):
        env = dict(self.env, **self.KEYS)
        r = run_cli(["serve"], env, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no administrator", r.stderr)
        r = run_cli(["serve"], dict(env, WZ_ADMIN_PASSWORD="short"), timeout=60)
        self.assertEqual(r.returncode, 1)
        server = Server(dict(env, WZ_ADMIN_PASSWORD="correct horse battery staple"))
        self.assertEqual(server.stop(), 0)
        row = self.db.query("SELECT username, role, password_hash FROM users").split("\t")
        self.assertEqual(row[:2], ["admin", "admin"])
        self.assertTrue(row[2].startswith("$argon2id$"), row[2])
        self.assertNotIn("correct horse", server.logs())
        # once an admin exists the password setting is no longer needed
        server = Server(env)
        self.assertEqual(server.stop(), 0)

    def test_demo_seed_refused_outside_demo(self):
        r = run_cli(["seed-demo"], self.env)
        self.assertEqual(r.returncode, 2)

    def test_check_config_hides_secrets(self):
        env = dict(self.env, **self.KEYS, WZ_DB_PASSWORD="db-password-visible?")
        r = run_cli(["serve", "--check-config"], env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration ok", r.stdout)
        self.assertIn("jwt_secret = (set)", r.stdout)
        self.assertIn("db.password = (set)", r.stdout)
        self.assertNotIn("k" * 40, r.stdout)
        self.assertNotIn("db-password-visible", r.stdout)
        r = run_cli(["serve", "--check-config"], dict(env, WZ_PORT="99999"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("WZ_PORT", r.stderr)

    def test_config_file_with_env_override(self):
        path = os.path.join(self.data_dir, "wenzheng.json")
        with open(path, "w") as f:
            f.write('{"port": 8123, "db": {"pool_size": 3}, "http": {"body_limit": 2048}}')
        env = dict(self.env, **self.KEYS, WZ_DB_POOL_SIZE="5")
        del env["WZ_PORT"]
        r = run_cli(["--config", path, "serve", "--check-config"], env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("port = 8123", r.stdout)
        self.assertIn("db.pool_size = 5", r.stdout)  # the environment wins
        self.assertIn("http.body_limit = 2048", r.stdout)
        with open(path, "w") as f:
            f.write('{"prot": 1}')
        r = run_cli(["--config", path, "serve", "--check-config"], env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown configuration key 'prot'", r.stderr)

    def test_threads_flag_overrides_config(self):
        env = dict(self.env, **self.KEYS, WZ_THREADS="2")
        r = run_cli(["serve", "--check-config", "--threads", "3"], env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("threads = 3", r.stdout)
        r = run_cli(["serve", "--threads", "0", "--check-config"], env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--threads", r.stderr)

    def test_help_lists_every_key(self):
        r = run_cli(["--help"], self.env)
        self.assertEqual(r.returncode, 0)
        for key in ("WZ_PORT", "WZ_DB_SOCKET", "WZ_DB_MIGRATE_USER", "WZ_HTTP_BODY_LIMIT", "WZ_METRICS_ALLOW",
                    "WZ_JWT_SECRET", "WZ_ADMIN_PASSWORD"):
            self.assertIn(key, r.stdout)


if __name__ == "__main__":
    unittest.main()
