#!/usr/bin/env bash
# Upgrade, run on a throwaway cluster (scripts/scenario.sh): installs the oldest release kept in
# sql/releases/, fills it, runs ALTER EXTENSION afu9_policy UPDATE, and checks that no row
# changed, that the upgraded installation behaves, and that it is the same, object for object,
# as a fresh installation of the new version.
set -uo pipefail
here=$(dirname "$0")
source "$here/lib.sh"
old=0.1.0
new=$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'afu9_policy'")
if [ -z "$(q postgres "SELECT 1 FROM pg_available_extension_versions WHERE name = 'afu9_policy' AND version = '$old'")" ]; then
    echo "FAIL afu9_policy $old is not installed: install_extension (scripts/env.sh) copies sql/releases/ into the extension directory"
    exit 1
fi
dropdb --if-exists afu9_upgrade >/dev/null 2>&1; dropdb --if-exists afu9_fresh >/dev/null 2>&1
createdb afu9_upgrade && createdb afu9_fresh
repo=00000000-0000-4000-8000-00000000aaaa
psql -XAtq -v ON_ERROR_STOP=1 -d afu9_upgrade >/dev/null <<SQL
CREATE EXTENSION afu9_policy VERSION '$old';
INSERT INTO workflow_executions (workflow_id, status) SELECT 'wf-' || i, 'failed' FROM generate_series(1, 50) i;
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "secret not found"}]')) FROM workflow_executions;
SELECT publish_policy('v1.1.0', active_policy() || '{"note": "v1.1.0"}', false, '$repo');
SELECT activate_policy('v1.1.0', '$repo');
INSERT INTO workflow_executions (workflow_id, status, repository_id) VALUES ('wf-repo', 'failed', '$repo');
SELECT seal_policy_ledger();
SQL
# Rows compared over the columns they had before: an update may add columns, never change rows.
columns() { q afu9_upgrade "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '$1'::regclass AND attnum > 0 AND NOT attisdropped"; }
rows() { q afu9_upgrade "$(fingerprint "(SELECT ${old_columns[$1]} FROM $1)")"; }
declare -A before old_columns
for t in $stored_tables; do old_columns[$t]=$(columns "$t"); before[$t]=$(rows "$t"); done
digest=$(q afu9_upgrade "SELECT policy_ledger_digest()")

q afu9_upgrade "ALTER EXTENSION afu9_policy UPDATE" || { echo "FAIL ALTER EXTENSION afu9_policy UPDATE"; exit 1; }
check "updated from $old to $new" "$new" "$(q afu9_upgrade "SELECT extversion FROM pg_extension WHERE extname = 'afu9_policy'")"
for t in $stored_tables; do check "$t unchanged by the update" "${before[$t]}" "$(rows "$t")"; done
check "the ledger verifies against the digest taken before" "0" \
    "$(q afu9_upgrade "SELECT count(*) FROM verify_policy_ledger('$digest')")"

# The new version at work on the old data: new runs (global and per repository), verdicts
# for old and new runs, a new version and its activation.
psql -XAtq -v ON_ERROR_STOP=1 -d afu9_upgrade >/dev/null <<SQL
INSERT INTO workflow_executions (workflow_id, status) SELECT 'after-' || i, 'failed' FROM generate_series(1, 20) i;
INSERT INTO workflow_executions (workflow_id, status, repository_id) VALUES ('after-repo', 'failed', '$repo');
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "Throttling: Rate exceeded"}]'))
  FROM workflow_executions e
 WHERE NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.execution_id = e.id);
SELECT publish_policy('v1.2.0', active_policy() || '{"note": "v1.2.0"}');
INSERT INTO workflow_executions (workflow_id, status) VALUES ('after-v1.2.0', 'failed');
SQL
# What is new in 0.3.0, on the upgraded data: an experiment, and a version from a base and overrides.
psql -XAtq -v ON_ERROR_STOP=1 -d afu9_upgrade >/dev/null <<SQL
SELECT start_policy_experiment('after-update', '[{"version": "v1.0.0", "weight": 1}, {"version": "v1.2.0", "weight": 1}]');
INSERT INTO workflow_executions (workflow_id, status) SELECT 'experiment-' || i, 'completed' FROM generate_series(1, 30) i;
SELECT stop_policy_experiment('after-update');
SELECT publish_policy_overrides('v2.0.0', '$repo', 'v1.2.0', '{"confidence": {"MISSING_SECRET": 0.99}}');
SQL
check "an experiment decides runs of the upgraded table, recomputably" "30 true 2" \
    "$(q afu9_upgrade "SELECT count(*) || ' ' || bool_and(consistent) || ' ' || count(DISTINCT policy_version) FROM policy_experiment_runs")"
check "a version from a base and overrides" '{"version": "v1.2.0"}' \
    "$(q afu9_upgrade "SELECT policy_version_base(v) FROM policy_versions v WHERE version = 'v2.0.0'")"
check "new runs snapshot the active version" "v1.0.0:20 v1.1.0:1 v1.2.0:1" \
    "$(q afu9_upgrade "SELECT string_agg(s.version || ':' || n, ' ' ORDER BY s.version) FROM (SELECT s.version, count(*) n FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id WHERE e.workflow_id LIKE 'after%' GROUP BY 1) s")"
check "every run has its verdict" "72" "$(q afu9_upgrade "SELECT count(*) FROM verdicts")"
check_invariants afu9_upgrade "after the update"

# Object for object, the upgraded installation is a fresh one.
q afu9_fresh "CREATE EXTENSION afu9_policy" >/dev/null
psql -XAtq -d afu9_upgrade -f "$here/catalog.sql" >/tmp/afu9_upgraded.catalog
psql -XAtq -d afu9_fresh -f "$here/catalog.sql" >/tmp/afu9_fresh.catalog
check "the catalog describes the installation" "t" "$(q afu9_fresh "SELECT $(wc -l </tmp/afu9_fresh.catalog) > 1000")"
check "the upgraded installation equals a fresh one" "" \
    "$(diff /tmp/afu9_fresh.catalog /tmp/afu9_upgraded.catalog | head -20)"

dropdb afu9_upgrade; dropdb afu9_fresh
finish upgrade
