# Sourced by scripts/test: a throwaway PostgreSQL cluster on loopback for the tests.
#
#   start_postgres   installs PostgreSQL (Debian packages) when missing, starts a cluster on a
#                    free port with its socket in its own folder, creates a database, and exports
#                    ENTMIG_TEST_POSTGRES_URL
#   start_postgres_tls  a second cluster that takes only TLS (`hostssl`), with a throwaway CA,
#                    a server certificate that names `localhost` (and not 127.0.0.1, so that
#                    verify-full against 127.0.0.1 fails), and a client certificate for the
#                    `entmig_cert` role (`cert` authentication); exports
#                    ENTMIG_TEST_POSTGRES_TLS_URL and ENTMIG_TEST_POSTGRES_TLS_{CA,CERT,KEY}
#   start_pgbouncer  installs PgBouncer (Debian package) when missing and starts it on a free
#                    port in front of the first cluster, in transaction mode, handing
#                    consecutive transactions to different server connections
#                    (server_round_robin); exports ENTMIG_TEST_PGBOUNCER_URL
#   stop_postgres    stops PgBouncer and the clusters and removes their folders
#
# The server refuses to run as root, so as root the cluster belongs to the `postgres` user.

ENTMIG_PG_DIR=""
ENTMIG_PG_TLS_DIR=""
ENTMIG_PGBOUNCER_DIR=""
ENTMIG_PG_AS=()

# Runs a command as root: directly when root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# install_package PACKAGE NAME WHAT: installs a Debian package, or says that WHAT will be skipped
# (and returns 1) when this user can neither install as root nor sudo. A failed apt-get ends
# the script: it is run as `install_package .. || return 0`, where `set -e` does not act.
install_package() {
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
        echo "== $2 is not installed and this user cannot install it; $3 will be skipped"
        return 1
    fi
    echo "== installing $2 (Debian package $1)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
        { echo "== apt-get update failed"; exit 1; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null ||
        { echo "== apt-get install $1 failed"; exit 1; }
}

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_postgres() {
    if [ -n "${ENTMIG_TEST_POSTGRES_URL:-}" ]; then
        echo "== using PostgreSQL at the given ENTMIG_TEST_POSTGRES_URL"
        return 0
    fi
    local bin
    bin="$(pg_bin_dir)"
    if [ -z "$bin" ]; then
        install_package postgresql PostgreSQL "PostgreSQL tests" || return 0
        bin="$(pg_bin_dir)"
    fi
    ENTMIG_PG_DIR="$(mktemp -d /tmp/entmig-pg.XXXXXX)"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$ENTMIG_PG_DIR"
        ENTMIG_PG_AS=(runuser -u postgres --)
    fi
    local port
    port="$(free_port 54329 54429)"
    "${ENTMIG_PG_AS[@]}" "$bin/initdb" -D "$ENTMIG_PG_DIR/data" -U entmig --auth=trust -E UTF8 >/dev/null
    "${ENTMIG_PG_AS[@]}" "$bin/pg_ctl" -D "$ENTMIG_PG_DIR/data" -l "$ENTMIG_PG_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $ENTMIG_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    "${ENTMIG_PG_AS[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U entmig entmig_test
    export ENTMIG_TEST_POSTGRES_URL="postgres://entmig@127.0.0.1:$port/entmig_test"
    echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

free_port() {
    local port
    for port in $(seq "$1" "$2"); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
}

start_postgres_tls() {
    if [ -n "${ENTMIG_TEST_POSTGRES_TLS_URL:-}" ]; then
        echo "== using the TLS PostgreSQL at the given ENTMIG_TEST_POSTGRES_TLS_URL"
        return 0
    fi
    local bin
    bin="$(pg_bin_dir)"
    if [ -z "$bin" ]; then return 0; fi
    if ! command -v openssl >/dev/null; then
        install_package openssl openssl "TLS tests" || return 0
    fi
    local dir port
    dir="$(mktemp -d /tmp/entmig-pgtls.XXXXXX)"
    ENTMIG_PG_TLS_DIR="$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
        ENTMIG_PG_AS=(runuser -u postgres --)
    fi
    # A throwaway CA; the server's certificate names only `localhost`; the client's names the
    # role it logs in as. EC keys: quick to make.
    (
        cd "$dir"
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj "/CN=entmig test CA" -keyout ca.key -out ca.crt
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj "/CN=localhost" -keyout server.key -out server.csr
        # Extensions make them X.509 v3, which rustls requires.
        printf 'subjectAltName=DNS:localhost\n' >server.ext
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile server.ext -out server.crt
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj "/CN=entmig_cert" -keyout client.key -out client.csr
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile client.ext -out client.crt
    ) >/dev/null 2>&1
    chmod 600 "$dir/server.key" "$dir/client.key"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir/server.key"; fi
    port="$(free_port 54430 54530)"
    "${ENTMIG_PG_AS[@]}" "$bin/initdb" -D "$dir/data" -U entmig --auth=trust -E UTF8 >/dev/null
    # Over TCP only TLS: `hostssl`, no `host` line, so a plain connection finds no entry.
    cat >"$dir/pg_hba.conf" <<HBA
local   all all                      trust
hostssl all entmig_cert 127.0.0.1/32 cert
hostssl all entmig_cert ::1/128      cert
hostssl all all         127.0.0.1/32 trust
hostssl all all         ::1/128      trust
HBA
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pg_hba.conf"; fi
    "${ENTMIG_PG_AS[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c hba_file=$dir/pg_hba.conf -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key -c ssl_ca_file=$dir/ca.crt" \
        start >/dev/null
    "${ENTMIG_PG_AS[@]}" "$bin/createuser" -h "$dir" -p "$port" -U entmig --superuser entmig_cert
    "${ENTMIG_PG_AS[@]}" "$bin/createdb" -h "$dir" -p "$port" -U entmig entmig_tls
    export ENTMIG_TEST_POSTGRES_TLS_URL="postgres://entmig@localhost:$port/entmig_tls"
    export ENTMIG_TEST_POSTGRES_TLS_CA="$dir/ca.crt"
    export ENTMIG_TEST_POSTGRES_TLS_CERT="$dir/client.crt"
    export ENTMIG_TEST_POSTGRES_TLS_KEY="$dir/client.key"
    echo "== PostgreSQL with TLS only on localhost:$port"
}

start_pgbouncer() {
    if [ -n "${ENTMIG_TEST_PGBOUNCER_URL:-}" ]; then
        echo "== using PgBouncer at the given ENTMIG_TEST_PGBOUNCER_URL"
        return 0
    fi
    if [ -z "${ENTMIG_PG_DIR:-}" ]; then
        echo "== no cluster of this script to put PgBouncer in front of; PgBouncer tests will be skipped"
        return 0
    fi
    if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
        install_package pgbouncer PgBouncer "PgBouncer tests" || return 0
        # The package starts a service of its own on port 6432; these tests use theirs.
        as_root service pgbouncer stop >/dev/null 2>&1 || true
    fi
    local bouncer dir server port
    bouncer="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
    dir="$(mktemp -d /tmp/entmig-pgbouncer.XXXXXX)"
    ENTMIG_PGBOUNCER_DIR="$dir"
    server="${ENTMIG_TEST_POSTGRES_URL##*@}"
    server="${server%%/*}"
    port="$(free_port 64320 64420)"
    echo '"entmig" ""' >"$dir/userlist.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=${server%%:*} port=${server##*:} user=entmig

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
; Consecutive transactions of one client go to different server connections, as under load:
; whatever relies on session state fails here at once.
server_round_robin = 1
default_pool_size = 4
min_pool_size = 4
max_client_conn = 400
logfile = $dir/log
pidfile = $dir/pid
INI
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
    "${ENTMIG_PG_AS[@]}" "$bouncer" -d "$dir/pgbouncer.ini"
    local tries=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ]; then
            echo "== PgBouncer did not start:"; cat "$dir/log"; return 1
        fi
        sleep 0.1
    done
    export ENTMIG_TEST_PGBOUNCER_URL="postgres://entmig@127.0.0.1:$port/entmig_test"
    echo "== PgBouncer $("$bouncer" --version | head -n 1 | awk '{print $2}') in transaction mode on 127.0.0.1:$port"
}

stop_postgres() {
    local dir
    if [ -n "$ENTMIG_PGBOUNCER_DIR" ]; then
        if [ -f "$ENTMIG_PGBOUNCER_DIR/pid" ]; then
            kill "$(cat "$ENTMIG_PGBOUNCER_DIR/pid")" 2>/dev/null || true
        fi
        rm -rf "$ENTMIG_PGBOUNCER_DIR"
        ENTMIG_PGBOUNCER_DIR=""
    fi
    for dir in "$ENTMIG_PG_DIR" "$ENTMIG_PG_TLS_DIR"; do
        if [ -n "$dir" ]; then
            "${ENTMIG_PG_AS[@]}" "$(pg_bin_dir)/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
            rm -rf "$dir"
        fi
    done
    ENTMIG_PG_DIR=""
    ENTMIG_PG_TLS_DIR=""
}
