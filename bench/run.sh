#!/usr/bin/env bash
# Benchmark on a throwaway PostgreSQL 15 cluster, with the extension built in release mode.
# Writes BENCHMARKS.md from the run itself.
#   bash bench/run.sh [--verdicts N] [--audits N] [--runs N] [--seconds N] [--bulk N]
#   defaults: 20000 verdicts, 100000 audits, 100000 runs for storage, 10 s per pgbench case,
#   1000000 runs in bulk; scale down with the flags (a quick look: --seconds 2 --bulk 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
verdicts=20000
audits=100000
runs=100000
seconds=10
bulk=1000000
while [ $# -gt 0 ]; do
    case "$1" in
        --verdicts) verdicts=$2; shift 2 ;;
        --audits) audits=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --bulk) bulk=$2; shift 2 ;;
        *) echo "usage: bench/run.sh [--verdicts N] [--audits N] [--runs N] [--seconds N] [--bulk N]" >&2; exit 2 ;;
    esac
done
bash scripts/setup.sh
cargo pgrx install --release --pg-config "$PG_CONFIG" >/dev/null
out=$(mktemp)
pg_virtualenv -t -v 15 -- bash -c "bash bench/workload.sh $verdicts $audits $runs && bash bench/inserts.sh $seconds $bulk" >"$out"
cat "$out"
get() { grep "^$1|" "$out" | cut -d'|' -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
whole() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
{
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh --verdicts $verdicts --audits $audits --runs $runs --seconds $seconds --bulk $bulk\`"
    echo "on $(date -u +%Y-%m-%d); nothing here is typed by hand. Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory,"
    echo "$(get server). The verdict figures use one backend, so one core."
    echo
    echo "## Inserting a run"
    echo
    echo "Single-row INSERT, one per transaction, pgbench for $seconds s per case: (a) a plain table with"
    echo "the same columns and indexes, (b) \`workflow_executions\` with the extension (the snapshot is"
    echo "taken inside the INSERT), (c) the old application flow (INSERT the run, INSERT a snapshot"
    echo "with the full policy, UPDATE the run to link it, in one transaction)."
    echo
    echo "| Clients | (a) TPS | (b) TPS | (c) TPS | (a) latency ms | (b) latency ms | (c) latency ms | b/a latency | b/c throughput |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for c in 1 4; do
        echo "| $c | $(whole "$(get tps_plain_$c)") | $(whole "$(get tps_extension_$c)") | $(whole "$(get tps_old_flow_$c)") | $(get latency_plain_$c) | $(get latency_extension_$c) | $(get latency_old_flow_$c) | $(ratio "$(get latency_extension_$c)" "$(get latency_plain_$c)") | $(ratio "$(get tps_extension_$c)" "$(get tps_old_flow_$c)") |"
    done
    echo
    echo "Bulk \`INSERT ... SELECT\` of $bulk runs: (a) $(get bulk_plain_s) s, (b) $(get bulk_extension_s) s,"
    echo "b/a $(ratio "$(get bulk_extension_s)" "$(get bulk_plain_s)")."
    echo
    echo "## Reading"
    echo
    echo "On $(get kpi_runs) runs: \`policy_kpis\` $(get policy_kpis_ms) ms, \`factory_status()\` $(get factory_status_ms) ms (warm cache)."
    echo
    echo "## Verdict engine"
    echo
    echo "| What | Result |"
    echo "| --- | --- |"
    echo "| \`classify_failure\` with the v1.0.0 policy, $verdicts calls | $(get classify_per_s) per second |"
    echo "| \`generate_verdict\` (classify with the run's snapshot and store), $verdicts runs | $(get generate_per_s) per second |"
    echo "| \`audit_verdicts\` over $audits stored verdicts (with replay) | $(get audit_ms) ms |"
    echo
    echo "Signals rotate over one example per v1.0.0 rule plus an unmatched one, so every rule and"
    echo "the UNKNOWN fallback are exercised. Policies are compiled once per backend and reused."
    echo
    echo "## Snapshot storage"
    echo
    echo "| Per run, table + TOAST + indexes | Bytes |"
    echo "| --- | --- |"
    echo "| \`policy_snapshot_records\` (the document stored once, by hash) | $(get snapshot_bytes_per_run) |"
    echo "| a full copy of the policy per run (the old flow) | $(get full_copy_bytes_per_run) |"
    echo
    echo "The v1.0.0 document: $(get document_bytes). Measured over $runs runs plus those above."
} > BENCHMARKS.md
rm -f "$out"
echo "wrote BENCHMARKS.md"
