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
install_extension --release >/dev/null
out=$(mktemp)
pg_virtualenv -t -v 15 -- bash -c "bash bench/workload.sh $verdicts $audits $runs && bash bench/inserts.sh $seconds $bulk" >"$out"
cat "$out"
get() { grep "^$1|" "$out" | cut -d'|' -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# b/a latency and b/c throughput for a client count; bulk b/a.
latency_ratio() { ratio "$(get "latency_extension_$1")" "$(get "latency_plain_$1")"; }
throughput_ratio() { ratio "$(get "tps_extension_$1")" "$(get "tps_old_flow_$1")"; }
bulk_ratio=$(ratio "$(get bulk_extension_s)" "$(get bulk_plain_s)")
whole() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
met() { awk "BEGIN { print ($1) ? \"yes\" : \"no\" }"; }
per_row() { awk -v b="$1" -v a="$2" -v n="$3" 'BEGIN { printf "%.0f", (b - a) * 1000000 / n }'; }
{
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh --verdicts $verdicts --audits $audits --runs $runs --seconds $seconds --bulk $bulk\`"
    echo "on $(date -u +%Y-%m-%d); nothing here is typed by hand. Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory,"
    echo "$(get server). The verdict figures use one backend, so one core, except the pgbench row."
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
        echo "| $c | $(whole "$(get tps_plain_$c)") | $(whole "$(get tps_extension_$c)") | $(whole "$(get tps_old_flow_$c)") | $(get latency_plain_$c) | $(get latency_extension_$c) | $(get latency_old_flow_$c) | $(latency_ratio "$c") | $(throughput_ratio "$c") |"
    done
    echo
    echo "Bulk \`INSERT ... SELECT\` of $bulk runs: (a) $(get bulk_plain_s) s, (b) $(get bulk_extension_s) s,"
    echo "b/a $bulk_ratio."
    echo
    echo "## Reading"
    echo
    echo "On $(get kpi_runs) runs and $(get kpi_verdicts) verdicts (those of the pgbench row below): \`policy_kpis\`"
    echo "$(get policy_kpis_ms) ms, \`factory_status()\` $(get factory_status_ms) ms (warm cache). \`policy_kpis\` checks each verdict's"
    echo "snapshot against its run's (traceability), one index lookup per verdict in the window."
    echo
    echo "## Verdict engine"
    echo
    echo "| What | Result |"
    echo "| --- | --- |"
    echo "| \`classify_failure\` with the v1.0.0 policy, $verdicts calls | $(get classify_per_s) per second |"
    echo "| \`generate_verdict\` (classify with the run's snapshot and store), $verdicts runs | $(get generate_per_s) per second |"
    echo "| \`generate_verdict\`, $(get generate_clients) pgbench clients (one per core), $seconds s | $(get generate_concurrent_per_s) per second |"
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
    echo
    echo "## Against the targets"
    echo
    b1=$(latency_ratio 1); b4=$(latency_ratio 4); c1=$(throughput_ratio 1); c4=$(throughput_ratio 4)
    verdict_best=$(awk -v a="$(get generate_per_s)" -v b="$(get generate_concurrent_per_s)" 'BEGIN { print (a > b ? a : b) }')
    echo "| Target | Measured | Met |"
    echo "| --- | --- | --- |"
    echo "| b/a single-row latency at most 1.3 | $b1 (1 client), $b4 (4) | $(met "$b1 <= 1.3 && $b4 <= 1.3") |"
    echo "| b at least 2.5 times c's throughput | $c1 (1 client), $c4 (4) | $(met "$c1 >= 2.5 && $c4 >= 2.5") |"
    echo "| bulk b/a at most 2.0 | $bulk_ratio | $(met "$bulk_ratio <= 2.0") |"
    echo "| snapshot storage at most 300 bytes per run | $(get snapshot_bytes_per_run) (a full copy: $(get full_copy_bytes_per_run)) | $(met "$(get snapshot_bytes_per_run) <= 300") |"
    echo "| \`policy_kpis\` under 200 ms on 1,000,000 runs | $(get policy_kpis_ms) ms on $(get kpi_runs) runs, $(get kpi_verdicts) verdicts | $(met "$(get policy_kpis_ms) < 200 && $(get kpi_runs) >= 1000000") |"
    echo "| \`generate_verdict\` at least 20,000 per second | $verdict_best | $(met "$verdict_best >= 20000") |"
    echo
    echo "Where the time goes (profiled with perf; docs/benchmarks.md has the detail). In bulk the snapshot"
    echo "costs $(per_row "$(get bulk_extension_s)" "$(get bulk_plain_s)" "$bulk") µs more per run than a plain row. The trigger is Rust with its"
    echo "plans kept per backend and the active version looked up once per statement snapshot, so what"
    echo "remains is the row the AFU-9 schema asks for: one snapshot row per run (its INSERT run from the"
    echo "trigger, two index entries, the policy_version domain check), the run's foreign key check to it"
    echo "(which locks the snapshot row) and the run's unique snapshot index. A single-row INSERT also"
    echo "pays the active-version lookup (each transaction has a new snapshot) and the extra WAL at"
    echo "commit. Going below would mean dropping the per-run row or the foreign key, which the"
    echo "AFU-9 design specifies."
    echo
    echo "\`generate_verdict\` costs $(awk -v r="$(get generate_per_s)" 'BEGIN { printf "%.0f", 1000000 / r }') µs a call on one backend, of which classifying is a"
    echo "small part (\`classify_failure\` includes an \`active_policy()\` lookup per call); the rest is"
    echo "the SECURITY DEFINER switch, the run and document lookups, and storing a checked row: the"
    echo "verdict INSERT with its link trigger, two foreign key checks and five indexes. 20,000 a second"
    echo "is 50 µs a verdict, below what one stored, checked row costs here; with pgbench the client"
    echo "shares the two cores, so more clients do not add much on this machine."
} > BENCHMARKS.md
rm -f "$out"
echo "wrote BENCHMARKS.md"
