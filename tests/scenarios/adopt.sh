#!/usr/bin/env bash
# Adopting an existing AFU-9 database, run on a throwaway cluster (scripts/scenario.sh). The
# database is built as AFU-9's migrations leave it (afu9/schema.sql, afu9/data.sql) by its one
# non-superuser login, which then runs plain CREATE EXTENSION. Nothing of the application's may
# change (afu9/facts.sql before and after, and after pg_dump/pg_restore); its history is adopted
# (snapshots, KPIs, audits by each verdict's own document, the ledger); its unchanged SQL goes on
# working; the guards hold.
set -uo pipefail
here=$(dirname "$0")
work=$(mktemp -d)
trap 'cp -r "$work" /tmp/adopt_last; rm -rf "$work"' EXIT
source "$here/lib.sh"
pw=afu9-scenario
q postgres "DROP ROLE IF EXISTS afu9_admin; CREATE ROLE afu9_admin LOGIN PASSWORD '$pw'" >/dev/null
q postgres "DROP ROLE IF EXISTS afu9_reader; CREATE ROLE afu9_reader LOGIN PASSWORD '$pw'" >/dev/null
app() { # db, psql arguments...: as AFU-9's login
    local db=$1; shift
    psql -XAtq -v ON_ERROR_STOP=1 "dbname=$db user=afu9_admin password=$pw" "$@"
}
sqlstate() { # db, statement: the SQLSTATE the application's login gets, or nothing
    app "$1" -v VERBOSITY=sqlstate -c "$2" 2>&1 >/dev/null | sed -n 's/^\(psql:[^ ]* \)\{0,1\}ERROR:  \([0-9A-Z]\{5\}\).*/\2/p' | head -1
}

createdb -O afu9_admin afu9_app
app afu9_app -f "$here/afu9/schema.sql" >/dev/null && app afu9_app -f "$here/afu9/data.sql" >/dev/null
app afu9_app -f "$here/afu9/facts.sql" >"$work/facts.before"
check "the AFU-9 database is built" "t" "$(test -s "$work/facts.before" && echo t)"
counts() { # db: runs, runs without snapshot, snapshots, verdicts, verdicts without metadata
    q "$1" "SELECT (SELECT count(*) FROM workflow_executions) || ' ' ||
                   (SELECT count(*) FROM workflow_executions WHERE policy_snapshot_id IS NULL) || ' ' ||
                   (SELECT count(*) FROM public.policy_snapshots) || ' ' || (SELECT count(*) FROM verdicts) || ' ' ||
                   (SELECT count(*) FROM verdicts WHERE metadata IS NULL)"
}
before=$(counts afu9_app)
# What the audit must find, judged by each verdict's own snapshot document (AFU-9's table).
expected_noncompliant=$(q afu9_app "
    SELECT count(*) FROM verdicts v
      LEFT JOIN public.policy_snapshots s ON s.id = v.policy_snapshot_id
      LEFT JOIN workflow_executions e ON e.id = v.execution_id
     WHERE s.id IS NULL OR NOT coalesce(s.policies->'playbooks' ? v.error_class, false)
        OR v.signals = '[]'::jsonb OR e.policy_snapshot_id IS DISTINCT FROM v.policy_snapshot_id")

# One statement, by the application's own login: all or nothing.
check "plain CREATE EXTENSION by the application's login" "" \
    "$(app afu9_app -c "CREATE EXTENSION afu9_policy" 2>&1 >/dev/null | grep -v '^WARNING\|^DETAIL\|^HINT')"
app afu9_app -f "$here/afu9/facts.sql" >"$work/facts.after"
# All but what governing changes: AFU-9's two foreign keys to its policy_snapshots table go (a
# snapshot id is now a run's or the snapshot store's, which holds AFU-9's under the same ids),
# and the KPIs' indexes are added.
check "nothing of the application changed (rows, columns, triggers, foreign keys, views)" "" \
    "$(diff "$work/facts.before" "$work/facts.after" | grep '^[<>]' |
       grep -v '^< constraint [a-z_]* [a-z_]*_policy_snapshot_id_fkey FOREIGN KEY policy_snapshot_id REFERENCES policy_snapshotsid ' |
       grep -v '^> index idx_executions_created_at \|^> index idx_executions_without_snapshot \|^> index idx_verdicts_without_snapshot ')"
check "a verdict's snapshot must be its run's, by a foreign key (AFU-9's mismatches left unchecked)" "f" "$(q afu9_app "
    SELECT convalidated FROM pg_constraint WHERE conname = 'verdicts_run_policy_snapshot_fkey'")"
check "every run, snapshot and verdict is still there, runs without a snapshot stay without" "$before" "$(counts afu9_app)"
check "the tables are still the application's" "afu9_admin afu9_admin afu9_admin false" "$(q afu9_app "
    SELECT string_agg(pg_get_userbyid(relowner), ' ' ORDER BY relname) || ' ' ||
           bool_or(EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e'))
      FROM pg_class c WHERE c.oid IN ('public.workflow_executions'::regclass, 'public.verdicts'::regclass,
                                      'public.policy_snapshots'::regclass)")"
check "the extension governs them" "5" "$(q afu9_app "
    SELECT count(*) FROM pg_trigger t JOIN pg_depend d ON d.objid = t.tgfoid AND d.deptype = 'e'
     WHERE t.tgrelid IN ('public.workflow_executions'::regclass, 'public.verdicts'::regclass)")"
check "every AFU-9 snapshot adopted with its id, version, time and document as it is" "0" "$(q afu9_app "
    SELECT count(*) FROM public.policy_snapshots a
      FULL JOIN afu9_policy.policy_snapshots s ON s.id = a.id
     WHERE s.id IS NULL OR a.id IS NULL OR s.version <> a.version OR s.policies <> a.policies
        OR s.created_at <> a.created_at::timestamptz OR s.metadata IS DISTINCT FROM a.metadata")"
check "the two AFU-9 documents labelled v1.0.0 are stored apart, ours beside them" "3" \
    "$(q afu9_app "SELECT count(*) FROM afu9_policy.policy_documents")"
check "coverage reports the runs without a snapshot" "$(q afu9_app "
    SELECT round(count(policy_snapshot_id) * 100.0 / count(*), 2) FROM workflow_executions WHERE created_at > now() - interval '30 days'")" \
    "$(q afu9_app "SELECT coverage_percentage FROM afu9_policy.policy_kpis(interval '30 days')")"
check "audits judge AFU-9's verdicts by their own documents" "$expected_noncompliant" \
    "$(q afu9_app "SELECT count(*) FROM afu9_policy.noncompliant_verdicts")"
# The reads over AFU-9's own column types (varchar, timestamp without time zone).
check "replay, version statistics and factory status read AFU-9's tables" \
    "$(q afu9_app "SELECT count(*) FROM verdicts") $(q afu9_app "SELECT count(policy_snapshot_id) FROM workflow_executions") $(q afu9_app "SELECT count(*) FROM workflow_executions")" \
    "$(q afu9_app "SELECT (SELECT count(*) FROM afu9_policy.replay_verdicts('v1.0.0', interval '1000 days')) || ' ' ||
                          (SELECT sum(runs) FROM afu9_policy.policy_version_stats) || ' ' ||
                          (afu9_policy.factory_status()->'runs'->>'total')")"
check "no modified snapshots" "0" "$(q afu9_app "SELECT modified_snapshots FROM afu9_policy.policy_kpis(interval '1000 days')")"
sealed=$(app afu9_app -c "SELECT afu9_policy.seal_policy_ledger()")
check "the ledger seals the adopted history" "$(q afu9_app "SELECT (SELECT count(*) FROM public.policy_snapshots) + 1 + (SELECT count(*) FROM verdicts)")" "$sealed"
check "and verifies clean" "0" "$(q afu9_app "SELECT count(*) FROM afu9_policy.verify_policy_ledger()")"
digest=$(q afu9_app "SELECT afu9_policy.policy_ledger_digest()")

# The application's unchanged SQL (control-center's own statements), after adoption.
run=$(app afu9_app -c "INSERT INTO workflow_executions (workflow_id, status, input, context, started_at, triggered_by, github_run_id)
                       VALUES (NULL, 'running', '{\"issue\": 1}', '{}', now(), NULL, NULL) RETURNING id")
check "a new run is snapshotted by the database" "v1.0.0" "$(q afu9_app "
    SELECT s.version FROM workflow_executions e JOIN afu9_policy.policy_snapshots s ON s.id = e.policy_snapshot_id WHERE e.id = '$run'")"
check "its snapshot-and-link with AFU-9's own document is refused, naming both" "23514" "$(sqlstate afu9_app "
    INSERT INTO policy_snapshots (version, policies, metadata)
    SELECT 'v1.0.0', policies, jsonb_build_object('created_by', 'AFU-9 Workflow Engine', 'execution_id', '$run')
      FROM policy_snapshots WHERE metadata ? 'execution_id' LIMIT 1 RETURNING id, version, policies, created_at, metadata")"
linked=$(app afu9_app -c "
    INSERT INTO policy_snapshots (version, policies, metadata)
    SELECT 'v1.0.0', afu9_policy.active_policy(), jsonb_build_object('created_by', 'AFU-9 Workflow Engine', 'execution_id', '$run')
    RETURNING id")
check "with the run's own policy it is the run's own snapshot" "$linked" "$(q afu9_app "SELECT policy_snapshot_id FROM workflow_executions WHERE id = '$run'")"
check "and the link UPDATE changes nothing" "UPDATE 1" "$(psql -XAt "dbname=afu9_app user=afu9_admin password=$pw" -c "
    UPDATE workflow_executions SET policy_snapshot_id = '$linked', updated_at = NOW() WHERE id = '$run'")"
check "no orphan snapshot is left: every snapshot but AFU-9's seed is a run's" "1" "$(q afu9_app "
    SELECT count(*) FROM afu9_policy.policy_snapshots s WHERE NOT EXISTS (SELECT 1 FROM workflow_executions e WHERE e.policy_snapshot_id = s.id)")"
app afu9_app -c "UPDATE workflow_executions SET status = 'paused', pause_metadata = '{\"pausedAt\": \"2026-11-28T10:00:00Z\", \"pausedBy\": \"system\", \"reason\": \"HOLD\"}', updated_at = NOW() WHERE id = '$run' AND status = 'running' RETURNING id" >/dev/null
app afu9_app -c "UPDATE workflow_executions SET status = 'running', pause_metadata = jsonb_set(COALESCE(pause_metadata, '{}'), '{resumedAt}', to_jsonb('2026-11-28T10:05:00Z'::text)) || jsonb_build_object('resumedBy', 'ops'::text), updated_at = NOW() WHERE id = '$run' AND status = 'paused' RETURNING id, pause_metadata" >/dev/null
app afu9_app -c "UPDATE workflow_executions SET status = 'failed', error = 'RED', completed_at = NOW(), pause_metadata = jsonb_set(COALESCE(pause_metadata, '{}'), '{abortMetadata}', '{\"abortedBy\": \"system\"}'::jsonb), updated_at = NOW() WHERE id = '$run' AND status IN ('running', 'paused') RETURNING id" >/dev/null
check "pause, resume and abort, as AFU-9 writes them" "failed ops system" "$(q afu9_app "
    SELECT status || ' ' || (pause_metadata->>'resumedBy') || ' ' || (pause_metadata->'abortMetadata'->>'abortedBy') FROM workflow_executions WHERE id = '$run'")"
check "the application's AFTER UPDATE trigger still fires" "2" "$(q afu9_app "SELECT count(*) FROM kpi_snapshots WHERE scope_id = '$run'")"
app afu9_app -c "INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score,
                                       proposed_action, verdict_type, tokens, signals, playbook_id, metadata)
                 VALUES ('$run', '$linked', 'ab12', 'MISSING_SECRET', 'SecretsManager', 85, 'OPEN_ISSUE', 'REJECTED',
                         '{secret}', '[{\"resourceType\": \"R\", \"statusReason\": \"secret not found\"}]', 'missing-secret', NULL)
                 RETURNING id" >/dev/null
check "a verdict with NULL metadata is stored, linked" "1" "$(q afu9_app "SELECT count(*) FROM verdicts WHERE execution_id = '$run' AND metadata IS NULL AND policy_snapshot_id = '$linked'")"
check "generate_verdict judges the new run by its own snapshot" "MISSING_SECRET" "$(app afu9_app -c "
    SELECT error_class FROM afu9_policy.generate_verdict('$run', '[{\"resourceType\": \"R\", \"statusReason\": \"secret not found\"}]')")"
check "the application's views show the new run and its verdicts" "1 2" "$(q afu9_app "
    SELECT (SELECT count(*) FROM executions_with_policy WHERE id = '$run') || ' ' ||
           (SELECT count(*) FROM verdicts_with_policy WHERE execution_id = '$run')")"
check "generate_verdicts stores into AFU-9's verdicts (varchar columns) too" "MISSING_SECRET 3" "$(app afu9_app -c "
    SELECT error_class || ' ' || (SELECT count(*) + 1 FROM verdicts WHERE execution_id = '$run')
      FROM afu9_policy.generate_verdicts(ARRAY['$run']::uuid[], ARRAY['[{\"resourceType\": \"R\", \"statusReason\": \"secret not found\"}]']::jsonb[])")"

# The guards: refused for every login (the owner included, where a trigger decides).
check "a verdict cannot be changed" "23001" "$(sqlstate afu9_app "UPDATE verdicts SET confidence_score = 1")"
check "an AFU-9 snapshot cannot be changed" "23001" "$(sqlstate afu9_app "UPDATE policy_snapshots SET version = 'v9.9.9'")"
check "a run cannot be moved to another snapshot" "23001" "$(sqlstate afu9_app "
    UPDATE workflow_executions SET policy_snapshot_id = (SELECT id FROM policy_snapshots WHERE metadata->>'execution_id' IS NULL LIMIT 1) WHERE id = '$run'")"
check "a snapshot's document cannot be rewritten" "42501" "$(sqlstate afu9_app "UPDATE afu9_policy.policy_documents SET body = '{}'")"
app afu9_app -c "SELECT afu9_policy.grant_policy_auditor('afu9_reader')" >/dev/null
check "an auditor of the application reads the audit" "t" "$(psql -XAtq "dbname=afu9_app user=afu9_reader password=$pw" -c "SELECT count(*) > 0 FROM afu9_policy.verdict_audits")"
check "the ledger still verifies against the digest taken after adoption" "0" "$(q afu9_app "SELECT afu9_policy.seal_policy_ledger(); SELECT count(*) FROM afu9_policy.verify_policy_ledger('$digest')" | tail -1)"

# Custody is refused while AFU-9's own triggers on the runs would run as the custodian.
check "custody is refused, naming AFU-9's triggers" "55000" "$(sqlstate afu9_app "SELECT afu9_policy.take_custody()")"

# pg_dump and pg_restore keep every row and column, the application's and the extension's.
pg_dump -Fc -d afu9_app -f "$work/app.dump" || echo "FAIL pg_dump"
createdb -O afu9_admin afu9_restored
# As a superuser (the extension's tables are not the database owner's to write), into a database
# the application's login owns, which then holds the extension's rights as before.
pg_restore -d afu9_restored "$work/app.dump" 2>"$work/restore.err" || true
check "pg_restore reports no error" "" "$(grep -v '^$' "$work/restore.err" | head -3)"
app afu9_app -f "$here/afu9/facts.sql" >"$work/facts.source"
app afu9_restored -f "$here/afu9/facts.sql" >"$work/facts.restored"
check "the restored application is the same" "" "$(diff "$work/facts.source" "$work/facts.restored")"
for t in policy_snapshot_records policy_documents policy_versions policy_activations policy_ledger; do
    check "restored $t identical" "$(q afu9_app "$(fingerprint "afu9_policy.$t")")" "$(q afu9_restored "$(fingerprint "afu9_policy.$t")")"
done
check "the restored ledger verifies against the source's digest" "0" "$(q afu9_restored "SELECT count(*) FROM afu9_policy.verify_policy_ledger('$digest')")"
check "the restored tables are governed" "$(q afu9_app "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'A'")" \
    "$(q afu9_restored "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'A'")"
next=$(app afu9_restored -c "INSERT INTO workflow_executions (status) VALUES ('running') RETURNING id")
check "the restored database snapshots new runs" "t" "$(q afu9_restored "SELECT policy_snapshot_id IS NOT NULL FROM workflow_executions WHERE id = '$next'")"

dropdb afu9_app; dropdb afu9_restored
finish adopt
