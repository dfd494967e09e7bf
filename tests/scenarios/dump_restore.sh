#!/usr/bin/env bash
# pg_dump / pg_restore round trip, run on a throwaway cluster (scripts/scenario.sh): every
# run, snapshot, policy, activation, verdict and ledger entry comes back with the same ids and
# links, and the restored ledger verifies clean, also against the source's digest.
set -uo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

dropdb --if-exists afu9_dump_source >/dev/null 2>&1; dropdb --if-exists afu9_dump_restored >/dev/null 2>&1
createdb afu9_dump_source && createdb afu9_dump_restored
psql -XAtq -v ON_ERROR_STOP=1 -d afu9_dump_source >/dev/null <<'SQL'
CREATE EXTENSION afu9_policy;
INSERT INTO workflow_executions (workflow_id, status) SELECT 'wf-' || i, 'failed' FROM generate_series(1, 20) i;
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "secret not found"}]')) FROM workflow_executions;
SELECT publish_policy('v1.1.0', active_policy() || '{"note": "v1.1.0"}');
INSERT INTO workflow_executions (workflow_id, status, repository_id) VALUES ('wf-new', 'running', '00000000-0000-4000-8000-00000000aaaa');
SELECT activate_policy('v1.0.0');
INSERT INTO policy_snapshots (version, policies, metadata) VALUES ('v0.9.0', '{"migrated": true}', '{"source": "afu9"}');
-- A template and a repository version rendered from it; an experiment, reweighted, with runs.
SELECT publish_policy_template('strict', 'v1.0.0', active_policy());
SELECT publish_policy_overrides('v2.0.0', '00000000-0000-4000-8000-00000000bbbb', 'v1.0.0',
                                '{"confidence": {"MISSING_SECRET": 0.99}}', 'strict');
SELECT start_policy_experiment('canary', '[{"version": "v1.0.0", "weight": 50}, {"version": "v1.1.0", "weight": 50}]');
INSERT INTO workflow_executions (workflow_id, status) SELECT 'exp-' || i, 'completed' FROM generate_series(1, 20) i;
SELECT set_policy_experiment_weights('canary', '[{"version": "v1.0.0", "weight": 10}, {"version": "v1.1.0", "weight": 90}]');
SELECT seal_policy_ledger();
-- An application migration after the install: a column of its own, with a value (0.2.0 lost
-- such a table's rows in a restore, since the table was the extension's).
ALTER TABLE workflow_executions ADD COLUMN app_note text;
UPDATE workflow_executions SET app_note = 'note of ' || workflow_id WHERE workflow_id LIKE 'wf-1%';
SQL
digest=$(q afu9_dump_source "SELECT policy_ledger_digest()")
pg_dump -Fc -d afu9_dump_source -f "$work/source.dump" || { echo "FAIL pg_dump"; exit 1; }
pg_restore -d afu9_dump_restored "$work/source.dump" || { echo "FAIL pg_restore"; exit 1; }

# Every table, row by row, in a fixed order.
for t in $stored_tables_now; do
    check "$t identical" "$(q afu9_dump_source "$(fingerprint "$t")")" "$(q afu9_dump_restored "$(fingerprint "$t")")"
done
check "the application's own column came back" "11" "$(q afu9_dump_restored "SELECT count(app_note) FROM workflow_executions")"
check "ledger verifies clean on the copy" "0" "$(q afu9_dump_restored "SELECT count(*) FROM verify_policy_ledger()")"
check "ledger verifies against the source's digest" "0" "$(q afu9_dump_restored "SELECT count(*) FROM verify_policy_ledger('$digest')")"
check "audits clean on the copy" "0" "$(q afu9_dump_restored "SELECT count(*) FROM noncompliant_verdicts")"
check "same active policy" "$(q afu9_dump_source "SELECT version FROM active_policy_version()")" \
      "$(q afu9_dump_restored "SELECT version FROM active_policy_version()")"
# The copy goes on working: new runs, verdicts, versions and seals continue the sequences.
q afu9_dump_restored "INSERT INTO workflow_executions (workflow_id, status) VALUES ('after-restore', 'failed')" >/dev/null
q afu9_dump_restored "SELECT publish_policy('v1.2.0', active_policy() || '{\"note\": \"v1.2.0\"}')" >/dev/null
q afu9_dump_restored "SELECT generate_verdict(id, '[{\"resourceType\": \"R\", \"statusReason\": \"secret not found\"}]') FROM workflow_executions WHERE workflow_id = 'after-restore'" >/dev/null
# The experiment goes on deciding new runs, each arm recomputable; it stops.
q afu9_dump_restored "INSERT INTO workflow_executions (workflow_id) SELECT 'exp-after-' || i FROM generate_series(1, 10) i" >/dev/null
check "the experiment goes on on the copy" "10 true" \
    "$(q afu9_dump_restored "SELECT count(*) || ' ' || bool_and(consistent) FROM policy_experiment_runs r JOIN workflow_executions e ON e.id = r.execution_id WHERE e.workflow_id LIKE 'exp-after-%'")"
q afu9_dump_restored "SELECT stop_policy_experiment('canary')" >/dev/null
# Seals what was added and verifies it, with the other invariants.
check_invariants afu9_dump_restored "the copy goes on"

dropdb afu9_dump_source; dropdb afu9_dump_restored
finish dump_restore
