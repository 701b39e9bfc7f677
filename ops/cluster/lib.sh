# shellcheck shell=bash
# Shared by ops/cluster/up, down and ctl: a 3-node MariaDB Galera cluster, two wenzheng servers and
# HAProxy, all on loopback under $WZ_CLUSTER_DIR (default var/cluster/). Every process started here
# writes a pid file there, and only those pids are ever signalled (other MariaDB and wenzheng
# processes on the machine are left alone). Source ops/lib/common.sh first.

WZC_DIR=${WZ_CLUSTER_DIR:-$WZ_ROOT/var/cluster}
WZC_BUILD=$WZ_ROOT/build/cluster
WZC_BIN=$WZC_BUILD/wenzheng
WZC_DB=wenzheng
WZC_NODES="1 2 3"
WZC_APPS="1 2"
# ports, all below Linux's ephemeral range (32768-60999): a port in it can be taken at any moment
# as the local end of some outgoing connection, and a state transfer's listener then fails to bind
# (seen: socat "Address already in use" on an SST port). SQL 23061-23063, group communication
# 24671-24673, IST 24681-24683, SST (mariabackup over socat) 24691-24693; wenzheng 28081-28082;
# HAProxy: HTTP 28080, SQL 23060, its stats page 28090
wzc_sql_port() { echo $((23060 + $1)); }
wzc_gcomm_port() { echo $((24670 + $1)); }
wzc_ist_port() { echo $((24680 + $1)); }
wzc_sst_port() { echo $((24690 + $1)); }
wzc_app_port() { echo $((28080 + $1)); }
WZC_LB_HTTP_PORT=28080
WZC_LB_SQL_PORT=23060
WZC_LB_STATS_PORT=28090
WZC_GALERA_PROVIDER=/usr/lib/galera/libgalera_smm.so

wzc_node_dir() { echo "$WZC_DIR/node$1"; }

# wzc_alive PIDFILE PATTERN: the pid in PIDFILE runs and its command line contains PATTERN (a pid
# file left by a killed process may name a pid since reused by something else).
wzc_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2"
}
wzc_pid() { cat "$1" 2>/dev/null; }

# wzc_wait_gone PID SECONDS
wzc_wait_gone() {
  local i
  for i in $(seq 1 $(($2 * 10))); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- Galera nodes

wzc_node_cnf() {
  local n=$1 dir; dir=$(wzc_node_dir "$n")
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user=root"
  cat > "$dir/my.cnf" <<CNF
[mysqld]
$user_line
datadir=$dir/mysql
socket=$dir/mysql.sock
pid-file=$dir/mariadbd.pid
tmpdir=$dir/tmp
log-error=$dir/mariadbd.err
port=$(wzc_sql_port "$n")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
innodb_buffer_pool_size=${WZ_DB_BUFFER_POOL:-128M}
innodb_log_file_size=64M
max_connections=500
# Galera: row-based replication of InnoDB tables, interleaved auto-increment locks
default_storage_engine=InnoDB
binlog_format=ROW
innodb_autoinc_lock_mode=2
# migrations create functions and triggers as wz_migrate (no SUPER)
log_bin_trust_function_creators=1
wsrep_on=ON
wsrep_provider=$WZC_GALERA_PROVIDER
wsrep_cluster_name=wenzheng
wsrep_cluster_address=gcomm://127.0.0.1:$(wzc_gcomm_port 1),127.0.0.1:$(wzc_gcomm_port 2),127.0.0.1:$(wzc_gcomm_port 3)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(wzc_gcomm_port "$n")
wsrep_node_incoming_address=127.0.0.1:$(wzc_sql_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(wzc_gcomm_port "$n");ist.recv_addr=127.0.0.1:$(wzc_ist_port "$n");gcache.size=256M"
wsrep_sst_method=mariabackup
# the donor connects to itself as root, by unix socket
wsrep_sst_auth=root:
wsrep_sst_receive_address=127.0.0.1:$(wzc_sst_port "$n")
wsrep_slave_threads=2
[client]
socket=$dir/mysql.sock
default-character-set=utf8mb4
CNF
}

# wzc_node_init N: a data directory and config for node N (the config is rewritten every time,
# the data only made when absent).
wzc_node_init() {
  local n=$1 dir; dir=$(wzc_node_dir "$n")
  mkdir -p "$dir/tmp"
  wzc_node_cnf "$n"
  [ -d "$dir/mysql/mysql" ] && return 0
  mkdir -p "$dir/mysql"
  wz_log "node$n: initialising $dir/mysql"
  # without wsrep: install-db must not try to join anything
  mariadb-install-db --defaults-file="$dir/my.cnf" --skip-test-db --wsrep-on=OFF >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; wz_die "mariadb-install-db failed for node$n"; }
}

wzc_node_running() {
  local dir; dir=$(wzc_node_dir "$1")
  wzc_alive "$dir/mariadbd.pid" "$dir/my.cnf"
}

wzc_node_ping() {
  local dir; dir=$(wzc_node_dir "$1")
  mariadb-admin --defaults-file="$dir/my.cnf" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

# wzc_node_sql N SQL: as root over node N's socket.
wzc_node_sql() {
  local dir; dir=$(wzc_node_dir "$1")
  mariadb --defaults-file="$dir/my.cnf" -uroot --batch --skip-column-names -e "$2"
}

# wzc_node_state N: wsrep_local_state_comment (Synced, Donor/Desynced, Joining...), or "down".
wzc_node_state() {
  wzc_node_running "$1" || { echo down; return; }
  wzc_node_sql "$1" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
                     WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'" 2>/dev/null || echo starting
}

# The recovered position of a node that did not shut down cleanly (grastate seqno -1): read from
# InnoDB with --wsrep-recover, as Debian's galera_recovery does, so the node can rejoin by IST
# (only the write sets it missed) rather than a full state transfer.
wzc_node_recover() {
  local n=$1 dir; dir=$(wzc_node_dir "$n")
  local log="$dir/recover.log"
  rm -f "$log"
  mariadbd --defaults-file="$dir/my.cnf" --wsrep-recover --log-error="$log" \
    >/dev/null 2>&1 || true
  sed -n 's/.*WSREP: Recovered position: \([-0-9a-f]*:[-0-9]*\).*/\1/p' "$log" 2>/dev/null | tail -1
}

# wzc_node_start N [bootstrap]: starts node N in its own session; with "bootstrap" it forms a new
# cluster (--wsrep-new-cluster), otherwise it joins the running ones. Waits until it is Synced.
wzc_node_start() {
  local n=$1 mode=${2:-join} dir; dir=$(wzc_node_dir "$n")
  if wzc_node_running "$n"; then
    wz_log "node$n already running (pid $(wzc_pid "$dir/mariadbd.pid"))"
    return 0
  fi
  rm -f "$dir/mysql.sock"
  local args=()
  if [ "$mode" = bootstrap ]; then
    args+=(--wsrep-new-cluster)
    # the node chosen to bootstrap must be marked safe to (Galera refuses otherwise)
    [ -f "$dir/mysql/grastate.dat" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$dir/mysql/grastate.dat"
  elif [ -f "$dir/mysql/grastate.dat" ] && grep -q '^seqno: *-1' "$dir/mysql/grastate.dat"; then
    local pos; pos=$(wzc_node_recover "$n")
    [ -n "$pos" ] && { wz_log "node$n: recovered position $pos"; args+=(--wsrep-start-position="$pos"); }
  fi
  wz_log "node$n: starting ($mode) on SQL port $(wzc_sql_port "$n")"
  setsid mariadbd --defaults-file="$dir/my.cnf" "${args[@]}" </dev/null >/dev/null 2>&1 &
  # mariadbd writes its pid file only once its state transfer is done: write it now (same pid,
  # setsid execs in place) so a stop or a kill during the transfer finds it
  echo $! > "$dir/mariadbd.pid"
  local i
  for i in $(seq 1 1200); do
    if wzc_node_ping "$n" && [ "$(wzc_node_state "$n")" = Synced ]; then
      wz_log "node$n: Synced"
      return 0
    fi
    # gone without becoming ready: the error log says why
    if [ "$i" -gt 20 ] && ! wzc_node_running "$n"; then break; fi
    sleep 0.1
  done
  tail -30 "$dir/mariadbd.err" >&2
  wz_die "node$n did not start or sync (see $dir/mariadbd.err)"
}

# wzc_node_stop N: a clean shutdown (SIGTERM to its pid), waiting for the process to go.
wzc_node_stop() {
  local n=$1 dir; dir=$(wzc_node_dir "$n")
  wzc_node_running "$n" || return 0
  local pid; pid=$(wzc_pid "$dir/mariadbd.pid")
  wz_log "node$n: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  wzc_wait_gone "$pid" 60 && return 0
  wz_log "node$n did not stop in 60 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wzc_wait_gone "$pid" 10 || true
}

# Which node may bootstrap a cluster none of whose nodes runs: the one Galera marked safe to
# (the last to leave), else the one with the highest recovered seqno.
wzc_bootstrap_candidate() {
  local n best="" best_seq=-2 seq
  for n in $WZC_NODES; do
    local g; g="$(wzc_node_dir "$n")/mysql/grastate.dat"
    [ -f "$g" ] || continue
    if grep -q '^safe_to_bootstrap: 1' "$g"; then echo "$n"; return; fi
  done
  for n in $WZC_NODES; do
    local g; g="$(wzc_node_dir "$n")/mysql/grastate.dat"
    [ -f "$g" ] || continue
    seq=$(sed -n 's/^seqno: *//p' "$g")
    [ "$seq" = -1 ] && seq=$(wzc_node_recover "$n" | sed 's/.*://')
    [ -n "$seq" ] && [ "$seq" -gt "$best_seq" ] && { best=$n; best_seq=$seq; }
  done
  echo "${best:-1}"
}

# ---------------------------------------------------------------- database users

# wzc_db_bootstrap: the database and its users, as wz_db_bootstrap does for the single server,
# but reached over TCP from 127.0.0.1 (wenzheng connects by host and port here). Run on a Synced
# node: users and grants replicate to every node. Credentials in $WZC_DIR/db.env (0600).
wzc_db_bootstrap() {
  local n=$1 env="$WZC_DIR/db.env"
  if [ ! -f "$env" ]; then
    (umask 077; cat > "$env" <<ENV
WZ_DB_NAME=$WZC_DB
WZ_DB_USER=wz_app
WZ_DB_PASSWORD=$(wz_random_hex 24)
WZ_DB_MIGRATE_USER=wz_migrate
WZ_DB_MIGRATE_PASSWORD=$(wz_random_hex 24)
ENV
    )
  fi
  # shellcheck disable=SC1090
  . "$env"
  wzc_node_sql "$n" "
    DELETE FROM mysql.global_priv WHERE User = '';
    CREATE DATABASE IF NOT EXISTS \`$WZ_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$WZ_DB_MIGRATE_USER'@'127.0.0.1' IDENTIFIED BY '$WZ_DB_MIGRATE_PASSWORD';
    GRANT ALL PRIVILEGES ON \`$WZ_DB_NAME\`.* TO '$WZ_DB_MIGRATE_USER'@'127.0.0.1' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS '$WZ_DB_USER'@'127.0.0.1' IDENTIFIED BY '$WZ_DB_PASSWORD';
    CREATE USER IF NOT EXISTS 'wz_check'@'127.0.0.1';
    FLUSH PRIVILEGES;" || wz_die "database bootstrap failed"
}

# ---------------------------------------------------------------- wenzheng servers

wzc_app_running() { wzc_alive "$WZC_DIR/app$1.pid" "$WZC_BIN"; }

# wzc_app_start I: wenzheng number I on port 28080+I, against HAProxy's SQL frontend (or, when
# up was run with WZ_CLUSTER_WRITERS=spread, against a node of its own); both share one data
# directory (the demo keys, so each accepts the other's tokens, and uploads).
wzc_app_start() {
  local i=$1 port; port=$(wzc_app_port "$i")
  if wzc_app_running "$i"; then
    wz_log "wenzheng$i already running (pid $(wzc_pid "$WZC_DIR/app$i.pid"))"
    return 0
  fi
  mkdir -p "$WZC_DIR/app"
  local ready="$WZC_DIR/app$i.ready"
  rm -f "$ready"
  local writers; writers=$(cat "$WZC_DIR/writers" 2>/dev/null || echo one)
  if [ "$writers" = spread ]; then
    # a node applies other nodes' write sets a moment after they commit: wait until node I+1 has
    # applied everything committed so far (a causal read), or the server's start-up check may not
    # yet see the administrator the seed just made through another node
    wzc_node_sql $((i + 1)) "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM \`$WZC_DB\`.users" >/dev/null \
      || wz_die "node$((i + 1)) does not answer"
  fi
  (
    wzc_db_export "$WZC_DIR/db.env"
    # spread: wenzheng I straight to node I+1 (1 -> node2, 2 -> node3), two nodes taking writes
    # at once, for seeing certification at work; node1, the one the failover test stops, has none
    if [ "$writers" = spread ]; then WZ_DB_PORT=$(wzc_sql_port $((i + 1))); export WZ_DB_PORT; fi
    export WZ_PORT=$port WZ_DATA_DIR=$WZC_DIR/app WZ_DEMO=true WZ_THREADS=${WZ_CLUSTER_THREADS:-1}
    export WZ_DEBUG_ENDPOINTS=false WZ_SLA_POLL_MS=${WZ_CLUSTER_SLA_POLL_MS:-1000}
    export WZ_DB_AUTO_MIGRATE=false WZ_HTTP_TRUSTED_PROXIES=127.0.0.1
    cd "$WZ_ROOT" || exit 1
    exec setsid "$WZC_BIN" serve </dev/null >"$ready" 2>>"$WZC_DIR/app$i.log"
  ) &
  echo $! > "$WZC_DIR/app$i.pid"
  local _
  for _ in $(seq 1 300); do
    grep -q '^ready:' "$ready" 2>/dev/null && { wz_log "wenzheng$i: $(head -1 "$ready")"; return 0; }
    wzc_app_running "$i" || break
    sleep 0.1
  done
  tail -20 "$WZC_DIR/app$i.log" >&2
  wz_die "wenzheng$i did not become ready (see $WZC_DIR/app$i.log)"
}

# wzc_app_stop I [SIGNAL]
wzc_app_stop() {
  local i=$1 sig=${2:-TERM}
  wzc_app_running "$i" || return 0
  local pid; pid=$(wzc_pid "$WZC_DIR/app$i.pid")
  wz_log "wenzheng$i: stopping (pid $pid, SIG$sig)"
  kill -"$sig" "$pid" 2>/dev/null || true
  wzc_wait_gone "$pid" 30 || { kill -KILL "$pid" 2>/dev/null || true; wzc_wait_gone "$pid" 5 || true; }
}

# wzc_db_export FILE: the credentials, and where wenzheng finds the database here: HAProxy's
# SQL frontend, with the grants for 127.0.0.1 (the address every connection comes from)
wzc_db_export() {
  set -a
  # shellcheck disable=SC1090
  . "$1"
  set +a
  export WZ_DB_HOST=127.0.0.1 WZ_DB_PORT=$WZC_LB_SQL_PORT WZ_DB_APP_HOST=127.0.0.1
}

# ---------------------------------------------------------------- HAProxy

wzc_haproxy_cfg() {
  cat > "$WZC_DIR/haproxy.cfg" <<CFG
# written by ops/cluster/up
global
    pidfile $WZC_DIR/haproxy.pid
    maxconn 2000
    # the Galera check runs a script (external-check needs fork)
    external-check
    insecure-fork-wanted

defaults
    timeout connect 2s
    timeout check 3s
    retries 2
    option redispatch

# the two wenzheng servers; /readyz answers 503 when a server cannot reach its database
frontend http
    mode http
    bind 127.0.0.1:$WZC_LB_HTTP_PORT
    timeout client 60s
    # the client's address for wenzheng's per-address limits and audit log; wenzheng believes
    # the header only because its http.trusted_proxies names this proxy's address
    option forwardfor
    default_backend wenzheng

backend wenzheng
    mode http
    balance roundrobin
    timeout server 60s
    timeout tunnel 1h
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
$(for i in $WZC_APPS; do echo "    server wenzheng$i 127.0.0.1:$(wzc_app_port "$i") check"; done)

# MariaDB for the wenzheng servers: one Galera node takes every write, the others stand by
# (backup: only the first of them is used); a node counts as up while Synced or donating
# (ops/cluster/galera-check). When node1 is back, the sessions on the backup are cut, so the
# servers' pools reconnect to node1 and one node takes the writes again. See docs/scaling.md.
listen mariadb
    mode tcp
    bind 127.0.0.1:$WZC_LB_SQL_PORT
    timeout client 8h
    timeout server 8h
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command $WZ_ROOT/ops/cluster/galera-check
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
$(for n in $WZC_NODES; do b=" on-marked-up shutdown-backup-sessions"; [ "$n" != 1 ] && b=" backup"; echo "    server node$n 127.0.0.1:$(wzc_sql_port "$n") check$b"; done)

listen stats
    mode http
    bind 127.0.0.1:$WZC_LB_STATS_PORT
    timeout client 30s
    timeout server 30s
    stats enable
    stats uri /
CFG
}

wzc_haproxy_running() { wzc_alive "$WZC_DIR/haproxy.pid" "$WZC_DIR/haproxy.cfg"; }

wzc_haproxy_start() {
  if wzc_haproxy_running; then
    wz_log "haproxy already running (pid $(wzc_pid "$WZC_DIR/haproxy.pid"))"
    return 0
  fi
  wzc_haproxy_cfg
  haproxy -c -q -f "$WZC_DIR/haproxy.cfg" >&2 || wz_die "haproxy: invalid configuration"
  # -D: daemon, writes the pid file itself
  haproxy -D -f "$WZC_DIR/haproxy.cfg" 2>>"$WZC_DIR/haproxy.log" || wz_die "haproxy did not start"
  local _
  for _ in $(seq 1 50); do
    wzc_haproxy_running && { wz_log "haproxy: pid $(wzc_pid "$WZC_DIR/haproxy.pid")"; return 0; }
    sleep 0.1
  done
  wz_die "haproxy did not start (see $WZC_DIR/haproxy.log)"
}

wzc_haproxy_stop() {
  wzc_haproxy_running || return 0
  local pid; pid=$(wzc_pid "$WZC_DIR/haproxy.pid")
  wz_log "haproxy: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  wzc_wait_gone "$pid" 10 || { kill -KILL "$pid" 2>/dev/null || true; }
}

# wzc_wait_sql_lb: waits until HAProxy's SQL frontend lets the migration user in.
wzc_wait_sql_lb() {
  local _
  for _ in $(seq 1 100); do
    mariadb -h127.0.0.1 -P"$WZC_LB_SQL_PORT" -u"$WZ_DB_MIGRATE_USER" -p"$WZ_DB_MIGRATE_PASSWORD" \
      --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  wz_die "no Galera node reachable through haproxy on port $WZC_LB_SQL_PORT"
}

wzc_wait_lb_ready() {
  local _
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$WZC_LB_HTTP_PORT/readyz" 2>/dev/null && return 0
    sleep 0.2
  done
  wz_die "haproxy does not answer /readyz on port $WZC_LB_HTTP_PORT"
}

wzc_status() {
  local n i
  for n in $WZC_NODES; do
    printf 'node%s  mariadb 127.0.0.1:%s  %s\n' "$n" "$(wzc_sql_port "$n")" "$(wzc_node_state "$n")"
  done
  for i in $WZC_APPS; do
    local st=down
    wzc_app_running "$i" && st="running (pid $(wzc_pid "$WZC_DIR/app$i.pid"))"
    local db="haproxy"
    [ "$(cat "$WZC_DIR/writers" 2>/dev/null)" = spread ] && db="node$((i + 1))"
    printf 'wenzheng%s  http://127.0.0.1:%s  %s, database: %s\n' "$i" "$(wzc_app_port "$i")" "$st" "$db"
  done
  local hs=down
  wzc_haproxy_running && hs="running (pid $(wzc_pid "$WZC_DIR/haproxy.pid"))"
  printf 'haproxy  http://127.0.0.1:%s (wenzheng)  127.0.0.1:%s (MariaDB)  http://127.0.0.1:%s/ (stats)  %s\n' \
    "$WZC_LB_HTTP_PORT" "$WZC_LB_SQL_PORT" "$WZC_LB_STATS_PORT" "$hs"
}
