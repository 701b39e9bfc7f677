# Shared by ops/run, ops/test and ops/bench/run: packages, builds and a private MariaDB.
# Source it; every function reports on stderr so stdout stays for the `ready:` line.

WZ_ROOT=${WZ_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# Debian packages the server needs to build and run.
WZ_PACKAGES_SERVER="build-essential cmake pkg-config git ca-certificates
  libh2o-dev libuv1-dev libmariadb-dev libjansson-dev libjwt-dev libsodium-dev
  libcurl4-openssl-dev libssl-dev libexpat1-dev libxlsxwriter-dev
  mariadb-server mariadb-client"
# ...and what the tests and benchmarks add.
# chromium and fonts-noto-cjk: the browser tests (headless, with Chinese glyphs in their screenshots)
WZ_PACKAGES_TEST="python3 python3-yaml python3-openpyxl clang libclang-rt-14-dev curl openssl chromium fonts-noto-cjk"
WZ_PACKAGES_BENCH="wrk sysbench h2o linux-perf"
# ...and what ops/cluster adds: Galera replication, HAProxy in front, mariadb-backup and socat for
# state transfers (rsync SST cannot work when mariadbd runs as root: its rsync daemon drops to nobody).
WZ_PACKAGES_CLUSTER="galera-4 haproxy mariadb-backup socat"

wz_log() { printf '%s\n' "ops: $*" >&2; }
wz_die() { printf '%s\n' "ops: error: $*" >&2; exit 1; }

wz_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs whichever of the named packages are missing (apt-get update only when needed).
wz_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  wz_log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  wz_sudo apt-get update -qq >&2 || wz_die "apt-get update failed"
  # policy-rc.d keeps Debian from starting a system mariadb: we run our own under var/
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | wz_sudo tee /usr/sbin/policy-rc.d >/dev/null
    wz_sudo chmod +x /usr/sbin/policy-rc.d
    local remove_policy=1
  fi
  wz_sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || wz_die "apt-get install failed"
  [ "${remove_policy:-0}" = 1 ] && wz_sudo rm -f /usr/sbin/policy-rc.d
  return 0
}

# wz_build DIR TYPE [cmake args...]
wz_build() {
  local dir=$1 type=$2; shift 2
  cmake -S "$WZ_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >&2 || wz_die "cmake configure failed"
  cmake --build "$dir" -j"$(nproc)" >&2 || wz_die "build failed"
}

wz_random_hex() { head -c "${1:-24}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# wz_db_init DIR: creates a private MariaDB data directory with its own config, if absent.
# Prints nothing; returns 0 when it created one, 1 when it was already there.
wz_db_init() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -d "$dir/mysql/mysql" ] && return 1
  mkdir -p "$dir/mysql" "$dir/tmp"
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user=root"
  # --defaults-file skips Debian's conf.d, so the charset must be set here or 4-byte
  # characters (emoji, rare hanzi) would be stored as '?'.
  cat > "$dir/my.cnf" <<CNF
[mysqld]
$user_line
datadir=$dir/mysql
socket=$dir/mysql.sock
pid-file=$dir/mariadbd.pid
# its own temporary files (big GROUP BYs spill to disk) beside its data: another program
# cleaning /tmp cannot pull them away mid-statement (seen: "Error on delete of '/tmp/#sql-temptable")
tmpdir=$dir/tmp
log-error=$dir/mariadbd.err
skip-networking
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
innodb_buffer_pool_size=${WZ_DB_BUFFER_POOL:-256M}
innodb_log_file_size=128M
max_connections=1000
[client]
socket=$dir/mysql.sock
default-character-set=utf8mb4
CNF
  wz_log "initialising a MariaDB data directory in $dir/mysql"
  mariadb-install-db --defaults-file="$dir/my.cnf" --skip-test-db >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; wz_die "mariadb-install-db failed"; }
  return 0
}

# wz_db_start DIR: starts mariadbd in its own session (Ctrl-C on the terminal must not reach
# it before the server has drained) and waits until it answers.
wz_db_start() {
  local dir; dir=$(cd "$1" && pwd)
  if [ -S "$dir/mysql.sock" ] && mariadb-admin --defaults-file="$dir/my.cnf" -uroot ping >/dev/null 2>&1; then
    wz_log "MariaDB already running in $dir"
    return 0
  fi
  rm -f "$dir/mysql.sock"
  setsid mariadbd --defaults-file="$dir/my.cnf" </dev/null >/dev/null 2>&1 &
  local i
  for i in $(seq 1 600); do
    if mariadb-admin --defaults-file="$dir/my.cnf" -uroot ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  tail -20 "$dir/mariadbd.err" >&2
  wz_die "MariaDB did not start (see $dir/mariadbd.err)"
}

# wz_db_stop DIR: a clean shutdown, waiting for the process to go.
wz_db_stop() {
  local dir; dir=$(cd "$1" 2>/dev/null && pwd) || return 0
  local pid=""
  [ -f "$dir/mariadbd.pid" ] && pid=$(cat "$dir/mariadbd.pid" 2>/dev/null)
  mariadb-admin --defaults-file="$dir/my.cnf" -uroot shutdown >/dev/null 2>&1 \
    || { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; }
  local i
  for i in $(seq 1 300); do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  wz_log "MariaDB did not stop in 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# wz_db_sql DIR SQL: runs SQL as root over the socket (root authenticates by unix socket only).
wz_db_sql() {
  mariadb --defaults-file="$1/my.cnf" -uroot --batch --skip-column-names -e "$2"
}

# wz_db_bootstrap DIR DBNAME: the database, a migration user (owns the schema, may grant) and
# an application user (gets table grants from the migration runner). Credentials are kept in
# DIR/db.env (mode 0600) and reused on later runs.
wz_db_bootstrap() {
  local dir; dir=$(cd "$1" && pwd)
  local db=$2 env="$dir/db.env"
  if [ ! -f "$env" ]; then
    (umask 077; cat > "$env" <<ENV
WZ_DB_SOCKET=$dir/mysql.sock
WZ_DB_NAME=$db
WZ_DB_USER=wz_app
WZ_DB_PASSWORD=$(wz_random_hex 24)
WZ_DB_MIGRATE_USER=wz_migrate
WZ_DB_MIGRATE_PASSWORD=$(wz_random_hex 24)
ENV
    )
  fi
  # shellcheck disable=SC1090
  . "$env"
  wz_db_sql "$dir" "
    DELETE FROM mysql.global_priv WHERE User = '';
    CREATE DATABASE IF NOT EXISTS \`$WZ_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$WZ_DB_MIGRATE_USER'@'localhost' IDENTIFIED BY '$WZ_DB_MIGRATE_PASSWORD';
    GRANT ALL PRIVILEGES ON \`$WZ_DB_NAME\`.* TO '$WZ_DB_MIGRATE_USER'@'localhost' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS '$WZ_DB_USER'@'localhost' IDENTIFIED BY '$WZ_DB_PASSWORD';
    FLUSH PRIVILEGES;" || wz_die "database bootstrap failed"
}

# Exports the credentials of DIR/db.env for wenzheng.
wz_db_export() {
  local dir; dir=$(cd "$1" && pwd)
  set -a
  # shellcheck disable=SC1090
  . "$dir/db.env"
  set +a
}

# shellcheck source=console.sh
. "$WZ_ROOT/ops/lib/console.sh"
# shellcheck source=citizen.sh
. "$WZ_ROOT/ops/lib/citizen.sh"
