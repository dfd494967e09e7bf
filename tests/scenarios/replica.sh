#!/usr/bin/env bash
# Read scaling, run on a throwaway cluster (scripts/scenario.sh): a streaming standby made with
# pg_basebackup answers the reads (KPIs, factory status, audits, ledger verification) exactly
# as the primary does, refuses every write with 25006 (read_only_sql_transaction), and keeps
# agreeing after more writes on the primary.
#
# Need the primary (they write; on a standby they fail with 25006):
#   INSERT into workflow_executions (the take_policy_snapshot trigger inserts the snapshot),
#   INSERT into verdicts, INSERT/DELETE on the policy_snapshots view, generate_verdict,
#   update_run_status, publish_policy, activate_policy, store_policy_document (even for a
#   document already stored), seal_policy_ledger.
# Work on a standby (read only): every view; active_policy, active_policy_version,
#   policy_document, find_policy_version, policy_diff, replay_verdicts, audit_verdict (both),
#   audit_verdicts, verdict_consistency, factory_status, policy_kpis(interval),
#   get_policy_snapshot_for_execution, verify_policy_ledger (with or without a digest),
#   policy_ledger_digest (on the primary it seals first; a standby reports what is sealed),
#   classify_failure, replay_classification, verdict_replay_issues, validate_policy,
#   normalize_confidence, snapshot_failure_mode.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The standby has none of the primary's postgresql.conf: timestamps must print alike on both.
export PGTZ=UTC PGDATESTYLE='ISO, MDY'
db=afu9_replica
work=$(mktemp -d)
standby=$work/standby
sport=

# The standby's files belong to the cluster's OS user (postgres when run as root).
[ "$(id -u)" = 0 ] && chown postgres: "$work"
cleanup() {
    [ -f "$standby/postmaster.pid" ] && as_cluster_owner "$PG_BIN/pg_ctl" -D "$standby" -m fast -w stop >/dev/null 2>&1
    for _ in 1 2 3 4 5 6 7 8 9 10; do  # the walsender may take a moment to let go of the slot
        q postgres "SELECT pg_drop_replication_slot('afu9_replica') FROM pg_replication_slots WHERE slot_name = 'afu9_replica'" >/dev/null 2>&1 && break
        sleep 0.2
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

qs() { PGHOST=$work PGPORT=$sport q "$@"; }   # the same query on the standby
both() { check "$1" "$(q $db "$2")" "$(qs $db "$2")"; }
sqlstate() { # the SQLSTATE a statement fails with on the standby, empty if it succeeds
    PGHOST=$work PGPORT=$sport psql -XAtq -v VERBOSITY=sqlstate -d $db -c "$1" 2>&1 >/dev/null | sed -n 's/^ERROR: *//p'
}
# Polls until the standby has replayed everything the primary has written so far.
catch_up() { # label
    local target at deadline=$((SECONDS + 30))
    target=$(q postgres "SELECT pg_current_wal_lsn()")
    while :; do
        at=$(qs postgres "SELECT pg_last_wal_replay_lsn() >= '$target'::pg_lsn")
        [ "$at" = t ] || [ "$SECONDS" -ge "$deadline" ] && break
        sleep 0.1
    done
    check "$1: the standby replays up to the primary's $target" "t" "$at"
    if [ "$at" != t ]; then
        echo "FAIL the standby stopped at $(qs postgres "SELECT pg_last_wal_replay_lsn()") after 30s; its log:"
        tail -20 "$work/standby.log"
        finish replica; exit 1
    fi
}

dropdb --if-exists $db >/dev/null 2>&1
createdb $db
psql -XAtq -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
CREATE EXTENSION afu9_policy;
INSERT INTO workflow_executions (workflow_id, status) SELECT 'wf-' || i, 'failed' FROM generate_series(1, 200) i;
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "secret not found"}]')) FROM workflow_executions;
SELECT publish_policy('v1.1.0', active_policy() || '{"note": "v1.1.0"}');
INSERT INTO workflow_executions (workflow_id, status) SELECT 'wf-v1.1.0-' || i, 'failed' FROM generate_series(1, 100) i;
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "Throttling: Rate exceeded"}]'))
  FROM workflow_executions WHERE workflow_id LIKE 'wf-v1.1.0-%';
SELECT update_run_status(id, 'failed', NULL, 'secret not found') FROM workflow_executions WHERE workflow_id = 'wf-1';
SELECT seal_policy_ledger();
SQL
digest=$(q $db "SELECT policy_ledger_digest()")

# The standby: a base backup with its WAL streamed and a slot, so the primary keeps the WAL
# until the standby has it; -R makes it a standby of this primary.
as_cluster_owner "$PG_BIN/pg_basebackup" -D "$standby" -R -X stream -C -S afu9_replica -c fast \
    || { echo "FAIL pg_basebackup"; exit 1; }
# The standby listens on a socket of its own (no TCP, as the primary): the copy of the
# primary's configuration is replaced.
sport=$((PGPORT + 1))
cat >"$standby/postgresql.conf" <<EOF
port = $sport
listen_addresses = ''
unix_socket_directories = '$work'
hot_standby = on
fsync = off
EOF
[ "$(id -u)" = 0 ] && chown postgres: "$standby/postgresql.conf"
as_cluster_owner "$PG_BIN/pg_ctl" -D "$standby" -l "$work/standby.log" -w -t 30 start >/dev/null \
    || { echo "FAIL the standby did not start:"; tail -20 "$work/standby.log"; exit 1; }
check "the standby is in recovery" "t" "$(qs postgres "SELECT pg_is_in_recovery()")"
check "the primary is not" "f" "$(q postgres "SELECT pg_is_in_recovery()")"
catch_up "after the base backup"

# The reads, answered alike. factory_status() without its timestamp (now()), as a hash (a
# mismatch would print 100 kB twice): every other field comes from the rows, and the windows
# (24 hours, 7 days) hold every row on both.
both "policy_kpis" "SELECT * FROM policy_kpis"
check "policy_kpis counts every run and verdict" "300|100.00|300|100.00|100.00|0" "$(qs $db "SELECT * FROM policy_kpis")"
both "verdict_statistics" "SELECT * FROM verdict_statistics ORDER BY error_class, service"
both "executions_with_policy" "SELECT count(*), count(policy_definition) FROM executions_with_policy"
both "factory_status()" "SELECT md5((factory_status(100, 100, 24) - 'timestamp')::text)"
both "factory_status() totals" "SELECT factory_status() #> '{runs,total}', factory_status() #> '{verdicts,kpis,totalVerdicts}'"
both "verdict_audits" "SELECT count(*), count(*) FILTER (WHERE compliant) FROM verdict_audits"
check "no verdict is non-compliant on the standby" "0" "$(qs $db "SELECT count(*) FROM noncompliant_verdicts")"
for pick in "ORDER BY ledger_seq LIMIT 1" "ORDER BY ledger_seq OFFSET 150 LIMIT 1" "ORDER BY ledger_seq DESC LIMIT 1"; do
    id=$(q $db "SELECT id FROM verdicts $pick")
    both "audit_verdict('$id')" "SELECT * FROM audit_verdict('$id')"
done
both "audit_verdict(verdict, snapshot) of every verdict" \
    "SELECT md5(string_agg(a::text, ',' ORDER BY v.ledger_seq)) FROM verdicts v JOIN policy_snapshots s ON s.id = v.policy_snapshot_id, audit_verdict(v, s) a"
check "the ledger verifies on the standby" "0" "$(qs $db "SELECT count(*) FROM verify_policy_ledger()")"
check "the ledger verifies on the standby against the primary's digest" "0" \
    "$(qs $db "SELECT count(*) FROM verify_policy_ledger('$digest')")"
both "active_policy_version()" "SELECT * FROM active_policy_version()"
check "policy_ledger_digest() on the standby is the primary's" "$(q $db "SELECT '$digest'::jsonb - 'at'")" \
    "$(qs $db "SELECT policy_ledger_digest() - 'at'")"
# The other reads: each must answer on the standby, as on the primary.
run=$(q $db "SELECT id FROM workflow_executions WHERE workflow_id = 'wf-1'")
while IFS='|' read -r name sql <&3; do
    both "$name" "$(fingerprint "($sql)")"
done 3<<SQL
active_policy()|SELECT active_policy()
policy_history|SELECT * FROM policy_history
policy_version_stats|SELECT * FROM policy_version_stats
verdicts_with_policy|SELECT * FROM verdicts_with_policy
policy_snapshots|SELECT * FROM policy_snapshots
policy_ledger_rows|SELECT * FROM policy_ledger_rows
policy_diff()|SELECT * FROM policy_diff('v1.0.0', 'v1.1.0')
replay_verdicts()|SELECT * FROM replay_verdicts('v1.0.0')
audit_verdicts()|SELECT * FROM audit_verdicts()
verdict_consistency()|SELECT * FROM verdict_consistency()
get_policy_snapshot_for_execution()|SELECT * FROM get_policy_snapshot_for_execution('$run')
find_policy_version()|SELECT * FROM find_policy_version('v1.1.0')
policy_document()|SELECT policy_document(document_hash) FROM active_policy_version()
classify_failure()|SELECT * FROM classify_failure('[{"resourceType": "R", "statusReason": "secret not found"}]')
validate_policy()|SELECT validate_policy(active_policy())
replay_classification()|SELECT * FROM replay_classification('[{"resourceType": "R", "statusReason": "Throttling"}]', active_policy())
normalize_confidence()|SELECT normalize_confidence(0.505)
snapshot_failure_mode()|SELECT snapshot_failure_mode()
policy_kpis(interval)|SELECT * FROM policy_kpis(interval '1 day')
SQL

# The writes, each refused cleanly: read_only_sql_transaction, nothing half done.
check "transactions on the standby are read-only" "on" "$(qs $db "SHOW transaction_read_only")"
while IFS='|' read -r name sql <&3; do
    check "$name refused on the standby (25006)" "25006" "$(sqlstate "$sql")"
done 3<<SQL
INSERT INTO workflow_executions|INSERT INTO workflow_executions (workflow_id, status) VALUES ('on-standby', 'failed')
INSERT INTO verdicts|INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action) VALUES ('$run', 'f', 'UNKNOWN', 's', 50, 'OPEN_ISSUE')
INSERT INTO policy_snapshots|INSERT INTO policy_snapshots (version, policies) VALUES ('v0.9.0', '{"migrated": true}')
DELETE FROM policy_snapshots|DELETE FROM policy_snapshots WHERE id = (SELECT policy_snapshot_id FROM workflow_executions WHERE id = '$run')
generate_verdict()|SELECT generate_verdict('$run', '[{"resourceType": "R", "statusReason": "secret not found"}]')
update_run_status()|SELECT update_run_status('$run', 'completed')
publish_policy()|SELECT publish_policy('v9.0.0', active_policy() || '{"note": "standby"}')
activate_policy()|SELECT activate_policy('v1.0.0')
store_policy_document()|SELECT store_policy_document(active_policy())
seal_policy_ledger()|SELECT seal_policy_ledger()
SQL
both "the refused writes changed nothing" "SELECT (SELECT count(*) FROM workflow_executions), (SELECT count(*) FROM verdicts), (SELECT count(*) FROM policy_ledger)"

# More writes on the primary, streamed: the standby follows and still agrees.
psql -XAtq -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
INSERT INTO workflow_executions (workflow_id, status) SELECT 'after-' || i, 'failed' FROM generate_series(1, 50) i;
SELECT count(generate_verdict(id, '[{"resourceType": "R", "statusReason": "secret not found"}]'))
  FROM workflow_executions WHERE workflow_id LIKE 'after-%';
SELECT publish_policy('v1.2.0', active_policy() || '{"note": "v1.2.0"}');
INSERT INTO workflow_executions (workflow_id, status) VALUES ('after-v1.2.0', 'failed');
SELECT seal_policy_ledger();
SQL
digest=$(q $db "SELECT policy_ledger_digest()")
catch_up "after more writes"
check "the standby streams from the primary" "streaming" "$(qs postgres "SELECT status FROM pg_stat_wal_receiver")"
check "the standby sees the new runs and verdicts" "351|350" \
    "$(qs $db "SELECT (SELECT count(*) FROM workflow_executions), (SELECT count(*) FROM verdicts)")"
both "active_policy_version() after v1.2.0" "SELECT * FROM active_policy_version()"
both "policy_kpis after more writes" "SELECT * FROM policy_kpis"
both "factory_status() after more writes" "SELECT md5((factory_status(100, 100, 24) - 'timestamp')::text)"
both "ledger after more writes" "SELECT chain, count(*), md5(string_agg(encode(chain_hash, 'hex'), ',' ORDER BY position)) FROM policy_ledger GROUP BY chain ORDER BY chain"
check "the ledger verifies on the standby after more writes" "0" "$(qs $db "SELECT count(*) FROM verify_policy_ledger()")"
check "and against the primary's new digest" "0" "$(qs $db "SELECT count(*) FROM verify_policy_ledger('$digest')")"
check "no verdict is non-compliant on the standby after more writes" "0" "$(qs $db "SELECT count(*) FROM noncompliant_verdicts")"
check_invariants $db "on the primary"

finish replica
