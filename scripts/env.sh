# Sourced by the scripts: the PostgreSQL 15 and pgrx this project builds against.
export PATH="$HOME/.cargo/bin:$PATH"
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PG_BIN=/usr/lib/postgresql/15/bin
export PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress
export PG_ISOLATION_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/pg_isolation_regress
# The extension's functions and views are in schema afu9_policy; the tests, the bench and the
# scenarios call them unqualified, as an application with the schema on its search path does
# (the security scenario sets its own in each session).
export PGOPTIONS="-c search_path=public,afu9_policy"
# Builds and installs the extension, after making the upgrade scripts it ships (sql/upgrade/).
install_extension() { # cargo pgrx install options
    bash scripts/upgrade_scripts.sh
    cargo pgrx install --pg-config "$PG_CONFIG" "$@"
}
