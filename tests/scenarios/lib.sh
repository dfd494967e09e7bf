# Sourced by the scenario tests (tests/scenarios/*.sh), which scripts/scenario.sh runs with PG*
# pointing at a throwaway cluster of their own (with_cluster, scripts/cluster.sh).
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/cluster.sh"
q() { psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
passed=0; failed=0
check() { # name, expected, actual
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"; fi
}
# The invariants every scenario ends with, on database $1: every run has a snapshot, every
# verdict references its run's snapshot, no verdict is non-compliant, the ledger verifies.
check_invariants() { # db, label
    check "$2: every run has a snapshot" "0" \
        "$(q "$1" "SELECT count(*) FROM workflow_executions e LEFT JOIN afu9_policy.policy_snapshots s ON s.id = e.policy_snapshot_id WHERE s.id IS NULL")"
    check "$2: every verdict references its run's snapshot" "0" \
        "$(q "$1" "SELECT count(*) FROM verdicts v LEFT JOIN workflow_executions e ON e.id = v.execution_id WHERE e.policy_snapshot_id IS DISTINCT FROM v.policy_snapshot_id")"
    check "$2: no verdict is non-compliant" "0" "$(q "$1" "SELECT count(*) FROM noncompliant_verdicts")"
    q "$1" "SELECT seal_policy_ledger()" >/dev/null
    check "$2: the ledger verifies" "0" "$(q "$1" "SELECT count(*) FROM verify_policy_ledger()")"
}
# The tables whose rows dump_restore and upgrade compare before and after.
stored_tables="workflow_executions verdicts policy_snapshots policy_documents policy_versions policy_activations policy_ledger"
# And those new in 0.3.0 (templates, experiments), which dump_restore compares too.
stored_tables_now="$stored_tables policy_templates policy_experiments policy_experiment_allocations policy_experiment_arms"
# SQL giving a relation's, or a parenthesised query's, row count and an md5 of its rows in a fixed order.
fingerprint() { # relation or (query)
    echo "SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM $1 x"
}
finish() { # scenario name
    echo "$1: ${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
}

# Concurrent load (load.sh, crash.sh): pgbench scripts and the version check in load/.
load_dir=$(dirname "${BASH_SOURCE[0]}")/load
# A database ready for load: a second version, v1.1.0, published but not active, to switch to,
# and load_seen, where the clients record the snapshot each run's INSERT saw.
load_setup() { # db
    createdb "$1"
    q "$1" "CREATE EXTENSION afu9_policy" >/dev/null
    q "$1" "CREATE TABLE load_seen (run_id uuid PRIMARY KEY, seen pg_snapshot NOT NULL)" >/dev/null
    q "$1" "SELECT publish_policy('v1.1.0', active_policy() || '{\"note\": \"v1.1.0\"}', false)" >/dev/null
}
# pgbench, 8 clients for $2 seconds, mixing runs (weight 5), runs with their verdict (3) and
# dashboard reads (1), while the active policy switches between v1.1.0 and v1.0.0 every two
# seconds. pgbench's report goes to $3, one line per activation that committed to $3.activations.
# One pgbench thread (-j 1): pgbench adds up its per-script counts, which `committed` reads,
# without a lock, so two threads can lose a count (a CI run saw 5766 for 5767 commits).
run_load() { # db, seconds, report file
    local db=$1 seconds=$2 report=$3 activator status
    (
        end=$((SECONDS + seconds)); next=v1.1.0
        while [ "$SECONDS" -lt "$end" ]; do
            sleep 2
            psql -XAtq -d "$db" -c "SELECT activate_policy('$next')" >/dev/null 2>&1 && echo "$next"
            if [ "$next" = v1.1.0 ]; then next=v1.0.0; else next=v1.1.0; fi
        done
    ) >"$report.activations" &
    activator=$!
    pgbench -n -c 8 -j 1 -T "$seconds" -f "$load_dir/runs.sql@5" -f "$load_dir/verdicts.sql@3" \
        -f "$load_dir/reads.sql@1" "$db" >"$report" 2>&1
    status=$?
    wait "$activator"
    return "$status"
}
# Transactions pgbench saw commit for script $2 (1 runs, 2 runs with verdicts, 3 reads).
committed() { # report file, script number
    awk -v n="$2" '/^SQL script / {s = $3 + 0} s == n && / transactions \(/ {print $2; exit}' "$1"
}
# Whether the per-script counts add up to pgbench's total of processed transactions.
counts_add_up() { # report file
    local total
    total=$(awk '/^number of transactions actually processed:/ {split($6, a, "/"); print a[1]}' "$1")
    [ -n "$total" ] && [ "$total" -eq $(($(committed "$1" 1) + $(committed "$1" 2) + $(committed "$1" 3))) ] && echo t || echo f
}
# Runs whose snapshot is not of the version active when their INSERT began.
misversioned() { # db
    psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -f "$load_dir/versions.sql"
}
