# Sourced by the scenario tests (tests/scenarios/*.sh), which run inside pg_virtualenv.
q() { psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
passed=0; failed=0
check() { # name, expected, actual
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"; fi
}
# The invariants every scenario ends with, on database $1: every run has a snapshot, every
# verdict references its run's snapshot, no verdict is non-compliant, the ledger verifies.
check_invariants() { # db, label
    check "$2: every run has a snapshot" "0" \
        "$(q "$1" "SELECT count(*) FROM workflow_executions e LEFT JOIN policy_snapshot_records s ON s.id = e.policy_snapshot_id WHERE s.id IS NULL")"
    check "$2: every verdict references its run's snapshot" "0" \
        "$(q "$1" "SELECT count(*) FROM verdicts v LEFT JOIN workflow_executions e ON e.id = v.execution_id WHERE e.policy_snapshot_id IS DISTINCT FROM v.policy_snapshot_id")"
    check "$2: no verdict is non-compliant" "0" "$(q "$1" "SELECT count(*) FROM noncompliant_verdicts")"
    q "$1" "SELECT seal_policy_ledger()" >/dev/null
    check "$2: the ledger verifies" "0" "$(q "$1" "SELECT count(*) FROM verify_policy_ledger()")"
}
finish() { # scenario name
    echo "$1: ${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
}
