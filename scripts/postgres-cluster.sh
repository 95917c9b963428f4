#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, for tests, benchmarks and trying the server on PostgreSQL.
#
#   bash scripts/postgres-cluster.sh start DIR [PORT]   # prints the database URL (postgres://sunsync@127.0.0.1:PORT/sunsync)
#   bash scripts/postgres-cluster.sh stop DIR
#
# Needs Debian's `postgresql` package (apt-get install -y postgresql). The cluster runs as an unprivileged
# user (the current one, or `postgres` when run as root), trusts connections from 127.0.0.1 only, and keeps
# everything in DIR: stop it and delete DIR to leave no trace.
set -euo pipefail
command=${1:-}
dir=${2:-}
port=${3:-55432}
if [ -z "$command" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL's server programs are not installed: apt-get install -y postgresql" >&2
    exit 1
fi
as_user=()
if [ "$(id -u)" -eq 0 ]; then as_user=(runuser -u postgres --); fi

case "$command" in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        "${as_user[@]}" "$bin/initdb" -D "$dir/data" -U sunsync --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # Tuned for tests on a small machine: durability as in production (fsync on), more connections for
    # several servers, and the socket directory inside DIR.
    "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/data -c max_connections=200 -c shared_buffers=256MB" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    "${as_user[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U sunsync -d postgres -qtAc \
        "SELECT 1 FROM pg_database WHERE datname = 'sunsync'" | grep -q 1 \
        || "${as_user[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U sunsync sunsync
    echo "postgres://sunsync@127.0.0.1:$port/sunsync"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
*)
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
