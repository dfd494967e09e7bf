# Sourced by the scripts: pgrx, and the PostgreSQL version they build against and test on
# (PG_MAJOR, default 15; scripts/postgresql.sh lists the supported ones).
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/postgresql.sh
source scripts/cluster.sh
use_postgres "${PG_MAJOR:-15}"
# The extension's functions and views are in schema afu9_policy; the tests, the bench and the
# scenarios call them unqualified, as an application with the schema on its search path does
# (the security scenario sets its own in each session).
export PGOPTIONS="-c search_path=public,afu9_policy"
# Builds and installs the extension for PG_MAJOR, after making the upgrade scripts it ships
# (sql/upgrade/), and copies in the earlier releases' install scripts for the upgrade scenario.
install_extension() { # cargo pgrx install options
    bash scripts/upgrade_scripts.sh
    cargo pgrx install --pg-config "$PG_CONFIG" "$@"
    cp sql/releases/afu9_policy--* "$("$PG_CONFIG" --sharedir)/extension/"
}
