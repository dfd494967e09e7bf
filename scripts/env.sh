# Sourced by the scripts: the PostgreSQL 15 and pgrx this project builds against.
export PATH="$HOME/.cargo/bin:$PATH"
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PG_BIN=/usr/lib/postgresql/15/bin
export PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress
export PG_ISOLATION_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/pg_isolation_regress
