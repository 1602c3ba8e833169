# Shared setup for scripts/demo and scripts/test: idempotent, safe to run on a fresh machine.
# Sourced, not run.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The pinned toolchain (rust-toolchain.toml). This machine kind ships one toolchain as `stable`;
# when the pinned name is missing but `stable` is that version, link it instead of downloading.
ensure_toolchain() {
    local want
    want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
    if ! rustup run "$want" rustc --version >/dev/null 2>&1; then
        local stable_dir
        stable_dir=$(rustup run stable rustc --print sysroot 2>/dev/null || true)
        if [ -n "$stable_dir" ] && rustup run stable rustc --version | grep -q "^rustc $want "; then
            log "linking toolchain $want to the installed stable ($stable_dir)"
            rustup toolchain link "$want" "$stable_dir"
        else
            log "installing toolchain $want"
            rustup toolchain install "$want" --profile minimal --component rustfmt,clippy
        fi
    fi
    for comp in rustfmt clippy; do
        if ! cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
            rustup component add "$comp" || true
        fi
    done
}

apt_updated=0
# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ $apt_updated -eq 0 ]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Shared target directory for everything (temporary test workspaces included).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"

# Connection URLs the server tests use (override to point elsewhere).
export MIGRATOR_TEST_POSTGRES_URL="${MIGRATOR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export MIGRATOR_TEST_MYSQL_URL="${MIGRATOR_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/mysql}"

pg_ok() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; }
my_ok() { mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null 2>&1; }

# PostgreSQL on 127.0.0.1:5432, user postgres, trust auth, database `test`.
ensure_postgres() {
    apt_install postgresql postgresql-client libpq-dev
    if ! pg_ok; then
        local ver
        ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
        if [ -z "$ver" ]; then
            ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
            log "creating PostgreSQL $ver cluster"
            pg_createcluster "$ver" main
        fi
        local hba="/etc/postgresql/$ver/main/pg_hba.conf"
        if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
            log "PostgreSQL: trust auth for local TCP test connections"
            sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
        fi
        log "starting PostgreSQL $ver"
        pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null \
            || pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
        for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
    fi
    pg_ok || { log "FATAL: PostgreSQL is unreachable on 127.0.0.1:5432 (see /var/log/postgresql/)"; exit 1; }
    psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1 \
        || psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test'
}

# MariaDB on 127.0.0.1:3306, root with an empty password, database `test`.
ensure_mariadb() {
    apt_install mariadb-server mariadb-client default-libmysqlclient-dev pkg-config
    if ! my_ok; then
        if ! mariadb -uroot -e 'select 1' >/dev/null 2>&1; then
            log "starting MariaDB"
            # mariadbd refuses to run as root directly; the service script runs it as mysql.
            service mariadb start >/dev/null 2>&1 \
                || start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
            for _ in $(seq 1 30); do mariadb -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 1; done
        fi
        if ! my_ok; then
            log "MariaDB: allowing root over TCP with an empty password (test machine only)"
            mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
                CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
                GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" || true
        fi
    fi
    my_ok || { log "FATAL: MariaDB is unreachable on 127.0.0.1:3306 as root (see /var/log/mysql/)"; exit 1; }
    mariadb -h 127.0.0.1 -uroot -e 'CREATE DATABASE IF NOT EXISTS test'
}
