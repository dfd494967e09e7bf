# Sourced: a throwaway PostgreSQL cluster of the version use_postgres chose (scripts/env.sh),
# for the suites, the scenarios, the demo and the benchmark. It works alike for Debian's
# PostgreSQL 15 and for the PyPI trees, which Debian's pg_virtualenv cannot run.

# A command as the clusters' OS user: postgres when run as root (initdb refuses root).
as_cluster_owner() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Runs COMMAND with PGHOST, PGPORT, PGUSER, PGDATABASE and PGDATA pointing at a new cluster
# (superuser postgres, trust authentication, a Unix socket in a private directory and no TCP,
# so clusters never share a port), then stops and removes it. PG_LOG is its server log, shown
# when COMMAND fails. Returns COMMAND's status.
with_cluster() { # command [args …]
    local dir status
    dir=$(mktemp -d /tmp/afu9_policy_pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if ! as_cluster_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1
    fi
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
timezone = 'Etc/UTC'
fsync = off
CONF
    if ! as_cluster_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
        cat "$dir/server.log" >&2; rm -rf "$dir"; return 1
    fi
    status=0
    (
        export PGHOST=$dir PGPORT=5432 PGUSER=postgres PGDATABASE=postgres PGDATA=$dir/data PG_LOG=$dir/server.log
        "$@"
    ) || status=$?
    if [ "$status" -ne 0 ]; then
        echo "*** the server log of the failed run (last 40 lines) ***" >&2
        tail -40 "$dir/server.log" >&2
    fi
    as_cluster_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$dir"
    return "$status"
}
