#!/usr/bin/env bash
# Citus for the scale-out scenario (tests/scenarios/citus.sh): builds Citus 13.2.2, the newest
# release that supports PostgreSQL 15 (it supports 15, 16 and 17, not 18), from the vendored
# source tarball into the PostgreSQL of $PG_CONFIG (default Debian's 15), and starts and stops a
# throwaway three-node cluster (a coordinator and two workers on 127.0.0.1). Run as root, like
# the other scripts; the servers run as postgres.
#
#   bash scripts/citus.sh build              verify, unpack, fix, configure, make, make install;
#                                            nothing to do when the installed citus.so is the
#                                            cached build of this tarball (target/citus/pgNN/build);
#                                            exits 3 for a PostgreSQL Citus does not support
#   bash scripts/citus.sh start DIR [DB]     three nodes with data under DIR, database DB
#                                            (default afu9_citus) with citus on every node and the
#                                            workers registered on the coordinator; idempotent
#   bash scripts/citus.sh stop DIR           stops the nodes of DIR (keeps their data)
#   source scripts/citus.sh                  defines citus_build, citus_start, citus_stop and
#                                            citus_psql PORT [psql args] (as postgres, to DB)
#
# Settings (environment): CITUS_TARBALL (default /work/shared/vendor/citus-13.2.2.tar.gz, checked
# against the SHA256SUMS beside it), CITUS_PORTS (default "9700 9701 9702", the coordinator
# first), CITUS_DB (default afu9_citus), CITUS_BUILD_DIR (default target/citus/pgNN/build).
# Citus is AGPL-3.0: it is only built for this test cluster, never linked into afu9_policy.

CITUS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CITUS_TARBALL=${CITUS_TARBALL:-/work/shared/vendor/citus-13.2.2.tar.gz}
CITUS_PORTS=${CITUS_PORTS:-9700 9701 9702}
CITUS_DB=${CITUS_DB:-afu9_citus}
CITUS_PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
CITUS_PG_BIN=$("$CITUS_PG_CONFIG" --bindir)
CITUS_PG_MAJOR=$("$CITUS_PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
CITUS_PG_MAJORS="15 16 17"   # what Citus 13.2.2 supports
CITUS_BUILD_DIR=${CITUS_BUILD_DIR:-$CITUS_ROOT/target/citus/pg$CITUS_PG_MAJOR/build}
# Build dependencies beyond the server headers (scripts/setup.sh provides those: Debian's
# postgresql-server-dev-15, or the PyPI tree's include/server).
CITUS_APT_DEPS="gcc make libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libpam0g-dev"
# Whether Citus 13.2.2 runs on this PostgreSQL (the scenario skips the others).
citus_supported() { case " $CITUS_PG_MAJORS " in *" $CITUS_PG_MAJOR "*) return 0 ;; *) return 1 ;; esac; }

_citus_now() { date +%s.%N; }
_citus_took() { awk -v a="$1" -v b="$(_citus_now)" 'BEGIN { printf "%.1f s", b - a }'; }
# as_cluster_owner: a command as the clusters' OS user (postgres when run as root).
source "$CITUS_ROOT/scripts/cluster.sh"

citus_build() (
    set -euo pipefail
    trap 'echo "citus: build failed (scripts/citus.sh line $LINENO)" >&2' ERR
    local t0 step sha stamp so installed_so libdir sharedir src log
    t0=$(_citus_now)
    citus_supported || { echo "citus: Citus 13.2.2 does not support PostgreSQL $CITUS_PG_MAJOR (only $CITUS_PG_MAJORS)" >&2; exit 3; }
    libdir=$("$CITUS_PG_CONFIG" --pkglibdir)
    sharedir=$("$CITUS_PG_CONFIG" --sharedir)
    so=$libdir/citus.so
    stamp=$CITUS_BUILD_DIR/stamp

    # The tarball must be the one checked in SHA256SUMS beside it.
    step=$(_citus_now)
    [ -f "$CITUS_TARBALL" ] || { echo "citus: $CITUS_TARBALL is missing" >&2; exit 1; }
    (cd "$(dirname "$CITUS_TARBALL")" && grep " $(basename "$CITUS_TARBALL")\$" SHA256SUMS | sha256sum -c --quiet -) \
        || { echo "citus: $CITUS_TARBALL does not match its SHA256SUMS" >&2; exit 1; }
    sha=$(sha256sum "$CITUS_TARBALL" | cut -d' ' -f1)
    echo "citus: tarball verified ($(_citus_took "$step"))"

    # Cached: the installed citus.so is the one built from this tarball.
    if [ -f "$stamp" ] && [ -f "$so" ] && [ -f "$sharedir/extension/citus.control" ] \
       && grep -qx "tarball $sha" "$stamp" \
       && grep -qx "citus.so $(sha256sum "$so" | cut -d' ' -f1)" "$stamp"; then
        echo "citus: installed citus.so is the cached build of $(basename "$CITUS_TARBALL"), nothing to do ($(_citus_took "$t0"))"
        exit 0
    fi

    # Build dependencies, installed when missing.
    step=$(_citus_now)
    local need=() p
    for p in $CITUS_APT_DEPS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        echo "citus: installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
    fi
    echo "citus: build dependencies present ($(_citus_took "$step"))"

    mkdir -p "$CITUS_BUILD_DIR"
    log=$CITUS_BUILD_DIR/build.log
    : >"$log"
    src=$CITUS_BUILD_DIR/$(basename "$CITUS_TARBALL" .tar.gz)   # the tarball's top directory
    # A build dir whose stamp names this tarball was built from it: only install it again.
    if ! { [ -f "$stamp" ] && grep -qx "tarball $sha" "$stamp" && [ -f "$src/src/backend/distributed/citus.so" ]; }; then
        rm -f "$stamp"
        step=$(_citus_now)
        rm -rf "$src"
        tar xzf "$CITUS_TARBALL" -C "$CITUS_BUILD_DIR"
        [ -d "$src" ] || { echo "citus: $CITUS_TARBALL has no top directory $(basename "$src")" >&2; exit 1; }
        # The compat fix: PostgreSQL 15.20 (and other recent 15.x) declares
        #   extern bool have_createdb_privilege(void);
        # in commands/dbcommands.h, and Citus 13.2.2's static copy in the PG15 branch of
        # src/include/pg_version_compat.h then fails to compile ("static declaration of
        # 'have_createdb_privilege' follows non-static declaration"). Renaming the copy with a
        # #define just before it works with or without that declaration.
        sed -i '/^static inline bool$/{N;/\nhave_createdb_privilege(void)$/s/^/#define have_createdb_privilege citus_compat_have_createdb_privilege\n/}' \
            "$src/src/include/pg_version_compat.h"
        [ "$(grep -c '^#define have_createdb_privilege citus_compat_have_createdb_privilege$' "$src/src/include/pg_version_compat.h")" = 1 ] \
            || { echo "citus: the have_createdb_privilege fix did not apply to pg_version_compat.h" >&2; exit 1; }
        echo "citus: unpacked and fixed ($(_citus_took "$step"))"

        step=$(_citus_now)
        (cd "$src" && ./configure PG_CONFIG="$CITUS_PG_CONFIG") >>"$log" 2>&1 \
            || { tail -30 "$log" >&2; echo "citus: configure failed, see $log" >&2; exit 1; }
        echo "citus: configured ($(_citus_took "$step"))"

        # with_llvm=no: no JIT bitcode, which would compile every file a second time with clang.
        step=$(_citus_now)
        make -C "$src" -j"$(nproc)" with_llvm=no >>"$log" 2>&1 \
            || { grep -E 'error|Error' "$log" | head -20 >&2; echo "citus: make failed, see $log" >&2; exit 1; }
        echo "citus: compiled with make -j$(nproc) ($(_citus_took "$step"))"
    fi

    step=$(_citus_now)
    # No JIT bitcode is built, so none of an earlier build may stay behind to be inlined.
    rm -rf "$libdir"/bitcode/citus "$libdir"/bitcode/citus.index.bc "$libdir"/bitcode/citus_columnar \
           "$libdir"/bitcode/citus_columnar.index.bc "$libdir"/bitcode/citus_pgoutput \
           "$libdir"/bitcode/citus_pgoutput.index.bc "$libdir"/bitcode/citus_wal2json "$libdir"/bitcode/citus_wal2json.index.bc
    make -C "$src" install with_llvm=no >>"$log" 2>&1 \
        || { tail -30 "$log" >&2; echo "citus: make install failed, see $log" >&2; exit 1; }
    installed_so=$(sha256sum "$so" | cut -d' ' -f1)
    printf 'tarball %s\ncitus.so %s\n' "$sha" "$installed_so" >"$stamp"
    echo "citus: installed into $libdir ($(_citus_took "$step"))"
    echo "citus: build done ($(_citus_took "$t0"))"
)

# psql as postgres on one node of the cluster (TCP, trust): citus_psql PORT [psql args].
citus_psql() {
    local port=$1; shift
    "$CITUS_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$CITUS_DB" "$@"
}

citus_start() (
    set -euo pipefail
    trap 'echo "citus: start failed (scripts/citus.sh line $LINENO)" >&2' ERR
    local dir=${1:?citus start: DIR missing} t0 step p coordinator data
    [ -n "${2:-}" ] && CITUS_DB=$2
    t0=$(_citus_now)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    coordinator=${CITUS_PORTS%% *}

    step=$(_citus_now)
    for p in $CITUS_PORTS; do
        data=$dir/n$p
        [ -f "$data/PG_VERSION" ] && continue
        as_cluster_owner "$CITUS_PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
        cat >>"$data/postgresql.conf" <<CONF
# scripts/citus.sh: a throwaway test node, nothing here is durable
port = $p
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
# shard moves and splits replicate logically
wal_level = logical
CONF
        # PostgreSQL 15.19+ only decodes with the output plugins it lists; Citus's shard split
        # uses its own ("library "citus" may not be used as an output plugin" otherwise).
        if "$CITUS_PG_BIN/postgres" --describe-config 2>/dev/null | grep -q '^output_plugin_libraries'; then
            echo "output_plugin_libraries = 'pgoutput, test_decoding, citus'" >>"$data/postgresql.conf"
        fi
    done
    echo "citus: data directories ready under $dir ($(_citus_took "$step"))"

    step=$(_citus_now)
    for p in $CITUS_PORTS; do
        data=$dir/n$p
        if as_cluster_owner "$CITUS_PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then continue; fi
        as_cluster_owner "$CITUS_PG_BIN/pg_ctl" -D "$data" -l "$dir/n$p.log" -w -t 60 start >/dev/null \
            || { tail -20 "$dir/n$p.log" >&2; echo "citus: node $p did not start" >&2; exit 1; }
    done
    echo "citus: nodes started on 127.0.0.1 ports ${CITUS_PORTS// /, } ($(_citus_took "$step"))"

    # Citus metadata is per database: the database and CREATE EXTENSION citus on every node.
    step=$(_citus_now)
    for p in $CITUS_PORTS; do
        if [ "$(CITUS_DB=postgres citus_psql "$p" -At -c "SELECT count(*) FROM pg_database WHERE datname = '$CITUS_DB'")" = 0 ]; then
            CITUS_DB=postgres citus_psql "$p" -c "CREATE DATABASE \"$CITUS_DB\""
        fi
        citus_psql "$p" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS citus"
    done
    citus_psql "$coordinator" -c "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" >/dev/null
    for p in $CITUS_PORTS; do
        [ "$p" = "$coordinator" ] && continue
        citus_psql "$coordinator" -At -c "SELECT citus_add_node('127.0.0.1', $p)
                                           WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $p)" >/dev/null
    done
    echo "citus: database $CITUS_DB with citus $(citus_psql "$coordinator" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'") on every node, $(citus_psql "$coordinator" -At -c "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0") workers registered ($(_citus_took "$step"))"
    echo "citus: cluster up ($(_citus_took "$t0"))"
)

citus_stop() (
    set -uo pipefail
    local dir=${1:?citus stop: DIR missing} t0 p
    t0=$(_citus_now)
    [ -d "$dir" ] || { echo "citus: no cluster in $dir"; exit 0; }
    dir=$(cd "$dir" && pwd)
    for p in $CITUS_PORTS; do
        [ -f "$dir/n$p/postmaster.pid" ] || continue
        as_cluster_owner "$CITUS_PG_BIN/pg_ctl" -D "$dir/n$p" -m fast -w -t 60 stop >/dev/null \
            || echo "citus: node $p did not stop" >&2
    done
    echo "citus: cluster in $dir stopped ($(_citus_took "$t0"))"
)

# Called, not sourced: run the subcommand.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        build) citus_build ;;
        start) shift; citus_start "$@" ;;
        stop) shift; citus_stop "$@" ;;
        *) echo "usage: $0 build | start DIR [DB] | stop DIR" >&2; exit 2 ;;
    esac
fi
