# Sourced by scripts/test: a throwaway PostgreSQL cluster on loopback for the tests.
#
#   start_postgres   installs PostgreSQL (Debian packages) when missing, starts a cluster on a
#                    free port with its socket in its own folder, creates a database, and exports
#                    ENTMIG_TEST_POSTGRES_URL
#   stop_postgres    stops the cluster and removes its folder
#
# The server refuses to run as root, so as root the cluster belongs to the `postgres` user.

ENTMIG_PG_DIR=""
ENTMIG_PG_AS=()

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
        local sudo=()
        if [ "$(id -u)" != 0 ]; then
            if command -v sudo >/dev/null; then sudo=(sudo); else
                echo "== PostgreSQL is not installed and this user cannot install it; PostgreSQL tests will be skipped"
                return 0
            fi
        fi
        echo "== installing PostgreSQL (Debian packages)"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin="$(pg_bin_dir)"
    fi
    ENTMIG_PG_DIR="$(mktemp -d /tmp/entmig-pg.XXXXXX)"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$ENTMIG_PG_DIR"
        ENTMIG_PG_AS=(runuser -u postgres --)
    fi
    local port
    for port in $(seq 54329 54429); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    done
    "${ENTMIG_PG_AS[@]}" "$bin/initdb" -D "$ENTMIG_PG_DIR/data" -U entmig --auth=trust -E UTF8 >/dev/null
    "${ENTMIG_PG_AS[@]}" "$bin/pg_ctl" -D "$ENTMIG_PG_DIR/data" -l "$ENTMIG_PG_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $ENTMIG_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    "${ENTMIG_PG_AS[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U entmig entmig_test
    export ENTMIG_TEST_POSTGRES_URL="postgres://entmig@127.0.0.1:$port/entmig_test"
    echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
    if [ -n "$ENTMIG_PG_DIR" ]; then
        "${ENTMIG_PG_AS[@]}" "$(pg_bin_dir)/pg_ctl" -D "$ENTMIG_PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$ENTMIG_PG_DIR"
        ENTMIG_PG_DIR=""
    fi
}
