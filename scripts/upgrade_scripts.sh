#!/usr/bin/env bash
# Writes the upgrade scripts that are made, not written: sql/afu9_policy--A--B.sql from
# sql/upgrade/A--B.before.sql, the code files of sql/schema/ in the order src/schema.rs
# installs them (all but the data and one-off steps: bootstrap, tables, the seed,
# application_tables, governance and dump), and
# sql/upgrade/A--B.after.sql. Run before `cargo pgrx install` or `cargo pgrx package`.
set -euo pipefail
cd "$(dirname "$0")/.."
code=$(grep -o '"\.\./sql/schema/[^"]*\.sql"' src/schema.rs | tr -d '"' | sed 's|^\.\./||' |
       grep -vE '/(bootstrap|tables|policy_v1\.0\.0|application_tables|governance|dump)\.sql$')
for before in sql/upgrade/*.before.sql; do
    step=$(basename "$before" .before.sql)
    out=sql/afu9_policy--$step.sql
    {
        cat "$before"
        for f in $code; do printf '\n-- %s\n' "$f"; cat "$f"; done
        cat "sql/upgrade/$step.after.sql"
    } >"$out"
    echo "upgrade_scripts: wrote $out"
done
