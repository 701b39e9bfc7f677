#!/usr/bin/env python3
"""Failover of the scaled-out Wenzheng of ops/cluster/up (3 Galera nodes, 2 wenzheng servers,
HAProxy in front of both and in front of the nodes): run by `ops/soak cluster`, never by
ops/test or ctest (it takes minutes and stops database nodes).

Under load through HAProxy (WZ_FAILOVER_THREADS citizens POSTing /api/v1/messages, each message
with its own Idempotency-Key, retried with the same key after any error or timeout until it is
acknowledged), two rounds:
  1. node1 (the node HAProxy sends every write to) stopped with SIGTERM, wenzheng1 with SIGKILL;
  2. node1 killed with SIGKILL (it rejoins after --wsrep-recover, by IST), wenzheng2 with SIGKILL;
each down for WZ_FAILOVER_DOWN_S seconds, then brought back, while SLA timers come due (their
fire_at moved into the round, as test_sla_timers.py does). Then:
  - every acknowledged message is one ticket, exactly once (no duplicates of a retried key);
  - every timer that came due fired exactly once, across both servers;
  - the statistics equal the brute-force recomputation of tests/integration/test_stats_exact.py
    (imported, not copied).
Prints the figures (with Galera's conflict counters per node), and writes them to
$WZ_CLUSTER_DIR/failover-figures.json. With a cluster started with WZ_CLUSTER_WRITERS=spread the
two servers write through node2 and node3 at once, and the same checks hold under certification."""
import collections
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_DIR = os.environ.get("WZ_CLUSTER_DIR") or os.path.join(ROOT, "var", "cluster")
CTL = os.path.join(ROOT, "ops", "cluster", "ctl")
LB_PORT = 28080  # HAProxy (ops/cluster/lib.sh)
DB_NAME = "wenzheng"
THREADS = int(os.environ.get("WZ_FAILOVER_THREADS", "8"))
DOWN_S = float(os.environ.get("WZ_FAILOVER_DOWN_S", "30"))
WARMUP_S = float(os.environ.get("WZ_FAILOVER_WARMUP_S", "15"))
SETTLE_S = float(os.environ.get("WZ_FAILOVER_SETTLE_S", "20"))
TIMERS_PER_ROUND = int(os.environ.get("WZ_FAILOVER_TIMERS", "40"))
PAUSE_S = 0.05  # between one thread's acknowledged message and its next: a moderate load
REQUEST_TIMEOUT_S = 10

# the integration harness (token minting, the mariadb client) and the statistics' brute force
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("WZ_BIN", os.path.join(ROOT, "build", "cluster", "wenzheng"))
os.environ.setdefault("WZ_TEST_DB_DIR", os.path.join(CLUSTER_DIR, "node1"))
import harness  # noqa: E402
from test_stats_exact import StatsExact  # noqa: E402


def marker(key):
    """The key as it is written into the message: letters only, so no run of digits in it can
    look like a phone number to the privacy masking."""
    return key.translate(str.maketrans("0123456789", "ghijklmnop"))


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def ctl(*args):
    t = time.time()
    r = subprocess.run([CTL] + list(args), capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, WZ_CLUSTER_DIR=CLUSTER_DIR))
    if r.returncode != 0:
        raise RuntimeError(f"ctl {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return time.time() - t


class ClusterDB:
    """Root on whichever node answers (a stopped node is skipped), with wsrep_sync_wait so a
    read on a node sees every write the cluster committed before it (causal reads): the checks
    read what the cluster holds, not what one lagging node has applied so far."""

    def query(self, q):
        last = None
        for n in (3, 2, 1):
            d = os.path.join(CLUSTER_DIR, f"node{n}")
            proc = harness.sql("SET SESSION wsrep_sync_wait = 1; " + q, database=DB_NAME, db_dir=d, check=False)
            if proc.returncode == 0:
                return proc.stdout
            last = proc.stderr
        raise RuntimeError(f"no node answered: {q}\n{last}")


class Load:
    """Citizens posting messages through HAProxy; a key is retried until acknowledged."""

    def __init__(self, secret):
        self.secret = secret
        self.lock = threading.Lock()
        self.stop_new = threading.Event()   # no new keys after this
        self.give_up = threading.Event()    # stop retrying unacknowledged keys
        self.made = 0                       # keys tried
        self.attempts = 0                   # requests sent
        self.failed_attempts = collections.Counter()  # by status or exception name
        self.acked = {}                     # key -> (ticket id, status 201/200, citizen)
        self.unacked = []                   # keys given up on (never acknowledged)
        self.rejected = []                  # (key, status, body): 4xx that a retry cannot fix
        self.retried_keys = 0
        self.no_body = 0                    # 2xx whose body had "ticket": null
        self.success_times = []             # time of every 2xx
        self.threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(THREADS)]

    def start(self):
        for t in self.threads:
            t.start()

    def post(self, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", LB_PORT, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request("POST", "/api/v1/messages", body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def worker(self, idx):
        citizen = 880000 + idx
        types = ["complaint", "help", "consultation", "suggestion"]
        units = [3, 6, None]
        k = 0
        token_at, auth = 0, None
        while not self.stop_new.is_set():
            k += 1
            key = uuid.uuid4().hex
            doc = {"type": types[k % len(types)], "content": f"集群故障切换测试 {marker(key)}"}
            if units[k % len(units)] is not None:
                doc["unit_id"] = units[k % len(units)]
            body = json.dumps(doc, ensure_ascii=False).encode()
            with self.lock:
                self.made += 1
            tries = 0
            while True:
                if time.time() - token_at > 600:
                    token_at = time.time()
                    auth = "Bearer " + harness.mint_token(self.secret, citizen, "citizen", ttl=1800)
                headers = {"Authorization": auth, "Idempotency-Key": key, "Content-Type": "application/json"}
                tries += 1
                with self.lock:
                    self.attempts += 1
                try:
                    status, data = self.post(headers, body)
                except Exception as e:  # refused, reset, timeout: the answer is unknown, retry
                    status, data = type(e).__name__, b""
                if status in (200, 201):
                    ticket = json.loads(data).get("ticket")
                    now = time.time()
                    with self.lock:
                        self.success_times.append(now)
                        if ticket is None:
                            # committed, but the server could not read the ticket back: it is
                            # acknowledged; ask again with the same key to learn which it is
                            self.no_body += 1
                            self.acked.setdefault(key, (None, status, citizen))
                        else:
                            first = self.acked.get(key, (None, status, citizen))[1]
                            self.acked[key] = (int(ticket["id"]), first, citizen)
                            if tries > 1:
                                self.retried_keys += 1
                    if ticket is not None:
                        break
                    if self.give_up.is_set():
                        break
                    time.sleep(0.2)
                    continue
                if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
                    with self.lock:
                        self.rejected.append((key, status, data[:300]))
                    break
                with self.lock:
                    self.failed_attempts[str(status)] += 1
                if self.give_up.is_set():
                    with self.lock:
                        self.unacked.append(key)
                    break
                time.sleep(0.2)
            time.sleep(PAUSE_S)

    def finish(self, timeout):
        self.stop_new.set()
        deadline = time.time() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.time()))
        self.give_up.set()
        for t in self.threads:
            t.join(30)

    def longest_gap(self, start, end):
        """The longest time in [start, end] without any successful request."""
        with self.lock:
            times = sorted(t for t in self.success_times if start <= t <= end)
        points = [start] + times + [end]
        gap, at = 0.0, start
        for a, b in zip(points, points[1:]):
            if b - a > gap:
                gap, at = b - a, a
        return gap, at - start


def arm_timers(db, used, n, spread_s):
    """Moves the sign_breach timers of n dispatched tickets the load made to fall due over the
    next spread_s seconds (from 3 s on); returns their ticket ids."""
    rows = db.query("SELECT s.ticket_id FROM sla_timers s JOIN tickets t ON t.id = s.ticket_id "
                    "WHERE s.kind = 'sign_breach' AND t.status = 'dispatched' "
                    "AND t.content LIKE '集群故障切换测试 %' ORDER BY s.ticket_id DESC LIMIT 1000").split()
    ids = [int(r) for r in rows if int(r) not in used][:n]
    stmts = []
    for i, tid in enumerate(ids):
        offset = 3 + spread_s * i / max(1, len(ids))
        stmts.append(f"UPDATE sla_timers SET fire_at = UTC_TIMESTAMP(6) + INTERVAL {offset:.3f} SECOND "
                     f"WHERE ticket_id = {tid} AND kind = 'sign_breach'")
    if stmts:
        db.query("; ".join(stmts))
    used.update(ids)
    return ids


def failover_round(load, db, used, name, node_verb, app):
    log(f"{name}: arming {TIMERS_PER_ROUND} timers over the next {DOWN_S + 15:.0f} s")
    timers = arm_timers(db, used, TIMERS_PER_ROUND, DOWN_S + 15)
    t0 = time.time()
    log(f"{name}: {node_verb} node1, SIGKILL wenzheng{app}")
    stop_s = ctl(node_verb, "node", "1")
    ctl("kill", "app", str(app))
    time.sleep(DOWN_S)
    t_restart = time.time()
    log(f"{name}: starting node1")
    rejoin_s = ctl("start", "node", "1")
    log(f"{name}: node1 Synced {rejoin_s:.1f} s after its start; starting wenzheng{app}")
    ctl("start", "app", str(app))
    time.sleep(SETTLE_S)
    t_end = time.time()
    gap, gap_at = load.longest_gap(t0, t_end)
    return {"round": name, "node": node_verb, "timers": timers, "node_stop_s": round(stop_s, 1),
            "node_out_s": round(t_restart - t0 + rejoin_s, 1), "node_rejoin_s": round(rejoin_s, 1),
            "longest_gap_s": round(gap, 2), "gap_starts_after_s": round(gap_at, 1),
            "start": t0, "end": t_end}


def main():
    db = ClusterDB()
    secret = harness.demo_secret(os.path.join(CLUSTER_DIR, "app"))
    ctl("status")
    failures = []
    load = Load(secret)
    t_begin = time.time()
    log(f"load: {THREADS} threads through http://127.0.0.1:{LB_PORT}")
    load.start()
    time.sleep(WARMUP_S)
    used = set()
    rounds = [failover_round(load, db, used, "round 1", "stop", 1),
              failover_round(load, db, used, "round 2", "kill", 2)]
    log("load: finishing (keys in flight retried until acknowledged)")
    load.finish(120)
    t_load_end = time.time()
    acked = dict(load.acked)

    # 1. every acknowledged message is exactly one ticket
    by_marker, dupes = {}, {}
    for line in db.query("SELECT SUBSTRING(content, 10), COUNT(*), MIN(id) FROM tickets "
                         "WHERE content LIKE '集群故障切换测试 %' GROUP BY content").splitlines():
        m, n, tid = line.split("\t")
        by_marker[m] = int(tid)
        if int(n) > 1:
            dupes[m] = int(n)
    tried = {marker(k): k for k in list(acked) + load.unacked}
    found = {tried[m]: tid for m, tid in by_marker.items() if m in tried}
    orphans = [m for m in by_marker if m not in tried]
    missing = [k for k in acked if k not in found]
    wrong_id = [k for k, (tid, _, _) in acked.items() if k in found and tid is not None and found[k] != tid]
    if missing:
        failures.append(f"{len(missing)} acknowledged messages have no ticket: {missing[:5]}")
    if wrong_id:
        failures.append(f"{len(wrong_id)} acknowledged ids differ from the stored ticket: {wrong_id[:5]}")
    if dupes:
        failures.append(f"{len(dupes)} keys made more than one ticket: {list(dupes.items())[:5]}")
    if orphans:
        failures.append(f"{len(orphans)} tickets of keys never tried: {orphans[:5]}")
    if load.rejected:
        failures.append(f"{len(load.rejected)} requests rejected with 4xx: {load.rejected[:3]}")
    by_key = db.query("SELECT COUNT(*) FROM (SELECT citizen_id, idempotency_key FROM tickets "
                      "WHERE citizen_id >= 880000 GROUP BY citizen_id, idempotency_key HAVING COUNT(*) > 1) d").strip()
    if by_key != "0":
        failures.append(f"{by_key} (citizen, Idempotency-Key) pairs with more than one ticket")

    # 2. every timer that came due fired exactly once
    timers = [t for r in rounds for t in r["timers"]]
    ids = ",".join(str(t) for t in timers) or "0"
    left = harness.wait_for(lambda: db.query(f"SELECT COUNT(*) FROM sla_timers WHERE kind = 'sign_breach' "
                                             f"AND ticket_id IN ({ids})").strip() == "0", 60, 0.5)
    fired = collections.Counter()
    for line in db.query(f"SELECT ticket_id, COUNT(*) FROM ticket_events WHERE action = 'sla_breach' "
                         f"AND payload LIKE '%sign_breach%' AND ticket_id IN ({ids}) GROUP BY ticket_id").splitlines():
        tid, n = line.split("\t")
        fired[int(tid)] = int(n)
    escalations = int(db.query(f"SELECT COUNT(*) FROM outbox WHERE kind = 'escalation' AND ticket_id IN ({ids})"))
    timers_fired = sum(1 for t in timers if fired[t] >= 1)
    timers_twice = sum(1 for t in timers if fired[t] > 1)
    if not left:
        failures.append("armed sign_breach timers still pending 60 s after the load")
    if timers_fired != len(timers) or timers_twice:
        failures.append(f"timers: {len(timers)} due, {timers_fired} fired, {timers_twice} fired more than once")
    if escalations != len(timers):
        failures.append(f"timers: {escalations} escalation outbox rows for {len(timers)} breaches")

    # 3. the statistics are exact: test_stats_exact's brute force over everything in the cluster
    checker = StatsExact("test_rollups_equal_brute_force")
    checker.db = db
    checker.maxDiff = 4000
    t_stats = time.time()
    try:
        rollup = checker.assert_exact()
        stats_received = sum(c.get("received", 0) for c in rollup.values())
        stats_ok = True
    except AssertionError as e:
        failures.append(f"statistics differ from the brute force: {str(e)[:3000]}")
        stats_received, stats_ok = None, False
    stats_s = time.time() - t_stats

    # how often Galera settled a conflict: write sets that failed certification on a node, local
    # transactions aborted by an applied write set (counters since each node's last start)
    galera = {}
    for n in (1, 2, 3):
        proc = harness.sql("SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                           "WHERE VARIABLE_NAME IN ('WSREP_LOCAL_CERT_FAILURES', 'WSREP_LOCAL_BF_ABORTS')",
                           db_dir=os.path.join(CLUSTER_DIR, f"node{n}"), check=False)
        galera[f"node{n}"] = {k: int(v) for k, v in (l.split("\t") for l in proc.stdout.splitlines())} \
            if proc.returncode == 0 else None
    gave_up = 0
    for i in (1, 2):
        with open(os.path.join(CLUSTER_DIR, f"app{i}.log"), errors="replace") as f:
            gave_up += sum(1 for line in f if "transaction gave up" in line)
    try:
        with open(os.path.join(CLUSTER_DIR, "writers")) as f:
            writers = f.read().strip()
    except OSError:
        writers = "one"

    figures = {
        "writers": writers,
        "threads": THREADS,
        "load_seconds": round(t_load_end - t_begin, 1),
        "submissions_made": load.made,
        "requests_sent": load.attempts,
        "failed_attempts": dict(load.failed_attempts),
        "acknowledged": len(acked),
        "acknowledged_on_retry": load.retried_keys,
        "answered_200_first_ticket": sum(1 for v in acked.values() if v[1] == 200),
        "answered_2xx_without_ticket": load.no_body,
        "ticket_id_never_learned": sum(1 for v in acked.values() if v[0] is None),
        "never_acknowledged": len(load.unacked),
        "found": sum(1 for k in acked if k in found),
        "duplicates": len(dupes),
        "timers_due": len(timers),
        "timers_fired": timers_fired,
        "timers_fired_twice": timers_twice,
        "stats_exact": stats_ok,
        "stats_tickets_counted": stats_received,
        "stats_check_seconds": round(stats_s, 1),
        "galera_conflicts": galera,
        "transactions_given_up": gave_up,
        "rounds": [{k: v for k, v in r.items() if k not in ("timers", "start", "end")} for r in rounds],
        "failures": failures,
    }
    with open(os.path.join(CLUSTER_DIR, "failover-figures.json"), "w") as f:
        json.dump(figures, f, indent=2, ensure_ascii=False)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"writers: {writers}; Galera conflicts (cert failures / brute-force aborts): " + ", ".join(
        f"{n} {c['wsrep_local_cert_failures']}/{c['wsrep_local_bf_aborts']}" if c else f"{n} ?"
        for n, c in galera.items()) + f"; transactions given up after 4 attempts: {gave_up}")
    print(f"submissions made {load.made}, acknowledged {len(acked)}, found {figures['found']}, "
          f"duplicates {len(dupes)}; timers due {len(timers)}, fired {timers_fired}, fired twice {timers_twice}; "
          "statistics " + ("exact" if stats_ok else "NOT exact"))
    for r in figures["rounds"]:
        print(f"{r['round']} (node1 {r['node']}): longest time without a successful request "
              f"{r['longest_gap_s']} s (from {r['gap_starts_after_s']} s into the round); node1 out "
              f"{r['node_out_s']} s, Synced {r['node_rejoin_s']} s after its restart")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("cluster failover test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
