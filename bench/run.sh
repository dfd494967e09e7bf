#!/usr/bin/env bash
# Benchmark on a throwaway PostgreSQL 15 cluster, with the extension built in release mode.
# Writes BENCHMARKS.md from the run itself.
#   bash bench/run.sh [--verdicts N] [--audits N] [--runs N]   (defaults 20000, 100000, 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
verdicts=20000
audits=100000
runs=100000
while [ $# -gt 0 ]; do
    case "$1" in
        --verdicts) verdicts=$2; shift 2 ;;
        --audits) audits=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: bench/run.sh [--verdicts N] [--audits N] [--runs N]" >&2; exit 2 ;;
    esac
done
bash scripts/setup.sh
cargo pgrx install --release --pg-config "$PG_CONFIG" >/dev/null
out=$(mktemp)
pg_virtualenv -v 15 -- bash bench/workload.sh "$verdicts" "$audits" "$runs" >"$out"
cat "$out"
get() { grep "^$1|" "$out" | cut -d'|' -f2; }
{
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh --verdicts $verdicts --audits $audits --runs $runs\` on $(date -u +%Y-%m-%d);"
    echo "nothing here is typed by hand. Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory,"
    echo "$(get server). One backend, so one core."
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
